// The network module's IpRuleStore over Kysely: run-time IP allow/block entries.
import type { IpRule, IpRuleKind, IpRuleStore } from "../../network/index.js";
import type { Store } from "../open.js";

export function createIpRuleRepository(store: Store): IpRuleStore {
  const { db } = store;
  return {
    async list() {
      const rows = await db.selectFrom("ip_rules").selectAll().orderBy("created_at").execute();
      return rows.map(
        (r): IpRule => ({
          kind: r.kind as IpRuleKind,
          cidr: r.cidr,
          expiresAt: r.expires_at === null ? null : Number(r.expires_at),
          reason: r.reason,
          source: r.source,
          createdAt: Number(r.created_at),
        }),
      );
    },
    async upsert(rule, opts) {
      const row = {
        kind: rule.kind,
        cidr: rule.cidr,
        expires_at: rule.expiresAt,
        reason: rule.reason,
        source: rule.source,
        created_at: rule.createdAt,
      };
      await db
        .insertInto("ip_rules")
        .values(row)
        .onConflict((oc) => {
          const update = oc.columns(["kind", "cidr"]).doUpdateSet({
            expires_at: row.expires_at,
            reason: row.reason,
            source: row.source,
            created_at: row.created_at,
          });
          // Extend only: replace the entry only if the new one outlasts it (in one statement, so
          // concurrent writers cannot shorten it whatever order they land in).
          return opts?.extendOnly === true
            ? update.where((eb) =>
                eb.or([
                  eb.and([eb("excluded.expires_at", "is", null), eb("ip_rules.expires_at", "is not", null)]),
                  eb("excluded.expires_at", ">", eb.ref("ip_rules.expires_at")),
                ]),
              )
            : update;
        })
        .execute();
    },
    async remove(kind, cidr, opts) {
      let q = db.deleteFrom("ip_rules").where("kind", "=", kind).where("cidr", "=", cidr);
      if (opts?.source !== undefined) q = q.where("source", "=", opts.source);
      const r = await q.executeTakeFirst();
      return Number(r.numDeletedRows ?? 0n) > 0;
    },
  };
}
