// The SQLite ledger writer's thread (see ledger-writer.ts): its own connection to the database
// file, the same pragmas as the main one (WAL, synchronous=FULL). An append is one synchronous step
// here — BEGIN IMMEDIATE, read where the ledger ends, build and insert the rows and nodes, COMMIT (the fsync happens here,
// off the gateway's event loop) — so the write lock is never held across a message to the main
// thread (whose own connection may be waiting for it). It only ever INSERTs: the ledger is
// append-only.
import { parentPort, workerData } from "node:worker_threads";
import SqliteDatabase from "better-sqlite3";
import { appendRows, CompactRange, frontierKeys, type Hash, type PreparedEvent } from "../audit/index.js";
import { isUniqueViolation } from "./errors.js";

export type WriterRequest =
  | { readonly id: number; readonly op: "ping" }
  | { readonly id: number; readonly op: "prepared"; readonly events: readonly PreparedEvent[] }
  | {
      readonly id: number;
      readonly op: "checkpoint";
      readonly treeSize: number;
      readonly rootHash: Uint8Array;
      readonly note: string;
      readonly createdAtMs: number;
    };

export type WriterReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly error: { readonly code?: string | undefined; readonly message: string };
    };

interface Data {
  readonly file: string;
  readonly busyTimeoutMs: number;
}

const { file, busyTimeoutMs } = workerData as Data;
const db = new SqliteDatabase(file, { timeout: busyTimeoutMs, fileMustExist: true });
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);

const maxIdx = db.prepare("select max(idx) as m from audit_entries").pluck();
const insertEntry = db.prepare(
  "insert into audit_entries (idx, leaf_hash, event, event_id, event_type, action, outcome, user_id, ts) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
);
const insertNode = db.prepare("insert into audit_nodes (level, idx, hash) values (?, ?, ?)");
const leafHash = db.prepare("select leaf_hash from audit_entries where idx = ?").pluck();
const nodeHash = db.prepare("select hash from audit_nodes where level = ? and idx = ?").pluck();
const insertCheckpoint = db.prepare(
  "insert into audit_checkpoints (tree_size, root_hash, note, created_at) values (?, ?, ?, ?)",
);
const begin = db.prepare("begin immediate");
const commit = db.prepare("commit");
const rollback = db.prepare("rollback");

/** The right edge after this thread's last commit: reused while no other process appended. */
let edgeAfterCommit: CompactRange | undefined;

function storedEdge(size: number): CompactRange {
  if (edgeAfterCommit && edgeAfterCommit.size === size) return edgeAfterCommit.clone();
  const hashes = frontierKeys(size).map(({ level, index }) => {
    const h = (level === 0 ? leafHash.get(index) : nodeHash.get(level, index)) as Buffer | undefined;
    if (h === undefined) throw new Error(`ledger tree node (${level}, ${index}) is missing`);
    return h as Hash;
  });
  return new CompactRange(size, hashes);
}

/**
 * The whole append under the write lock: indexes from the ledger's real end (so processes sharing
 * the file never race), each event's canonical form and leaf hash, the interior nodes it completes.
 */
function appendPrepared(events: readonly PreparedEvent[]): {
  start: number;
  size: number;
  edgeHashes: Hash[];
} {
  begin.run();
  try {
    const max = maxIdx.get() as number | bigint | null;
    const start = max === null ? 0 : Number(max) + 1;
    const edge = storedEdge(start);
    const { rows, nodes } = appendRows(edge, events);
    for (const r of rows)
      insertEntry.run(
        r.index,
        r.leafHash,
        r.canonical,
        r.eventId,
        r.eventType,
        r.action,
        r.outcome,
        r.userId,
        r.timestampMs,
      );
    for (const n of nodes) insertNode.run(n.level, n.index, n.hash);
    commit.run();
    edgeAfterCommit = edge;
    return { start, size: edge.size, edgeHashes: [...edge.hashes()] };
  } catch (e) {
    edgeAfterCommit = undefined;
    if (db.inTransaction) rollback.run();
    throw e;
  }
}

function handle(m: WriterRequest): unknown {
  switch (m.op) {
    case "prepared":
      return appendPrepared(m.events);
    case "ping":
      return null;
    case "checkpoint":
      try {
        insertCheckpoint.run(m.treeSize, Buffer.from(m.rootHash), m.note, m.createdAtMs);
        return true;
      } catch (e) {
        if (isUniqueViolation(e)) return false;
        throw e;
      }
  }
}

parentPort?.on("message", (m: WriterRequest) => {
  let reply: WriterReply;
  try {
    reply = { id: m.id, ok: true, value: handle(m) };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    reply = { id: m.id, ok: false, error: { code: err.code, message: err.message ?? String(e) } };
  }
  parentPort?.postMessage(reply);
});
parentPort?.on("close", () => db.close());
