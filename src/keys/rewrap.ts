// `rampart keys rewrap PURPOSE`: re-encrypts every stored ciphertext of a purpose under its current
// key version, in batches. Each batch is one transaction of compare-and-set updates, so a crash
// loses nothing and a second run simply continues with what is still old; a value changed by a
// writer in the meantime is left to that writer. Plaintext exists only in this process's memory,
// for one value at a time, and is zeroed after use.
import type { AuditRecorder } from "../audit/index.js";
import type { Logger } from "../kernel/index.js";
import { rk2Version } from "./ciphertext.js";
import { rewrapIncomplete, unknownPurpose } from "./errors.js";
import type { KeyService } from "./key-service.js";
import { isKeyPurpose, type KeyPurpose, parseRk1 } from "./keyring.js";
import type { CiphertextReplacement, KeyStore } from "./ports.js";

export interface RewrapOptions {
  batchSize?: number;
  actor?: string;
  logger?: Logger;
  audit?: AuditRecorder;
  /** Called after each committed batch (progress output; tests use it to crash half-way). */
  onBatch?: (done: number) => void | Promise<void>;
}

export interface RewrapReport {
  purpose: KeyPurpose;
  version: number;
  rewrapped: number;
  failed: number;
}

export async function rewrapPurpose(
  keys: KeyService,
  store: KeyStore,
  purposeName: string,
  options: RewrapOptions = {},
): Promise<RewrapReport> {
  if (!isKeyPurpose(purposeName)) throw unknownPurpose(purposeName);
  const purpose = purposeName;
  const batchSize = options.batchSize ?? 500;
  const version = await keys.currentVersion(purpose);
  let rewrapped = 0;
  let failed = 0;
  for (const source of store.ciphertextSources()) {
    if (source.purpose !== purpose) continue;
    let after: string | null = null;
    for (;;) {
      const page = await source.page(after, batchSize, version);
      if (page.length === 0) break;
      const batch: CiphertextReplacement[] = [];
      for (const item of page) {
        const v =
          source.format === "rk1"
            ? (parseRk1(item.ciphertext)?.version ?? null)
            : rk2Version(item.ciphertext);
        if (v !== null && v >= version) continue;
        try {
          const next =
            source.format === "rk1"
              ? keys.keyring.encrypt(
                  purpose,
                  keys.keyring.decrypt(item.ciphertext, item.where),
                  item.where,
                  version,
                )
              : await keys.reencrypt(item.ciphertext, item.where);
          if (next !== null) batch.push({ ref: item.ref, old: item.ciphertext, next });
        } catch {
          failed++;
          options.logger?.warn(
            { source: source.name, ref: item.ref },
            "rewrap: ciphertext does not decrypt; left as is",
          );
        }
      }
      if (batch.length > 0) rewrapped += await source.replace(batch);
      after = (page.at(-1) as { ref: string }).ref;
      await options.onBatch?.(rewrapped);
      if (page.length < batchSize) break;
    }
  }
  await options.audit?.record({
    event_type: "keys",
    action: "keys.rewrap",
    outcome: failed === 0 ? "success" : "failure",
    user_id: options.actor ?? "system",
    resource: `keys/${purpose}`,
    details: { purpose, version, rewrapped, failed },
  });
  if (failed > 0) throw rewrapIncomplete(purpose, failed);
  return { purpose, version, rewrapped, failed };
}
