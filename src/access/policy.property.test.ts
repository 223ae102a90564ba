// The compiled policy against a naive reference written straight from the seed's semantics
// (scan every pattern with string splitting, restrictions first), over random policies, role
// lists and actions, including malformed ones. Same decision, same role, same rule, every time.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { compilePolicy, type Decision, isValidAction, parsePattern } from "./index.js";

type Roles = Record<string, { permissions: string[]; restrictions: string[] }>;

/** The plain definition of a match, independent of the compiled tables. */
function naiveMatches(pattern: string, action: string): boolean {
  if (pattern === "*") return true;
  const [pd, pv, pp] = pattern.split(":");
  const [ad, av, ap] = action.split(":");
  if (pv === "*" && pp === undefined) return pd === ad;
  if (pp?.endsWith("*")) return pd === ad && pv === av && ap?.startsWith(pp.slice(0, -1)) === true;
  return pattern === action;
}

/** exact > longer path prefix > domain:* > * */
function naiveSpecificity(pattern: string): number {
  if (pattern === "*") return 0;
  const parts = pattern.split(":");
  if (parts.length === 2 && parts[1] === "*") return 1;
  if (pattern.endsWith("*")) return 10 + pattern.length;
  return 10_000;
}

function mostSpecific(patterns: readonly string[], action: string): string | null {
  let best: string | null = null;
  for (const p of patterns) {
    if (naiveMatches(p, action) && (best === null || naiveSpecificity(p) > naiveSpecificity(best))) best = p;
  }
  return best;
}

function naiveCheck(roles: Roles, held: readonly string[], action: string): Decision {
  if (held.length === 0) return { allowed: false, role: null, matched: null, reason: "no_roles" };
  if (!isValidAction(action)) return { allowed: false, role: null, matched: null, reason: "invalid_action" };
  const denies: Decision[] = [];
  for (const role of held) {
    const def = Object.hasOwn(roles, role) ? roles[role] : undefined;
    if (def === undefined) {
      denies.push({ allowed: false, role, matched: null, reason: "unknown_role" });
      continue;
    }
    const r = mostSpecific(def.restrictions, action);
    if (r !== null) {
      denies.push({ allowed: false, role, matched: r, reason: "restriction" });
      continue;
    }
    const p = mostSpecific(def.permissions, action);
    if (p !== null) return { allowed: true, role, matched: p, reason: "permission" };
    denies.push({ allowed: false, role, matched: null, reason: "no_permission" });
  }
  const rank = { restriction: 3, no_permission: 2, unknown_role: 1 } as Record<string, number>;
  return denies.reduce((a, b) => ((rank[b.reason] ?? 0) > (rank[a.reason] ?? 0) ? b : a));
}

const domain = fc.constantFrom("trading", "data", "secrets", "config", "x");
const verb = fc.constantFrom("read", "place_orders", "modify", "v1");
// Few segments, so random actions and random patterns often meet.
const segment = fc.constantFrom("broker", "ib", "a.b");
const path = fc.array(segment, { minLength: 1, maxLength: 2 }).map((s) => s.join("/"));
const prefix = fc.oneof(
  fc.constant(""),
  path.map((p) => `${p}/`),
  path.chain((p) => fc.integer({ min: 1, max: p.length }).map((n) => p.slice(0, n))),
);

const action = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(domain, verb).map(([d, v]) => `${d}:${v}`) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(domain, verb, prefix, fc.constantFrom("", "x", "/ib", "b"))
      .map(([d, v, p, rest]) => `${d}:${v}:${p}${rest}`),
  },
  { weight: 4, arbitrary: fc.tuple(domain, verb, path).map(([d, v, p]) => `${d}:${v}:${p}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("*", "data:*", "data:read:", "data:read:a//b", "data:read:../x", "Data:read"),
  },
);

const pattern = fc
  .oneof(
    fc.constant("*"),
    domain.map((d) => `${d}:*`),
    fc.tuple(domain, verb).map(([d, v]) => `${d}:${v}`),
    fc.tuple(domain, verb, path).map(([d, v, p]) => `${d}:${v}:${p}`),
    fc.tuple(domain, verb, prefix).map(([d, v, p]) => `${d}:${v}:${p}*`),
  )
  .filter((p) => parsePattern(p) !== null);

const roleName = fc.constantFrom("r0", "r1", "r2", "r3", "r4", "r5");
const roles: fc.Arbitrary<Roles> = fc.dictionary(
  roleName,
  fc.record({
    permissions: fc.uniqueArray(pattern, { maxLength: 6 }),
    restrictions: fc.uniqueArray(pattern, { maxLength: 3 }),
  }),
  { maxKeys: 5 },
);
const held = fc.array(fc.oneof(roleName, fc.constantFrom("ghost", "__proto__")), { maxLength: 3 });

test("the generated patterns are all well formed (the generator is not vacuous)", () => {
  fc.assert(fc.property(pattern, (p) => parsePattern(p) !== null));
});

test("compiled check equals the naive reference: decision, role, rule and reason", () => {
  fc.assert(
    fc.property(roles, fc.array(fc.tuple(held, action), { minLength: 1, maxLength: 20 }), (defs, queries) => {
      const memoised = compilePolicy(defs, { memoLimit: 4 });
      const plain = compilePolicy(defs, { memoLimit: 0 });
      for (const [h, a] of queries) {
        const want = naiveCheck(defs, h, a);
        assert.deepEqual(plain.check(h, a), want, `${JSON.stringify(h)} ${a}`);
        // Twice: the second answer may come from the memo and must be the same.
        assert.deepEqual(memoised.check(h, a), want, `${JSON.stringify(h)} ${a}`);
        assert.deepEqual(memoised.check(h, a), want);
      }
    }),
    { numRuns: 2000 },
  );
});

test("a path-prefix pattern matches exactly the actions of its verb whose path starts with the prefix", () => {
  fc.assert(
    fc.property(domain, verb, prefix, action, (d, v, p, a) => {
      const compiled = compilePolicy({ r: { permissions: [`${d}:${v}:${p}*`], restrictions: [] } });
      const want =
        isValidAction(a) && a.startsWith(`${d}:${v}:`) && a.slice(d.length + v.length + 2).startsWith(p);
      assert.equal(compiled.check(["r"], a).allowed, want);
    }),
    { numRuns: 2000 },
  );
});
