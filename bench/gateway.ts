// bench/gateway: Rampart's fully checked path — TLS 1.3, IP filter, rate limit, session
// authentication, RBAC, trading gate, a ledger entry per request (durable, group-committed), proxy —
// against nginx as a plain TLS 1.3 reverse proxy to the same upstream, and the upstream directly, in
// the same run, with the same load generator (wrk when installed, else autocannon).
//
// Every party runs in its own process, as in production: the upstream (bench/lib/upstream.mjs),
// nginx, a bare Node.js TLS proxy with no checks (bench/lib/bare-proxy.mjs: the ceiling for any
// Node.js gateway here), and Rampart as `rampart serve` from the compiled build (detection and sinks running, as
// deployed). Two pairings:
// one process each (nginx worker_processes 1 vs `serve`), and two each (worker_processes 2 vs
// `serve --workers 2`, which needs Redis: RAMPART_TEST_REDIS_URL or redis://127.0.0.1:6379).
// Prints JSON lines: requests/s, p50/p99 latency, CPU time per request of the proxy's processes
// (from /proc), and the Rampart/nginx ratios.
// Needs nginx and wrk for the full comparison: apt-get install -y nginx wrk.
// BENCH_SECONDS (default 10) and BENCH_ONLY=upstream,bare,nginx1,rampart1,nginx2,rampart2 to pick runs;
// BENCH_CPU_PROF=DIR writes a V8 CPU profile of each Rampart process there (--cpu-prof);
// BENCH_DATABASE_URL=postgres://… runs Rampart on a fresh PostgreSQL database (several processes'
// natural database) instead of SQLite.
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createApp } from "../src/app.js";
import { initDataDir, prepareServices } from "../src/cli/commands/init.js";
import { loadConfig } from "../src/config/index.js";
import { PasswordHasher } from "../src/crypto/index.js";
import { silentLogger } from "../src/kernel/index.js";

