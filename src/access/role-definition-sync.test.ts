// RoleDefinitionSync over an in-memory store whose reads can be held: an older reload finishing
// after a newer one never replaces it, changes run one at a time (each sees the one before), an
// unchanged reload leaves the policy and its generation alone, and a message on the bus reloads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../config/index.js";
import { silentLogger } from "../kernel/index.js";
import { until } from "../kernel/testing.js";
import {
  LivePolicy,
  type RoleChangeBus,
  RoleDefinitionSync,
  type RoleDefinitions,
  type StoredRoleDefinition,
} from "./index.js";

const config = loadConfig({ fileName: "rampart.yaml", text: undefined, env: {} });

function fakeStore() {
  const rows = new Map<string, StoredRoleDefinition>();
  let hold: Promise<void> | undefined;
  return {
    rows,
    /** Reads begun from now on wait until the returned function is called (holding what they read). */
    holdReads(): () => void {
      let release!: () => void;
      hold = new Promise((r) => {
        release = r;
      });
      return release;
    },
    async listRoleDefinitions(): Promise<StoredRoleDefinition[]> {
      const snapshot = [...rows.values()];
      const h = hold;
      hold = undefined;
      await h;
      return snapshot;
    },
    async putRoleDefinition(d: StoredRoleDefinition): Promise<void> {
      await new Promise((r) => setTimeout(r, 5));
      rows.set(d.role, d);
    },
  };
}

function localBus(): RoleChangeBus & { sent: number } {
  const handlers = new Map<string, ((m: string) => void)[]>();
  return {
    sent: 0,
    async publish(channel, message) {
      this.sent++;
      for (const h of handlers.get(channel) ?? []) h(message);
    },
    async subscribe(channel, handler) {
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
      return async () => {};
    },
  };
}

const def = (role: string, permissions: string[], restrictions: string[] = []): StoredRoleDefinition => ({
  role,
  permissions,
  restrictions,
  proposalId: `p-${role}`,
  updatedAt: 1,
});

const setup = (store = fakeStore(), bus: RoleChangeBus = localBus()) => {
  const policy = new LivePolicy({ roles: config.roles });
  const sync = new RoleDefinitionSync({
    configured: config.roles,
    store,
    policy,
    inForce: config.roles,
    bus,
    logger: silentLogger,
    reloadIntervalMs: 3_600_000,
  });
  return { store, policy, sync };
};

test("an older reload that finishes after a newer one does not replace it", async () => {
  const { store, policy, sync } = setup();
  const release = store.holdReads();
  const older = sync.reload(); // reads the definitions before the change, then waits
  store.rows.set("trader", def("trader", ["trading:place_orders"], ["reports:view_pnl"]));
  await sync.reload();
  assert.equal(policy.check(["trader"], "reports:view_pnl").allowed, false);
  release();
  await older;
  assert.equal(policy.check(["trader"], "reports:view_pnl").allowed, false, "the stale read was dropped");
  assert.deepEqual(sync.roles["trader"]?.restrictions, ["reports:view_pnl"]);
});

test("changes run one at a time, each on what the one before stored, and are announced", async () => {
  const bus = localBus();
  const { store, policy, sync } = setup(fakeStore(), bus);
  const seen: string[][] = [];
  const write = (d: StoredRoleDefinition) => async (stored: RoleDefinitions) => {
    seen.push(Object.entries(stored).flatMap(([r, x]) => (x.permissions.includes("audit:read") ? [r] : [])));
    await store.putRoleDefinition(d);
  };
  await Promise.all([
    sync.change(write(def("trader", ["audit:read"]))),
    sync.change(write(def("risk_manager", ["audit:read"]))),
    sync.change(write(def("read_only_analyst", ["audit:read"]))),
  ]);
  assert.deepEqual(seen, [[], ["trader"], ["trader", "risk_manager"]]);
  for (const r of ["trader", "risk_manager", "read_only_analyst"])
    assert.equal(policy.check([r], "audit:read").allowed, true, r);
  assert.equal(bus.sent, 3);
  // A failed write rebuilds and announces nothing, and does not block the next change.
  await assert.rejects(
    sync.change(async () => {
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(bus.sent, 3);
  await sync.change(async () => {});
  assert.equal(bus.sent, 4);
});

test("a reload that finds nothing new leaves the policy and its generation alone", async () => {
  const { policy, sync } = setup();
  const generation = policy.generation;
  const compiled = policy.current;
  await sync.reload();
  await sync.reload();
  assert.equal(policy.generation, generation);
  assert.equal(policy.current, compiled);
});

test("a message from another instance makes it rebuild from the store", async () => {
  const bus = localBus();
  const store = fakeStore();
  const here = setup(store, bus);
  const there = setup(store, bus);
  await here.sync.start();
  await there.sync.start();
  try {
    await there.sync.change(async () => {
      store.rows.set("read_only_analyst", def("read_only_analyst", ["reports:view_pnl"]));
    });
    await until(() => here.policy.check(["read_only_analyst"], "reports:view_pnl").allowed, 2000, 1);
  } finally {
    await here.sync.stop();
    await there.sync.stop();
  }
});
