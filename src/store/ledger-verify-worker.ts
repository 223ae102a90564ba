// A ledger verification thread (see ledger-verify.ts). It opens its own connection to the database
// — read-only on SQLite, one client on PostgreSQL — and verifies each chunk it is sent with
// src/audit's ChunkVerifier, reading the chunk's rows itself: the main thread never handles the
// entries, it only folds the small per-chunk results. Reads only: nothing here writes.
import { parentPort, workerData } from "node:worker_threads";
import SqliteDatabase from "better-sqlite3";
import type { ChunkResult, ChunkTask } from "../audit/index.js";
// The chunk verifier's own file rather than the module's index: a thread starts with it, and the
// index loads the whole ledger (sinks, ingestion, HTTP clients) — 0.4 s per thread under tsx.
import { ChunkVerifier } from "../audit/index.js";
import { parseInt8, toStoreError } from "./errors.js";
import type { StoreLocation } from "./open.js";

export interface VerifyRequest {
  readonly id: number;
  readonly task: ChunkTask;
}

export type VerifyReply =
  | { readonly id: number; readonly ok: true; readonly result: ChunkResult }
  | { readonly id: number; readonly ok: false; readonly code: string; readonly detail: string };

const ROWS = "select idx, leaf_hash, event from audit_entries where idx >= $1 and idx < $2 order by idx";
const PG_PAGE = 10_000;

type Scan = (task: ChunkTask) => Promise<ChunkResult>;

function openSqliteScan(location: Extract<StoreLocation, { dialect: "sqlite" }>): Scan {
  const db = new SqliteDatabase(location.file, {
    readonly: true,
    fileMustExist: true,
    timeout: location.busyTimeoutMs,
  });
  const rows = db.prepare(ROWS.replace("$1", "?").replace("$2", "?")).raw(true);
  return async (task) => {
    const chunk = new ChunkVerifier(task);
    for (const r of rows.iterate(task.start, task.end) as IterableIterator<[number, Uint8Array, string]>)
      if (!chunk.push(r[0], r[1], r[2])) break;
    return chunk.finish();
  };
}

async function openPostgresScan(location: Extract<StoreLocation, { dialect: "postgres" }>): Promise<Scan> {
  // Loaded only here: a SQLite installation's threads never need the PostgreSQL driver.
  const { default: pg } = await import("pg");
  const client = new pg.Client({
    connectionString: location.url,
    connectionTimeoutMillis: location.connectTimeoutMs,
    application_name: "rampart-verify",
    ...(location.schema === undefined ? {} : { options: `-c search_path=${location.schema}` }),
  });
  // Losing the connection between two pages emits here; the next page's query fails with it.
  client.on("error", () => {});
  await client.connect();
  const page = (from: number, to: number) =>
    client.query<[string, Buffer, string]>({ text: ROWS, values: [from, to], rowMode: "array" });
  return async (task) => {
    const chunk = new ChunkVerifier(task);
    // The next page is requested before this one is checked: the server works while we hash.
    let pending =
      task.start < task.end ? page(task.start, Math.min(task.start + PG_PAGE, task.end)) : undefined;
    for (let at = task.start; pending; at += PG_PAGE) {
      const res = await pending;
      const next = at + PG_PAGE;
      pending = next < task.end ? page(next, Math.min(next + PG_PAGE, task.end)) : undefined;
      for (const r of res.rows) {
        if (!chunk.push(parseInt8(r[0]), r[1], r[2])) {
          await pending?.catch(() => {});
          return chunk.finish();
        }
      }
    }
    return chunk.finish();
  };
}

const location = (workerData as { location: StoreLocation }).location;
let scan: Promise<Scan> | undefined;

parentPort?.on("message", async (m: VerifyRequest) => {
  let reply: VerifyReply;
  try {
    scan ??=
      location.dialect === "sqlite" ? Promise.resolve(openSqliteScan(location)) : openPostgresScan(location);
    reply = { id: m.id, ok: true, result: await (await scan)(m.task) };
  } catch (e) {
    const err = toStoreError(e);
    reply = { id: m.id, ok: false, code: err.code, detail: err.detail ?? err.message };
  }
  parentPort?.postMessage(reply);
});
