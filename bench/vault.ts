// Vault benchmark. Fixed workloads, baselines measured in the same run (PERF-LIMITS.md):
//  1. encrypt+decrypt round trips of 256-byte values per second through KeyService with a cached
//     data key (rk2 text format, AAD bound to table/record/field), against raw node:crypto
//     AES-256-GCM on the same data with the same AAD and a fresh random nonce (target: ≤ 1.5×);
//  2. `keys rewrap secrets` of 100,000 stored secrets after a rotation, on SQLite (seconds).
// Run: node --import tsx bench/vault.ts   (prints one JSON line per figure)
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { ManualClock } from "../src/kernel/index.js";
import { KeyRing, KeyService, MasterKey, rewrapPurpose } from "../src/keys/index.js";
import { KeysRepository, openTestStore } from "../src/store/index.js";

const ROUNDS = 5;
const OPS = 40_000;
const SECRETS = Number(process.env["BENCH_VAULT_SECRETS"] ?? 100_000);
const value = randomBytes(256);
const where = { table: "vault_values", id: "broker/ib@1", field: "IbPassword" };
const aad = Buffer.from("rampart/rk2|secrets|1|vault_values|broker/ib@1|IbPassword");

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function rawRoundTrips(key: Buffer): number {
  const t = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) {
    const nonce = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: 16 });
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(value), c.final()]);
    const tag = c.getAuthTag();
    const d = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: 16 });
    d.setAAD(aad);
    d.setAuthTag(tag);
    const pt = Buffer.concat([d.update(ct), d.final()]);
    if (pt.length !== 256) throw new Error("raw round trip failed");
  }
  return OPS / (Number(process.hrtime.bigint() - t) / 1e9);
}

async function vaultRoundTrips(keys: KeyService): Promise<number> {
  const t = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) {
    const ct = await keys.encrypt("secrets", value, where);
    const pt = await keys.decrypt(ct, where);
    if (pt.length !== 256) throw new Error("vault round trip failed");
  }
  return OPS / (Number(process.hrtime.bigint() - t) / 1e9);
}

const ts = await openTestStore({ url: undefined });
try {
  const repo = new KeysRepository(ts.store);
  const keys = new KeyService({
    keyring: new KeyRing(new MasterKey(randomBytes(32))),
    store: repo,
    clock: new ManualClock(),
    settings: { rotationDays: 90, dataKeyCacheTtlMs: 3_600_000, minDecryptionVersion: {} },
  });
  await keys.load();
  const rawKey = randomBytes(32);
  rawRoundTrips(rawKey);
  await vaultRoundTrips(keys);
  const raw: number[] = [];
  const ours: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    raw.push(rawRoundTrips(rawKey));
    ours.push(await vaultRoundTrips(keys));
  }
  const rawMed = median(raw);
  const oursMed = median(ours);
  console.log(
    JSON.stringify({
      bench: "vault.encrypt_decrypt_256B",
      vault_round_trips_per_s: Math.round(oursMed),
      raw_node_crypto_round_trips_per_s: Math.round(rawMed),
      slowdown_ratio: Number((rawMed / oursMed).toFixed(3)),
      target_ratio: 1.5,
      rounds: ROUNDS,
      ops_per_round: OPS,
    }),
  );

  // 100,000 secrets (one field each), written under version 1, then rotate + rewrap.
  const tFill = process.hrtime.bigint();
  const CHUNK = 500;
  for (let base = 0; base < SECRETS; base += CHUNK) {
    const n = Math.min(CHUNK, SECRETS - base);
    const paths = Array.from({ length: n }, (_, i) => `bulk/s${base + i}`);
    const values: Array<{
      path: string;
      version: number;
      field: string;
      ciphertext: string;
      key_version: number;
    }> = [];
    for (const path of paths)
      values.push({
        path,
        version: 1,
        field: "value",
        ciphertext: await keys.encrypt("secrets", `secret-${path}`, {
          table: "vault_values",
          id: `${path}@1`,
          field: "value",
        }),
        key_version: 1,
      });
    await ts.store.transaction(async (trx) => {
      await trx
        .insertInto("vault_secrets")
        .values(
          paths.map((path) => ({
            path,
            current_version: 1,
            approval_required: 0,
            created_at: 1,
            updated_at: 1,
            deleted_at: null,
          })),
        )
        .execute();
      await trx
        .insertInto("vault_secret_versions")
        .values(
          paths.map((path) => ({ path, version: 1, created_at: 1, created_by: "bench", destroyed_at: null })),
        )
        .execute();
      await trx.insertInto("vault_values").values(values).execute();
    });
  }
  const fillS = Number(process.hrtime.bigint() - tFill) / 1e9;
  await keys.rotate("secrets");
  const tRewrap = process.hrtime.bigint();
  const report = await rewrapPurpose(keys, repo, "secrets", { batchSize: 1000 });
  const rewrapS = Number(process.hrtime.bigint() - tRewrap) / 1e9;
  if (report.rewrapped !== SECRETS) throw new Error(`rewrapped ${report.rewrapped} of ${SECRETS}`);
  console.log(
    JSON.stringify({
      bench: "vault.rewrap",
      secrets: SECRETS,
      batch_size: 1000,
      rewrap_seconds: Number(rewrapS.toFixed(2)),
      rewrapped_per_s: Math.round(SECRETS / rewrapS),
      fill_seconds: Number(fillS.toFixed(2)),
      database: "sqlite",
    }),
  );
} finally {
  await ts.dispose();
}
