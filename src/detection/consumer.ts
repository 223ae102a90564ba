// The ledger stream consumer: reads entries in index order from its own persisted position, runs
// the engine, hands detections to the sink (response) in order, and saves position + engine
// snapshot + detection records together. Live by polling (detection.stream.poll_ms, default
// 200 ms) plus nudge() for an immediate read; a crash between a detection and the next save
// replays those entries from the last snapshot, so the sink must be idempotent (response is:
// incident ids and action keys derive from ledger indices).
//
// Entries this process committed are offered by the ledger right after the commit (offer()): the
// consumer then processes them without reading them back from the database and re-checking their
// form, and at once rather than at the next poll. Only the text the ledger wrote itself is taken
// this way; everything else (other processes' entries, a backlog, a replay after a failure) is read
// from the database. Tampering with a stored row afterwards is the integrity watch's to find
// (detection.verify_interval_s), as it is for every entry detection has already processed.
import { type CommittedEntry, type LedgerEvent, parseStoredEvent } from "../audit/index.js";
import type { Clock, Logger } from "../kernel/index.js";
import { silentLogger } from "../kernel/index.js";
import type { DetectionEngine } from "./engine.js";
import type { DetectionStore, LedgerReader } from "./ports.js";
import type { Assessment, Detection, StreamEvent } from "./types.js";

export interface DetectionSink {
  /** Called in ledger order; throwing stops the consumer advancing (it retries from the last save). */
  handle(detections: readonly Detection[]): Promise<void>;
}

export interface StreamConsumerOptions {
  readonly name?: string | undefined;
  readonly ledger: LedgerReader;
  readonly store: DetectionStore;
  readonly engine: DetectionEngine;
  readonly sink: DetectionSink;
  readonly clock: Clock;
  readonly logger?: Logger | undefined;
  readonly pollMs?: number | undefined;
  readonly batchSize?: number | undefined;
  /** Persist at most this often (the position is always consistent with the snapshot). */
  readonly saveEveryMs?: number | undefined;
}

export interface ConsumerStats {
  readonly nextIndex: number;
  readonly processed: number;
  readonly detections: number;
  /** Wall-clock delay between the last event's timestamp and its processing. */
  readonly lastLagMs: number;
}

/** A parse failure of a stored entry is itself a detection: the ledger was altered. */
export function unreadableEntry(index: number, atMs: number): Detection {
  return {
    rule: "data.ledger_unreadable",
    type: "data_breach",
    subject: "ledger",
    index,
    atMs,
    evidence: [index],
    severity: "critical",
    context: { ips: [], users: [], sessions: [], instruments: [], strategies: [], patterns: [] },
    summary: `ledger entry ${index} is not a readable event`,
  };
}

export function toStreamEvent(index: number, canonical: string): StreamEvent | undefined {
  const parsed = parseStoredEvent(canonical);
  if (!parsed || parsed.event.index !== index) return undefined;
  const atMs = Date.parse(parsed.event.timestamp);
  if (!Number.isFinite(atMs)) return undefined;
  return { index, atMs, event: parsed.event as LedgerEvent };
}

/** An entry as this process's ledger wrote it: canonical by construction, its time known. */
function trustedStreamEvent(e: CommittedEntry): StreamEvent {
  return { index: e.index, atMs: e.atMs, event: JSON.parse(e.canonical) as LedgerEvent };
}

export class StreamConsumer {
  readonly #o: StreamConsumerOptions;
  readonly #name: string;
  readonly #pollMs: number;
  readonly #log: Logger;
  #next = 0;
  #saved = { nextIndex: 0, snapshot: "" };
  #lastSaveAt = 0;
  #pending: Assessment[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #timerDue = 0;
  /** When a drain last read the database; a drain reads it once a poll interval has passed. */
  #lastDatabaseRead = Number.NEGATIVE_INFINITY;
  #stopped = true;
  #stats = { processed: 0, detections: 0, lastLagMs: 0 };
  /** Entries offered by this process's ledger, by index, until processed. */
  readonly #offered = new Map<number, CommittedEntry>();

  constructor(o: StreamConsumerOptions) {
    this.#o = o;
    this.#pollMs = o.pollMs ?? 200;
    this.#name = o.name ?? "live";
    this.#log = o.logger ?? silentLogger;
  }

