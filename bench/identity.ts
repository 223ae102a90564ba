// bench/identity: 200 concurrent logins (argon2id at the OWASP parameters, m=19 MiB t=2 p=1) must
// not starve other requests. A separate process probes GET /_rampart/health every 10 ms over
// keep-alive TLS, first idle (the baseline), then while the logins run; prints JSON lines with the
// probe's p50/p99/max in both phases, login throughput, and how many logins were shed (429).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app.js";
import { initDataDir, prepareServices } from "../src/cli/commands/init.js";
import { loadConfig } from "../src/config/index.js";
import { startGateway } from "../src/gateway/index.js";
import { silentLogger } from "../src/kernel/index.js";

const LOGINS = Number(process.env["BENCH_LOGINS"] ?? 200);
const emit = (o: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ bench: "identity", ...o })}\n`);

const PROBE = `
const https = require("node:https");
const [url, ca, ms] = [process.argv[1], process.argv[2], Number(process.argv[3])];
const agent = new https.Agent({ ca, keepAlive: true, maxSockets: 1, servername: "localhost" });
const lat = []; const end = Date.now() + ms;
(function tick() {
  if (Date.now() > end) { process.stdout.write(JSON.stringify(lat)); return; }
  const t = process.hrtime.bigint();
  https.get(url, { agent }, (res) => { res.resume(); res.on("end", () => { lat.push(Number(process.hrtime.bigint() - t) / 1e6); setTimeout(tick, 10); }); })
    .on("error", () => setTimeout(tick, 10));
})();`;

function probe(url: string, ca: string, ms: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["-e", PROBE, url, ca, String(ms)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    p.on("close", () => resolve(JSON.parse(out || "[]") as number[]));
    p.on("error", reject);
  });
}

const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN) * 100) / 100;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "rampart-bench-id-"));
  await initDataDir(dir);
  const config = loadConfig({
    fileName: "bench",
    text: [
      "server:\n  listen: 127.0.0.1:0",
      "logging:\n  level: silent",
      "rate_limits:\n  per_ip: { requests_per_minute: 1000000, burst: 100000 }\n  per_principal: { requests_per_minute: 1000000, burst: 100000 }\n  auth: { requests_per_minute: 1000000, burst: 100000 }\n  roles: {}\n  routes: []",
      "identity:\n  ip_failures: { max: 1000000, window: 60 }",
    ].join("\n"),
  });
  // Production hashing: config.identity.argon2 (OWASP minimum) and its bounded hasher.
  const app = await createApp({ dataDir: dir, config, logger: silentLogger });
  await prepareServices(app);
  const gw = await startGateway(app);
  const users = 20;
  for (let i = 0; i < users; i++)
    await app
      .identity()
      .createUser(
        { username: `u${i}`, roles: ["trader"], password: `Granite-Meadow-${i}-Falcon` },
        { via: "cli" },
      );
  const ca = (await import("node:fs")).readFileSync(join(dir, "tls", "cert.pem"), "utf8");
  const health = `${gw.url.replace("127.0.0.1", "localhost")}/_rampart/health`;

  const idle = await probe(health, ca, 3000);
  emit({
    phase: "idle",
    figure: "health_latency_ms",
    p50: pct(idle, 0.5),
    p99: pct(idle, 0.99),
    max: pct(idle, 1),
    samples: idle.length,
  });

  const agent = new Agent({ ca, keepAlive: true, maxSockets: LOGINS, servername: "localhost" });
  const login = (i: number): Promise<number> =>
    new Promise((resolve) => {
      const body = JSON.stringify({
        username: `u${i % users}`,
        password: `Granite-Meadow-${i % users}-Falcon`,
      });
      const req = request(
        `${gw.url}/_rampart/v1/auth/login`,
        {
          method: "POST",
          agent,
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", () => resolve(0));
      req.end(body);
    });
  const probing = probe(health, ca, 6000);
  await new Promise((r) => setTimeout(r, 300));
  const t0 = Date.now();
  const statuses = await Promise.all(Array.from({ length: LOGINS }, (_, i) => login(i)));
  const loginMs = Date.now() - t0;
  const busy = await probing;
  emit({
    phase: "200_concurrent_logins",
    figure: "health_latency_ms",
    p50: pct(busy, 0.5),
    p99: pct(busy, 0.99),
    max: pct(busy, 1),
    samples: busy.length,
    target_p99_ms: 100,
    baseline_p99_ms: pct(idle, 0.99),
    ratio_p99_to_idle: Math.round((pct(busy, 0.99) / Math.max(0.01, pct(idle, 0.99))) * 10) / 10,
  });
  emit({
    figure: "logins",
    concurrent: LOGINS,
    ok: statuses.filter((s) => s === 200).length,
    shed_429: statuses.filter((s) => s === 429).length,
    other: statuses.filter((s) => s !== 200 && s !== 429).length,
    seconds: loginMs / 1000,
    logins_per_sec: Math.round((LOGINS / loginMs) * 1000 * 10) / 10,
    argon2: config.identity.argon2,
  });
  agent.destroy();
  await gw.close();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
