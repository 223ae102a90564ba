// preserve_evidence: the ledger range an incident's evidence spans, exported with a signed
// checkpoint covering it and an inclusion proof (RFC 9162) per evidence entry, into a directory
// whose manifest lists each file's SHA-256; the manifest's own hash seals the bundle and goes into
// the ledger with the action's outcome. Anyone with the ledger's public key can check it offline.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inclusionProof, type LedgerStore, rootAt, type StoredCheckpoint } from "../audit/index.js";
import { sha256Hex } from "../crypto/index.js";
import type { EvidencePreserver } from "./ports.js";
import type { Incident } from "./types.js";

const MAX_RANGE = 50_000;
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

export class LedgerEvidenceBundler implements EvidencePreserver {
  readonly #ledger: LedgerStore;
  readonly #dir: string;
  readonly #checkpointNow: (() => Promise<StoredCheckpoint | undefined>) | undefined;

  constructor(p: {
    ledger: LedgerStore;
    dir: string;
    checkpointNow?: () => Promise<StoredCheckpoint | undefined>;
  }) {
    this.#ledger = p.ledger;
    this.#dir = p.dir;
    this.#checkpointNow = p.checkpointNow;
  }

  async preserve(
    incident: Incident,
    indices: readonly number[],
  ): Promise<{ location: string; sha256: string }> {
    const sorted = [...indices].sort((a, b) => a - b);
    const first = sorted[0] ?? incident.firstIndex;
    const last = Math.min(sorted[sorted.length - 1] ?? incident.lastIndex, first + MAX_RANGE - 1);
    let cp = await this.#ledger.latestCheckpoint();
    if ((!cp || cp.treeSize <= last) && this.#checkpointNow) cp = await this.#checkpointNow();
    const size = cp && cp.treeSize > last ? cp.treeSize : await this.#ledger.size();
    const lines: string[] = [];
    for await (const leaf of this.#ledger.readLeaves(first, last + 1)) lines.push(leaf.canonical);
    const proofs = [];
    for (const index of sorted) {
      if (index >= size) continue;
      const leaf = await this.#ledger.readEntry(index);
      proofs.push({
        index,
        leaf_hash: leaf ? hex(leaf.leafHash) : null,
        proof: (await inclusionProof(this.#ledger, index, size)).map(hex),
      });
    }
    const files: Record<string, string> = {
      "entries.jsonl": lines.length > 0 ? `${lines.join("\n")}\n` : "",
      "proofs.json": `${JSON.stringify({ tree_size: size, root_hash: hex(await rootAt(this.#ledger, size)), proofs }, null, 2)}\n`,
      "checkpoint.txt": cp && cp.treeSize === size ? cp.note : "",
    };
    const dir = join(this.#dir, incident.id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const manifest = {
      format: "rampart-evidence/1",
      incident: {
        id: incident.id,
        type: incident.type,
        subject: incident.subject,
        severity: incident.severity,
      },
      range: { first, last },
      evidence: sorted,
      tree_size: size,
      signed_checkpoint: files["checkpoint.txt"] !== "",
      files: Object.fromEntries(Object.entries(files).map(([n, t]) => [n, sha256Hex(t)])),
    };
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text, { mode: 0o600 });
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    await writeFile(join(dir, "manifest.json"), manifestText, { mode: 0o600 });
    return { location: dir, sha256: sha256Hex(manifestText) };
  }
}
