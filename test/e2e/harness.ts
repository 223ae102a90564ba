// Whole-system test harness: a real Rampart (gateway + services) on an ephemeral port, over a fresh
// data directory, in front of a real demo dashboard; SQLite or PostgreSQL (fresh schema per run).
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { Agent, request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DemoDashboard, startDemoDashboard } from "../../demo/index.js";
import { type App, createApp } from "../../src/app.js";
import type { SecurityWiring } from "../../src/app-security.js";
import type { TradingWiring } from "../../src/app-trading.js";
import { initDataDir } from "../../src/cli/commands/init.js";
import { loadConfig } from "../../src/config/index.js";
import { PasswordHasher } from "../../src/crypto/index.js";
import { type GatewayOptions, type RunningGateway, startGateway } from "../../src/gateway/index.js";
import { base32Decode, totpCodeAt } from "../../src/identity/index.js";
import { type Clock, type Logger, ManualClock, silentLogger } from "../../src/kernel/index.js";
import { randomTag } from "../../src/store/index.js";

export interface Rampart {
  /** What a second instance needs to share this one's installation. */
  shared?: { dataDir: string; schema: string | undefined; prefix: string; demo: DemoDashboard };
  app: App;
  clock: ManualClock;
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
  /** Default: a ManualClock starting now (tests move time explicitly). */
  clock?: Clock;
  /** Extra control-API routes (a module's table before the gateway wires it). */
  controlRoutes?: GatewayOptions["controlRoutes"];
  /** A second instance of the same installation: same data directory, schema, key prefix, upstream. */
  shareWith?: Rampart;
  /** Detection and response's wiring (env for alert secrets, replaced ports), before the gateway. */
  security?: SecurityWiring;
  /** Trading's wiring (the actuator key, the actuator's environment), as `rampart serve` passes it. */
  trading?: TradingWiring;
  /** Default: silent. */
  logger?: Logger;
}

/** Cheap argon2id for tests only: production config enforces the OWASP minimum. */
export const testHasher = (): PasswordHasher =>
  new PasswordHasher({
    params: { memoryKiB: 1024, iterations: 1, parallelism: 1 },
    concurrency: 2,
    queueLimit: 1000,
  });

export async function startRampart(opts: StartOptions = {}): Promise<Rampart> {
  const sharing = opts.shareWith?.shared;
  const dataDir = sharing?.dataDir ?? (await mkdtemp(join(tmpdir(), "rampart-e2e-")));
  if (!sharing) await initDataDir(dataDir);
  const demo = sharing?.demo ?? (await startDemoDashboard({ host: "127.0.0.1", port: 0 }));
  const text = [
    "server:\n  listen: 127.0.0.1:0",
    `upstreams:\n  dashboard: { url: "${demo.url}", timeout_ms: 2000 }`,
    "logging:\n  level: silent",
    // Tests log in many users from 127.0.0.1; tests of the limits themselves set their own.
    /^rate_limits:/m.test(opts.yaml ?? "")
      ? ""
      : "rate_limits:\n  auth: { requests_per_minute: 6000, burst: 1000 }\n  per_ip: { requests_per_minute: 60000, burst: 5000 }",
    opts.yaml ?? "",
  ].join("\n");
  const env: Record<string, string> = {};
  if (opts.databaseUrl) env["RAMPART_DATABASE_URL"] = opts.databaseUrl;
  if (opts.redisUrl) env["RAMPART_REDIS_URL"] = opts.redisUrl;
  const schema = sharing ? sharing.schema : opts.databaseUrl ? `rampart_e2e_${randomTag()}` : undefined;
  const prefix = sharing?.prefix ?? `rampart:e2e:${randomTag()}:`;
  const clock = (opts.clock as ManualClock | undefined) ?? new ManualClock(Date.now());
  // A start that fails must not leave the demo's listener behind: it would keep the test file
  // alive after its tests.
  let app: App | undefined;
  let gateway: RunningGateway;
  try {
    const config = loadConfig({ fileName: "rampart.yaml", text, env });
    app = await createApp({
      dataDir,
      config,
      clock,
      hasher: testHasher(),
      logger: opts.logger ?? silentLogger,
      ...(schema ? { databaseSchema: schema } : {}),
      ephemeralPrefix: prefix,
      // As `rampart serve` runs it: SQLite ledger appends on the writer thread.
      ledgerWriterThread: true,
    });
    await app.pki().ensureCa();
    gateway = await startGateway(app, {
      ...(opts.controlRoutes ? { controlRoutes: opts.controlRoutes } : {}),
      ...(opts.security ? { security: opts.security } : {}),
      ...(opts.trading ? { trading: opts.trading } : {}),
    });
  } catch (e) {
    await app?.close();
    if (!sharing) {
      await demo.close();
      await rm(dataDir, { recursive: true, force: true });
    }
    throw e;
  }
  const started = app;
  const caPem = await readFile(join(dataDir, "tls", "cert.pem"), "utf8");
  // node:https, not undici: undici normalises dot segments, and tests must send paths as written.
  const agent = new Agent({ ca: caPem, servername: "localhost", keepAlive: true });
  return {
    shared: { dataDir, schema, prefix, demo },
    app: started,
    clock,
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
        // A request the gateway never answers fails its test rather than stalling the file.
        req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
        req.end(o.body);
      });
    },
    async close() {
      // Every step runs even if one before it fails, so nothing is left holding the process open;
      // the first failure is then thrown.
      const errors: unknown[] = [];
      const step = async (f: () => unknown): Promise<void> => {
        try {
          await f();
        } catch (e) {
          errors.push(e);
        }
      };
      await step(() => gateway.close());
      agent.destroy();
      if (!sharing) {
        await step(() => demo.close());
        // The ledger writes its final checkpoint on close: before the schema goes.
        await step(() => started.ledger?.close());
        if (schema) {
          const { sql } = await import("kysely");
          await step(() => sql`drop schema if exists ${sql.id(schema)} cascade`.execute(started.store.db));
        }
      }
      await step(() => started.close());
      if (!sharing) await step(() => rm(dataDir, { recursive: true, force: true }));
      if (errors.length > 0) throw errors[0];
    },
  };
}

