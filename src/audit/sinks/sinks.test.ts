// Sinks over a real store (SQLite always, PostgreSQL when RAMPART_TEST_DATABASE_URL is set): each
// reads from its persisted cursor, so a sink stopped for a minute and restarted delivers exactly
// what it missed; a failing receiver gets every record once it recovers (at-least-once, in index
// order, checkpoints after the entries they cover); restricted fields leave as keyed HMACs.
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { Config } from "../../config/index.js";
import { defaultConfig } from "../../config/index.js";
import { hmacSha256 } from "../../crypto/index.js";
import { ManualClock, silentLogger } from "../../kernel/index.js";
import { until } from "../../kernel/testing.js";
import { createDevCertificate } from "../../pki/index.js";
import {
  createLedgerRepository,
  createSinkCursorRepository,
  createSinkSource,
  databaseTargets,
  openTestStore,
  type TestStore,
} from "../../store/index.js";
import { AuditLedger } from "../ledger.js";
import { sampleEvent, testSigner } from "../testing.js";
import { createJsonlSink } from "./jsonl.js";
import { hmacValue, redactEvent, restrictedFields } from "./redact.js";
import { SinkRunner } from "./runner.js";
import type { SinkRecord } from "./types.js";
import { createWebhookSink, signBody } from "./webhook.js";

const KEY = Buffer.alloc(32, 7);

