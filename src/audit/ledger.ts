// The ledger: AuditRecorder over a LedgerStore with group commit. Concurrent record() calls queue;
// one writer drains the queue in one transaction (FIFO, so a stable order), assigns indexes under
// the store's append lock, stores the interior nodes each batch completes, and resolves every
// caller after the commit. Each append has a deadline: on failure or timeout record() rejects with
// ERR_AUDIT_UNAVAILABLE and onAlarm fires, so the action that needed the record does not happen.
import { uuid } from "../crypto/index.js";
import { type Clock, type Logger, RampartError, silentLogger } from "../kernel/index.js";
import { appendRows } from "./append-rows.js";
import type { NoteSigner } from "./checkpoint.js";
import { type Checkpointer, createCheckpointer } from "./checkpointer.js";
import { auditUnavailable } from "./errors.js";
import { canonicalAt, type PreparedEvent, prepareEvent } from "./event.js";
import { CompactRange, frontierKeys, type Hash } from "./merkle.js";
import type { LedgerAppendTx, LedgerStore, StoredCheckpoint } from "./ports.js";
import { consistencyProof, inclusionProof, rootAt } from "./proofs.js";
import type { AuditEventInput, AuditReceipt, AuditRecorder } from "./types.js";

export interface AuditLedgerOptions {
  readonly store: LedgerStore;
  readonly clock: Clock;
  /** The log's origin line in checkpoints, e.g. "rampart.example.com/audit". */
  readonly origin: string;
  /** Signs checkpoints; without one the ledger appends but writes no checkpoints. */
  readonly signer?: NoteSigner | undefined;
  /** config audit.append_timeout_ms (default 2000). */
  readonly appendTimeoutMs?: number | undefined;
  /** config audit.checkpoint_every (default 1000 entries). */
  readonly checkpointEvery?: number | undefined;
  /** config audit.checkpoint_interval_s × 1000 (default 10 s). */
  readonly checkpointIntervalMs?: number | undefined;
  /** Most entries per transaction (default 2000). */
  readonly maxBatch?: number | undefined;
  /** Fired on every failed or timed-out append (after the fatal log line). */
  readonly onAlarm?: ((error: RampartError) => void) | undefined;
  readonly logger?: Logger | undefined;
  readonly newId?: (() => string) | undefined;
}

interface Pending {
  readonly prepared: PreparedEvent;
  readonly resolve: (r: AuditReceipt) => void;
  readonly reject: (e: RampartError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  settled: boolean;
}

/**
 * An entry this process has just committed: its index, its canonical text (what the row holds) and
 * its timestamp. Handed to onCommitted listeners so that a reader in the same process (detection)
 * need not read back and re-check what the ledger itself wrote.
 */
export interface CommittedEntry {
  readonly index: number;
  readonly canonical: string;
  readonly atMs: number;
}

export class AuditLedger implements AuditRecorder {
  readonly #store: LedgerStore;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #maxBatch: number;
  readonly #onAlarm: (error: RampartError) => void;
  readonly #log: Logger;
  readonly #newId: () => string;
  readonly #checkpointer: Checkpointer | undefined;
  #queue: Pending[] = [];
  #draining: Promise<void> = Promise.resolve();
  /** Set and cleared synchronously around the drain loop, so no queued item is ever stranded. */
  #writing = false;
  /** The right edge after our last commit; reused when no other process appended since. */
  #edge: CompactRange | undefined;
  #closed = false;
  readonly #listeners = new Set<(entries: readonly CommittedEntry[]) => void>();

  constructor(o: AuditLedgerOptions) {
    this.#store = o.store;
    this.#clock = o.clock;
    this.#timeoutMs = o.appendTimeoutMs ?? 2000;
    this.#maxBatch = o.maxBatch ?? 2000;
    this.#log = o.logger ?? silentLogger;
    this.#onAlarm = o.onAlarm ?? (() => {});
    this.#newId = o.newId ?? uuid;
    this.#checkpointer =
      o.signer === undefined
        ? undefined
        : createCheckpointer({
            store: o.store,
            signer: o.signer,
            origin: o.origin,
            clock: o.clock,
            every: o.checkpointEvery ?? 1000,
            intervalMs: o.checkpointIntervalMs ?? 10_000,
            logger: this.#log,
            currentTree: () => this.#currentTree(),
          });
  }

