// Issue 7 with issue 4: a secret marked approval-required is read only with a second person's
// approval, once per approval, by the person who asked, for the path approved.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createAndLogin, type LoggedIn, type Rampart, startRampart } from "./harness.js";

describe("four-eyes secret reads", () => {
  let r: Rampart;
  let ops: LoggedIn;
  let boss: LoggedIn;
  before(async () => {
    r = await startRampart({
      yaml: [
        "vault:\n  approval_required: [broker/*]",
        "roles:",
        "  broker_ops:",
        "    permissions: ['secrets:read:broker/*', 'approvals:propose', 'approvals:view', 'approvals:approve']",
        "    restrictions: []",
        "    session_timeout: 3600",
      ].join("\n"),
    });
    ops = await createAndLogin(r, "olga", ["broker_ops"]);
    boss = await createAndLogin(r, "bruno", ["broker_ops"]);
    await r.app
      .vault()
      .put({ id: "local:test" }, "broker/ib", { username: "DU123", password: "ib-s3cret-pw" });
  });
  after(async () => r?.close());

  const read = (who: LoggedIn, approval?: string) =>
    r.http("GET", "/_rampart/v1/secrets/broker/ib", {
      headers: { cookie: who.cookie, ...(approval ? { "x-rampart-approval": approval } : {}) },
    });

  test("no approval: refused; own approval: refused; a second person's approval: one read, then refused", async () => {
    const none = await read(ops);
    assert.equal(none.status, 403);
    assert.equal((none.json() as { error: { code: string } }).error.code, "ERR_VAULT_APPROVAL_REQUIRED");
    assert.doesNotMatch(none.text, /ib-s3cret-pw/);

    const proposed = await r.http("POST", "/_rampart/v1/approvals", {
      headers: ops.writeHeaders({ "content-type": "application/json" }),
      body: JSON.stringify({
        kind: "secret.read",
        payload: { path: "broker/ib" },
        reason: "IBC cold restart",
      }),
    });
    assert.equal(proposed.status, 201, proposed.text);
    const id =
      (proposed.json() as { proposal?: { id: string }; id?: string }).proposal?.id ??
      (proposed.json() as { id: string }).id;

    const approve = (who: LoggedIn) =>
      r.http("POST", `/_rampart/v1/approvals/${id}/approve`, {
        headers: who.writeHeaders({ "content-type": "application/json" }),
        body: "{}",
      });
    const self = await approve(ops);
    assert.equal(self.status, 403, self.text);
    assert.equal((await read(ops, id)).status, 403, "not approved yet");

    const ok = await approve(boss);
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await read(boss, id)).status, 403, "the approval is olga's, not bruno's");
    const first = await read(ops, id);
    assert.equal(first.status, 200, first.text);
    assert.equal((first.json() as { data: Record<string, string> }).data["password"], "ib-s3cret-pw");
    const second = await read(ops, id);
    assert.equal(second.status, 403, "an approval is good for one read");
  });
});
