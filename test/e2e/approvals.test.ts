// Issue 4 through the gateway: four-eyes proposals (propose, self-approval refused, approver needs
// the change's permission and step-up MFA, applied once, concurrent approvals, expiry), segregation
// of duties on a proposed role change, and POST /authz/check for administrators.
// The access routes are passed to the gateway here until server.ts wires them (then drop the option).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createAndLogin, type LoggedIn, type Rampart, startRampart } from "./harness.js";

const json = { "content-type": "application/json" };
type ErrorBody = { error: { code: string; action?: string; status?: string } };
type ProposalBody = { proposal: { id: string; status: string; appliedAt: string | null; summary: string } };

describe("four-eyes approvals through the gateway", () => {
  let r: Rampart;
  let adele: LoggedIn; // system_administrator, proposes
  let abe: LoggedIn; // system_administrator, approves
  let alma: LoggedIn; // system_administrator, races abe
  let rita: LoggedIn; // risk_manager: approvals:approve but not users:set_roles
  let tina: LoggedIn; // trader: no approvals permissions

  before(async () => {
    r = await startRampart({
      yaml: "approvals:\n  ttl: 900",
      databaseUrl: process.env["RAMPART_TEST_DATABASE_URL"] || undefined,
    });
    adele = await createAndLogin(r, "adele", ["system_administrator"]);
    abe = await createAndLogin(r, "abe", ["system_administrator"]);
    alma = await createAndLogin(r, "alma", ["system_administrator"]);
    rita = await createAndLogin(r, "rita", ["risk_manager"]);
    tina = await createAndLogin(r, "tina", ["trader"]);
    await r.app.identity().createUser({ username: "bob", roles: ["read_only_analyst"] }, { via: "cli" });
  });
  after(async () => r?.close());

  const post = (who: LoggedIn, path: string, body: unknown) =>
    r.http("POST", `/_rampart/v1${path}`, { headers: who.writeHeaders(json), body: JSON.stringify(body) });
  const get = (who: LoggedIn, path: string) =>
    r.http("GET", `/_rampart/v1${path}`, { headers: { cookie: who.cookie } });
  const stepUp = async (who: LoggedIn) => {
    const res = await post(who, "/auth/step-up", { code: who.nextCode() });
    assert.equal(res.status, 200, res.text);
  };
  const propose = (who: LoggedIn, username: string, roles: string[]) =>
    post(who, "/approvals", { kind: "user.set_roles", payload: { username, roles }, reason: "desk rota" });

  test("a role change is proposed, refused to its requester, and applied once by another administrator after step-up", async () => {
    const created = await propose(adele, "bob", ["read_only_analyst", "risk_manager"]);
    assert.equal(created.status, 201, created.text);
    const { id, status, summary } = (created.json() as ProposalBody).proposal;
    assert.equal(status, "pending");
    assert.equal(summary, "set roles of bob to read_only_analyst, risk_manager");

    const own = await post(adele, `/approvals/${id}/approve`, {});
    assert.equal(own.status, 403);
    assert.equal((own.json() as ErrorBody).error.code, "ERR_ACCESS_SELF_APPROVAL");

    const notAllowed = await post(rita, `/approvals/${id}/approve`, {});
    assert.equal(notAllowed.status, 403);
    assert.equal((notAllowed.json() as ErrorBody).error.code, "ERR_ACCESS_DENIED");
    assert.deepEqual((await r.app.identity().getUser("bob")).roles, ["read_only_analyst"]);

    r.clock.advance(6 * 60_000); // past the 5-minute step-up window
    const needsStepUp = await post(abe, `/approvals/${id}/approve`, {});
    assert.equal(needsStepUp.status, 401);
    assert.equal((needsStepUp.json() as ErrorBody).error.code, "ERR_AUTH_STEP_UP_REQUIRED");
    await stepUp(abe);
    const ok = await post(abe, `/approvals/${id}/approve`, { note: "confirmed by phone" });
    assert.equal(ok.status, 200, ok.text);
    const approved = (ok.json() as ProposalBody).proposal;
    assert.equal(approved.status, "approved");
    assert.ok(approved.appliedAt);
    assert.deepEqual((await r.app.identity().getUser("bob")).roles, ["read_only_analyst", "risk_manager"]);

    const again = await post(abe, `/approvals/${id}/approve`, {});
    assert.equal(again.status, 409);
    assert.equal((again.json() as ErrorBody).error.code, "ERR_ACCESS_PROPOSAL_NOT_PENDING");

    const shown = await get(adele, `/approvals/${id}`);
    assert.equal((shown.json() as ProposalBody).proposal.status, "approved");
  });

  test("two administrators approving at once: one applies, the other gets ERR_ACCESS_PROPOSAL_NOT_PENDING", async () => {
    const { id } = ((await propose(adele, "bob", ["read_only_analyst"])).json() as ProposalBody).proposal;
    await stepUp(abe);
    await stepUp(alma);
    const [a, b] = await Promise.all([
      post(abe, `/approvals/${id}/approve`, {}),
      post(alma, `/approvals/${id}/approve`, {}),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [200, 409]);
    const loser = a.status === 409 ? a : b;
    assert.equal((loser.json() as ErrorBody).error.code, "ERR_ACCESS_PROPOSAL_NOT_PENDING");
    assert.deepEqual((await r.app.identity().getUser("bob")).roles, ["read_only_analyst"]);
  });

  test("proposing trader with risk_manager for one user is refused with the rule named", async () => {
    const res = await propose(adele, "tina", ["trader", "risk_manager"]);
    assert.equal(res.status, 409);
    const err = (res.json() as ErrorBody & { error: { rule: string[]; message: string } }).error;
    assert.equal(err.code, "ERR_ACCESS_SOD_CONFLICT");
    assert.deepEqual(err.rule, ["trader", "risk_manager"]);
  });

  test("an expired proposal cannot be approved", async () => {
    const { id } = ((await propose(adele, "bob", ["risk_manager"])).json() as ProposalBody).proposal;
    r.clock.advance(901_000); // approvals.ttl is 900 s here
    await stepUp(abe);
    const res = await post(abe, `/approvals/${id}/approve`, {});
    assert.equal(res.status, 409);
    assert.equal((res.json() as ErrorBody).error.code, "ERR_ACCESS_PROPOSAL_EXPIRED");
    const list = await get(adele, "/approvals?status=expired");
    assert.ok((list.json() as { proposals: { id: string }[] }).proposals.some((p) => p.id === id));
    assert.deepEqual((await r.app.identity().getUser("bob")).roles, ["read_only_analyst"]);
  });

  test("a trader may not propose, list or approve", async () => {
    assert.equal((await get(tina, "/approvals")).status, 403);
    assert.equal((await propose(tina, "tina", ["read_only_analyst"])).status, 403);
  });

  test("POST /authz/check explains a decision to administrators and is 403 for others", async () => {
    const res = await post(adele, "/authz/check", { role: "risk_manager", action: "trading:place_orders" });
    assert.equal(res.status, 200, res.text);
    const body = res.json() as { allowed: boolean; matched: string; reason: string; explanation: string };
    assert.equal(body.allowed, false);
    assert.equal(body.reason, "restriction");
    assert.equal(body.matched, "trading:place_orders");
    assert.match(body.explanation, /^deny trading:place_orders: role risk_manager, restriction/);
    const byUser = await post(adele, "/authz/check", { user: "tina", action: "trading:place_orders" });
    assert.equal((byUser.json() as { allowed: boolean }).allowed, true);
    const bad = await post(adele, "/authz/check", { action: "x:y" });
    assert.equal(bad.status, 400);
    const denied = await post(tina, "/authz/check", { role: "trader", action: "config:modify" });
    assert.equal(denied.status, 403);
    assert.equal((denied.json() as ErrorBody).error.action, "system:authz_check");
  });
});
