// The SQLite ledger's writes on a thread of their own. better-sqlite3 is synchronous: on the main
// connection every group commit (and its fsync, synchronous=FULL) stalls the gateway's event loop,
// and every request behind it waits — the gateway's p99. Here the append transaction runs on a
// worker thread with its own connection to the same file (ledger-writer-worker.ts); the event loop
// only prepares rows and hashes and posts them. Reads (proofs, verification, queries) stay on the
// main connection: WAL gives them a consistent snapshot while the writer works.
//
// The ledger uses appendPrepared: the thread builds the whole batch (indexes, canonical forms, leaf
// hashes, interior nodes) under BEGIN IMMEDIATE and commits it in one step, so the main thread only
// prepares events, processes sharing the file keep one ordered log without ever rebuilding, and the
// write lock is never held while waiting for the main thread (a main-thread write waiting on it
// would block the very loop that must answer). The promise resolves only after COMMIT returned,
// i.e. after the fsync. appendTransaction, the port's general form, stays the repository's own (on
// the main connection): the ledger never uses it when appendPrepared is there.
import type { Worker } from "node:worker_threads";
import type { LedgerStore } from "../audit/index.js";
import { StoreError, toStoreError } from "./errors.js";
import type { WriterReply, WriterRequest } from "./ledger-writer-worker.js";
import type { Store } from "./open.js";
import { startWorkerThread } from "./worker-thread.js";

type Op = WriterRequest extends infer R ? (R extends { op: infer O } ? O : never) : never;
type Body<O extends Op> = Omit<Extract<WriterRequest, { op: O }>, "id" | "op">;

class WriterThread {
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  /** One append transaction at a time on the writer's connection. */
  #turn: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs: number,
  ) {}

  #thread(): Worker {
    if (this.#closed) throw new StoreError("ERR_STORE_UNAVAILABLE", { detail: "ledger writer closed" });
    if (this.#worker) return this.#worker;
    const w = startWorkerThread(import.meta.url, "ledger-writer-worker", {
      file: this.file,
      busyTimeoutMs: this.busyTimeoutMs,
    });
    // The writer never keeps the process alive: close() ends it after the ledger drained.
    w.unref();
    w.on("message", (m: WriterReply) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(toStoreError(Object.assign(new Error(m.error.message), { code: m.error.code })));
    });
    const lost = (why: string) => {
      if (this.#worker !== w) return;
      this.#worker = undefined;
      const e = new StoreError("ERR_STORE_UNAVAILABLE", { detail: `ledger writer thread ${why}` });
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
    };
    w.on("error", (e) => lost(`failed: ${e.message}`));
    w.on("exit", (code) => lost(`exited (${code})`));
    this.#worker = w;
    return w;
  }

  call<O extends Op>(op: O, body: Body<O>, transfer: ArrayBuffer[] = []): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let w: Worker;
      try {
        w = this.#thread();
      } catch (e) {
        reject(e);
        return;
      }
      const id = this.#nextId++;
      this.#pending.set(id, { resolve, reject });
      w.postMessage({ id, op, ...body }, transfer);
    });
  }

  /** Runs `fn` when the previous transaction on the writer has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(fn, fn);
    this.#turn = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#turn;
    const w = this.#worker;
    this.#worker = undefined;
    await w?.terminate();
  }
}

/**
 * The ledger repository with appends (and checkpoints, the ledger's other write) on a writer thread.
 * SQLite only: PostgreSQL's driver is asynchronous already. Resolves once the thread answers (its
 * start-up must not eat into the first append's deadline); `close` ends the thread.
 */
export async function withLedgerWriterThread(
  store: Store,
  repo: LedgerStore,
): Promise<{ repo: LedgerStore; close: () => Promise<void> }> {
  const location = store.location();
  if (location.dialect !== "sqlite") return { repo, close: async () => {} };
  const writer = new WriterThread(location.file, location.busyTimeoutMs);
  try {
    await writer.call("ping", {});
  } catch (e) {
    await writer.close();
    throw e;
  }
  const insertCheckpoint: LedgerStore["insertCheckpoint"] = async (cp) =>
    (await writer.call("checkpoint", {
      treeSize: cp.treeSize,
      rootHash: Uint8Array.from(cp.rootHash),
      note: cp.note,
      createdAtMs: cp.createdAtMs,
    })) as boolean;
  // The ledger's own path: the whole batch (indexes, canonical forms, hashes, nodes) is built on the
  // thread under the write lock, so the main thread only prepares events and processes sharing the
  // file never lose a race and rebuild.
  const appendPrepared: NonNullable<LedgerStore["appendPrepared"]> = (batch) =>
    writer.exclusive(
      async () =>
        (await writer.call("prepared", { events: batch })) as {
          start: number;
          size: number;
          edgeHashes: Uint8Array[];
        },
    );
  // Everything else (reads, and whatever else the repository offers) is the repository's own.
  return {
    repo: { ...repo, appendPrepared, insertCheckpoint },
    close: () => writer.close(),
  };
}
