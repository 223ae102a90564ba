// When to sign a checkpoint: every N entries, every T seconds if the tree grew, and on shutdown.
// Signing is serialised (one at a time) and runs beside appends, never inside their transaction;
// a checkpoint of size n is valid whenever it is written, because the first n leaves never change.
import type { Clock, Logger } from "../kernel/index.js";
import { type NoteSigner, signCheckpoint } from "./checkpoint.js";
import type { Hash } from "./merkle.js";
import type { LedgerStore, StoredCheckpoint } from "./ports.js";

export interface Checkpointer {
  /** Tells it the tree reached `size` (after a commit); signs when N entries have accumulated. */
  appended(size: number): void;
  checkpointNow(): Promise<StoredCheckpoint | undefined>;
  close(): Promise<void>;
}

export interface CheckpointerOptions {
  readonly store: LedgerStore;
  readonly signer: NoteSigner;
  readonly origin: string;
  readonly clock: Clock;
  readonly every: number;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly currentTree: () => Promise<{ size: number; root: Hash }>;
}

export function createCheckpointer(o: CheckpointerOptions): Checkpointer {
  let lastSize: number | undefined;
  let chain: Promise<StoredCheckpoint | undefined> = Promise.resolve(undefined);
  let closed = false;
  let queued = false;

  const loadLast = async (): Promise<number> => {
    lastSize ??= (await o.store.latestCheckpoint())?.treeSize ?? 0;
    return lastSize;
  };

  const signNow = async (): Promise<StoredCheckpoint | undefined> => {
    queued = false;
    const last = await loadLast();
    const { size, root } = await o.currentTree();
    if (size === 0 || size <= last) return undefined;
    const note = signCheckpoint({ origin: o.origin, treeSize: size, rootHash: root }, o.signer);
    const cp: StoredCheckpoint = { treeSize: size, rootHash: root, note, createdAtMs: o.clock.now() };
    await o.store.insertCheckpoint(cp);
    lastSize = size;
    return cp;
  };

  const enqueue = (): Promise<StoredCheckpoint | undefined> => {
    chain = chain.catch(() => undefined).then(signNow);
    chain.catch((e: unknown) =>
      o.logger.error({ err: e instanceof Error ? e.message : String(e) }, "audit checkpoint failed"),
    );
    return chain;
  };

  const timer = setInterval(() => {
    if (!closed) void enqueue().catch(() => undefined);
  }, o.intervalMs);
  timer.unref();

  return {
    appended(size) {
      if (closed || queued) return;
      void loadLast()
        .then((last) => {
          if (!closed && !queued && size - last >= o.every) {
            queued = true;
            return enqueue();
          }
          return undefined;
        })
        .catch(() => undefined);
    },
    checkpointNow: enqueue,
    async close() {
      closed = true;
      clearInterval(timer);
      await enqueue();
    },
  };
}