  get stats(): ConsumerStats {
    return { nextIndex: this.#next, ...this.#stats };
  }

  /** Loads the saved position and state (no polling). */
  async load(): Promise<void> {
    const s = await this.#o.store.loadState(this.#name);
    if (s) {
      this.#o.engine.restore(s.snapshot);
      this.#next = s.nextIndex;
      this.#saved = { nextIndex: s.nextIndex, snapshot: s.snapshot };
    } else {
      this.#saved = { nextIndex: 0, snapshot: this.#o.engine.snapshot() };
    }
  }

  /** Loads, then polls until stop(). */
  async start(): Promise<void> {
    await this.load();
    this.#stopped = false;
    this.#schedule(0);
  }

  /**
   * Entries this process's ledger has just committed (AuditLedger.onCommitted). They are processed
   * at once, in ledger order, without being read back; the database is still read at every poll
   * for what other processes appended. At most MAX_OFFERED wait (an entry before them is missing
   * until the next poll, or the consumer is behind); beyond that they are read like any other.
   */
  offer(entries: readonly CommittedEntry[]): void {
    if (this.#stopped) return;
    for (const e of entries)
      if (e.index >= this.#next && this.#offered.size < MAX_OFFERED) this.#offered.set(e.index, e);
    this.#schedule(0);
  }

  /** Reads now (e.g. after an append in this process). */
  nudge(): void {
    if (this.#stopped) return;
    this.#lastDatabaseRead = Number.NEGATIVE_INFINITY;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#offered.clear();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    await this.#save(true);
  }

  /** Processes everything appended so far; resolves when caught up. */
  async catchUp(): Promise<void> {
    while (this.#running) await this.#running;
    this.#running = this.#drain(true);
    try {
      await this.#running;
    } finally {
      this.#running = undefined;
    }
    await this.#save(true);
  }

  /**
   * Runs a drain in `ms` (or sooner if one is already due sooner). The drain reads the database,
   * not only offers, once a poll interval has passed since the last read: offers arriving faster
   * than the poll never starve other processes' entries, and the poll itself always reads.
   */
  #schedule(ms: number): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    const due = performance.now() + ms;
    if (this.#timer) {
      if (due >= this.#timerDue) return;
      clearTimeout(this.#timer);
    }
    this.#timerDue = due;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const readDatabase = performance.now() - this.#lastDatabaseRead >= this.#pollMs;
      this.#running = this.#drain(readDatabase)
        .then(() => this.#save(false))
        .catch((e: unknown) =>
          this.#log.error({ err: describe(e) }, "detection stream: read failed, retrying"),
        )
        .finally(() => {
          this.#running = undefined;
          if (this.#stopped) return;
          const again = this.#again;
          this.#again = false;
          this.#schedule(again ? 0 : this.#pollMs);
        });
    }, ms);
  }

  async #drain(database: boolean): Promise<void> {
    const batch = this.#o.batchSize ?? 2000;
    try {
      for (;;) {
        // Entries offered from the position on: no database round trip at all.
        const offered = this.#takeOffered();
        if (offered.length > 0) {
          for (const e of offered) {
            await this.#process(trustedStreamEvent(e), e.index);
            this.#next = e.index + 1;
          }
          await yieldToEventLoop();
          continue;
        }
        if (!database) return;
        this.#lastDatabaseRead = performance.now();
        const size = await this.#o.ledger.size();
        if (this.#next >= size) return;
        const to = Math.min(size, this.#next + batch);
        // In slices, yielding to the event loop between them: an await that resolves at once does
        // not let I/O run, and a backlog of thousands of entries would stall every request served
        // by this process meanwhile (the gateway's p99).
        for (let from = this.#next; from < to; from += SLICE) {
          for await (const leaf of this.#o.ledger.readLeaves(from, Math.min(to, from + SLICE))) {
            await this.#one(leaf.index, leaf.canonical);
            this.#next = leaf.index + 1;
          }
          await yieldToEventLoop();
        }
        // Offers of what was just read from the database are no longer needed.
        for (const i of this.#offered.keys()) if (i < this.#next) this.#offered.delete(i);
      }
    } catch (e) {
      // Roll back to the last saved state: the sink is idempotent, the engine deterministic.
      this.#o.engine.restore(this.#saved.snapshot);
      this.#next = this.#saved.nextIndex;
      this.#pending = [];
      throw e;
    }
  }

  /** Offered entries from the position on, consecutive, at most a slice; removed from the offers. */
  #takeOffered(): CommittedEntry[] {
    const out: CommittedEntry[] = [];
    const offered = this.#offered;
    for (let i = this.#next; out.length < SLICE; i++) {
      const e = offered.get(i);
      if (e === undefined) break;
      offered.delete(i);
      out.push(e);
    }
    return out;
  }

  async #one(index: number, canonical: string): Promise<void> {
    await this.#process(toStreamEvent(index, canonical), index);
  }

  async #process(ev: StreamEvent | undefined, index: number): Promise<void> {
    const now = this.#o.clock.now();
    if (!ev) {
      this.#stats.detections++;
      await this.#o.sink.handle([unreadableEntry(index, now)]);
      return;
    }
    const r = this.#o.engine.process(ev);
    this.#stats.processed++;
    this.#stats.lastLagMs = Math.max(0, now - ev.atMs);
    if (r.assessment.threatLevel !== "low" || r.detections.length > 0) this.#pending.push(r.assessment);
    if (r.detections.length > 0) {
      this.#stats.detections += r.detections.length;
      await this.#o.sink.handle(r.detections);
    }
  }

  async #save(force: boolean): Promise<void> {
    const now = this.#o.clock.now();
    if (this.#next === this.#saved.nextIndex && this.#pending.length === 0) return;
    if (!force && now - this.#lastSaveAt < (this.#o.saveEveryMs ?? 1000) && this.#pending.length < 5000)
      return;
    const state = { nextIndex: this.#next, snapshot: this.#o.engine.snapshot() };
    await this.#o.store.saveProgress(this.#name, state, this.#pending, now);
    this.#saved = state;
    this.#pending = [];
    this.#lastSaveAt = now;
  }
}

/** Entries processed between two turns of the event loop (~1–2 ms of work). */
const SLICE = 128;

/** Offered entries kept waiting at most (about 10 MB at the ledger's 1 kB typical event). */
const MAX_OFFERED = 10_000;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