const DURATION = Number(process.env["BENCH_SECONDS"] ?? 10);
const CONNECTIONS = 50;
const ONLY = process.env["BENCH_ONLY"]?.split(",");
const wanted = (name: string) => !ONLY || ONLY.includes(name);
const emit = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ bench: "gateway", ...o })}\n`);
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Load {
  rps: number;
  p50ms: number;
  p99ms: number;
  requests: number;
  errors: number;
}

function parseWrkLatency(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "s" ? n * 1000 : n;
}

async function load(url: string, headers: Record<string, string>): Promise<Load> {
  if (has("wrk")) {
    const args = [
      "-t2",
      `-c${CONNECTIONS}`,
      `-d${DURATION}s`,
      "--latency",
      ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
      url,
    ];
    const { stdout: out } = await promisify(execFile)("wrk", args, { encoding: "utf8" });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const p50 = parseWrkLatency(/^\s*50%\s+(\S+)/m.exec(out)?.[1] ?? "");
    const p99 = parseWrkLatency(/^\s*99%\s+(\S+)/m.exec(out)?.[1] ?? "");
    const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
    return { rps, p50ms: p50, p99ms: p99, requests, errors };
  }
  const { default: autocannon } = await import("autocannon");
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  return {
    rps: r.requests.average,
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    requests: r.requests.total,
    errors: r.non2xx + r.errors,
  };
}

const TICK_US = 1e6 / Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);

/** CPU time (µs) of one thread (the main thread when tid is the pid: a Node process's event loop). */
function threadCpuUs(pid: number, tid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * TICK_US;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (µs) of a process and all its descendants, from /proc. */
function treeCpuUs(root: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // exited meanwhile
    }
  }
  let total = 0;
  const walk = (pid: number) => {
    total += stats.get(pid)?.ticks ?? 0;
    for (const [p, s] of stats) if (s.ppid === pid) walk(p);
  };
  walk(root);
  return total * TICK_US;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

async function untilListening(port: number, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const up = await new Promise<boolean>((r) => {
      const s = connect(port, "127.0.0.1", () => {
        s.destroy();
        r(true);
      }).on("error", () => r(false));
    });
    if (up) return;
    await sleep(100);
  }
  throw new Error(`${what} did not start listening on ${port}`);
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  await Promise.race([done, sleep(15_000)]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

async function redisReachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((r) => {
    const s = connect(Number(u.port || 6379), u.hostname, () => {
      s.destroy();
      r(true);
    }).on("error", () => r(false));
  });
}

async function startNginx(
  dir: string,
  upPort: number,
  workers: number,
): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const conf = join(dir, `nginx-${workers}.conf`);
  writeFileSync(
    conf,
    `worker_processes ${workers};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/nb; proxy_temp_path ${dir}/np; fastcgi_temp_path ${dir}/nf; uwsgi_temp_path ${dir}/nu; scgi_temp_path ${dir}/ns;
  upstream up { server 127.0.0.1:${upPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_protocols TLSv1.3;
    ssl_certificate ${join(dir, "tls", "cert.pem")};
    ssl_certificate_key ${join(dir, "tls", "key.pem")};
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`,
  );
  const child = spawn("nginx", ["-c", conf, "-p", dir], { stdio: "ignore" });
  await untilListening(port, child, "nginx");
  return { port, child };
}

async function startRampart(
  dir: string,
  workers: number,
  env: Record<string, string>,
): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...(process.env["BENCH_CPU_PROF"]
        ? ["--cpu-prof", `--cpu-prof-dir=${process.env["BENCH_CPU_PROF"]}`]
        : []),
      "bin/rampart.js",
      "serve",
      "--data-dir",
      dir,
      "--listen",
      `127.0.0.1:${port}`,
      "--workers",
      String(workers),
    ],
    { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ...env } },
  );
  await untilListening(port, child, "rampart serve");
  // With --workers the primary listens as soon as one worker does: let every worker start.
  await sleep(workers > 1 ? 3000 : 500);
  return { port, child };
}

/** One measured run of a proxy process (tree): load, plus its CPU time per request. */
// For a single Node.js process, also the share of its main thread (the event loop, where every
// request's JavaScript runs: the throughput bottleneck) against its other threads (the ledger
// writer, V8's garbage-collection helpers, libuv's pool).
async function measure(
  name: string,
  pid: number,
  url: string,
  headers: Record<string, string>,
  opts: { mainThread?: boolean } = {},
) {
  const cpu0 = treeCpuUs(pid);
  const main0 = opts.mainThread ? threadCpuUs(pid, pid) : 0;
  const r = await load(url, headers);
  const cpu = treeCpuUs(pid) - cpu0;
  const main = opts.mainThread ? threadCpuUs(pid, pid) - main0 : 0;
  const n = Math.max(1, r.requests);
  const out = {
    ...r,
    cpu_us_per_request: round(cpu / n),
    ...(opts.mainThread
      ? { main_thread_us_per_request: round(main / n), other_threads_us_per_request: round((cpu - main) / n) }
      : {}),
  };
  emit({
    target: name,
    tool: has("wrk") ? "wrk" : "autocannon",
    connections: CONNECTIONS,
    seconds: DURATION,
    ...out,
  });
  return out;
}

async function pgAdmin(url: string, statement: string): Promise<void> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Starts a server from bench/lib in its own process; it prints the port it listens on. */
async function startLibServer(
  script: string,
  args: string[],
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [new URL(`./lib/${script}`, import.meta.url).pathname, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once("exit", (c) => reject(new Error(`${script} exited with ${c}`)));
  });
  return { child, port };
}

async function main(): Promise<void> {
  // Rampart is measured as it runs in production: the compiled build (bin/rampart.js → dist/), not
  // through tsx's loader. Build first, so the figures are of this checkout's code.
  if (wanted("rampart1") || wanted("rampart2")) {
    const b = spawnSync("npm", ["run", "build"], { stdio: ["ignore", "ignore", "inherit"] });
    if (b.status !== 0) throw new Error("npm run build failed");
  }
  const dir = mkdtempSync(join(tmpdir(), "rampart-bench-gw-"));
  const children: ChildProcess[] = [];
  let dbUrl: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  try {
    const upstream = await startLibServer("upstream.mjs", []);
    children.push(upstream.child);
    const upPort = upstream.port;

    await initDataDir(dir);
    // BENCH_DATABASE_URL (a PostgreSQL server): Rampart's database is a fresh database there,
    // dropped at the end; default SQLite in the data directory.
    const adminUrl = process.env["BENCH_DATABASE_URL"];
    if (adminUrl) {
      const name = `rampart_bench_${Date.now().toString(36)}`;
      await pgAdmin(adminUrl, `create database ${name}`);
      const u = new URL(adminUrl);
      u.pathname = `/${name}`;
      dbUrl = u.toString();
      dropDatabase = () => pgAdmin(adminUrl, `drop database if exists ${name} with (force)`);
    }
    const configText = [
      ...(dbUrl ? [`database:\n  url: "${dbUrl}"`] : []),
      `upstreams:\n  dashboard: { url: "http://127.0.0.1:${upPort}", timeout_ms: 5000 }`,
      `logging:\n  level: ${process.env["BENCH_LOG_LEVEL"] ?? "info"}`, // the default level
      "rate_limits:\n  per_ip: { requests_per_minute: 100000000, burst: 10000000 }\n  per_principal: { requests_per_minute: 100000000, burst: 10000000 }\n  auth: { requests_per_minute: 1000, burst: 100 }\n  roles: {}\n  routes: []",
      "",
    ].join("\n");
    writeFileSync(join(dir, "rampart.yaml"), configText);

    // A trader with a session, made once in this process; the servers find it in the database.
    const app = await createApp({
      dataDir: dir,
      config: loadConfig({ fileName: "rampart.yaml", text: configText }),
      logger: silentLogger,
      hasher: new PasswordHasher({ params: { memoryKiB: 19456, iterations: 2, parallelism: 1 } }),
    });
    await prepareServices(app);
    const password = "Bench-Quartz-Lantern-77";
    await app.identity().createUser({ username: "perf", roles: ["trader"], password }, { via: "cli" });
    const enrol = await app.identity().enrollTotpForUser("perf", { via: "cli" });
    const { base32Decode, totpCodeAt } = await import("../src/identity/index.js");
    const secret = base32Decode(new URL(enrol.uri).searchParams.get("secret") ?? "");
    const login = await app.identity().login("perf", password, { ip: "127.0.0.1" });
    const session = await app
      .identity()
      .completeMfa(login.challenge, totpCodeAt(secret, Math.floor(Date.now() / 30_000) + 1), {
        ip: "127.0.0.1",
      });
    await app.close();
    let bareNode: Awaited<ReturnType<typeof measure>> | undefined;
    const cookie = { cookie: `__Host-rampart_session=${session.token}` };

    if (wanted("upstream")) {
      const r = await load(`http://127.0.0.1:${upPort}/risk`, {});
      emit({ target: "upstream_direct", connections: CONNECTIONS, seconds: DURATION, ...r });
    }
    if (wanted("bare")) {
      const { child: bare, port: barePort } = await startLibServer("bare-proxy.mjs", [
        join(dir, "tls", "cert.pem"),
        join(dir, "tls", "key.pem"),
        String(upPort),
      ]);
      children.push(bare);
      bareNode = await measure(
        "node_bare_tls_proxy_1proc",
        bare.pid as number,
        `https://127.0.0.1:${barePort}/risk`,
        {},
        { mainThread: true },
      );
      await stop(bare);
    }
    const redisUrl = process.env["RAMPART_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";
    const pairs: Array<{ procs: number; env: Record<string, string> } | { procs: number; skipped: string }> =
      [
        { procs: 1, env: {} },
        (await redisReachable(redisUrl))
          ? { procs: 2, env: { RAMPART_REDIS_URL: redisUrl } }
          : { procs: 2, skipped: `Redis not reachable at ${redisUrl} (serve --workers needs it)` },
      ];
    for (const pair of pairs) {
      const n = pair.procs;
      if ("skipped" in pair) {
        emit({ figure: `rampart_vs_nginx_${n}proc`, skipped: pair.skipped });
        continue;
      }
      let nginx: Awaited<ReturnType<typeof measure>> | undefined;
      if (has("nginx") && wanted(`nginx${n}`)) {
        const ng = await startNginx(dir, upPort, n);
        children.push(ng.child);
        nginx = await measure(
          `nginx_tls_proxy_${n}proc`,
          ng.child.pid as number,
          `https://127.0.0.1:${ng.port}/risk`,
          {},
        );
        await stop(ng.child, "SIGQUIT");
      }
      if (!wanted(`rampart${n}`)) continue;
      const rp = await startRampart(dir, n, pair.env);
      children.push(rp.child);
      const rampart = await measure(
        `rampart_checked_audited_proxy_${n}proc${dbUrl ? "_postgres" : ""}`,
        rp.child.pid as number,
        `https://127.0.0.1:${rp.port}/risk`,
        cookie,
        { mainThread: n === 1 },
      );
      await stop(rp.child);
      if (nginx)
        emit({
          figure: `rampart_vs_nginx_${n}proc`,
          value: round(rampart.rps / nginx.rps, 3),
          target: ">= 0.5",
          cpu_us_per_request: { rampart: rampart.cpu_us_per_request, nginx: nginx.cpu_us_per_request },
          p99_ms: rampart.p99ms,
          p99_target_ms: 10,
          ...(n === 1 && bareNode
            ? {
                // What no check costs: a bare Node.js TLS proxy against nginx, and Rampart against it.
                bare_node_vs_nginx: round(bareNode.rps / nginx.rps, 3),
                rampart_vs_bare_node: round(rampart.rps / bareNode.rps, 3),
              }
            : {}),
        });
      else if (wanted(`nginx${n}`))
        emit({
          figure: `rampart_vs_nginx_${n}proc`,
          skipped: "nginx is not installed (apt-get install -y nginx wrk)",
        });
    }
  } finally {
    for (const c of children) await stop(c);
    await dropDatabase?.();
    if (process.env["BENCH_KEEP"]) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
