// One sink's delivery loop. It reads the ledger from the sink's persisted cursor, hands a batch of
// entries (then the checkpoints they complete) to the sink, and advances the cursor only after the
// sink accepted them: at-least-once across restarts and outages — a crash between delivery and the
// cursor write resends that batch, and records carry their index so receivers can de-duplicate.
// A failed delivery is retried with exponential backoff (capped), forever: a sink never skips.
import type { Logger } from "../../kernel/index.js";
import { parseStoredEvent } from "../event.js";
import type { SinkCursor, SinkCursorStore, SinkSource } from "./ports.js";
import type { Sink, SinkRecord } from "./types.js";

export interface SinkRunnerOptions {
  readonly sink: Sink;
  readonly source: SinkSource;
  readonly cursors: SinkCursorStore;
  readonly logger: Logger;
  /** Applied to every event before delivery (redaction). */
  readonly transform?: ((event: Record<string, unknown>) => Record<string, unknown>) | undefined;
  readonly batchSize?: number | undefined;
  readonly pollMs?: number | undefined;
  readonly retryMinMs?: number | undefined;
  readonly retryMaxMs?: number | undefined;
}

export interface SinkStatus {
  readonly name: string;
  readonly nextIndex: number;
  readonly checkpointSize: number;
  readonly failures: number;
  readonly lastError: string | null;
}

export class SinkRunner {
  readonly #o: SinkRunnerOptions;
  readonly #batch: number;
  readonly #pollMs: number;
  readonly #retryMin: number;
  readonly #retryMax: number;
  #cursor: SinkCursor | undefined;
  #reload = false;
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  #stopped: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #failures = 0;
  #lastError: string | null = null;

  constructor(o: SinkRunnerOptions) {
    this.#o = o;
    this.#batch = o.batchSize ?? 500;
    this.#pollMs = o.pollMs ?? 1000;
    this.#retryMin = o.retryMinMs ?? Math.min(200, o.retryMaxMs ?? 200);
    this.#retryMax = o.retryMaxMs ?? 60_000;
  }

  get name(): string {
    return this.#o.sink.name;
  }

  status(): SinkStatus {
    return {
      name: this.name,
      nextIndex: this.#cursor?.nextIndex ?? 0,
      checkpointSize: this.#cursor?.checkpointSize ?? 0,
      failures: this.#failures,
      lastError: this.#lastError,
    };
  }

  start(): void {
    if (this.#running) return;
    this.#stopped = undefined;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Looks for new entries now instead of at the next poll. */
  poke(): void {
    this.#wake?.();
  }

  /** Stops after the delivery in progress (if any) and closes the sink; calling it again is a no-op. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#running = false;
      this.#wake?.();
      await this.#loop;
      await this.#o.sink.close();
    })();
    return this.#stopped;
  }

  /** Delivers one batch if there is one; true when something was delivered. Throws on failure. */
  async step(): Promise<boolean> {
    const { source, cursors, sink } = this.#o;
    if (!this.#cursor || this.#reload) {
      this.#cursor = (await cursors.read(sink.name)) ?? { nextIndex: 0, checkpointSize: 0 };
      this.#reload = false;
    }
    const cursor = this.#cursor;
    const size = await source.size();
    const end = Math.min(size, cursor.nextIndex + this.#batch);
    const records: SinkRecord[] = [];
    for await (const leaf of source.readLeaves(cursor.nextIndex, end)) {
      const parsed = parseStoredEvent(leaf.canonical);
      const event = parsed ? (parsed.event as unknown as Record<string, unknown>) : null;
      records.push({
        kind: "audit_event",
        index: leaf.index,
        leaf_hash: Buffer.from(leaf.leafHash).toString("hex"),
        event: event && this.#o.transform ? this.#o.transform(event) : event,
      });
    }
    const checkpoints = await source.checkpointsBetween(cursor.checkpointSize, end, this.#batch);
    for (const cp of checkpoints)
      records.push({
        kind: "audit_checkpoint",
        tree_size: cp.treeSize,
        root_hash: Buffer.from(cp.rootHash).toString("hex"),
        note: cp.note,
        created_at: new Date(cp.createdAtMs).toISOString(),
      });
    if (records.length === 0) return false;
    await sink.deliver(records);
    const next: SinkCursor = {
      nextIndex: end,
      checkpointSize: checkpoints.at(-1)?.treeSize ?? cursor.checkpointSize,
    };
    await cursors.write(sink.name, next);
    this.#cursor = next;
    return true;
  }

  async #run(): Promise<void> {
    let backoff = this.#retryMin;
    while (this.#running) {
      let wait: number;
      try {
        wait = (await this.step()) ? 0 : this.#pollMs;
        if (this.#failures > 0)
          this.#o.logger.info({ sink: this.name, failures: this.#failures }, "audit sink delivering again");
        this.#failures = 0;
        this.#lastError = null;
        backoff = this.#retryMin;
      } catch (e) {
        this.#reload = true; // re-read: another instance may have advanced it
        this.#failures++;
        this.#lastError = e instanceof Error ? e.message : String(e);
        this.#o.logger.warn(
          { sink: this.name, failures: this.#failures, err: this.#lastError, retry_ms: backoff },
          "audit sink delivery failed; retrying",
        );
        wait = backoff;
        backoff = Math.min(backoff * 2, this.#retryMax);
      }
      if (wait > 0 && this.#running) await this.#sleep(wait);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}
