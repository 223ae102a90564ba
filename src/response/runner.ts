// Runs action records: one at a time in arrival order, each under a deadline; a failure is
// retried with exponential backoff up to max_attempts, then marked failed and reported (the
// responder escalates the incident). Every outcome is reported to `onFinished` for the ledger.
import { RampartError } from "../kernel/index.js";
import { actionTimeout } from "./errors.js";

export interface RunnerOptions {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  /** Executes one attempt of the action with key `key` of `incidentId`. */
  readonly attempt: (incidentId: string, key: string, attempt: number) => Promise<void>;
  /** Called when an attempt fails; `final` when no retry follows. */
  readonly failed: (
    incidentId: string,
    key: string,
    error: RampartError,
    final: boolean,
    attempt: number,
  ) => Promise<void>;
}

export class ActionRunner {
  readonly #o: RunnerOptions;
  #queue: { incidentId: string; key: string; attempt: number }[] = [];
  #working: Promise<void> | undefined;
  #retries = new Set<ReturnType<typeof setTimeout>>();
  #waiters: (() => void)[] = [];
  #stopped = false;

  constructor(o: RunnerOptions) {
    this.#o = o;
  }

  enqueue(incidentId: string, key: string, attempt = 1): void {
    if (this.#stopped) return;
    this.#queue.push({ incidentId, key, attempt });
    this.#kick();
  }

  #kick(): void {
    this.#working ??= this.#work().finally(() => {
      this.#working = undefined;
      // A job enqueued after the loop found the queue empty, but before this ran, found the
      // runner still working and started nothing: it is run now.
      if (this.#queue.length > 0 && !this.#stopped) this.#kick();
      else this.#notify();
    });
  }

  /** Resolves when nothing is queued, running or waiting to be retried. */
  idle(): Promise<void> {
    if (!this.#working && this.#retries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#retries) clearTimeout(t);
    this.#retries.clear();
    this.#queue = [];
    await this.#working;
    // Whoever waits in idle() for a retry that will now never run is released.
    this.#notify();
  }

  #notify(): void {
    if (this.#working || this.#retries.size > 0) return;
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  async #work(): Promise<void> {
    for (let job = this.#queue.shift(); job; job = this.#queue.shift()) {
      const { incidentId, key, attempt } = job;
      try {
        await withDeadline(this.#o.attempt(incidentId, key, attempt), this.#o.timeoutMs, key);
      } catch (e) {
        const err =
          e instanceof RampartError
            ? e
            : new RampartError("ERR_RESPONSE_ACTION_FAILED", "A response action failed.", {
                status: 502,
                detail: e instanceof Error ? e.message : String(e),
              });
        const final = attempt >= this.#o.maxAttempts || this.#stopped;
        try {
          await this.#o.failed(incidentId, key, err, final, attempt);
        } catch {
          // Reporting failed too (ledger down): the record stays pending and is resumed on restart.
        }
        if (!final) {
          const t = setTimeout(
            () => {
              this.#retries.delete(t);
              this.enqueue(incidentId, key, attempt + 1);
              this.#notify();
            },
            this.#o.backoffMs * 2 ** (attempt - 1),
          );
          this.#retries.add(t);
        }
      }
    }
  }
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(actionTimeout(what, ms)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
