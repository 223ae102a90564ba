// The IP blocklist (CrowdSec/fail2ban style) over the EphemeralStore, shared by every gateway
// instance: a block is a set member with its own expiry, which a later block only ever extends;
// each repeat offence doubles the duration up to a cap (offences remembered for `rememberMs`);
// allow-list entries (config, with optional expiry, IPs or CIDR ranges, plus runtime entries) are
// never blocked. The gateway calls isBlocked(ip) as its first step.
import { BlockList, isIP } from "node:net";
import type { Clock } from "../kernel/index.js";
import type { EphemeralSets as EphemeralStore } from "./ports.js";

export interface AllowEntry {
  /** An IP address or CIDR range. */
  readonly address: string;
  /** Epoch ms after which the entry no longer applies; null: never expires. */
  readonly expiresAt: number | null;
  readonly note?: string | undefined;
}

export interface BlocklistSettings {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly rememberMs: number;
  readonly allowList: readonly AllowEntry[];
}

export interface BlockResult {
  readonly blocked: boolean;
  readonly ip: string;
  readonly durationMs: number;
  /** Blocked at least until then (a longer block already in place stands). */
  readonly untilMs: number;
  readonly offence: number;
  /** Why it was not blocked. */
  readonly reason?: "allow_listed" | "invalid_address" | undefined;
}

export const BLOCKED_SET = "response:blocked";
const BLOCKED = BLOCKED_SET;
export const ALLOWED_SET = "response:allowed";
const ALLOWED = ALLOWED_SET;
const OFFENCES = "response:offences:";

/** IPv4-mapped IPv6 addresses as plain IPv4, so one address has one spelling. */
export function normaliseIp(ip: string): string {
  const t = ip.trim().toLowerCase();
  return t.startsWith("::ffff:") && isIP(t.slice(7)) === 4 ? t.slice(7) : t;
}

function compile(address: string): BlockList | undefined {
  const list = new BlockList();
  const [net, bits] = address.split("/");
  const family = isIP(normaliseIp(net ?? ""));
  if (family === 0) return undefined;
  const type = family === 4 ? "ipv4" : "ipv6";
  if (bits === undefined) list.addAddress(normaliseIp(net as string), type);
  else list.addSubnet(normaliseIp(net as string), Number(bits), type);
  return list;
}

export class IpBlocklist {
  readonly #kv: EphemeralStore;
  readonly #clock: Clock;
  readonly #s: BlocklistSettings;
  readonly #allow: { list: BlockList; expiresAt: number | null }[];

  constructor(p: { ephemeral: EphemeralStore; clock: Clock; settings: BlocklistSettings }) {
    this.#kv = p.ephemeral;
    this.#clock = p.clock;
    this.#s = p.settings;
    this.#allow = [];
    for (const e of p.settings.allowList) {
      const list = compile(e.address);
      if (list) this.#allow.push({ list, expiresAt: e.expiresAt });
    }
  }

  /** Config allow-list (unexpired entries) only; see isAllowed for runtime entries too. */
  allowListed(ip: string): boolean {
    const a = normaliseIp(ip);
    const family = isIP(a);
    if (family === 0) return false;
    const now = this.#clock.now();
    return this.#allow.some(
      (e) => (e.expiresAt === null || e.expiresAt > now) && e.list.check(a, family === 4 ? "ipv4" : "ipv6"),
    );
  }

  async isAllowed(ip: string): Promise<boolean> {
    return this.allowListed(ip) || this.#kv.sIsMember(ALLOWED, normaliseIp(ip));
  }

  /** The gateway's first step: true when requests from `ip` must be refused. */
  async isBlocked(ip: string): Promise<boolean> {
    const a = normaliseIp(ip);
    if (this.allowListed(a)) return false;
    if (!(await this.#kv.sIsMember(BLOCKED, a))) return false;
    return !(await this.#kv.sIsMember(ALLOWED, a));
  }

  async block(ip: string): Promise<BlockResult> {
    const a = normaliseIp(ip);
    const now = this.#clock.now();
    if (isIP(a) === 0)
      return { blocked: false, ip: a, durationMs: 0, untilMs: now, offence: 0, reason: "invalid_address" };
    if (await this.isAllowed(a))
      return { blocked: false, ip: a, durationMs: 0, untilMs: now, offence: 0, reason: "allow_listed" };
    const offence = await this.#kv.incr(OFFENCES + a, 1, this.#s.rememberMs);
    const durationMs = Math.min(this.#s.maxMs, this.#s.baseMs * 2 ** Math.min(30, offence - 1));
    // Extend only: concurrent blocks of one address (two incidents, two instances) land in any
    // order, and the one that lands last may be the earlier, shorter offence; nor may an incident
    // shorten a longer block (e.g. an operator's permanent one). The block lasts at least this long.
    await this.#kv.sAdd(BLOCKED, a, { memberTtlMs: durationMs, extendOnly: true });
    return { blocked: true, ip: a, durationMs, untilMs: now + durationMs, offence };
  }

  async unblock(ip: string): Promise<boolean> {
    return this.#kv.sRem(BLOCKED, normaliseIp(ip));
  }

  /** A runtime allow-list entry (e.g. after a false positive) that expires. */
  async allow(ip: string, ttlMs: number): Promise<void> {
    await this.#kv.sAdd(ALLOWED, normaliseIp(ip), { memberTtlMs: ttlMs });
  }

  async blocked(): Promise<string[]> {
    return this.#kv.sMembers(BLOCKED);
  }
}
