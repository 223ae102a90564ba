// Rampart's trading state in memory, kept in step with the database and with other instances.
// The database is authoritative: it is read on start and re-read every `refreshMs` as a safety net;
// every change is published on the ephemeral store's `trading:state` channel so another gateway
// instance enforces a halt within milliseconds (bench/trading.ts measures it).
//
// A message is a hint, never trusted state: whoever can publish on the channel could forge one.
// One that tightens control is enforced at once, as provisional, until the database is read for
// that scope; one that loosens control waits for the database. Only database rows and this
// instance's own changes carry versions into the trusted state, where a late or repeated row never
// rolls a newer state back. So a forged message can neither lift a halt nor, claiming a version
// from the future, make the next genuine halt look old.
//
// This instance's own messages come back on the channel too. They carry its origin tag and are
// skipped: the change is already applied. (A forger who copies the tag only stops its own message
// from being seen here, which is what a hint that the database does not back deserves anyway.)
import { uuid } from "../crypto/index.js";
import type { Clock, Logger } from "../kernel/index.js";
import type { TradingStore } from "./ports.js";
import { effectiveState, loosens, moreRestrictive, normaliseScope } from "./scope.js";
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
  /** Tightening messages the database has not yet been read for, by scope; numbered on arrival. */
  private readonly provisional = new Map<TradingScope, { state: ScopeState; seq: number }>();
  private seq = 0;
  /**
   * Restrictions this instance decided but could not store (the database was down): enforced here
   * until the service stores them. No read clears them: the database does not have them yet.
   */
  private readonly local = new Map<TradingScope, ScopeState>();
  /** Scopes with a database read in flight; true when another message asked for one meanwhile. */
  private readonly reading = new Map<TradingScope, boolean>();
  private readonly listeners = new Set<StateListener>();
  private unsubscribe: (() => Promise<void>) | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private started: Promise<void> | undefined;
  private loaded = false;
  /** Tags this instance's messages, so it does not take its own announcements for another's. */
  private readonly origin = uuid();

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
    const at = this.seq;
    for (const s of await this.deps.store.loadStates()) this.apply(s);
    this.settle(undefined, at);
  }

  /** Takes a state (a database row, or this instance's own change) if it is newer than what it holds. */
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

  /**
   * The database has been read (for `scope`, or for every scope) after the messages numbered up to
   * `at` arrived: their provisional states give way to what it holds. A later message's stays
   * until its own read.
   */
  private settle(scope: TradingScope | undefined, at: number): void {
    for (const [k, p] of this.provisional)
      if ((scope === undefined || k === scope) && p.seq <= at) this.provisional.delete(k);
  }

  /**
   * Where the channel stands: pass it to `announce` for a change whose database read began after
   * this call.
   */
  mark(): number {
    return this.seq;
  }

  /**
   * Records a change this instance committed, and tells the others. `readFrom` is `mark()` taken
   * before the change read the scope's row: every message numbered up to it was published after its
   * own commit, so before that read, and the committed change is newer. Their provisional states
   * for the scope give way to it, as to any read begun after them.
   */
  async announce(s: ScopeState, readFrom?: number): Promise<void> {
    this.apply(s);
    if (readFrom !== undefined) this.settle(s.scope, readFrom);
    await this.hint(s);
  }

  onChange(l: StateListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Enforces a restriction the database could not take, until `releaseLocal`. */
  holdLocal(s: ScopeState): void {
    const cur = this.local.get(s.scope);
    this.local.set(s.scope, cur && loosens(cur.state, s.state) ? cur : s);
  }

  /** The held restriction has been stored (or given up): the trusted state decides again. */
  releaseLocal(scope: TradingScope): void {
    this.local.delete(scope);
  }

  /** Publishes a state, tagged as this instance's: to the others it is a hint until they read. */
  async hint(s: ScopeState): Promise<void> {
    await this.deps.pubsub.publish(STATE_CHANNEL, JSON.stringify({ ...s, origin: this.origin }));
  }

  /** The scope's state as enforced: the trusted one, or a tighter provisional or local one. */
  get(scope: TradingScope): ScopeState | undefined {
    let out = this.states.get(scope);
    for (const c of [this.provisional.get(scope)?.state, this.local.get(scope)])
      if (c && (!out || loosens(c.state, out.state))) out = c;
    return out;
  }

  /** Every scope with a state (trusted, provisional or local) whose name starts with `prefix`. */
  scopes(prefix: string): TradingScope[] {
    const out = new Set<TradingScope>();
    for (const m of [this.states, this.provisional, this.local])
      for (const k of m.keys()) if (k.startsWith(prefix)) out.add(k);
    return [...out];
  }

  all(): ScopeState[] {
    return this.scopes("")
      .map((s) => this.get(s) as ScopeState)
      .sort((a, b) => a.scope.localeCompare(b.scope));
  }

  effective(scopes: readonly TradingScope[]): { state: TradingState; scope: TradingScope } {
    if (this.provisional.size === 0 && this.local.size === 0) return effectiveState(this.states, scopes);
    const enforced = new Map<TradingScope, ScopeState>();
    for (const s of scopes) {
      const st = this.get(s);
      if (st) enforced.set(s, st);
    }
    return effectiveState(enforced, scopes);
  }

  private onMessage(m: string): void {
    let s: (Partial<ScopeState> & { origin?: unknown }) | null;
    try {
      s = JSON.parse(m) as (Partial<ScopeState> & { origin?: unknown }) | null;
    } catch {
      s = null;
    }
    if (s?.origin === this.origin) return; // this instance's own change, already applied
    const state = s?.state;
    const scope = typeof s?.scope === "string" ? validScope(s.scope) : undefined;
    if (scope === undefined || (state !== "ACTIVE" && state !== "REDUCING" && state !== "HALTED")) {
      this.deps.logger.warn({ channel: STATE_CHANNEL }, "malformed trading state message ignored");
      return;
    }
    // A message that restricts trading is enforced at once (fail-safe) and numbered, even when the
    // scope already looks restricted: a database read begun before it cannot then clear it. Only
    // what the database holds is trusted, so whatever the message says, the scope is read.
    if (state !== "ACTIVE" && (this.provisional.size < MAX_PROVISIONAL || this.provisional.has(scope))) {
      this.provisional.set(scope, {
        state: {
          scope,
          state: moreRestrictive(this.provisional.get(scope)?.state.state ?? state, state),
          reason: "announced by another instance; not yet read from the database",
          changedBy: "system:trading-state-channel",
          changedAt: this.deps.clock.now(),
          version: this.states.get(scope)?.version ?? 0,
        },
        seq: ++this.seq,
      });
    }
    this.confirm(scope);
  }

  /** Reads the scope's row: one read per scope at a time, and one more after it if asked meanwhile. */
  private confirm(scope: TradingScope): void {
    if (this.reading.has(scope)) {
      this.reading.set(scope, true);
      return;
    }
    this.reading.set(scope, false);
    const at = this.seq;
    this.deps.store
      .getState(scope)
      .then((row) => {
        if (row) this.apply(row);
        this.settle(scope, at);
      })
      // A failed read leaves the provisional state enforced until a later read or refresh.
      .catch((e: unknown) => this.deps.logger.warn({ err: e }, "trading state read failed"))
      .finally(() => {
        const again = this.reading.get(scope) === true;
        this.reading.delete(scope);
        if (again) this.confirm(scope);
      });
  }
}

/** A well-formed scope, or undefined. */
function validScope(scope: string): TradingScope | undefined {
  try {
    return normaliseScope(scope);
  } catch {
    return undefined;
  }
}

/** Provisional states held at most: messages naming made-up scopes cannot grow it without end. */
const MAX_PROVISIONAL = 10_000;
