// Audit ledger figures, each beside a baseline measured in the same run (PERF-LIMITS.md):
//  - durable appends/s with 1, 16 and 256 concurrent writers (SQLite, also on the writer thread
//    that `rampart serve` uses; PostgreSQL when RAMPART_TEST_DATABASE_URL is set) vs a raw
//    better-sqlite3 transaction-of-100 insert rate;
//  - verification entries/s over 1,000,000 entries vs the raw SHA-256 rate (256 B): in parallel
//    chunks on worker threads (as `rampart audit verify` runs it), and on one thread;
//  - inclusion-proof latency at 1,000,000 entries vs a raw better-sqlite3 point lookup.
// Run: node --import tsx bench/ledger.ts [--entries N] [--only verify] [--verify-runs N]
//   (prints one JSON line per figure; `--only verify` skips the append and proof figures, and
//   `--verify-runs N` repeats the verification figures N times, the machine being noisy)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import {
  AuditLedger,
  DEFAULT_CHUNK_SIZE,
  inclusionProof,
  rootAt,
  verifyInclusion,
  verifyLedger,
} from "../src/audit/index.js";
import { sampleEvent, testSigner } from "../src/audit/testing.js";
import { sha256 } from "../src/crypto/index.js";
import { systemClock } from "../src/kernel/index.js";
import {
  createLedgerRepository,
  defaultVerifyWorkers,
  migrateToLatest,
  openStore,
  randomTag,
  type Store,
  withLedgerWriterThread,
} from "../src/store/index.js";

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const VERIFY_ENTRIES = Number(arg("--entries") ?? 1_000_000);
const ONLY = arg("--only");
if (ONLY !== undefined && ONLY !== "verify") throw new Error("--only takes: verify");
const VERIFY_RUNS = Number(arg("--verify-runs") ?? 1);
const emit = (o: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};
const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d;
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "rampart-bench-ledger-"));
  dirs.push(d);
  return d;
};

function shaRate(): number {
  const buf = Buffer.alloc(256, 7);
  const n = 300_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) sha256(buf);
  return n / ((performance.now() - t) / 1000);
}

function rawSqliteTx100Rate(): { rate: number; pointLookupUs: number } {
  const db = new Database(join(tempDir(), "raw.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("create table t (idx integer primary key, h blob not null, e text not null)");
  const ins = db.prepare("insert into t values (?, ?, ?)");
  const row = "x".repeat(300);
  const h = Buffer.alloc(32, 1);
  const tx = db.transaction((start: number) => {
    for (let i = 0; i < 100; i++) ins.run(start + i, h, row);
  });
  const total = 20_000;
  const t = performance.now();
  for (let s = 0; s < total; s += 100) tx(s);
  const rate = total / ((performance.now() - t) / 1000);
  const get = db.prepare("select h from t where idx = ?");
  const n = 50_000;
  const t2 = performance.now();
  for (let i = 0; i < n; i++) get.get((i * 7919) % total);
  const pointLookupUs = ((performance.now() - t2) * 1000) / n;
  db.close();
  return { rate, pointLookupUs };
}

async function openBenchStore(
  url: string | undefined,
): Promise<{ store: Store; dispose: () => Promise<void> }> {
  const schema = url ? `rampart_bench_${randomTag()}` : undefined;
  const store = await openStore({ dataDir: tempDir(), url, schema, poolSize: 4 });
  await migrateToLatest(store);
  return {
    store,
    dispose: async () => {
      if (schema) await store.db.schema.dropSchema(schema).ifExists().cascade().execute();
      await store.close();
    },
  };
}

async function appendRate(
  url: string | undefined,
  writers: number,
  total: number,
  thread = false,
): Promise<number> {
  const { store, dispose } = await openBenchStore(url);
  const signer = testSigner();
  const plain = createLedgerRepository(store);
  // `thread`: commits on the SQLite writer thread, as `rampart serve` runs the ledger.
  const writer = thread ? await withLedgerWriterThread(store, plain) : undefined;
  const repo = writer?.repo ?? plain;
  const ledger = new AuditLedger({ store: repo, clock: systemClock, origin: signer.name, signer });
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < total) await ledger.record(sampleEvent(next++));
    }),
  );
  const rate = total / ((performance.now() - t) / 1000);
  await ledger.close();
  await writer?.close();
  await dispose();
  return rate;
}

