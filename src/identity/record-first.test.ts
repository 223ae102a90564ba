// Changes that widen access are on the record before they take effect: with the ledger down, an
// administrator's enable, role change and password set change nothing; a disable (it only narrows
// access) still happens. Through the identity service, on SQLite.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { AuditEventInput } from "../audit/index.js";
import { type IdentityHarness, openIdentityHarness } from "./testing.js";

const PW = "vault-Orbit-42-Meadow";
const NEW_PW = "Walrus-Tinsel-77-Canyon";
const cli = { via: "cli" };
const ctx = { ip: "192.0.2.30" };

let h: IdentityHarness;
const recorder = { down: false };

before(async () => {
  h = await openIdentityHarness();
  const inner = h.deps.audit;
  h.deps.audit = {
    record: (e: AuditEventInput) => {
      if (recorder.down) return Promise.reject(new Error("ledger unavailable (test)"));
      return inner.record(e);
    },
  };
});
after(() => h.dispose());

async function ledgerDown<T>(fn: () => Promise<T>): Promise<void> {
  recorder.down = true;
  try {
    await assert.rejects(fn());
  } finally {
    recorder.down = false;
  }
}

test("with the ledger down, enabling a user, changing roles and setting a password change nothing", async () => {
  await h.service.createUser({ username: "nina", roles: ["read_only_analyst"], password: PW }, cli);
  await h.service.disableUser("nina", cli);

  await ledgerDown(() => h.service.enableUser("nina", cli));
  assert.equal((await h.service.getUser("nina")).status, "disabled");

  await h.service.enableUser("nina", cli);
  await ledgerDown(() => h.service.setUserRoles("nina", ["trader"], cli));
  assert.deepEqual((await h.service.getUser("nina")).roles, ["read_only_analyst"]);

  await ledgerDown(() => h.service.setPassword("nina", NEW_PW, cli));
  assert.equal((await h.service.login("nina", PW, ctx)).mfa, "enroll", "the old password still works");
  await assert.rejects(h.service.login("nina", NEW_PW, ctx), { code: "ERR_AUTH_INVALID_CREDENTIALS" });
});

test("a disable happens even with the ledger down", async () => {
  await h.service.createUser({ username: "omar", roles: ["trader"], password: PW }, cli);
  await ledgerDown(() => h.service.disableUser("omar", cli));
  assert.equal((await h.service.getUser("omar")).status, "disabled");
});

test("with the ledger up, each change is recorded once, before it is made", async () => {
  await h.service.createUser({ username: "pia", roles: ["read_only_analyst"], password: PW }, cli);
  const before = h.audit.events.length;
  await h.service.setUserRoles("pia", ["trader"], cli);
  await h.service.setPassword("pia", NEW_PW, cli);
  const events = h.audit.events.slice(before).map((e) => [e.action, e.outcome]);
  assert.deepEqual(events, [
    ["user.roles_changed", "success"],
    ["auth.password_changed", "success"],
  ]);
  assert.deepEqual((await h.service.getUser("pia")).roles, ["trader"]);
});
