// The ledger stream consumer: reads entries in index order from its own persisted position, runs
// the engine, hands detections to the sink (response) in order, and saves position + engine
// snapshot + detection records together. Live by polling (detection.stream.poll_ms, default
// 200 ms) plus nudge() for an immediate read; a crash between a detection and the next save
// replays those entries from the last snapshot, so the sink must be idempotent (response is:
// incident ids and action keys derive from ledger indices).
import { type LedgerEvent, parseStoredEvent } from "../audit/index.js";
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

export class StreamConsumer {
  readonly #o: StreamConsumerOptions;
  readonly #name: string;
  readonly #log: Logger;
  #next = 0;
  #saved = { nextIndex: 0, snapshot: "" };
  #lastSaveAt = 0;
  #pending: Assessment[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;
  #stats = { processed: 0, detections: 0, lastLagMs: 0 };

  constructor(o: StreamConsumerOptions) {
    this.#o = o;
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

  /** Reads now (e.g. after an append in this process). */
  nudge(): void {
    if (this.#stopped) return;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    await this.#save(true);
  }

  /** Processes everything appended so far; resolves when caught up. */
  async catchUp(): Promise<void> {
    while (this.#running) await this.#running;
    this.#running = this.#drain();
    try {
      await this.#running;
    } finally {
      this.#running = undefined;
    }
    await this.#save(true);
  }

  #schedule(ms: number): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#drain()
        .then(() => this.#save(false))
        .catch((e: unknown) =>
          this.#log.error({ err: describe(e) }, "detection stream: read failed, retrying"),
        )
        .finally(() => {
          this.#running = undefined;
          if (this.#stopped) return;
          const again = this.#again;
          this.#again = false;
          this.#schedule(again ? 0 : (this.#o.pollMs ?? 200));
        });
    }, ms);
  }

  async #drain(): Promise<void> {
    const batch = this.#o.batchSize ?? 2000;
    for (;;) {
      const size = await this.#o.ledger.size();
      if (this.#next >= size) return;
      const to = Math.min(size, this.#next + batch);
      try {
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
      } catch (e) {
        // Roll back to the last saved state: the sink is idempotent, the engine deterministic.
        this.#o.engine.restore(this.#saved.snapshot);
        this.#next = this.#saved.nextIndex;
        this.#pending = [];
        throw e;
      }
    }
  }

  async #one(index: number, canonical: string): Promise<void> {
    const ev = toStreamEvent(index, canonical);
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

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
