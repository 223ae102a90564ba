// Read-only mode follows the incidents' status in the database: an incident closed by another
// process that shares no ephemeral store with this one (`rampart incident resolve` from the CLI
// on a server without Redis) releases this server's hold within the reconcile interval, while a
// hold whose incident is still open stays.
import assert from "node:assert/strict";
import { test } from "node:test";
import { systemClock } from "../kernel/index.js";
import { until } from "../kernel/testing.js";
import { openEphemeral } from "../store/index.js";
import { MemoryIncidentStore } from "./memory-store.js";
import { ReadOnlyMode } from "./read-only.js";
import { EMPTY_CONTEXT, Responder } from "./responder.js";
import { responseSettings } from "./testing.js";
import type { Incident } from "./types.js";

function incident(id: string): Incident {
  return {
    id,
    type: "data_breach",
    subject: "ledger",
    status: "responding",
    severity: "critical",
    openedAt: 0,
    updatedAt: 0,
    firstIndex: 0,
    lastIndex: 0,
    firstEventAt: 0,
    lastEventAt: 0,
    eventCount: 1,
    detectionCount: 1,
    escalated: false,
    dryRun: false,
    acknowledgedBy: null,
    closedBy: null,
    resolution: null,
    rules: ["ledger_integrity"],
    context: EMPTY_CONTEXT,
    version: 0,
  };
}

test("a hold is released once its incident is closed in the store, by whoever closed it", async () => {
  const store = new MemoryIncidentStore();
  const ephemeral = await openEphemeral({ clock: systemClock });
  const readOnly = new ReadOnlyMode(ephemeral);
  const responder = new Responder({
    store,
    settings: responseSettings(),
    clock: systemClock,
    ports: { readOnly },
    reconcileMs: 20,
  });
  const closed = incident("inc-closed");
  const open = incident("inc-open");
  await store.insert(closed);
  await store.insert(open);
  await responder.start();
  try {
    await readOnly.hold(closed.id);
    await readOnly.hold(open.id);
    // Another process resolves one incident in the database; this process's ephemeral set still
    // holds it until the responder reconciles.
    assert.equal(await store.update({ ...closed, status: "resolved", closedBy: "local:ops" }), true);
    await until(async () => !(await readOnly.holders()).includes(closed.id), 5000);
    assert.deepEqual(await readOnly.holders(), [open.id], "the open incident's hold stays");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await readOnly.isReadOnly(), true);
  } finally {
    await responder.stop();
    await ephemeral.close();
  }
});

test("a read begun before this instance takes a hold is not cached over it", async () => {
  const ephemeral = await openEphemeral({ clock: systemClock });
  try {
    // The first read's answer is held back until the hold has been taken.
    let release: (() => void) | undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow = {
      ...ephemeral,
      sAdd: ephemeral.sAdd.bind(ephemeral),
      sMembers: async (key: string) => {
        const members = await ephemeral.sMembers(key);
        if (release) await gate;
        return members;
      },
    } as unknown as typeof ephemeral;
    const readOnly = new ReadOnlyMode(slow, () => 0); // a clock that never leaves the cache window
    const early = readOnly.isReadOnly();
    await readOnly.hold("inc-1");
    const r = release;
    release = undefined;
    r?.();
    assert.equal(await early, false, "the read began before the hold");
    assert.equal(await readOnly.isReadOnly(), true, "and its answer was not cached");
  } finally {
    await ephemeral.close();
  }
});
