// Export of the ledger to a directory anyone can verify without Rampart's database:
//   entries.jsonl      {"index":N,"leaf_hash":"<hex>","event":<canonical event text>} per line
//   checkpoints.jsonl  {"tree_size":N,"note":"<signed note>"} per line
//   ledger.pub         the Ed25519 public key (PEM, SPKI)
//   ledger.vkey        the same key as a signed-note verifier key
//   manifest.json      format, size, root, origin
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { type NoteVerifierKey, noteKeyHash, verifierKeyText } from "./checkpoint.js";
import { invalidExport, ledgerKeyMissing } from "./errors.js";
import type { Hash } from "./merkle.js";
import type { LedgerLeaf, LedgerStore } from "./ports.js";
import { rootAt } from "./proofs.js";
import type { LedgerSource } from "./verify-ledger.js";

export const EXPORT_FORMAT = "rampart-ledger-export/1";
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface ExportSummary {
  readonly dir: string;
  readonly size: number;
  readonly rootHash: Hash;
  readonly checkpoints: number;
}

function pemOf(spki: Uint8Array): string {
  const b64 = Buffer.from(spki)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return `-----BEGIN PUBLIC KEY-----\n${b64}${b64.endsWith("\n") ? "" : "\n"}-----END PUBLIC KEY-----\n`;
}

/** Writes the ledger as it is now (up to its current size) to `dir`. */
export async function exportLedger(
  store: LedgerStore,
  key: NoteVerifierKey,
  dir: string,
): Promise<ExportSummary> {
  await mkdir(dir, { recursive: true });
  const size = await store.size();
  const fh = await open(join(dir, "entries.jsonl"), "w");
  try {
    let buf: string[] = [];
    for await (const leaf of store.readLeaves(0, size)) {
      buf.push(
        `{"index":${leaf.index},"leaf_hash":"${Buffer.from(leaf.leafHash).toString("hex")}","event":${leaf.canonical}}\n`,
      );
      if (buf.length >= 4096) {
        await fh.write(buf.join(""));
        buf = [];
      }
    }
    await fh.write(buf.join(""));
  } finally {
    await fh.close();
  }
  const cps = (await store.listCheckpoints()).filter((c) => c.treeSize <= size);
  await writeFile(
    join(dir, "checkpoints.jsonl"),
    cps.map((c) => `${JSON.stringify({ tree_size: c.treeSize, note: c.note })}\n`).join(""),
  );
  await writeFile(join(dir, "ledger.pub"), pemOf(key.publicKey));
  await writeFile(join(dir, "ledger.vkey"), `${verifierKeyText(key.name, key.publicKey)}\n`);
  const rootHash = await rootAt(store, size);
  const manifest = {
    format: EXPORT_FORMAT,
    origin: key.name,
    size,
    root_hash: Buffer.from(rootHash).toString("hex"),
  };
  await writeFile(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, size, rootHash, checkpoints: cps.length };
}

/** Reads a public key file: PEM (SPKI) with the key name given, or a signed-note verifier key. */
export function parsePublicKey(text: string, name: string | undefined): NoteVerifierKey {
  const t = text.trim();
  if (t.startsWith("-----BEGIN PUBLIC KEY-----")) {
    const der = Buffer.from(t.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64");
    if (der.length !== 44 || !der.subarray(0, 12).equals(ED25519_SPKI_PREFIX))
      throw ledgerKeyMissing("the PEM file is not an Ed25519 public key");
    if (!name) throw ledgerKeyMissing("a PEM key needs the log's origin (key name)");
    return { name, publicKey: der };
  }
  const m = /^([^\s+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(t);
  const blob = m ? Buffer.from(m[3] as string, "base64") : undefined;
  if (!m || !blob || blob.length !== 33 || blob[0] !== 0x01)
    throw ledgerKeyMissing("the key file is neither a PEM public key nor an Ed25519 verifier key");
  const raw = blob.subarray(1);
  if (noteKeyHash(m[1] as string, raw).toString("hex") !== m[2])
    throw ledgerKeyMissing("the verifier key's hash does not match its key");
  return { name: m[1] as string, publicKey: Buffer.concat([ED25519_SPKI_PREFIX, raw]) };
}

const LINE = /^\{"index":(0|[1-9][0-9]*),"leaf_hash":"([0-9a-f]{64})","event":(.*)\}$/;

/** An export directory as a LedgerSource, plus the public key it carries (if any). */
export async function openExport(
  dir: string,
): Promise<{ source: LedgerSource; origin: string | undefined; bundledKey: string | undefined }> {
  let manifest: { format?: unknown; origin?: unknown; size?: unknown };
  try {
    manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8"));
  } catch (e) {
    throw invalidExport(`manifest.json: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (manifest.format !== EXPORT_FORMAT) throw invalidExport("unknown export format");
  const bundledKey = await readFile(join(dir, "ledger.vkey"), "utf8").catch(() => undefined);
  const cpText = await readFile(join(dir, "checkpoints.jsonl"), "utf8").catch(() => "");
  const checkpoints = cpText
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => {
      const c = JSON.parse(l) as { tree_size: number; note: string };
      return { treeSize: c.tree_size, note: c.note };
    });
  const entriesFile = join(dir, "entries.jsonl");
  let count: number | undefined;
  const source: LedgerSource = {
    async size() {
      if (count === undefined) {
        let last = -1;
        for await (const leaf of readLines(entriesFile)) last = leaf.index;
        count = last + 1;
      }
      return count;
    },
    readLeaves: (from, to) => filterRange(readLines(entriesFile), from, to),
    listCheckpoints: async () => checkpoints,
  };
  return { source, origin: typeof manifest.origin === "string" ? manifest.origin : undefined, bundledKey };
}

async function* readLines(file: string): AsyncIterable<LedgerLeaf> {
  const rl = createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (line.length === 0) continue;
    const m = LINE.exec(line);
    if (!m) throw invalidExport(`entries.jsonl line ${n} is not an entry`);
    yield { index: Number(m[1]), leafHash: Buffer.from(m[2] as string, "hex"), canonical: m[3] as string };
  }
}

async function* filterRange(
  leaves: AsyncIterable<LedgerLeaf>,
  from: number,
  to: number,
): AsyncIterable<LedgerLeaf> {
  for await (const l of leaves) if (l.index >= from && l.index < to) yield l;
}