async function readJsonl(dir: string): Promise<{ files: string[]; records: SinkRecord[] }> {
  const key = (f: string) => {
    const m = /^audit-(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.jsonl$/.exec(f);
    return `${m?.[1]}.${String(m?.[2] ?? 0).padStart(6, "0")}`;
  };
  const files = (await readdir(dir)).sort((a, b) => key(a).localeCompare(key(b)));
  const records: SinkRecord[] = [];
  for (const f of files)
    for (const line of (await readFile(join(dir, f), "utf8")).split("\n"))
      if (line) records.push(JSON.parse(line) as SinkRecord);
  return { files, records };
}

test("restricted fields become hmac-sha256:<hex>, equal values correlate, structure stays", () => {
  const isRestricted = restrictedFields(defaultConfig() as unknown as Config);
  const e = {
    action: "vault.read",
    event_type: "secrets",
    index: 3,
    user_id: "u1",
    details: {
      api_key: "AKIA-1",
      path: "broker/ib",
      nested: { password: "p", x: 1 },
      list: [{ token: "t" }],
    },
  };
  const r = redactEvent(e, isRestricted, KEY) as typeof e;
  assert.equal(r.details.api_key, `hmac-sha256:${hmacSha256(KEY, "AKIA-1").toString("hex")}`);
  assert.equal(
    r.details.api_key,
    hmacValue(KEY, "AKIA-1"),
    "keyed and deterministic: equal values correlate",
  );
  assert.match(r.details.nested.password, /^hmac-sha256:[0-9a-f]{64}$/);
  assert.match((r.details.list[0] as { token: string }).token, /^hmac-sha256:/);
  assert.equal(r.details.path, "broker/ib");
  assert.equal(r.details.nested.x, 1);
  assert.equal(r.user_id, "u1");
  assert.equal(r.action, "vault.read");
  assert.ok(!JSON.stringify(r).includes("AKIA-1"));
});

for (const target of databaseTargets(process.env)) {
  describe(`audit sinks on ${target.dialect}`, { skip: target.skip }, () => {
    const cleanup: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of cleanup.reverse()) await c();
    });

    async function setup() {
      const ts: TestStore = await openTestStore(target);
      const clock = new ManualClock(Date.UTC(2026, 0, 5, 23, 59, 0));
      const ledger = new AuditLedger({
        store: createLedgerRepository(ts.store),
        clock,
        origin: "rampart.test/audit",
        signer: testSigner(),
        checkpointEvery: 10,
        checkpointIntervalMs: 3_600_000,
      });
      const dir = await mkdtemp(join(tmpdir(), "rampart-sink-"));
      cleanup.push(async () => {
        await ledger.close();
        await ts.dispose();
        await rm(dir, { recursive: true, force: true });
      });
      const isRestricted = restrictedFields(defaultConfig() as unknown as Config);
      const runner = (sink = createJsonlSink({ name: "files", dir, clock, maxBytes: 4096 })) => {
        const r = new SinkRunner({
          sink,
          source: createSinkSource(ts.store),
          cursors: createSinkCursorRepository(ts.store),
          logger: silentLogger,
          transform: (e) => redactEvent(e, isRestricted, KEY),
          pollMs: 10,
          retryMaxMs: 40,
          batchSize: 7,
        });
        // Stopped before the store goes, even when a test fails before stopping it.
        cleanup.push(() => r.stop());
        return r;
      };
      return { ts, clock, ledger, dir, runner };
    }

    test("JSONL: a sink stopped for a minute and restarted delivers everything it missed, once, in order", async () => {
      const { clock, ledger, dir, runner } = await setup();
      for (let i = 0; i < 12; i++)
        await ledger.record({ ...sampleEvent(i), details: { api_key: `k${i % 2}` } });
      await ledger.checkpoint();
      const r1 = runner();
      r1.start();
      await until(() => r1.status().nextIndex === 12 && r1.status().checkpointSize === 12);
      await r1.stop();

      // Stopped: a minute passes (and the UTC day changes), the ledger grows.
      clock.advance(60_000);
      for (let i = 12; i < 40; i++) await ledger.record(sampleEvent(i));
      await ledger.checkpoint();
      const r2 = runner();
      r2.start();
      await until(() => r2.status().nextIndex === 40 && r2.status().checkpointSize === 40);
      await r2.stop();

      const { files, records } = await readJsonl(dir);
      const entries = records.filter((r) => r.kind === "audit_event");
      assert.deepEqual(
        entries.map((r) => r.index),
        Array.from({ length: 40 }, (_, i) => i),
        "every entry exactly once, in index order",
      );
      const cps = records.filter((r) => r.kind === "audit_checkpoint");
      const sizes = cps.map((c) => c.tree_size);
      assert.ok(sizes.length >= 4 && sizes.includes(12) && sizes.at(-1) === 40, sizes.join());
      assert.ok(
        sizes.every((n, i) => i === 0 || n > (sizes[i - 1] as number)),
        "each checkpoint once, in order",
      );
      // A checkpoint follows the entries it covers.
      for (const c of cps) {
        const at = records.indexOf(c);
        assert.ok(records.slice(0, at).filter((r) => r.kind === "audit_event").length >= c.tree_size);
        assert.match(c.note, /^rampart\.test\/audit\n\d+\n/);
      }
      const e0 = entries[0] as unknown as { event: { details: { api_key: string } } };
      const e2 = entries[2] as unknown as { event: { details: { api_key: string } } };
      assert.equal(e0.event.details.api_key, hmacValue(KEY, "k0"));
      assert.equal(e0.event.details.api_key, e2.event.details.api_key);
      assert.ok(!records.some((r) => JSON.stringify(r).includes('"k0"')));
      assert.ok(
        files.some((f) => f.startsWith("audit-2026-01-05")),
        files.join(),
      );
      assert.ok(
        files.some((f) => f.startsWith("audit-2026-01-06")),
        "a new day starts a new file",
      );
      assert.ok(
        files.some((f) => /^audit-2026-01-06\.\d+\.jsonl$/.test(f)),
        `rotated by size: ${files.join()}`,
      );
    });

    test("webhook: batches signed with HMAC-SHA256, retried with backoff through failures, nothing lost", async () => {
      const { ledger, runner } = await setup();
      const cert = await createDevCertificate({ hostnames: ["localhost"] });
      const secret = Buffer.alloc(32, 9);
      const received: SinkRecord[] = [];
      let calls = 0;
      let badSignatures = 0;
      const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req: IncomingMessage, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          calls++;
          const body = Buffer.concat(chunks);
          if (req.headers["x-rampart-signature"] !== signBody(secret, body)) badSignatures++;
          // The receiver is down for the first three deliveries.
          if (calls <= 3) {
            res.writeHead(503).end();
            return;
          }
          received.push(...(JSON.parse(body.toString()) as { records: SinkRecord[] }).records);
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
      const port = (server.address() as { port: number }).port;
      for (let i = 0; i < 20; i++) await ledger.record(sampleEvent(i));
      const run = runner(
        createWebhookSink({ name: "hook", url: `https://localhost:${port}/in`, secret, ca: cert.certPem }),
      );
      run.start();
      await until(() => run.status().nextIndex === 20);
      await run.stop();
      assert.equal(badSignatures, 0);
      assert.ok(calls >= 3 + 3, `retried, then batched: ${calls} calls`);
      assert.deepEqual(
        received.filter((r) => r.kind === "audit_event").map((r) => r.index),
        Array.from({ length: 20 }, (_, i) => i),
      );
    });

    test("webhook: a receiver whose certificate does not verify gets nothing and the cursor stays", async () => {
      const { ledger, runner } = await setup();
      const cert = await createDevCertificate({ hostnames: ["localhost"] });
      let calls = 0;
      const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => {
        calls++;
        res.writeHead(204).end();
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
      const port = (server.address() as { port: number }).port;
      await ledger.record(sampleEvent(1));
      const run = runner(
        createWebhookSink({ name: "hook", url: `https://localhost:${port}/in`, secret: Buffer.alloc(32, 1) }),
      );
      run.start();
      await until(() => run.status().failures >= 2);
      await run.stop();
      assert.equal(calls, 0);
      assert.equal(run.status().nextIndex, 0);
    });
  });
}
