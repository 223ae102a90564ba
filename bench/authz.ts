// Compiled authorisation checks per second, against a plain Map.get loop measured in the same run.
// Fixed workload (seeded PRNG): the seed's four roles plus a generated policy of 200 roles × 50
// patterns; queries are a third allowed, a third denied by a restriction, a third matching no
// rule, some with two roles. Also measured: the same mix with the memo off, and compile time.
// Run: node --import tsx bench/authz.ts   (prints one JSON line per figure)
import { type CompiledPolicy, compilePolicy } from "../src/access/index.js";
import { loadConfig } from "../src/config/index.js";

type Roles = Record<string, { permissions: string[]; restrictions: string[] }>;
type Query = readonly [readonly string[], string];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(20260105);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

const DOMAINS = Array.from({ length: 30 }, (_, i) => `d${i}`);
const VERBS = Array.from({ length: 40 }, (_, i) => `v${i}`);

/** 200 roles × 50 patterns: 40 permissions (exact, domain:*, path prefixes), 10 restrictions. */
function generatedPolicy(): { roles: Roles; allowed: Query[]; restricted: Query[]; none: Query[] } {
  const roles: Roles = {};
  const allowed: Query[] = [];
  const restricted: Query[] = [];
  const none: Query[] = [];
  for (let r = 0; r < 200; r++) {
    const name = `role_${r}`;
    const permissions = new Set<string>();
    const restrictions = new Set<string>();
    const home = DOMAINS.slice(r % 25, (r % 25) + 5); // each role works in five domains
    while (permissions.size < 40) {
      const k = rnd();
      const d = pick(home);
      if (k < 0.7) permissions.add(`${d}:${pick(VERBS)}`);
      else if (k < 0.8) permissions.add(`${d}:*`);
      else permissions.add(`${d}:${pick(VERBS)}:path${Math.floor(rnd() * 8)}/*`);
    }
    while (restrictions.size < 10) restrictions.add(`${pick(home)}:${pick(VERBS)}`);
    roles[name] = { permissions: [...permissions], restrictions: [...restrictions] };
    for (const p of permissions) {
      const a = p.endsWith(":*")
        ? `${p.slice(0, -1)}${pick(VERBS)}`
        : p.endsWith("*")
          ? `${p.slice(0, -1)}item`
          : p;
      allowed.push([[name], a]);
    }
    for (const p of restrictions) restricted.push([[name], p]);
    for (let i = 0; i < 10; i++)
      none.push([[name], `${pick(DOMAINS.filter((d) => !home.includes(d)))}:${pick(VERBS)}`]);
  }
  return { roles, allowed, restricted, none };
}

const seedRoles = loadConfig({ fileName: "rampart.yaml", text: undefined }).roles;
const gen = generatedPolicy();
const t0 = performance.now();
const policy = compilePolicy({ ...seedRoles, ...gen.roles });
const compileMs = performance.now() - t0;
const unmemoised = compilePolicy({ ...seedRoles, ...gen.roles }, { memoLimit: 0 });

const seedAllowed: Query[] = [
  [["trader"], "trading:place_orders"],
  [["system_administrator"], "config:modify"],
  [["read_only_analyst"], "data:read_prices"],
  [["risk_manager"], "trading:emergency_stop"],
  [["read_only_analyst", "trader"], "trading:cancel_orders"],
];
const seedRestricted: Query[] = [
  [["risk_manager"], "trading:place_orders"],
  [["read_only_analyst"], "trading:cancel_orders"],
  [["trader"], "config:modify"],
  [["trader"], "system:restart"],
  [["read_only_analyst", "risk_manager"], "trading:place_orders"],
];
const seedNone: Query[] = [
  [["trader"], "config:view"],
  [["risk_manager"], "system:restart"],
  [["system_administrator"], "trading:place_orders"],
  [["read_only_analyst"], "data:read_positions"],
  [["ghost"], "data:read_prices"],
];

/** A power-of-two array of queries drawn a third from each class. */
function mix(size: number): Query[] {
  const classes = [
    [...seedAllowed, ...gen.allowed],
    [...seedRestricted, ...gen.restricted],
    [...seedNone, ...gen.none],
  ];
  return Array.from({ length: size }, (_, i) => {
    const q = pick(classes[i % 3] as Query[]);
    // One query in eight holds two roles (the second a seed role), as users with several roles do.
    return i % 8 === 7 ? ([[...q[0], pick(Object.keys(seedRoles))], q[1]] as const) : q;
  });
}

const DURATION_MS = 1200;
const WARMUP_MS = 400;

/** Runs `body(i)` in chunks until `ms` have passed; returns operations per second. */
function rate(body: (i: number) => number, ms = DURATION_MS): number {
  let ops = 0;
  let sink = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 1 << 16; i++) sink += body(ops + i);
    ops += 1 << 16;
    now = performance.now();
  }
  if (sink === -1) console.log("");
  return ops / ((now - start) / 1000);
}

