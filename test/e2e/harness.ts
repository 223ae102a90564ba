// Whole-system test harness: a real Rampart (gateway + services) on an ephemeral port, over a fresh
// data directory, in front of a real demo dashboard; SQLite or PostgreSQL (fresh schema per run).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { Agent, request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DemoDashboard, startDemoDashboard } from "../../demo/index.js";
import { type App, createApp } from "../../src/app.js";
import { initDataDir } from "../../src/cli/commands/init.js";
import { loadConfig } from "../../src/config/index.js";
import { type RunningGateway, startGateway } from "../../src/gateway/index.js";
import { silentLogger } from "../../src/kernel/index.js";
import { randomTag } from "../../src/store/index.js";

export interface Rampart {
  app: App;
  gateway: RunningGateway;
  demo: DemoDashboard;
  dataDir: string;
  url: string;
  caPem: string;
  http(
    method: string,
    path: string,
    opts?: { headers?: Record<string, string>; body?: string | Buffer },
  ): Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    text: string;
    json: () => unknown;
  }>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Extra rampart.yaml text, appended after the harness's own settings. */
  yaml?: string;
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
}

export async function startRampart(opts: StartOptions = {}): Promise<Rampart> {
  const dataDir = await mkdtemp(join(tmpdir(), "rampart-e2e-"));
  await initDataDir(dataDir);
  const demo = await startDemoDashboard({ host: "127.0.0.1", port: 0 });
  const text = [
    "server:\n  listen: 127.0.0.1:0",
    `upstreams:\n  dashboard: { url: "${demo.url}", timeout_ms: 2000 }`,
    "logging:\n  level: silent",
    opts.yaml ?? "",
  ].join("\n");
  const env: Record<string, string> = {};
  if (opts.databaseUrl) env["RAMPART_DATABASE_URL"] = opts.databaseUrl;
  if (opts.redisUrl) env["RAMPART_REDIS_URL"] = opts.redisUrl;
  const config = loadConfig({ fileName: "rampart.yaml", text, env });
  const schema = opts.databaseUrl ? `rampart_e2e_${randomTag()}` : undefined;
  const app = await createApp({
    dataDir,
    config,
    logger: silentLogger,
    ...(schema ? { databaseSchema: schema } : {}),
    ephemeralPrefix: `rampart:e2e:${randomTag()}:`,
  });
  const gateway = await startGateway(app);
  const caPem = await readFile(join(dataDir, "tls", "cert.pem"), "utf8");
  // node:https, not undici: undici normalises dot segments, and tests must send paths as written.
  const agent = new Agent({ ca: caPem, servername: "localhost", keepAlive: true });
  return {
    app,
    gateway,
    demo,
    dataDir,
    url: gateway.url,
    caPem,
    http(method, path, o = {}) {
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          { host: "127.0.0.1", port: gateway.port, method, path, headers: o.headers ?? {}, agent },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
              const text = Buffer.concat(chunks).toString("utf8");
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                text,
                json: () => JSON.parse(text),
              });
            });
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(o.body);
      });
    },
    async close() {
      await gateway.close();
      agent.destroy();
      await demo.close();
      if (schema) {
        const { sql } = await import("kysely");
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(app.store.db);
      }
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
