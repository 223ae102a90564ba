// Issue 7 with issue 4: a secret marked approval-required is read only with a second person's
// approval, once per approval, by the person who asked, for the path approved. Someone who may
// both read and write a secret cannot switch its approval off to read the gated versions.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createAndLogin, type LoggedIn, type Rampart, startRampart } from "./harness.js";

describe("four-eyes secret reads", () => {
  let r: Rampart;
  let ops: LoggedIn;
  let boss: LoggedIn;
  let writer: LoggedIn;
  before(async () => {
    r = await startRampart({
      yaml: [
        "vault:\n  approval_required: [broker/*]",
        "roles:",
        "  broker_ops:",
        "    permissions: ['secrets:read:broker/*', 'approvals:propose', 'approvals:view', 'approvals:approve']",
        "    restrictions: []",
        "    session_timeout: 3600",
        "  team_rw:",
        "    permissions: ['secrets:read:team/*', 'secrets:write:team/*']",
        "    restrictions: []",
        "    session_timeout: 3600",
      ].join("\n"),
    });
    ops = await createAndLogin(r, "olga", ["broker_ops"]);
    boss = await createAndLogin(r, "bruno", ["broker_ops"]);
    writer = await createAndLogin(r, "wanda", ["team_rw"]);
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

  test("a reader-writer cannot turn approval off and then read an approval-gated version", async () => {
    const put = (body: unknown) =>
      r.http("PUT", "/_rampart/v1/secrets/team/db", {
        headers: writer.writeHeaders({ "content-type": "application/json" }),
        body: JSON.stringify(body),
      });
    const get = (query: string) =>
      r.http("GET", `/_rampart/v1/secrets/team/db${query}`, { headers: { cookie: writer.cookie } });
    const first = await put({ data: { password: "team-gated-pw" }, approval_required: true });
    assert.equal(first.status, 200, first.text);
    assert.equal((await get("")).status, 403);

    const lower = await put({ data: { x: "y" }, approval_required: false });
    assert.equal(lower.status, 403, lower.text);
    assert.equal((lower.json() as { error: { code: string } }).error.code, "ERR_VAULT_APPROVAL_LOCKED");
    for (const query of ["?version=1", ""]) {
      const old = await get(query);
      assert.equal(old.status, 403, old.text);
      assert.equal((old.json() as { error: { code: string } }).error.code, "ERR_VAULT_APPROVAL_REQUIRED");
      assert.doesNotMatch(old.text, /team-gated-pw/);
    }
    const listed = await r.http("GET", "/_rampart/v1/secrets?prefix=team/", {
      headers: { cookie: writer.cookie },
    });
    assert.equal(listed.status, 200, listed.text);
    assert.doesNotMatch(listed.text, /team-gated-pw/);
  });
});
