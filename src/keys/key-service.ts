// The key hierarchy at run time: master key → KEK(purpose, version) by HKDF → random data key per
// (purpose, version), stored wrapped, unwrapped on demand and cached for a bounded time.
//
// Nonce budget (NIST SP 800-38D §8.3): with random 96-bit nonces a key may encrypt at most 2^32
// messages. Each process reserves blocks of encryptions in the database before using them (one
// write per block, not per message); a key whose next block would pass the limit is rotated. A crash
// wastes at most one block, which only errs on the safe side.
//
// Rotation is lazy and cheap: a new version is one row. Old versions keep decrypting until
// min_decryption_version (config) passes them; `rewrap` moves stored ciphertexts forward.
import type { AuditRecorder } from "../audit/index.js";
import { DecryptionError, randomBytes } from "../crypto/index.js";
import type { Clock } from "../kernel/index.js";
import { openRk2, parseRk2, sealRk2, unwrapDataKey, wrapDataKey } from "./ciphertext.js";
import { masterMismatch, rotationConflict, unknownPurpose } from "./errors.js";
import { type FieldLocation, isKeyPurpose, KEY_PURPOSES, type KeyPurpose, type KeyRing } from "./keyring.js";
import type { KeyStore, StoredKeyVersion } from "./ports.js";

export const MAX_ENCRYPTIONS_PER_KEY = 2 ** 32;
const DAY_MS = 86_400_000;
const MAX_CACHED_KEYS = 256;

export interface KeySettings {
  /** Rotate a purpose's key when its current version is this old; 0 turns the schedule off. */
  rotationDays: number;
  /** How long an unwrapped data key (and the current-version lookup) stays in memory. */
  dataKeyCacheTtlMs: number;
  /** Ciphertexts of a lower version are refused, per purpose. */
  minDecryptionVersion: Partial<Record<KeyPurpose, number>>;
  /** Tests lower these two; production uses 2^32 and 65,536. */
  maxEncryptionsPerKey?: number;
  usageBlock?: number;
}

export interface KeyServiceDeps {
  keyring: KeyRing;
  store: KeyStore;
  clock: Clock;
  settings: KeySettings;
  audit?: AuditRecorder;
}

interface CachedKey {
  key: Buffer;
  expiresAt: number;
}

interface CurrentKey {
  version: number;
  key: Buffer;
  createdAt: number;
  expiresAt: number;
  /** Encryptions left in the reserved block. */
  remaining: number;
}

export interface PurposeStatus {
  purpose: KeyPurpose;
  current: number | null;
  minDecryptionVersion: number;
  rotationDue: number | null;
  versions: Array<{
    version: number;
    createdAt: number;
    ageDays: number;
    usageReserved: number;
    ciphertexts: number;
  }>;
}

export class KeyService {
  readonly keyring: KeyRing;
  readonly #store: KeyStore;
  readonly #clock: Clock;
  readonly #settings: Required<KeySettings>;
  readonly #audit: AuditRecorder | undefined;
  readonly #keys = new Map<string, CachedKey>();
  readonly #current = new Map<KeyPurpose, CurrentKey>();
  readonly #loading = new Map<KeyPurpose, Promise<CurrentKey>>();

