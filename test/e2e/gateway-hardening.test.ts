// Review findings through the whole gateway: percent-encoded paths cannot dodge the login/MFA budget
// or no-store (the path guard refuses them); Rampart's cookies and headers an upstream could
// misread never reach it; a browser's cross-site write cannot ride on its client certificate.
import assert from "node:assert/strict";
import { request as httpsRequest } from "node:https";
import { after, before, describe, test } from "node:test";
import { createAndLogin, type LoggedIn, type Rampart, startRampart } from "./harness.js";

const form = "application/x-www-form-urlencoded";
const rollBody = "instrument=SOFR&state=Passive&confirmed=true";
const errorCode = (text: string) => (JSON.parse(text) as { error: { code: string } }).error.code;

describe("percent-encoded paths (tight login budget)", () => {
  let r: Rampart;
  before(async () => {
    r = await startRampart({
      yaml: "rate_limits:\n  auth: { requests_per_minute: 1, burst: 2 }\n  per_ip: { requests_per_minute: 60000, burst: 5000 }",
    });
  });
  after(async () => r?.close());

  test("encoded login, MFA, step-up and TOTP paths are refused (400 ERR_HTTP_BAD_PATH, no-store), not served on the per-IP budget", async () => {
    const body = JSON.stringify({ username: "nobody", password: "Wrong-Password-1234" });
    for (const path of [
      "/_rampart/v1/auth/%6cogin",
      "/_rampart/v1/auth/%6Cogin",
      "/%5frampart/v1/auth/login",
      "/_rampart/v1/auth/mf%61",
      "/_rampart/v1/auth/step%2dup",
      "/_rampart/v1/auth/mfa/totp/%65nroll",
      "/_rampart/v1/auth/mfa/totp/confirm%7e",
    ]) {
      for (let i = 0; i < 3; i++) {
        const res = await r.http("POST", path, { headers: { "content-type": "application/json" }, body });
        assert.equal(res.status, 400, `${path}: ${res.text}`);
        assert.equal(errorCode(res.text), "ERR_HTTP_BAD_PATH", path);
        assert.equal(res.headers["cache-control"], "no-store", path);
      }
    }
    // The plain path keeps its budget (burst 2): the third attempt is 429.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        (
          await r.http("POST", "/_rampart/v1/auth/login", {
            headers: { "content-type": "application/json" },
            body,
          })
        ).status,
      );
    assert.equal(statuses[2], 429, String(statuses));
  });

  test("an encoded control-API read is refused with no-store, not answered", async () => {
    for (const path of [
      "/%5frampart/v1/auth/session",
      "/_rampart/v1/auth/%73ession",
      "/_rampart/v1/%61uth/session",
    ]) {
      const res = await r.http("GET", path);
      assert.equal(res.status, 400, `${path}: ${res.text}`);
      assert.equal(res.headers["cache-control"], "no-store", path);
    }
  });
});

