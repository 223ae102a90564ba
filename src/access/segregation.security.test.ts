// Segregation of duties, the property: no one is assigned a conflicting set of roles through
// identity (creation, role change) once the check is plugged in, the refusal names the rule, and
// conflicting sets that got in some other way (written to the store directly) are found by the
// sod-check and flagged in the access review, whose attestation binds the listing's hash. SQLite
// always, PostgreSQL with RAMPART_TEST_DATABASE_URL.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ConfigError, loadConfig } from "../config/index.js";
import { PasswordHasher, randomBytes } from "../crypto/index.js";
import {
  createIdentityService,
  type IdentityService,
  identitySettingsFromConfig,
} from "../identity/index.js";
import { CHEAP_ARGON2, RecordingAudit } from "../identity/testing.js";
import { ManualClock } from "../kernel/index.js";
import { KeyRing, MasterKey } from "../keys/index.js";
import {
  AccessRepository,
  databaseTargets,
  IdentityRepository,
  MemoryBackend,
  openEphemeral,
  openTestStore,
  type TestStore,
} from "../store/index.js";
import {
  attestAccessReview,
  buildAccessReview,
  checkRoleAssignment,
  findSodConflicts,
  findSodProblems,
  findSodViolations,
  listAttestations,
} from "./index.js";

const config = loadConfig({ fileName: "rampart.yaml", text: undefined, env: {} });
const rules = config.segregation_of_duties;
const PASSWORD = "Kestrel-Harbour-93-plume";

test("the default rules are the issue's: trader with risk_manager, trader with system_administrator", () => {
  assert.deepEqual(rules, [
    ["trader", "risk_manager"],
    ["trader", "system_administrator"],
  ]);
  assert.deepEqual(findSodConflicts(["risk_manager", "system_administrator"], rules), []);
  assert.deepEqual(
    findSodConflicts(["system_administrator", "trader", "risk_manager"], rules).map((c) => c.ruleIndex),
    [0, 1],
  );
});

test("checkRoleAssignment refuses a conflicting set with 409 ERR_ACCESS_SOD_CONFLICT naming the rule", () => {
  const check = checkRoleAssignment(rules);
  check(["trader", "read_only_analyst"], { kind: "user", name: "tina" });
  assert.throws(
    () => check(["risk_manager", "trader"], { kind: "service", name: "bot" }),
    (e: unknown) => {
      const err = e as { code: string; status: number; message: string; expose: { rule: string[] } };
      assert.equal(err.code, "ERR_ACCESS_SOD_CONFLICT");
      assert.equal(err.status, 409);
      assert.match(err.message, /service bot may not hold trader and risk_manager together/);
      assert.deepEqual(err.expose.rule, ["trader", "risk_manager"]);
      return true;
    },
  );
});

test("config: a rule naming an unknown role is a config error naming the path", () => {
  assert.throws(
    () =>
      loadConfig({
        fileName: "rampart.yaml",
        text: "segregation_of_duties:\n  - [trader, wizard]\n",
        env: {},
      }),
    (e: unknown) =>
      e instanceof ConfigError && /segregation_of_duties\[0\]\[1\]: unknown role "wizard"/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ fileName: "rampart.yaml", text: "segregation_of_duties:\n  - [trader]\n", env: {} }),
    (e: unknown) => e instanceof ConfigError && /segregation_of_duties\[0\]/.test(e.message),
  );
  assert.deepEqual(findSodProblems([["trader", "ghost"], ["trader"]], Object.keys(config.roles)), [
    'segregation_of_duties[0][1]: unknown role "ghost"',
    "segregation_of_duties[1]: a rule needs at least two different roles",
  ]);
});