  constructor(deps: KeyServiceDeps) {
    this.keyring = deps.keyring;
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#audit = deps.audit;
    this.#settings = {
      maxEncryptionsPerKey: MAX_ENCRYPTIONS_PER_KEY,
      usageBlock: 65_536,
      ...deps.settings,
    };
    for (const p of KEY_PURPOSES)
      this.keyring.setVersions(p, { minDecryption: this.minDecryptionVersion(p) });
  }

  minDecryptionVersion(purpose: KeyPurpose): number {
    return this.#settings.minDecryptionVersion[purpose] ?? 1;
  }

  /**
   * Checks the master key against the database (recording its check value on first use) and sets
   * the KeyRing's current versions, so rk1 values (TOTP secrets, the ledger key) are written under
   * the current version too. Call once at start.
   */
  async load(): Promise<void> {
    const check = this.keyring.masterCheck();
    const recorded = await this.#store.initMasterCheck(check);
    if (recorded !== check) throw masterMismatch();
    for (const v of await this.#store.listKeyVersions()) {
      if (v.version > this.keyring.currentVersion(v.purpose))
        this.keyring.setVersions(v.purpose, { current: v.version });
    }
  }

  /** Encrypts under the purpose's current data key, bound to `where`. */
  async encrypt(purpose: KeyPurpose, plaintext: Uint8Array | string, where: FieldLocation): Promise<string> {
    let cur = this.#current.get(purpose);
    if (!cur || cur.remaining <= 0 || cur.expiresAt <= this.#clock.now()) cur = await this.#refresh(purpose);
    cur.remaining--;
    const data = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
    return sealRk2(cur.key, purpose, cur.version, data, where);
  }

  /** Decrypts an rk2 ciphertext; every failure (including a refused old version) is DecryptionError. */
  async decrypt(ciphertext: string, where: FieldLocation): Promise<Buffer> {
    const h = parseRk2(ciphertext);
    if (h.version < this.minDecryptionVersion(h.purpose))
      throw new DecryptionError("below min_decryption_version");
    const key = await this.#dataKey(h.purpose, h.version);
    if (!key) throw new DecryptionError("no such key version");
    return openRk2(key, h, where);
  }

  /** Re-encrypts under the current version; null when the ciphertext is current already. */
  async reencrypt(ciphertext: string, where: FieldLocation): Promise<string | null> {
    const h = parseRk2(ciphertext);
    const current = await this.currentVersion(h.purpose);
    if (h.version === current) return null;
    const plain = await this.decrypt(ciphertext, where);
    try {
      return await this.encrypt(h.purpose, plain, where);
    } finally {
      plain.fill(0);
    }
  }

  async currentVersion(purpose: KeyPurpose): Promise<number> {
    const cur = this.#current.get(purpose);
    if (cur && cur.expiresAt > this.#clock.now()) return cur.version;
    return (await this.#refresh(purpose)).version;
  }

  /** Makes a new version current. The old ones keep decrypting (down to min_decryption_version). */
  async rotate(purpose: string, actor = "system", reason = "manual"): Promise<number> {
    if (!isKeyPurpose(purpose)) throw unknownPurpose(purpose);
    const latest = await this.#ensureFirst(purpose);
    const created = await this.#createVersion(purpose, latest.version + 1);
    if (!created) throw rotationConflict(purpose);
    await this.#audit?.record({
      event_type: "keys",
      action: "keys.rotate",
      outcome: "success",
      user_id: actor,
      resource: `keys/${purpose}`,
      details: { purpose, version: created.version, previous_version: latest.version, reason },
    });
    return created.version;
  }

  /** Rotates every purpose whose current version is older than rotation_days (the schedule). */
  async rotateDue(actor = "system"): Promise<Array<{ purpose: KeyPurpose; version: number }>> {
    const out: Array<{ purpose: KeyPurpose; version: number }> = [];
    if (this.#settings.rotationDays <= 0) return out;
    for (const p of KEY_PURPOSES) {
      const cur = await this.#store.currentKeyVersion(p);
      if (cur && this.#isDue(cur)) out.push({ purpose: p, version: await this.rotate(p, actor, "schedule") });
    }
    return out;
  }

  async status(): Promise<PurposeStatus[]> {
    const now = this.#clock.now();
    const versions = await this.#store.listKeyVersions();
    const counts = new Map<KeyPurpose, Map<number, number>>();
    for (const src of this.#store.ciphertextSources()) {
      const m = counts.get(src.purpose) ?? new Map<number, number>();
      for (const [v, n] of await src.countByVersion()) m.set(v, (m.get(v) ?? 0) + n);
      counts.set(src.purpose, m);
    }
    return KEY_PURPOSES.map((purpose) => {
      const mine = versions.filter((v) => v.purpose === purpose).sort((a, b) => a.version - b.version);
      const c = counts.get(purpose) ?? new Map<number, number>();
      const known = new Set(mine.map((v) => v.version));
      const rows = mine.map((v) => ({
        version: v.version,
        createdAt: v.createdAt,
        ageDays: Math.floor((now - v.createdAt) / DAY_MS),
        usageReserved: v.usageReserved,
        ciphertexts: c.get(v.version) ?? 0,
      }));
      // rk1 values written before any version row existed are version 1 of an implicit key.
      for (const [v, n] of c)
        if (!known.has(v))
          rows.push({ version: v, createdAt: 0, ageDays: 0, usageReserved: 0, ciphertexts: n });
      rows.sort((a, b) => a.version - b.version);
      const last = mine.at(-1);
      return {
        purpose,
        current: last?.version ?? null,
        minDecryptionVersion: this.minDecryptionVersion(purpose),
        rotationDue:
          last && this.#settings.rotationDays > 0
            ? last.createdAt + this.#settings.rotationDays * DAY_MS
            : null,
        versions: rows,
      };
    });
  }

  /** Drops every cached data key (after a rotation by another process, in tests, at shutdown). */
  clearCache(): void {
    for (const k of this.#keys.values()) k.key.fill(0);
    this.#keys.clear();
    this.#current.clear();
  }

  #isDue(v: StoredKeyVersion): boolean {
    return (
      this.#settings.rotationDays > 0 &&
      this.#clock.now() - v.createdAt >= this.#settings.rotationDays * DAY_MS
    );
  }

  #refresh(purpose: KeyPurpose): Promise<CurrentKey> {
    let p = this.#loading.get(purpose);
    if (!p) {
      p = this.#loadCurrent(purpose).finally(() => this.#loading.delete(purpose));
      this.#loading.set(purpose, p);
    }
    return p;
  }

  async #loadCurrent(purpose: KeyPurpose): Promise<CurrentKey> {
    const now = this.#clock.now();
    let latest = await this.#ensureFirst(purpose);
    if (this.#isDue(latest)) {
      await this.rotate(purpose, "system", "schedule").catch(() => undefined);
      latest = (await this.#store.currentKeyVersion(purpose)) ?? latest;
    }
    const prev = this.#current.get(purpose);
    let remaining = prev && prev.version === latest.version ? Math.max(prev.remaining, 0) : 0;
    const { maxEncryptionsPerKey: limit, usageBlock: block } = this.#settings;
    while (remaining <= 0) {
      const reserved = await this.#store.reserveUsage(purpose, latest.version, block, limit);
      if (reserved !== null) {
        remaining = block;
        break;
      }
      // This data key has had its 2^32 encryptions: rotate (or adopt a concurrent rotation).
      await this.rotate(purpose, "system", "usage_limit").catch(() => undefined);
      const next = await this.#store.currentKeyVersion(purpose);
      if (!next || next.version === latest.version) throw rotationConflict(purpose);
      latest = next;
    }
    const key = await this.#dataKey(purpose, latest.version);
    if (!key) throw masterMismatch();
    const cur = {
      version: latest.version,
      key,
      createdAt: latest.createdAt,
      expiresAt: now + this.#settings.dataKeyCacheTtlMs,
      remaining,
    };
    this.#current.set(purpose, cur);
    this.keyring.setVersions(purpose, {
      current: Math.max(latest.version, this.keyring.currentVersion(purpose)),
    });
    return cur;
  }

  async #ensureFirst(purpose: KeyPurpose): Promise<StoredKeyVersion> {
    const cur = await this.#store.currentKeyVersion(purpose);
    if (cur) return cur;
    await this.#createVersion(purpose, 1);
    const after = await this.#store.currentKeyVersion(purpose);
    if (!after) throw rotationConflict(purpose);
    return after;
  }

  async #createVersion(purpose: KeyPurpose, version: number): Promise<StoredKeyVersion | null> {
    const dk = randomBytes(32);
    const row: StoredKeyVersion = {
      purpose,
      version,
      wrappedKey: wrapDataKey(this.keyring.kek(purpose, version), purpose, version, dk),
      createdAt: this.#clock.now(),
      usageReserved: 0,
    };
    dk.fill(0);
    if (!(await this.#store.insertKeyVersion(row))) return null;
    this.#current.delete(purpose);
    if (version > this.keyring.currentVersion(purpose))
      this.keyring.setVersions(purpose, { current: version });
    return row;
  }

  /** The unwrapped data key of (purpose, version), from the bounded cache or the database. */
  async #dataKey(purpose: KeyPurpose, version: number): Promise<Buffer | null> {
    const id = `${purpose}:${version}`;
    const now = this.#clock.now();
    const hit = this.#keys.get(id);
    if (hit && hit.expiresAt > now) return hit.key;
    if (hit) this.#keys.delete(id);
    const row = await this.#store.readKeyVersion(purpose, version);
    if (!row) return null;
    let key: Buffer;
    try {
      key = unwrapDataKey(this.keyring.kek(purpose, version), purpose, version, row.wrappedKey);
    } catch {
      throw masterMismatch();
    }
    if (this.#keys.size >= MAX_CACHED_KEYS) {
      const oldest = this.#keys.keys().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
    this.#keys.set(id, { key, expiresAt: now + this.#settings.dataKeyCacheTtlMs });
    return key;
  }
}
