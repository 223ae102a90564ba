// The `rampart audit` command functions over a real ledger: verify (database, export, --against),
// export, proof (JSON that verifies independently of the store) and checkpoint.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { sql } from "kysely";
import { AuditLedger, LedgerSigningKey, verifyInclusion } from "../../audit/index.js";
import { generateEd25519 } from "../../crypto/index.js";
import { ManualClock } from "../../kernel/index.js";
import { allowLedgerTampering, createLedgerRepository, openTestStore } from "../../store/index.js";
import { auditCheckpoint, auditExport, auditProof, auditVerify } from "./audit.js";

const ts = await openTestStore({ url: undefined });
const dir = await mkdtemp(join(tmpdir(), "rampart-audit-cli-"));
after(async () => {
  await ts.dispose();
  await rm(dir, { recursive: true, force: true });
});
const repo = createLedgerRepository(ts.store);
const pair = generateEd25519();
const signer = new LedgerSigningKey("rampart.test/audit", pair.publicKeyDer, pair.privateKeyDer);
await repo.insertLedgerKey({
  name: signer.name,
  publicKey: pair.publicKeyDer,
  wrappedPrivateKey: "unused",
  createdAtMs: 0,
});
const ledger = new AuditLedger({ store: repo, clock: new ManualClock(), origin: signer.name, signer });
for (let i = 0; i < 25; i++)
  await ledger.record({ event_type: "system", action: "test.event", outcome: "success", details: { i } });
await ledger.close();

test("verify, checkpoint, proof and export answer with exit codes and parseable output", async () => {
  const v = await auditVerify({ repo });
  assert.equal(v.exitCode, 0, v.output);
  assert.match(v.output, /^ledger verified: size 25, root [0-9a-f]{64}, 1 checkpoint\(s\) checked$/);

  const cp = await auditCheckpoint(repo);
  assert.equal(cp.exitCode, 0);
  assert.match(cp.output, /^rampart\.test\/audit\n25\n/);
  const cpFile = join(dir, "cp.note");
  await writeFile(cpFile, `${cp.output}\n`);
  assert.equal((await auditVerify({ repo, againstFile: cpFile })).exitCode, 0);

  const p = await auditProof(repo, 7, 20);
  const body = JSON.parse(p.output) as {
    leaf_hash: string;
    root_hash: string;
    proof: string[];
    tree_size: number;
  };
  assert.equal(body.tree_size, 20);
  const h = (x: string): Buffer => Buffer.from(x, "hex");
  assert.ok(verifyInclusion(7, 20, h(body.leaf_hash), body.proof.map(h), h(body.root_hash)));

  const out = join(dir, "export");
  assert.equal((await auditExport(repo, out)).exitCode, 0);
  const ve = await auditVerify({ exportDir: out, againstFile: cpFile });
  assert.equal(ve.exitCode, 0, ve.output);

  // Tampering as someone with write access to the database would: the append-only triggers first.
  await allowLedgerTampering(ts.store);
  await sql`update audit_entries set event = replace(event, '"i":3}', '"i":4}') where idx = 3`.execute(
    ts.store.db,
  );
  const bad = await auditVerify({ repo });
  assert.equal(bad.exitCode, 1);
  assert.equal(
    bad.output,
    "ledger verification FAILED: entry 3: event does not match its leaf hash: altered",
  );
});