describe("the upstream never sees Rampart's credentials or look-alike headers", () => {
  let r: Rampart;
  let analyst: LoggedIn;
  before(async () => {
    r = await startRampart();
    analyst = await createAndLogin(r, "ursula", ["read_only_analyst"]);
  });
  after(async () => r?.close());

  test("session cookie with a space before '=', the __Host- CSRF cookie, x_rampart_user, Forwarded and method overrides are dropped", async () => {
    const token = analyst.cookie.slice(analyst.cookie.indexOf("=") + 1);
    r.demo.resetReceived();
    const res = await r.http("GET", "/rolls", {
      headers: {
        cookie: `theme=dark; __Host-rampart_session =${token}; __Host-rampart_csrf=${analyst.csrf}; lang=en`,
        x_rampart_user: "mallory",
        x_rampart_roles: "system_administrator",
        forwarded: "for=203.0.113.9;proto=https",
        "x-http-method-override": "DELETE",
        "x-method-override": "DELETE",
        "x-http-method": "DELETE",
        "x-forwarded-port": "1",
        "x-real-ip": "203.0.113.9",
        "x-kept": "yes",
      },
    });
    assert.equal(res.status, 200, res.text);
    const seen = r.demo.received.at(-1);
    assert.ok(seen);
    const h = seen.headers;
    assert.equal(h.cookie, "theme=dark; lang=en");
    assert.doesNotMatch(JSON.stringify(h), new RegExp(`${token}|${analyst.csrf}|mallory|203\\.0\\.113\\.9`));
    for (const name of [
      "x_rampart_user",
      "x_rampart_roles",
      "forwarded",
      "x-http-method-override",
      "x-method-override",
      "x-http-method",
      "x-forwarded-port",
      "x-real-ip",
    ])
      assert.equal(h[name], undefined, name);
    assert.equal(h["x-rampart-user"], "ursula");
    assert.equal(h["x-kept"], "yes");
  });

  test("a request with only Rampart's cookies reaches the upstream without a Cookie header", async () => {
    r.demo.resetReceived();
    const res = await r.http("GET", "/rolls", {
      headers: { cookie: `${analyst.cookie}; __Host-rampart_csrf=${analyst.csrf}` },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(r.demo.received.at(-1)?.headers.cookie, undefined);
  });
});

describe("client-certificate writes and cross-site browsers", () => {
  let r: Rampart;
  let cert: { certPem: string; keyPem: string };
  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: "127.0.0.1",
          port: r.gateway.port,
          method,
          path,
          headers,
          ca: r.caPem,
          servername: "localhost",
          cert: cert.certPem,
          key: cert.keyPem,
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  before(async () => {
    r = await startRampart();
    await r.app.pki().addServiceAccount("roller", ["trader"], { via: "cli" });
    cert = await r.app.pki().issueCertificate("roller", { via: "cli" });
  });
  after(async () => r?.close());

  test("a cross-site Origin or Sec-Fetch-Site on a certificate-authenticated POST is 403 ERR_AUTH_CSRF and never proxied", async () => {
    const self = `https://127.0.0.1:${r.gateway.port}`;
    for (const extra of [
      { origin: "https://evil.example" },
      { origin: "null" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
      { origin: self, "sec-fetch-site": "cross-site" },
    ]) {
      r.demo.resetReceived();
      for (const contentType of [form, "text/plain"]) {
        const res = await send("POST", "/rolls", { "content-type": contentType, ...extra }, rollBody);
        assert.equal(res.status, 403, `${JSON.stringify(extra)} ${contentType}: ${res.text}`);
        assert.equal(errorCode(res.text), "ERR_AUTH_CSRF");
      }
      assert.equal(r.demo.receivedCount, 0, JSON.stringify(extra));
    }
    const ctl = await send("POST", "/_rampart/v1/auth/logout", { "sec-fetch-site": "cross-site" });
    assert.equal(ctl.status, 403, ctl.text);
    assert.equal(errorCode(ctl.text), "ERR_AUTH_CSRF");
  });

  test("machine clients (no Origin, no Sec-Fetch-Site), same-origin browsers and cross-site reads still pass", async () => {
    const self = `https://127.0.0.1:${r.gateway.port}`;
    for (const extra of [
      {},
      { origin: self, "sec-fetch-site": "same-origin" },
      { "sec-fetch-site": "none" },
    ]) {
      r.demo.resetReceived();
      const res = await send("POST", "/rolls", { "content-type": form, ...extra }, rollBody);
      assert.equal(res.status, 200, `${JSON.stringify(extra)}: ${res.text}`);
      assert.equal(r.demo.receivedCount, 1);
      assert.equal(r.demo.received.at(-1)?.headers["x-rampart-user"], "roller");
    }
    const read = await send("GET", "/rolls", {
      origin: "https://evil.example",
      "sec-fetch-site": "cross-site",
    });
    assert.equal(read.status, 200, read.text);
  });
});
