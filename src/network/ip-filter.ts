// The IP filter service: config entries (permanent) plus entries added at run time by operators
// (`rampart ip block|allow|unblock`) and by detection's block_ip action, stored in the database so
// they survive restarts and are seen by every instance. Each instance keeps a compiled snapshot,
// reloaded at once when another instance publishes a change (ephemeral pub/sub, Redis across
// instances) and every few seconds regardless (changes made by a CLI with no shared Redis).
import type { AuditRecorder } from "../audit/index.js";
import type { Clock, Logger } from "../kernel/index.js";
import { CompiledIpRules, type IpDecision, type IpRule, type IpRuleKind, normaliseCidr } from "./ip-rules.js";

export interface IpRuleStore {
  list(): Promise<IpRule[]>;
  /**
   * Adds or replaces the entry of that kind and CIDR. `extendOnly`: an existing entry is replaced
   * only if the new one lasts longer (no expiry being the longest); otherwise it stands as it is.
   */
  upsert(rule: IpRule, opts?: { readonly extendOnly?: boolean }): Promise<void>;
  /** True when an entry of that kind and CIDR existed (and, with `source`, was placed by it). */
  remove(kind: IpRuleKind, cidr: string, opts?: { readonly source?: string }): Promise<boolean>;
}

export interface ChangeBus {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
}

export interface IpFilterOptions {
  store: IpRuleStore;
  bus: ChangeBus;
  clock: Clock;
  audit: AuditRecorder;
  logger: Logger;
  /** From config: permanent entries. */
  configRules: readonly IpRule[];
  defaultAllow: boolean;
  /** Poll interval for changes not announced on the bus (ms). */
  reloadIntervalMs?: number;
}

const CHANNEL = "ip-filter:changed";

export class IpFilter {
  #compiled: CompiledIpRules;
  #timer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;
  readonly #o: IpFilterOptions;
  /** Reloads begun, and the number of the one whose rules are in force. */
  #begun = 0;
  #applied = 0;

  constructor(o: IpFilterOptions) {
    this.#o = o;
    this.#compiled = new CompiledIpRules(o.configRules, o.clock.now(), o.defaultAllow);
  }

  /** Loads stored entries and starts following changes. */
  async start(): Promise<void> {
    await this.reload();
    this.#unsubscribe = await this.#o.bus.subscribe(CHANNEL, () => {
      void this.reload().catch((e) => this.#o.logger.error({ err: e }, "ip filter reload failed"));
    });
    const every = this.#o.reloadIntervalMs ?? 2000;
    this.#timer = setInterval(() => {
      void this.reload().catch((e) => this.#o.logger.error({ err: e }, "ip filter reload failed"));
    }, every);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#unsubscribe?.();
  }

  /**
   * Reads the stored entries. Reloads overlap (the timer, a change message, this instance's own
   * change): one that began before the rules in force were read is older than them, and is dropped,
   * so a slow periodic read can never put back a block that was just lifted, or lift a new one.
   */
  async reload(): Promise<void> {
    const n = ++this.#begun;
    const stored = await this.#o.store.list();
    if (n < this.#applied) return;
    this.#applied = n;
    this.#compiled = new CompiledIpRules(
      [...this.#o.configRules, ...stored],
      this.#o.clock.now(),
      this.#o.defaultAllow,
    );
  }

  /** Synchronous: the first check on every request. */
  check(ip: string): IpDecision {
    if (this.#o.clock.now() >= this.#compiled.nextExpiry) {
      this.#compiled = new CompiledIpRules(this.#compiled.rules, this.#o.clock.now(), this.#o.defaultAllow);
    }
    return this.#compiled.check(ip);
  }

  list(): readonly IpRule[] {
    return this.#compiled.rules;
  }

  async add(
    kind: IpRuleKind,
    cidr: string,
    opts: { ttlMs?: number | null; reason: string; actor: string; extendOnly?: boolean },
  ): Promise<IpRule> {
    const now = this.#o.clock.now();
    const rule: IpRule = {
      kind,
      cidr: normaliseCidr(cidr),
      expiresAt: opts.ttlMs ? now + opts.ttlMs : null,
      reason: opts.reason,
      source: opts.actor,
      createdAt: now,
    };
    await this.#o.audit.record({
      event_type: "config",
      action: `ip.${kind}`,
      outcome: "success",
      user_id: opts.actor,
      resource: rule.cidr,
      details: {
        expires_at: rule.expiresAt,
        reason: rule.reason,
        ...(opts.extendOnly === true ? { extend_only: true } : {}),
      },
    });
    await this.#o.store.upsert(rule, { extendOnly: opts.extendOnly === true });
    await this.#announce();
    return rule;
  }

  /** `onlyOwn`: removes the entry only if `actor` placed it (an operator's own entry stays). */
  async remove(
    kind: IpRuleKind,
    cidr: string,
    actor: string,
    opts: { onlyOwn?: boolean } = {},
  ): Promise<boolean> {
    const c = normaliseCidr(cidr);
    await this.#o.audit.record({
      event_type: "config",
      action: kind === "block" ? "ip.unblock" : "ip.unallow",
      outcome: "success",
      user_id: actor,
      resource: c,
      ...(opts.onlyOwn ? { details: { only_if_placed_by: actor } } : {}),
    });
    const existed = await this.#o.store.remove(kind, c, opts.onlyOwn ? { source: actor } : {});
    await this.#announce();
    return existed;
  }

  async #announce(): Promise<void> {
    await this.reload();
    await this.#o.bus.publish(CHANNEL, String(this.#o.clock.now()));
  }
}