  record(event: AuditEventInput): Promise<AuditReceipt> {
    if (this.#closed) return Promise.reject(auditUnavailable("ledger is closed"));
    let prepared: PreparedEvent;
    try {
      prepared = prepareEvent(event, this.#newId(), this.#clock.now());
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<AuditReceipt>((resolve, reject) => {
      const p: Pending = { prepared, resolve, reject, timer: undefined, settled: false };
      p.timer = setTimeout(() => this.#expire(p), this.#timeoutMs);
      this.#queue.push(p);
      if (!this.#writing) {
        this.#writing = true;
        // Start on the next turn of the event loop, so callers woken by the previous commit (and
        // everyone else in this turn) join one batch instead of the first going alone.
        this.#draining = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#drain());
      }
    });
  }

  /**
   * Calls `listener` after each commit with the entries it made durable, in index order (entries
   * other processes append are not seen here). Returns the function that unsubscribes.
   */
  onCommitted(listener: (entries: readonly CommittedEntry[]) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Current committed size (as this process last saw it, or from the store). */
  async size(): Promise<number> {
    return this.#store.size();
  }

  async inclusionProof(index: number, size?: number): Promise<{ size: number; proof: Hash[]; root: Hash }> {
    const n = size ?? (await this.#store.size());
    const proof = await inclusionProof(this.#store, index, n);
    return { size: n, proof, root: await rootAt(this.#store, n) };
  }

  async consistencyProof(first: number, second?: number): Promise<{ size: number; proof: Hash[] }> {
    const n = second ?? (await this.#store.size());
    return { size: n, proof: await consistencyProof(this.#store, first, n) };
  }

  latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.#store.latestCheckpoint();
  }

  /** Signs a checkpoint of the current tree now, if it grew since the last one. */
  async checkpoint(): Promise<StoredCheckpoint | undefined> {
    return this.#checkpointer?.checkpointNow();
  }

  /** Stops taking events, writes what is queued, and signs a final checkpoint. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#writing) await this.#draining;
    await this.#checkpointer?.close();
  }

  async #currentTree(): Promise<{ size: number; root: Hash }> {
    const edge = this.#edge;
    if (edge) return { size: edge.size, root: edge.root() };
    const size = await this.#store.size();
    return { size, root: await rootAt(this.#store, size) };
  }

  #expire(p: Pending): void {
    p.timer = undefined;
    if (p.settled) return;
    const queued = this.#queue.indexOf(p);
    if (queued >= 0) this.#queue.splice(queued, 1);
    this.#fail([p], auditUnavailable(`append did not commit within ${this.#timeoutMs} ms`));
  }

  #fail(batch: readonly Pending[], error: RampartError): void {
    let any = false;
    for (const p of batch) {
      if (p.settled) continue;
      p.settled = true;
      any = true;
      if (p.timer) clearTimeout(p.timer);
      p.reject(error);
    }
    if (!any) return;
    this.#log.fatal({ err: { code: error.code, detail: error.detail } }, "audit ledger append failed");
    try {
      this.#onAlarm(error);
    } catch {
      // An alarm channel failing must not stop the ledger from reporting the next failure.
    }
  }

  async #drain(): Promise<void> {
    // The loop's last check and the flag's reset run in the same microtask: a record() arriving
    // after it starts a new drain instead of waiting for one that has already finished.
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#maxBatch);
        try {
          const { start, edge } = await this.#append(batch);
          this.#edge = edge;
          batch.forEach((p, i) => {
            if (p.settled) return;
            p.settled = true;
            if (p.timer) clearTimeout(p.timer);
            p.resolve({ event_id: p.prepared.eventId, index: start + i });
          });
          this.#checkpointer?.appended(edge.size);
          if (this.#listeners.size > 0) this.#announce(batch, start);
        } catch (e) {
          this.#edge = undefined;
          const error =
            e instanceof RampartError && e.code === "ERR_AUDIT_UNAVAILABLE"
              ? e
              : auditUnavailable(`append transaction failed: ${describe(e)}`, e);
          this.#fail(batch, error);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  #announce(batch: readonly Pending[], start: number): void {
    const entries = batch.map((p, i) => ({
      index: start + i,
      canonical: canonicalAt(p.prepared, start + i),
      atMs: p.prepared.timestampMs,
    }));
    for (const listener of this.#listeners)
      try {
        listener(entries);
      } catch (e) {
        // A listener's failure must not reach the ledger's commit path.
        this.#log.error({ err: describe(e) }, "audit ledger: commit listener failed");
      }
  }

  async #append(batch: readonly Pending[]): Promise<{ start: number; edge: CompactRange }> {
    const store = this.#store;
    if (!store.appendPrepared) return store.appendTransaction((tx) => this.#appendBatch(tx, batch));
    const r = await store.appendPrepared(batch.map((p) => p.prepared));
    return { start: r.start, edge: new CompactRange(r.size, r.edgeHashes) };
  }

  async #appendBatch(
    tx: LedgerAppendTx,
    batch: readonly Pending[],
  ): Promise<{ start: number; edge: CompactRange }> {
    const start = await tx.size();
    let edge: CompactRange;
    if (this.#edge && this.#edge.size === start) edge = this.#edge.clone();
    else edge = new CompactRange(start, await tx.readNodes(frontierKeys(start)));
    const { rows, nodes } = appendRows(
      edge,
      batch.map((p) => p.prepared),
    );
    await tx.insert(rows, nodes);
    return { start, edge };
  }
}

function describe(e: unknown): string {
  if (e instanceof RampartError) return `${e.code}${e.detail ? `: ${e.detail}` : ""}`;
  return e instanceof Error ? e.message : String(e);
}