for (const target of databaseTargets(process.env)) {
  describe(`segregation of duties through identity (${target.dialect})`, { skip: target.skip }, () => {
    let ts: TestStore;
    let checked: IdentityService;
    let unchecked: IdentityService;
    let identityStore: IdentityRepository;
    let access: AccessRepository;
    const clock = new ManualClock();
    const audit = new RecordingAudit();
    before(async () => {
      ts = await openTestStore(target);
      identityStore = new IdentityRepository(ts.store);
      access = new AccessRepository(ts.store);
      const deps = {
        store: identityStore,
        ephemeral: await openEphemeral({ memoryBackend: new MemoryBackend() }),
        hasher: new PasswordHasher({ params: CHEAP_ARGON2, concurrency: 4 }),
        keys: new KeyRing(new MasterKey(randomBytes(32))),
        audit,
        clock,
        settings: identitySettingsFromConfig(config),
      };
      checked = createIdentityService({ ...deps, roleAssignmentCheck: checkRoleAssignment(rules) });
      unchecked = createIdentityService(deps);
    });
    after(async () => ts?.dispose());

    test("creating a user with trader and risk_manager is refused, and nothing is stored", async () => {
      await assert.rejects(
        checked.createUser(
          { username: "zoe", roles: ["trader", "risk_manager"], password: PASSWORD },
          { via: "cli" },
        ),
        (e: unknown) => (e as { code: string }).code === "ERR_ACCESS_SOD_CONFLICT",
      );
      assert.equal(await identityStore.findUserByFoldedName("zoe"), null);
      assert.ok(!audit.actions().includes("user.created"));
    });

    test("adding risk_manager to a trader is refused; the roles stay as they were", async () => {
      await checked.createUser({ username: "tina", roles: ["trader"], password: PASSWORD }, { via: "cli" });
      await assert.rejects(
        checked.setUserRoles("tina", ["trader", "risk_manager"], { via: "cli" }),
        (e: unknown) => (e as { code: string; message: string }).code === "ERR_ACCESS_SOD_CONFLICT",
      );
      await assert.rejects(
        checked.setUserRoles("tina", ["system_administrator", "trader"], { via: "cli" }),
        (e: unknown) => /trader and system_administrator/.test((e as Error).message),
      );
      assert.deepEqual((await checked.getUser("tina")).roles, ["trader"]);
      assert.deepEqual((await checked.setUserRoles("tina", ["risk_manager"], { via: "cli" })).roles, [
        "risk_manager",
      ]);
    });

    test("sod-check finds conflicting roles written to the store directly", async () => {
      const { user } = await unchecked.createUser(
        { username: "mallory", roles: ["trader"], password: PASSWORD },
        { via: "cli" },
      );
      await identityStore.updateUser(user.id, {
        roles: ["risk_manager", "system_administrator", "trader"],
        updatedAt: clock.now(),
      });
      const users = await unchecked.listUsers();
      const found = findSodViolations(
        users.map((u) => ({ kind: "user" as const, name: u.username, roles: u.roles })),
        rules,
      );
      assert.deepEqual(
        found.map((v) => [v.subject.name, v.rule.join("+")]),
        [
          ["mallory", "trader+risk_manager"],
          ["mallory", "trader+system_administrator"],
        ],
      );
    });

    test("the access review lists roles, MFA, last login and live sessions, flags the conflict, and attests by hash", async () => {
      const deps = { store: access, audit, clock, sodRules: rules };
      const r1 = await buildAccessReview(deps, await unchecked.listUsers());
      const mallory = r1.users.find((u) => u.username === "mallory");
      assert.ok(mallory);
      assert.equal(mallory.sodConflicts.length, 2);
      assert.equal(mallory.activeSessions, 0);
      assert.equal(mallory.mfa, false);
      assert.equal(mallory.lastLogin, null);
      assert.match(r1.listingHash, /^[0-9a-f]{64}$/);
      // Same state, same hash; a change of roles changes it.
      assert.equal((await buildAccessReview(deps, await unchecked.listUsers())).listingHash, r1.listingHash);
      const a = await attestAccessReview(
        deps,
        r1,
        { name: "local:auditor", via: "cli" },
        "  Q1 review, all ok  ",
      );
      assert.equal(a.note, "Q1 review, all ok");
      assert.equal(a.listingHash, r1.listingHash);
      const ev = audit.events.find((e) => e.action === "access.review_attested");
      assert.ok(ev);
      assert.equal((ev.details as { listing_sha256: string }).listing_sha256, r1.listingHash);
      assert.equal((ev.details as { sod_violations: number }).sod_violations, 1);
      await unchecked.setUserRoles("mallory", ["trader"], { via: "cli" });
      assert.notEqual(
        (await buildAccessReview(deps, await unchecked.listUsers())).listingHash,
        r1.listingHash,
      );
      assert.deepEqual(
        (await listAttestations(deps)).map((x) => [x.id, x.attestedBy, x.listingHash]),
        [[a.id, "local:auditor", r1.listingHash]],
      );
    });

    test("live sessions are counted per user (revoked, expired and idle ones are not)", async () => {
      const tina = await identityStore.findUserByFoldedName("tina");
      assert.ok(tina);
      const base = {
        userId: tina.id,
        csrfHash: "c",
        createdAt: clock.now(),
        idleTimeoutMs: 1800_000,
        lastSeenAt: clock.now(),
        mfaAt: clock.now(),
        ip: null,
        userAgent: null,
        revokedAt: null,
        revokedReason: null,
      };
      const s = (id: string, extra: Record<string, unknown>) =>
        identityStore.insertSession({
          ...base,
          id: id as never,
          tokenHash: `h-${id}`,
          expiresAt: clock.now() + 3600_000,
          ...extra,
        });
      await s("s1", {});
      await s("s2", {});
      await s("s3", { revokedAt: clock.now(), revokedReason: "test" });
      await s("s4", { expiresAt: clock.now() - 1 });
      await s("s5", { lastSeenAt: clock.now() - 3600_000 });
      const counts = await access.liveSessionCounts(clock.now());
      assert.equal(counts.get(tina.id), 2);
    });
  });
}
