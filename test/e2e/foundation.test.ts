// Issue 2, end to end: the gateway serves health over TLS 1.3 only, refuses TLS 1.2, answers every
// proxied route with 401 while nobody is authenticated, and the upstream never sees such a request.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect } from "node:tls";
import { type Rampart, startRampart } from "./harness.js";

function handshake(port: number, ca: string, version: "TLSv1.2" | "TLSv1.3"): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(
      { host: "127.0.0.1", port, ca, servername: "localhost", minVersion: version, maxVersion: version },
      () => {
        const v = s.getProtocol() ?? "none";
        s.end();
        resolve(v);
      },
    );
    s.on("error", reject);
  });
}

const targets = [
  { name: "sqlite", url: undefined as string | undefined, skip: false as string | false },
  {
    name: "postgres",
    url: process.env["RAMPART_TEST_DATABASE_URL"],
    skip: process.env["RAMPART_TEST_DATABASE_URL"]
      ? (false as const)
      : "RAMPART_TEST_DATABASE_URL is not set",
  },
];

for (const target of targets) {
  describe(`gateway foundation [${target.name}]`, { skip: target.skip }, () => {
    let r: Rampart;
    before(async () => {
      r = await startRampart({ databaseUrl: target.url });
    });
    after(async () => r?.close());

    test("health answers ok with version, dialect and uptime, and security headers", async () => {
      const res = await r.http("GET", "/_rampart/health");
      assert.equal(res.status, 200);
      const body = res.json() as Record<string, unknown>;
      assert.equal(body["status"], "ok");
      assert.equal(body["database"], target.name);
      assert.equal(typeof body["version"], "string");
      assert.equal(typeof body["uptimeSeconds"], "number");
      assert.equal(res.headers["strict-transport-security"], "max-age=31536000; includeSubDomains; preload");
      assert.equal(res.headers["x-content-type-options"], "nosniff");
      assert.match(String(res.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
    });

    test("TLS 1.3 handshakes; TLS 1.2 is refused", async () => {
      assert.equal(await handshake(r.gateway.port, r.caPem, "TLSv1.3"), "TLSv1.3");
      await assert.rejects(handshake(r.gateway.port, r.caPem, "TLSv1.2"));
    });

    test("a proxied route without credentials is 401 and never reaches the dashboard", async () => {
      r.demo.resetReceived();
      for (const [method, path] of [
        ["GET", "/pandl"],
        ["GET", "/"],
        ["POST", "/rolls"],
        ["GET", "/static/app.js"],
      ] as const) {
        const res = await r.http(
          method,
          path,
          method === "POST"
            ? {
                body: "instrument=SOFR&state=Force&confirmed=true",
                headers: { "content-type": "application/x-www-form-urlencoded" },
              }
            : {},
        );
        assert.equal(res.status, 401, `${method} ${path}`);
        const err = (res.json() as { error: Record<string, unknown> }).error;
        assert.equal(err["code"], "ERR_AUTH_REQUIRED");
        assert.equal(err["requestId"], res.headers["x-request-id"]);
      }
      assert.equal(r.demo.receivedCount, 0);
    });

    test("a path outside the route map is 404, an ambiguous one 400, and neither reaches the dashboard", async () => {
      r.demo.resetReceived();
      for (const path of ["/admin", "/pandl/x", "/PANDL"]) {
        const res = await r.http("GET", path);
        assert.equal(res.status, 404, path);
        assert.equal((res.json() as { error: { code: string } }).error.code, "ERR_HTTP_NOT_FOUND");
      }
      for (const path of [
        "/rolls/../processes",
        "/%2e%2e/processes",
        "/static/..%2fprocesses",
        "//pandl",
        "/./pandl",
      ]) {
        const res = await r.http("GET", path);
        assert.equal(res.status, 400, path);
        assert.equal((res.json() as { error: { code: string } }).error.code, "ERR_HTTP_BAD_PATH");
      }
      const wrongMethod = await r.http("DELETE", "/rolls");
      assert.equal(wrongMethod.status, 404);
      assert.equal(r.demo.receivedCount, 0);
    });

    test("a body over the limit is 413", async () => {
      const res = await r.http("POST", "/rolls", {
        body: Buffer.alloc(1024 * 1024 + 1, 97),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      assert.equal(res.status, 413);
      assert.equal((res.json() as { error: { code: string } }).error.code, "ERR_HTTP_BODY_TOO_LARGE");
    });
  });
}
