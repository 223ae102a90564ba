// One-time secret-read approvals (`secret.read`) through the composition root, on SQLite and (with
// RAMPART_TEST_DATABASE_URL) PostgreSQL; with RAMPART_TEST_REDIS_URL the instances use Redis. An
// approval is used up in the database, so neither a restart with a fresh ephemeral store (memory,
// or a flushed Redis: a new key prefix) nor a second instance lets it be used again.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ApprovalActor } from "./access/index.js";
import type { App } from "./app.js";
import { openTestApps, type TestApps } from "./app-testing.js";
import { isRampartError } from "./kernel/index.js";
import { databaseTargets } from "./store/index.js";

const actor = (id: string): ApprovalActor => ({ id, name: id, roles: ["broker_ops"], via: "test" });
const requester = actor("u-olga");
const approver = actor("u-bruno");
const redisUrl = process.env["RAMPART_TEST_REDIS_URL"] || undefined;
const YAML = [
  "logging:\n  level: silent",
  "vault:\n  approval_required: [broker/*]",
  "roles:",
  "  broker_ops:",
  "    permissions: ['secrets:read:broker/*', 'approvals:propose', 'approvals:view', 'approvals:approve']",
  "    restrictions: []",
  "    session_timeout: 3600",
].join("\n");

/** Reads broker/ib as the requester with `approvalId`: the password, or the refusal's code. */
async function read(app: App, approvalId: string): Promise<string> {
  try {
    const v = await app.vault().get({ id: requester.id, roles: requester.roles, approvalId }, "broker/ib");
    return v.data["password"] ?? "(no password)";
  } catch (e) {
    if (isRampartError(e)) return e.code;
    throw e;
  }
}

/** A secret.read proposal by the requester, approved (and applied) by the approver. */
async function approvedRead(app: App): Promise<string> {
  const { approvals } = app.access();
  const p = await approvals.propose(requester, { kind: "secret.read", payload: { path: "broker/ib" } });
  const done = await approvals.approve(approver, p.id);
  assert.equal(done.status, "approved", done.failure ?? "");
  assert.notEqual(done.appliedAt, null);
  return p.id;
}

for (const target of databaseTargets(process.env)) {
  describe(`one-time secret reads through the app (${target.dialect}${redisUrl ? ", redis" : ""})`, {
    skip: target.skip,
  }, () => {
    let apps: TestApps;
    let app: App;
    /** An instance with its own, empty ephemeral state (a fresh key prefix on Redis). */
    const open = () => apps.open();

    before(async () => {
      apps = await openTestApps(target, { yaml: YAML, redisUrl, freshEphemeral: true });
      app = await open();
      await app.vault().put({ id: "local:test" }, "broker/ib", { username: "DU123", password: "ib-pw" });
    });
    after(() => apps.dispose());

    test("an approval is good for one read, and stays used after a restart with fresh ephemeral state", async () => {
      const id = await approvedRead(app);
      assert.equal(await read(app, id), "ib-pw");
      assert.equal(await read(app, id), "ERR_VAULT_APPROVAL_REQUIRED");

      await app.close();
      app = await open();
      assert.equal(await read(app, id), "ERR_VAULT_APPROVAL_REQUIRED", "used before the restart");
      // A new approval still works after the restart.
      assert.equal(await read(app, await approvedRead(app)), "ib-pw");
    });

    test("concurrent reads with one approval, on two instances: exactly one succeeds", async () => {
      const other = await open();
      const id = await approvedRead(app);
      const results = await Promise.all([app, other, app, other].map((a) => read(a, id)));
      assert.deepEqual(
        results.filter((r) => r === "ib-pw"),
        ["ib-pw"],
        JSON.stringify(results),
      );
      assert.deepEqual(
        results.filter((r) => r !== "ib-pw"),
        ["ERR_VAULT_APPROVAL_REQUIRED", "ERR_VAULT_APPROVAL_REQUIRED", "ERR_VAULT_APPROVAL_REQUIRED"],
      );
    });
  });
}