function report(figure: string, workload: string, value: number, baselineValue: number): void {
  const line = {
    bench: "authz",
    figure,
    workload,
    value: Math.round(value),
    baseline: "Map.get per sec",
    baseline_value: Math.round(baselineValue),
    ratio: Number((value / baselineValue).toFixed(3)),
  };
  console.log(JSON.stringify(line));
}

function measure(p: CompiledPolicy, figure: string, workload: string, queries: Query[]): void {
  const mask = queries.length - 1;
  const roles = queries.map((q) => q[0]);
  const actions = queries.map((q) => q[1]);
  const table = new Map<string, boolean>(actions.map((a, i) => [a, i % 3 === 0]));
  const check = (i: number): number =>
    p.check(roles[i & mask] as readonly string[], actions[i & mask] as string).allowed ? 1 : 0;
  const get = (i: number): number => (table.get(actions[i & mask] as string) ? 1 : 0);
  rate(check, WARMUP_MS); // JIT, memo
  rate(get, WARMUP_MS);
  report(figure, workload, rate(check), rate(get));
}

console.log(
  JSON.stringify({
    bench: "authz",
    figure: "compile_ms",
    workload: "seed+200x50",
    value: Number(compileMs.toFixed(2)),
  }),
);
const mixed = mix(1 << 12);
measure(policy, "checks_per_sec", "seed+200x50 mix", mixed);
const seedOnly = Array.from({ length: 1 << 10 }, (_, i) =>
  pick([seedAllowed, seedRestricted, seedNone][i % 3] as Query[]),
);
measure(policy, "checks_per_sec", "seed only mix", seedOnly);
// The same mix with the memo turned off: every check parses the action and walks the tables.
measure(unmemoised, "checks_per_sec_no_memo", "seed+200x50 mix", mixed);

// The full gateway authorisation step (services.authorize): RBAC check, token-scope check, and
// step-up evaluation for a cookie-session principal, over a real App (SQLite, defaults). Workload:
// a trader's session, a third each of allowed without step-up (reports:view_standard), allowed
// with step-up satisfied (trading:modify_roll_state, second factor 1 min ago) and denied
// (config:modify: the denial is appended to the audit ledger — SQLite, synchronous=FULL — before the
// 403, so that third measures the fail-closed write). Per-call latency with hrtime; baseline: policy.check alone.
async function gatewayAuthorizeP99(): Promise<void> {
  const { mkdtemp, rm } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { createApp } = await import("../src/app.js");
  const { createGatewayServices } = await import("../src/gateway/services.js");
  const { ManualClock, silentLogger } = await import("../src/kernel/index.js");
  const dir = await mkdtemp(join(tmpdir(), "rampart-bench-authz-"));
  const clock = new ManualClock();
  const app = await createApp({
    dataDir: dir,
    config: loadConfig({ fileName: "rampart.yaml", text: undefined, env: {} }),
    masterKeyEnv: "33".repeat(32),
    logger: silentLogger,
    clock,
  });
  try {
    const services = createGatewayServices(app);
    const request = { ip: "127.0.0.1", id: "bench", method: "POST", url: "/rolls", headers: {} } as never;
    const principal = {
      kind: "user" as const,
      id: "u-bench",
      name: "tina",
      roles: ["trader"],
      via: "session" as const,
      sessionId: "s-bench",
      mfaAt: clock.now() - 60_000,
    };
    const actions = ["reports:view_standard", "trading:modify_roll_state", "config:modify"];
    const n = 60_000;
    const sample = async (body: (i: number) => Promise<void>): Promise<number[]> => {
      for (let i = 0; i < 5_000; i++) await body(i); // warm-up
      const t = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        await body(i);
        t[i] = Number(process.hrtime.bigint() - t0) / 1000;
      }
      return t.sort((a, b) => a - b);
    };
    const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;
    const authorize = async (i: number) => {
      try {
        await services.authorize(request, principal, actions[i % 3] as string);
      } catch {
        // the denied third: 403 after the audit record
      }
    };
    const full = await sample(authorize);
    const allowedOnly = await sample((i) => services.authorize(request, principal, actions[i % 2] as string));
    const bare = await sample(async (i) => {
      app.policy.check(principal.roles, actions[i % 3] as string);
    });
    const line = (workload: string, xs: number[]) =>
      console.log(
        JSON.stringify({
          bench: "authz",
          figure: "gateway_authorize_p99_us",
          workload,
          value: Number(pct(xs, 0.99).toFixed(2)),
          p50_us: Number(pct(xs, 0.5).toFixed(2)),
          baseline: "policy.check p99 us (same harness)",
          baseline_value: Number(pct(bare, 0.99).toFixed(2)),
        }),
      );
    line("trader session: allowed, allowed+step-up, denied (audited)", full);
    line("trader session: allowed, allowed+step-up", allowedOnly);
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
}
await gatewayAuthorizeP99();
