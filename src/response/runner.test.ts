// The action runner's bookkeeping: retries with backoff, idle() and stop(). (Actions themselves are
// tested through the responder in response.security.test.ts.)
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RampartError } from "../kernel/index.js";
import { ActionRunner } from "./runner.js";

function runner(attempt: (key: string, n: number) => Promise<void>, backoffMs = 5) {
  const failures: { key: string; code: string; final: boolean; attempt: number }[] = [];
  const r = new ActionRunner({
    timeoutMs: 1000,
    maxAttempts: 3,
    backoffMs,
    attempt: (_incident, key, n) => attempt(key, n),
    failed: async (_incident, key, e: RampartError, final, n) => {
      failures.push({ key, code: e.code, final, attempt: n });
    },
  });
  return { r, failures };
}

test("a failing action is retried with backoff, then reported final; idle() waits for the retries", async () => {
  const { r, failures } = runner(async () => {
    throw new Error("webhook down");
  });
  r.enqueue("inc-1", "notify");
  await r.idle();
  assert.deepEqual(failures, [
    { key: "notify", code: "ERR_RESPONSE_ACTION_FAILED", final: false, attempt: 1 },
    { key: "notify", code: "ERR_RESPONSE_ACTION_FAILED", final: false, attempt: 2 },
    { key: "notify", code: "ERR_RESPONSE_ACTION_FAILED", final: true, attempt: 3 },
  ]);
});

test("stop() releases whoever waits in idle() for a retry that will now never run", async () => {
  const { r, failures } = runner(async () => {
    throw new Error("down");
  }, 60_000);
  r.enqueue("inc-1", "notify");
  // The first attempt fails; its retry waits on a timer.
  while (failures.length === 0) await new Promise((res) => setImmediate(res));
  let idle = false;
  const waiting = r.idle().then(() => {
    idle = true;
  });
  await new Promise((res) => setImmediate(res));
  assert.equal(idle, false, "a retry is pending");
  await r.stop();
  await waiting;
  assert.equal(idle, true);
  assert.equal(failures.length, 1, "no retry ran after stop()");
  r.enqueue("inc-2", "notify");
  await r.idle();
  assert.equal(failures.length, 1, "a stopped runner takes no new work");
});
