// IP allow- and block-list entries (addresses and CIDRs, IPv4 and IPv6) and the compiled matcher the
// gateway checks first on every request. Matching uses node:net's BlockList (no hand-written CIDR
// arithmetic); IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are matched as IPv4. Allow-list
// entries win over blocks (CrowdSec's allow-lists: never blocked); expired entries do not apply.
import { BlockList, isIP } from "node:net";
import { RampartError } from "../kernel/index.js";

export type IpRuleKind = "allow" | "block";

export interface IpRule {
  kind: IpRuleKind;
  /** An address or CIDR as written, normalised (e.g. "203.0.113.0/24", "2001:db8::/32"). */
  cidr: string;
  /** Milliseconds since the epoch; null: until removed. */
  expiresAt: number | null;
  reason: string;
  /** "config" for entries from rampart.yaml, else who added it. */
  source: string;
  createdAt: number;
}

export interface ParsedCidr {
  address: string;
  prefix: number;
  family: "ipv4" | "ipv6";
}

export function parseCidr(text: string): ParsedCidr {
  const t = text.trim();
  const slash = t.indexOf("/");
  let address = slash === -1 ? t : t.slice(0, slash);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1] as string;
  const v = isIP(address);
  if (v === 0) throw invalid(text);
  const family = v === 4 ? "ipv4" : "ipv6";
  const max = v === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = t.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw invalid(text);
    prefix = Number(p);
  }
  return { address, prefix, family };
}

export function normaliseCidr(text: string): string {
  const p = parseCidr(text);
  const max = p.family === "ipv4" ? 32 : 128;
  return p.prefix === max ? p.address : `${p.address}/${p.prefix}`;
}

function invalid(text: string): RampartError {
  return new RampartError("ERR_NETWORK_INVALID_CIDR", `not an IP address or CIDR: ${JSON.stringify(text)}`, {
    status: 400,
  });
}

function toBlockList(rules: readonly IpRule[]): BlockList {
  const list = new BlockList();
  for (const r of rules) {
    const p = parseCidr(r.cidr);
    list.addSubnet(p.address, p.prefix, p.family);
  }
  return list;
}

/** Addresses remembered per snapshot (cleared when full: a scan from many addresses stays bounded). */
const MEMO_LIMIT = 10_000;

export interface IpDecision {
  allowed: boolean;
  /** The entry that decided, if any. */
  rule: IpRule | null;
}

/** An immutable snapshot: rules compiled into BlockLists; the earliest expiry tells when to recompile. */
export class CompiledIpRules {
  readonly #allow: BlockList;
  readonly #block: BlockList;
  readonly #rules: readonly IpRule[];
  readonly nextExpiry: number;

  constructor(
    rules: readonly IpRule[],
    now: number,
    readonly defaultAllow = true,
  ) {
    this.#rules = rules.filter((r) => r.expiresAt === null || r.expiresAt > now);
    this.#allow = toBlockList(this.#rules.filter((r) => r.kind === "allow"));
    this.#block = toBlockList(this.#rules.filter((r) => r.kind === "block"));
    this.nextExpiry = Math.min(Infinity, ...this.#rules.map((r) => r.expiresAt ?? Infinity));
  }

  get rules(): readonly IpRule[] {
    return this.#rules;
  }

  /** Decisions by address: a snapshot never changes, and BlockList.check allocates per call. */
  readonly #memo = new Map<string, IpDecision>();

  check(ip: string): IpDecision {
    const known = this.#memo.get(ip);
    if (known) return known;
    const decision = this.#decide(ip);
    if (this.#memo.size >= MEMO_LIMIT) this.#memo.clear();
    this.#memo.set(ip, decision);
    return decision;
  }

  #decide(ip: string): IpDecision {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    const address = mapped ? (mapped[1] as string) : ip;
    const v = isIP(address);
    if (v === 0) return { allowed: false, rule: null };
    const family = v === 4 ? "ipv4" : "ipv6";
    if (this.#allow.check(address, family)) return { allowed: true, rule: this.#find("allow", address) };
    if (this.#block.check(address, family)) return { allowed: false, rule: this.#find("block", address) };
    return { allowed: this.defaultAllow, rule: null };
  }

  #find(kind: IpRuleKind, address: string): IpRule | null {
    const v = isIP(address) === 4 ? "ipv4" : "ipv6";
    for (const r of this.#rules) {
      if (r.kind !== kind) continue;
      const one = new BlockList();
      const p = parseCidr(r.cidr);
      if (p.family !== v) continue;
      one.addSubnet(p.address, p.prefix, p.family);
      if (one.check(address, v)) return r;
    }
    return null;
  }
}
