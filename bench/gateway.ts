// bench/gateway: Rampart's fully checked path — TLS 1.3, IP filter, rate limit, session
// authentication, RBAC, trading gate, a ledger entry per request (durable, group-committed), proxy —
// against nginx as a plain TLS 1.3 reverse proxy to the same upstream, and the upstream directly, in
// the same run, with the same load generator (wrk when installed, else autocannon). Prints JSON
// lines: requests/s, p50/p99 latency, Rampart CPU time per request, and the Rampart/nginx ratio.
// Needs nginx and wrk for the full comparison: apt-get install -y nginx wrk.
import { execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createApp } from "../src/app.js";
import { initDataDir, prepareServices } from "../src/cli/commands/init.js";
import { loadConfig } from "../src/config/index.js";
import { PasswordHasher } from "../src/crypto/index.js";
import { startGateway } from "../src/gateway/index.js";
import { silentLogger } from "../src/kernel/index.js";

const DURATION = Number(process.env["BENCH_SECONDS"] ?? 10);
const CONNECTIONS = 50;
const emit = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ bench: "gateway", ...o })}\n`);
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

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
    // Asynchronously: the upstream and Rampart run in this process and must keep serving.
    const { stdout: out } = await promisify(execFile)("wrk", args, { encoding: "utf8" });
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
    const p50 = parseWrkLatency(/50%\s+(\S+)/.exec(out)?.[1] ?? "");
    const p99 = parseWrkLatency(/99%\s+(\S+)/.exec(out)?.[1] ?? "");
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

async function main(): Promise<void> {
  const tool = has("wrk") ? "wrk" : "autocannon";
  // The upstream: a minimal JSON answer, as small as the dashboard's smallest.
  const body = JSON.stringify({ ok: true, instrument: "SOFR", position: 3 });
  const upstream = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const upPort = (upstream.address() as { port: number }).port;

  const dir = mkdtempSync(join(tmpdir(), "rampart-bench-gw-"));
  await initDataDir(dir);
  const config = loadConfig({
    fileName: "bench",
    text: [
      "server:\n  listen: 127.0.0.1:0",
      `upstreams:\n  dashboard: { url: "http://127.0.0.1:${upPort}", timeout_ms: 5000 }`,
      "logging:\n  level: silent",
      "rate_limits:\n  per_ip: { requests_per_minute: 100000000, burst: 10000000 }\n  per_principal: { requests_per_minute: 100000000, burst: 10000000 }\n  auth: { requests_per_minute: 1000, burst: 100 }\n  roles: {}\n  routes: []",
    ].join("\n"),
  });
  const app = await createApp({
    dataDir: dir,
    config,
    logger: silentLogger,
    hasher: new PasswordHasher({ params: { memoryKiB: 19456, iterations: 2, parallelism: 1 } }),
  });
  await prepareServices(app);
  const gw = await startGateway(app);
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
  const cookie = `__Host-rampart_session=${session.token}`;
  const cert = join(dir, "tls", "cert.pem");
  const key = join(dir, "tls", "key.pem");

  // nginx: TLS 1.3 only, same certificate, keep-alive to the same upstream, one worker (Rampart is one process).
  let nginx: ReturnType<typeof spawn> | undefined;
  let nginxPort = 0;
  if (has("nginx")) {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    nginxPort = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const conf = join(dir, "nginx.conf");
    writeFileSync(
      conf,
      `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/nb; proxy_temp_path ${dir}/np; fastcgi_temp_path ${dir}/nf; uwsgi_temp_path ${dir}/nu; scgi_temp_path ${dir}/ns;
  upstream up { server 127.0.0.1:${upPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${nginxPort} ssl;
    ssl_protocols TLSv1.3;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`,
    );
    nginx = spawn("nginx", ["-c", conf, "-p", dir], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 500));
  }

  const results: Record<string, Load> = {};
  const only = process.env["BENCH_ONLY"];
  if (!only || only === "upstream") {
    results["upstream_direct"] = await load(`http://127.0.0.1:${upPort}/risk`, {});
    emit({
      target: "upstream_direct",
      tool,
      connections: CONNECTIONS,
      seconds: DURATION,
      ...results["upstream_direct"],
    });
  }
  if (nginx && (!only || only === "nginx")) {
    results["nginx_tls_proxy"] = await load(`https://127.0.0.1:${nginxPort}/risk`, {});
    emit({
      target: "nginx_tls_proxy",
      tool,
      connections: CONNECTIONS,
      seconds: DURATION,
      ...results["nginx_tls_proxy"],
    });
  }
  const cpu0 = process.cpuUsage();
  const ledger0 = (await app.ledger?.size()) ?? 0;
  results["rampart"] = await load(`https://127.0.0.1:${gw.port}/risk`, { cookie });
  const cpu = process.cpuUsage(cpu0);
  const ledgerEntries = ((await app.ledger?.size()) ?? 0) - ledger0;
  const r = results["rampart"];
  emit({
    target: "rampart_checked_audited_proxy",
    tool,
    connections: CONNECTIONS,
    seconds: DURATION,
    ...r,
    cpu_us_per_request: Math.round(((cpu.user + cpu.system) / Math.max(1, r.requests)) * 10) / 10,
    ledger_entries: ledgerEntries,
  });
  const n = results["nginx_tls_proxy"];
  if (n)
    emit({
      figure: "rampart_vs_nginx",
      value: Math.round((r.rps / n.rps) * 1000) / 1000,
      target: ">= 0.5",
      p99_ms: r.p99ms,
      p99_target_ms: 10,
    });
  else emit({ figure: "rampart_vs_nginx", skipped: "nginx is not installed (apt-get install -y nginx wrk)" });
  nginx?.kill("SIGQUIT");
  await gw.close();
  await app.close();
  upstream.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