async function main(): Promise<void> {
  const sha = shaRate();
  emit({ figure: "baseline_sha256_256B_per_s", value: round(sha) });
  const raw = ONLY === "verify" ? undefined : rawSqliteTx100Rate();
  if (raw) {
    emit({ figure: "baseline_sqlite_tx100_inserts_per_s", value: round(raw.rate) });
    emit({ figure: "baseline_sqlite_point_lookup_us", value: round(raw.pointLookupUs, 2) });
  }

  const targets: Array<[string, string | undefined]> = [["sqlite", undefined]];
  const pg = process.env["RAMPART_TEST_DATABASE_URL"];
  if (pg) targets.push(["postgres", pg]);
  const runs: Array<[string, string | undefined, boolean]> = [
    ...targets.map(([d, u]): [string, string | undefined, boolean] => [d, u, false]),
    ["sqlite", undefined, true],
  ];
  for (const [dialect, url, thread] of raw ? runs : []) {
    for (const writers of [1, 16, 256]) {
      const total = writers === 1 ? 2_000 : 40_000;
      const rate = await appendRate(url, writers, total, thread);
      emit({
        figure: "durable_appends_per_s",
        dialect,
        ...(thread ? { writer_thread: true } : {}),
        writers,
        value: round(rate),
        baseline: "sqlite_tx100_inserts_per_s",
        ratio: round(rate / (raw?.rate ?? Number.NaN), 3),
        target: writers > 1 && dialect === "sqlite" ? ">= 20000" : undefined,
      });
    }
  }

  // 1M entries written through AuditLedger itself, 10,000 records at a time (one group commit
  // each), with one signed checkpoint per 100,000 entries.
  const { store, dispose } = await openBenchStore(undefined);
  const repo = createLedgerRepository(store);
  const signer = testSigner();
  const filler = new AuditLedger({
    store: repo,
    clock: systemClock,
    origin: signer.name,
    signer,
    maxBatch: 10_000,
    checkpointEvery: 100_000,
    checkpointIntervalMs: 3_600_000,
    appendTimeoutMs: 120_000,
  });
  const tFill = performance.now();
  for (let at = 0; at < VERIFY_ENTRIES; at += 10_000) {
    const n = Math.min(10_000, VERIFY_ENTRIES - at);
    await Promise.all(Array.from({ length: n }, (_, i) => filler.record(sampleEvent(at + i))));
  }
  await filler.close();
  emit({
    figure: "fill_entries_per_s_10k_batches",
    entries: VERIFY_ENTRIES,
    value: round(VERIFY_ENTRIES / ((performance.now() - tFill) / 1000)),
  });

  // Verification as `rampart audit verify` runs it: chunks of 2^16 entries on worker threads that
  // each read their chunks from the database; then the same on this thread alone, for comparison.
  const workers = defaultVerifyWorkers();
  let report: Awaited<ReturnType<typeof verifyLedger>> | undefined;
  for (let run = 0; run < VERIFY_RUNS; run++) {
    for (const parallel of [true, false]) {
      const tv = performance.now();
      report = await verifyLedger(repo, { publicKey: signer, parallel });
      const vs = (performance.now() - tv) / 1000;
      if (!report.ok) throw new Error(`verification failed: ${JSON.stringify(report.problem)}`);
      emit({
        figure: parallel ? "verify_entries_per_s" : "verify_one_thread_entries_per_s",
        entries: report.size,
        seconds: round(vs, 2),
        value: round(report.size / vs),
        ...(parallel ? { workers, chunk_size: DEFAULT_CHUNK_SIZE } : {}),
        baseline: "sha256_256B_per_s",
        ratio: round(report.size / vs / sha, 3),
        target: parallel ? "1M in < 5 s" : undefined,
      });
    }
  }
  if (!report) throw new Error("--verify-runs must be at least 1");
  // The limit verification approaches: reading the entries alone (on this thread, as the one-thread
  // pass reads them), and hashing them alone (the baseline).
  const tr = performance.now();
  let readCount = 0;
  let bytes = 0;
  for await (const leaf of repo.readLeaves(0, report.size)) {
    readCount++;
    bytes += leaf.canonical.length;
  }
  const rs = (performance.now() - tr) / 1000;
  emit({
    figure: "read_entries_per_s",
    entries: readCount,
    seconds: round(rs, 2),
    value: round(readCount / rs),
    avg_event_bytes: round(bytes / readCount),
  });
  if (!raw) {
    await dispose();
    return;
  }

  const size = report.size;
  const root = await rootAt(repo, size);
  const lat: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const index = (i * 104_729) % size;
    const t = performance.now();
    const proof = await inclusionProof(repo, index, size);
    lat.push(performance.now() - t);
    if (i < 50) {
      const leaf = await repo.readEntry(index);
      if (!leaf || !verifyInclusion(index, size, leaf.leafHash, proof, root)) throw new Error("bad proof");
    }
  }
  lat.sort((a, b) => a - b);
  const median = lat[Math.floor(lat.length / 2)] as number;
  emit({
    figure: "inclusion_proof_ms",
    tree_size: size,
    median: round(median, 3),
    p99: round(lat[Math.floor(lat.length * 0.99)] as number, 3),
    baseline: "sqlite_point_lookup_us",
    ratio: round((median * 1000) / raw.pointLookupUs, 1),
    target: "< 1 ms",
  });
  await dispose();
}

try {
  await main();
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
