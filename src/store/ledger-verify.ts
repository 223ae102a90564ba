// Ledger verification on several cores: a ChunkScanner (src/audit verify-chunk.ts) over a small
// pool of worker threads (ledger-verify-worker.ts), each with its own database connection, reading
// and checking whole chunks. Chunks are handed out one at a time as threads come free, results are
// yielded in chunk order, and no chunk after one that found a problem is started: the coordinator
// (verifyLedger) needs everything before the first problem and nothing after it.
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type { ChunkResult, ChunkScanner, ChunkTask } from "../audit/index.js";
import { isStoreErrorCode, StoreError } from "./errors.js";
import type { VerifyReply, VerifyRequest } from "./ledger-verify-worker.js";
import type { Store, StoreLocation } from "./open.js";
import { startWorkerThread } from "./worker-thread.js";

export interface ChunkScannerOptions {
  /** Threads to start (default: the cores available, at most 4). */
  readonly workers?: number | undefined;
}

/** The default number of verification threads on this machine. */
export function defaultVerifyWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 4));
}

function startThread(location: StoreLocation): Worker {
  return startWorkerThread(import.meta.url, "ledger-verify-worker", { location });
}

async function* scan(location: StoreLocation, tasks: readonly ChunkTask[], threads: number) {
  const done = new Map<number, ChunkResult>();
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    wake?.();
    wake = undefined;
  };
  let next = 0;
  /** Tasks from here on are not started: an earlier one found a problem. */
  let stopAt = tasks.length;
  const workers: Worker[] = [];
  let ending = false;
  const dispatch = (w: Worker): void => {
    if (next >= stopAt) return;
    const id = next++;
    w.postMessage({ id, task: tasks[id] as ChunkTask } satisfies VerifyRequest);
  };
  for (let i = 0; i < Math.min(threads, tasks.length); i++) {
    const w = startThread(location);
    workers.push(w);
    w.on("message", (m: VerifyReply) => {
      if (m.ok) {
        done.set(m.id, m.result);
        if (m.result.problem) stopAt = Math.min(stopAt, m.id + 1);
        dispatch(w);
      } else {
        failure ??= new StoreError(isStoreErrorCode(m.code) ? m.code : "ERR_STORE_QUERY", {
          detail: `ledger verification thread: ${m.detail}`,
        });
      }
      notify();
    });
    w.on("error", (e) => {
      failure ??= new StoreError("ERR_STORE_UNAVAILABLE", {
        detail: `ledger verification thread failed: ${e.message}`,
      });
      notify();
    });
    w.on("exit", (code) => {
      if (!ending)
        failure ??= new StoreError("ERR_STORE_UNAVAILABLE", {
          detail: `ledger verification thread exited (${code})`,
        });
      notify();
    });
    dispatch(w);
  }
  try {
    for (let i = 0; i < stopAt; i++) {
      let r = done.get(i);
      while (r === undefined) {
        if (failure !== undefined) throw failure;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        r = done.get(i);
      }
      done.delete(i);
      yield r;
    }
  } finally {
    ending = true;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** A ChunkScanner over worker threads that each open `store`'s database themselves. */
export function createChunkScanner(store: Store, options: ChunkScannerOptions = {}): ChunkScanner {
  const threads = Math.max(1, Math.trunc(options.workers ?? defaultVerifyWorkers()));
  return (tasks) => scan(store.location(), tasks, threads);
}
