// Rampart's trading state in memory, kept in step with the database and with other instances.
// The database is authoritative: it is read on start and re-read every `refreshMs` as a safety net;
// every change is published on the ephemeral store's `trading:state` channel so another gateway
// instance enforces a halt within milliseconds (bench/trading.ts measures it). A message carries
// the scope's version, so a late or repeated message never rolls a newer state back.
import type { Clock, Logger } from "../kernel/index.js";
import type { TradingStore } from "./ports.js";
import { effectiveState, loosens } from "./scope.js";
import type { ScopeState, TradingScope, TradingState } from "./types.js";

export const STATE_CHANNEL = "trading:state";

/** The part of EphemeralStore the cache needs (publish/subscribe). */
export interface StatePubSub {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
}

export type StateListener = (s: ScopeState) => void;

export class TradingStateCache {
  private readonly states = new Map<TradingScope, ScopeState>();
  private readonly listeners = new Set<StateListener>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private started: Promise<void> | undefined;
  private loaded = false;

  constructor(
    private readonly deps: {
      store: TradingStore;
      pubsub: StatePubSub;
      logger: Logger;
      clock: Clock;
      /** 0: no periodic re-read. */
      refreshMs: number;
    },
  ) {}

  /** Subscribes, then reads the database (so no change between the two is missed). Idempotent. */
  start(): Promise<void> {
    this.started ??= (async () => {
      this.unsubscribe = await this.deps.pubsub.subscribe(STATE_CHANNEL, (m) => this.onMessage(m));
      await this.refresh();
      this.loaded = true;
      if (this.deps.refreshMs > 0) {
        this.timer = setInterval(() => {
          this.refresh().catch((e: unknown) =>
            this.deps.logger.warn({ err: e }, "trading state refresh from the database failed"),
          );
        }, this.deps.refreshMs);
        this.timer.unref();
      }
    })();
    return this.started;
  }

  /** True once the database has been read: before that nothing is known, and the gate refuses. */
  get ready(): boolean {
    return this.loaded;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const u = this.unsubscribe;
    this.unsubscribe = undefined;
    if (u) await u().catch(() => {});
  }

  async refresh(): Promise<void> {
    for (const s of await this.deps.store.loadStates()) this.apply(s);
  }

  /** Takes a state if it is newer than what this instance holds. */
  apply(s: ScopeState): void {
    const cur = this.states.get(s.scope);
    if (cur && cur.version >= s.version) return;
    this.states.set(s.scope, s);
    for (const l of this.listeners) {
      try {
        l(s);
      } catch (e) {
        this.deps.logger.warn({ err: e }, "trading state listener failed");
      }
    }
  }

  /** Records a change made by this instance and tells the others. */
  async announce(s: ScopeState): Promise<void> {
    this.apply(s);
    await this.deps.pubsub.publish(STATE_CHANNEL, JSON.stringify(s));
  }

  onChange(l: StateListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get(scope: TradingScope): ScopeState | undefined {
    return this.states.get(scope);
  }

  all(): ScopeState[] {
    return [...this.states.values()].sort((a, b) => a.scope.localeCompare(b.scope));
  }

  effective(scopes: readonly TradingScope[]): { state: TradingState; scope: TradingScope } {
    return effectiveState(this.states, scopes);
  }

  private onMessage(m: string): void {
    try {
      const s = JSON.parse(m) as ScopeState;
      if (
        typeof s?.scope === "string" &&
        (s.state === "ACTIVE" || s.state === "REDUCING" || s.state === "HALTED") &&
        Number.isInteger(s.version)
      ) {
        const cur = this.states.get(s.scope);
        // A message that loosens control is only a hint: the database decides (a forged or stale
        // message on the channel cannot lift a halt). A tightening one applies at once (fail-safe).
        if (cur && loosens(cur.state, s.state)) {
          this.deps.store
            .getState(s.scope)
            .then((row) => row && this.apply(row))
            .catch((e: unknown) => this.deps.logger.warn({ err: e }, "trading state read failed"));
        } else this.apply(s);
      }
    } catch {
      this.deps.logger.warn({ channel: STATE_CHANNEL }, "malformed trading state message ignored");
    }
  }
}
