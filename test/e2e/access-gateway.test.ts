// Issues 3 and 4 through the gateway: login with TOTP, session cookie flags, role-based access to
// the dashboard routes, CSRF on cookie-authenticated writes, step-up MFA for trading actions, and
// refused requests never reaching the upstream.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createAndLogin, type LoggedIn, type Rampart, startRampart } from "./harness.js";

const form = "application/x-www-form-urlencoded";
const rollBody = "instrument=SOFR&state=Passive&confirmed=true";

describe("access through the gateway", () => {
  let r: Rampart;
  let trader: LoggedIn;
  let analyst: LoggedIn;
  let risk: LoggedIn;
  let admin: LoggedIn;
  before(async () => {
    r = await startRampart();
    trader = await createAndLogin(r, "tina", ["trader"]);
    analyst = await createAndLogin(r, "andy", ["read_only_analyst"]);
    risk = await createAndLogin(r, "rita", ["risk_manager"]);
    admin = await createAndLogin(r, "adele", ["system_administrator"]);
  });
  after(async () => r?.close());

  test("the session cookie carries Secure, HttpOnly, SameSite=Strict, Path=/ and the __Host- prefix", async () => {
    const login = await r.http("POST", "/_rampart/v1/auth/login", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "tina", password: trader.password }),
    });
    const { challenge } = login.json() as { challenge: string };
    const mfa = await r.http("POST", "/_rampart/v1/auth/mfa", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ challenge, code: trader.nextCode() }),
    });
    assert.equal(mfa.status, 200, mfa.text);
    const cookies = mfa.headers["set-cookie"] as string[];
    const session = cookies.find((c) => c.startsWith("__Host-rampart_session=")) ?? "";
    for (const flag of ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"])
      assert.ok(session.includes(flag), flag);
    assert.doesNotMatch(session, /Domain=/i);
  });

  test("who am I: roles and expiry; the session lifetime is the role's (trader 8 h)", async () => {
    const res = await r.http("GET", "/_rampart/v1/auth/session", { headers: { cookie: trader.cookie } });
    assert.equal(res.status, 200);
    const s = res.json() as { username: string; roles: string[]; expiresAt: string };
    assert.equal(s.username, "tina");
    assert.deepEqual(s.roles, ["trader"]);
    const hours = (Date.parse(s.expiresAt) - r.clock.now()) / 3_600_000;
    assert.ok(hours > 7.5 && hours <= 8, String(hours));
  });

  test("an analyst sees the standard reports but not P&L, positions or processes", async () => {
    const h = { cookie: analyst.cookie };
    assert.equal((await r.http("GET", "/", { headers: h })).status, 200);
    assert.equal((await r.http("GET", "/rolls", { headers: h })).status, 200);
    r.demo.resetReceived();
    for (const path of ["/pandl", "/capital", "/reconcile", "/trades", "/processes"]) {
      const res = await r.http("GET", path, { headers: h });
      assert.equal(res.status, 403, path);
      const err = (res.json() as { error: { code: string; action: string } }).error;
      assert.equal(err.code, "ERR_ACCESS_DENIED");
      assert.equal(typeof err.action, "string");
      assert.doesNotMatch(res.text, /read_only_analyst|restriction|permission/);
    }
    assert.equal(r.demo.receivedCount, 0);
  });

  test("an analyst's POST /rolls is 403 and the dashboard sees nothing", async () => {
    r.demo.resetReceived();
    const res = await r.http("POST", "/rolls", {
      headers: analyst.writeHeaders({ "content-type": form }),
      body: rollBody,
    });
    assert.equal(res.status, 403);
    assert.equal((res.json() as { error: { action: string } }).error.action, "trading:modify_roll_state");
    assert.equal(r.demo.receivedCount, 0);
  });

  test("a trader's cookie POST without the CSRF token or with a foreign Origin is refused and never proxied", async () => {
    r.demo.resetReceived();
    const noToken = await r.http("POST", "/rolls", {
      headers: { cookie: trader.cookie, "content-type": form, origin: `https://localhost:${r.gateway.port}` },
      body: rollBody,
    });
    assert.equal(noToken.status, 403);
    assert.equal((noToken.json() as { error: { code: string } }).error.code, "ERR_AUTH_CSRF");
    const foreign = await r.http("POST", "/rolls", {
      headers: trader.writeHeaders({ "content-type": form, origin: "https://evil.example" }),
      body: rollBody,
    });
    assert.equal(foreign.status, 403);
    assert.equal(r.demo.receivedCount, 0);
  });

  test("a trader's POST /rolls needs step-up after the window; after a code it passes with identity headers", async () => {
    r.clock.advance(6 * 60_000);
    r.demo.resetReceived();
    const first = await r.http("POST", "/rolls", {
      headers: trader.writeHeaders({ "content-type": form }),
      body: rollBody,
    });
    assert.equal(first.status, 401);
    assert.equal((first.json() as { error: { code: string } }).error.code, "ERR_AUTH_STEP_UP_REQUIRED");
    assert.equal(r.demo.receivedCount, 0);
    const stepUp = await r.http("POST", "/_rampart/v1/auth/step-up", {
      headers: trader.writeHeaders({ "content-type": "application/json" }),
      body: JSON.stringify({ code: trader.nextCode() }),
    });
    assert.equal(stepUp.status, 200, stepUp.text);
    const second = await r.http("POST", "/rolls", {
      headers: trader.writeHeaders({ "content-type": form, "x-rampart-user": "mallory" }),
      body: rollBody,
    });
    assert.equal(second.status, 200, second.text);
    const seen = r.demo.received.at(-1);
    assert.equal(seen?.method, "POST");
    assert.equal(seen?.headers["x-rampart-user"], "tina");
    assert.equal(seen?.headers["x-rampart-roles"], "trader");
    assert.equal(seen?.headers["x-csrf-token"], undefined);
    assert.doesNotMatch(String(seen?.headers.cookie ?? ""), /rampart_session/);
  });

  test("a risk manager sees the whole dashboard and may not change roll states; an administrator sees processes", async () => {
    for (const path of ["/", "/pandl", "/capital", "/reconcile", "/trades", "/risk"]) {
      assert.equal((await r.http("GET", path, { headers: { cookie: risk.cookie } })).status, 200, path);
    }
    const roll = await r.http("POST", "/rolls", {
      headers: risk.writeHeaders({ "content-type": form }),
      body: rollBody,
    });
    assert.equal(roll.status, 403);
    assert.equal((await r.http("GET", "/processes", { headers: { cookie: admin.cookie } })).status, 200);
  });

  test("disabling a user revokes their session at once", async () => {
    const u = await createAndLogin(r, "dora", ["read_only_analyst"]);
    assert.equal((await r.http("GET", "/", { headers: { cookie: u.cookie } })).status, 200);
    await r.app.identity().disableUser("dora", { via: "cli" });
    const res = await r.http("GET", "/", { headers: { cookie: u.cookie } });
    assert.equal(res.status, 401);
  });

  test("logout ends the session", async () => {
    const u = await createAndLogin(r, "lou", ["read_only_analyst"]);
    const out = await r.http("POST", "/_rampart/v1/auth/logout", { headers: u.writeHeaders() });
    assert.equal(out.status, 200, out.text);
    assert.equal((await r.http("GET", "/", { headers: { cookie: u.cookie } })).status, 401);
  });

  test("unknown and known usernames answer alike", async () => {
    const bad = async (username: string) =>
      r.http("POST", "/_rampart/v1/auth/login", {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password: "wrong-password-123" }),
      });
    const known = await bad("andy");
    const unknown = await bad("nobody-here");
    assert.equal(known.status, 401);
    assert.equal(unknown.status, 401);
    const strip = (t: string) => t.replace(/"requestId":"[^"]+"/, "");
    assert.equal(strip(known.text), strip(unknown.text));
  });
});
