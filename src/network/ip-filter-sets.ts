// Lets code written against set operations (detection's escalating block_ip) keep one source of
// truth: members of the blocked and allowed sets become IP filter entries (persisted, shared by
// every instance, listed by `rampart ip list`, removed by `rampart ip unblock`); every other key
// goes to the ephemeral store as before.
import type { IpFilter } from "./ip-filter.js";
import type { IpRuleKind } from "./ip-rules.js";

export interface SetOps {
  incr(key: string, by: number, ttlMs: number): Promise<number>;
  sAdd(
    key: string,
    member: string,
    options?: { readonly memberTtlMs?: number; readonly ttlMs?: number; readonly extendOnly?: boolean },
  ): Promise<boolean>;
  sRem(key: string, member: string): Promise<boolean>;
  sIsMember(key: string, member: string): Promise<boolean>;
  sMembers(key: string): Promise<string[]>;
}

export function ipFilterAsSets(
  filter: IpFilter,
  fallback: SetOps,
  keys: { blocked: string; allowed: string },
  actor: string,
): SetOps {
  const kindOf = (key: string): IpRuleKind | null =>
    key === keys.blocked ? "block" : key === keys.allowed ? "allow" : null;
  return {
    incr: (k, by, ttl) => fallback.incr(k, by, ttl),
    async sAdd(key, member, options) {
      const kind = kindOf(key);
      if (!kind) return fallback.sAdd(key, member, options);
      const existed = filter.list().some((r) => r.kind === kind && r.cidr === member);
      await filter.add(kind, member, {
        ttlMs: options?.memberTtlMs ?? null,
        reason: "incident response",
        actor,
        extendOnly: options?.extendOnly === true,
      });
      return !existed;
    },
    async sRem(key, member) {
      const kind = kindOf(key);
      if (!kind) return fallback.sRem(key, member);
      // Only what incident response placed: an operator's own entry (`rampart ip block`) stays.
      return filter.remove(kind, member, actor, { onlyOwn: true });
    },
    async sIsMember(key, member) {
      const kind = kindOf(key);
      if (!kind) return fallback.sIsMember(key, member);
      return filter.check(member).rule?.kind === kind;
    },
    async sMembers(key) {
      const kind = kindOf(key);
      if (!kind) return fallback.sMembers(key);
      return filter
        .list()
        .filter((r) => r.kind === kind)
        .map((r) => r.cidr)
        .sort();
    },
  };
}