export interface LoggedIn {
  username: string;
  password: string;
  /** TOTP secret (raw bytes). */
  secret: Uint8Array;
  cookie: string;
  csrf: string;
  /** Headers for a state-changing request: cookie, CSRF token and same origin. */
  writeHeaders(extra?: Record<string, string>): Record<string, string>;
  /** A fresh TOTP code for the next time step (advances the clock 30 s so it is never a replay). */
  nextCode(): string;
}

function sessionCookie(setCookie: string | string[] | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const c = list.find((x) => x.startsWith("__Host-rampart_session="));
  if (!c) throw new Error("no session cookie set");
  return c.split(";")[0] as string;
}

/** Creates a user with the given roles, then enrols TOTP and logs in through the HTTP API. */
export async function createAndLogin(r: Rampart, username: string, roles: string[]): Promise<LoggedIn> {
  const password = `Correct-Horse-${[...username].reverse().join("")}-Battery-9`;
  await r.app.identity().createUser({ username, roles, password }, { via: "cli" });
  const login = await r.http("POST", "/_rampart/v1/auth/login", {
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (login.status !== 200) throw new Error(`login ${login.status} ${login.text}`);
  const { challenge, mfa } = login.json() as { challenge: string; mfa: string };
  if (mfa !== "enroll") throw new Error(`expected enrolment, got ${mfa}`);
  const enroll = await r.http("POST", "/_rampart/v1/auth/mfa/totp/enroll", {
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ challenge }),
  });
  const uri = (enroll.json() as { uri: string }).uri;
  const secret = base32Decode(new URL(uri).searchParams.get("secret") ?? "");
  const code = totpCodeAt(secret, Math.floor(r.clock.now() / 30_000));
  const confirm = await r.http("POST", "/_rampart/v1/auth/mfa/totp/confirm", {
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ challenge, code }),
  });
  if (confirm.status !== 200) throw new Error(`confirm ${confirm.status} ${confirm.text}`);
  const cookie = sessionCookie(confirm.headers["set-cookie"]);
  const csrf = (confirm.json() as { csrfToken: string }).csrfToken;
  const origin = `https://localhost:${r.gateway.port}`;
  return {
    username,
    password,
    secret,
    cookie,
    csrf,
    writeHeaders: (extra = {}) => ({
      cookie,
      "x-csrf-token": csrf,
      origin,
      host: `localhost:${r.gateway.port}`,
      ...extra,
    }),
    nextCode() {
      r.clock.advance(30_000);
      return totpCodeAt(secret, Math.floor(r.clock.now() / 30_000));
    },
  };
}

/** `n` logins with wrong passwords (wrong-password-I-xx) for `username`; each must answer 401. */
export async function failLogins(r: Rampart, username: string, n = 5): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await r.http("POST", "/_rampart/v1/auth/login", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password: `wrong-password-${i}-xx` }),
    });
    assert.equal(res.status, 401, `wrong password ${i} for ${username}`);
  }
}
