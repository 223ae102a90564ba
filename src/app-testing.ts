// Instances of the composition root for tests: createApp over one data directory and, with a
// database URL, one PostgreSQL schema, so that each open() is another instance over the same data,
// or the same one restarted. dispose() closes what is still open, drops the schema and removes the
// directory.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { type App, createApp } from "./app.js";
import { loadConfig } from "./config/index.js";
import { type Clock, ManualClock, silentLogger } from "./kernel/index.js";
import { type DatabaseTarget, randomTag } from "./store/index.js";

export interface TestApps {
  open(): Promise<App>;
  dispose(): Promise<void>;
}

export interface TestAppsOptions {
  /** rampart.yaml's text (default: logging silent). */
  yaml?: string;
  /** Instances share this Redis (else each has its own in-memory ephemeral store). */
  redisUrl?: string | undefined;
  clock?: Clock;
  /** Each instance gets its own ephemeral key prefix: on Redis, as after a flush. */
  freshEphemeral?: boolean;
}

export async function openTestApps(
  target: Pick<DatabaseTarget, "url">,
  o: TestAppsOptions = {},
): Promise<TestApps> {
  const dataDir = await mkdtemp(join(tmpdir(), "rampart-app-"));
  const schema = target.url === undefined ? undefined : `rampart_test_${randomTag()}`;
  const prefix = `rampart:test:${randomTag()}:`;
  const env: Record<string, string> = {};
  if (target.url) env["RAMPART_DATABASE_URL"] = target.url;
  if (o.redisUrl) env["RAMPART_REDIS_URL"] = o.redisUrl;
  const config = loadConfig({ fileName: "rampart.yaml", text: o.yaml ?? "logging:\n  level: silent", env });
  const clock = o.clock ?? new ManualClock(Date.now());
  const live = new Set<App>();
  return {
    async open() {
      const app = await createApp({
        dataDir,
        config,
        clock,
        masterKeyEnv: "33".repeat(32),
        logger: silentLogger,
        ephemeralPrefix: o.freshEphemeral ? `rampart:test:${randomTag()}:` : prefix,
        ...(schema ? { databaseSchema: schema } : {}),
      });
      // Closing through the test takes it off the list dispose() closes.
      const tracked: App = {
        ...app,
        close: async () => {
          live.delete(tracked);
          await app.close();
        },
      };
      live.add(tracked);
      return tracked;
    },
    async dispose() {
      const apps = [...live];
      const last = apps.pop();
      try {
        for (const a of apps) await a.close();
        // The ledger writes its final checkpoint on close: before the schema goes.
        await last?.ledger?.close();
        if (schema && last) await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(last.store.db);
      } finally {
        await last?.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}
