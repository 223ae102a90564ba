// Issue 9 through the running system: five wrong passwords for one user raise one
// authentication_attack incident whose playbook blocks the source address in the IP filter — the
// next request from it is refused by the gateway's first step — and revokes nothing else; an
// operator closing it from the CLI as a false positive lifts the block the gateway enforces.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { securityFor, startSecurity, stopSecurity } from "../../src/app-security.js";
import { until } from "../../src/kernel/testing.js";
import { rampart } from "./cli.js";
import { createAndLogin, failLogins, type LoggedIn, type Rampart, startRampart } from "./harness.js";

describe("brute force → incident → IP block at the gateway", () => {
  let r: Rampart;
  let victim: LoggedIn;
  before(async () => {
    r = await startRampart();
    victim = await createAndLogin(r, "vera", ["trader"]);
    await startSecurity(r.app);
  });
  after(async () => {
    await stopSecurity(r.app);
    await r?.close();
  });

  test("five wrong passwords: one incident, the address blocked, the victim's session untouched", async () => {
    const s = securityFor(r.app);
    await failLogins(r, "vera");
    await until(async () => !r.app.ipFilter.check("127.0.0.1").allowed);
    const refused = await r.http("GET", "/_rampart/health");
    assert.equal(refused.status, 403);
    assert.equal((refused.json() as { error: { code: string } }).error.code, "ERR_NETWORK_IP_BLOCKED");
    const open = (await s.responder.list({ open: true, limit: 100 })).filter(
      (i) => i.type === "authentication_attack",
    );
    assert.equal(open.length, 1);
    const sessions = await r.app
      .identity()
      .listOwnSessions(await r.app.identity().validateSession(victim.cookie.split("=")[1]));
    assert.ok(sessions.length >= 1, "the victim's sessions are not revoked");
    const rule = r.app.ipFilter.list().find((x) => x.kind === "block" && x.cidr === "127.0.0.1");
    assert.ok(rule?.expiresAt, "the block expires");
  });

  test("`rampart incident false-positive` from the CLI lifts the block at the running gateway", async () => {
    const s = securityFor(r.app);
    const [incident] = (await s.responder.list({ open: true, limit: 100 })).filter(
      (i) => i.type === "authentication_attack",
    );
    assert.ok(incident, "the incident of the previous test");
    const run = await rampart(
      [
        "incident",
        "false-positive",
        incident.id,
        "--note",
        "pen test from the office",
        "--data-dir",
        r.dataDir,
      ],
      { env: { RAMPART_LOG_LEVEL: "silent" } },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /false_positive/);
    // The CLI removed the entry from the stored IP filter; the server reloads it within seconds.
    await until(async () => r.app.ipFilter.check("127.0.0.1").allowed);
    const open = await r.http("GET", "/_rampart/health");
    assert.equal(open.status, 200);
  });
});
