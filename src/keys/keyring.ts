// Key-encryption keys derived per purpose and version from the master key with HKDF-SHA256
// (RFC 5869), and self-describing field ciphertexts bound by associated data to where they live.
//
// Ciphertext format (text, safe in any column):  rk1.<purpose>.<version>.<base64url(nonce‖ct‖tag)>
// Associated data: "rampart/v1|<purpose>|<version>|<table>|<record id>|<field>", so a value copied
// to another record, field or key version does not decrypt. KEK-direct "rk1" ciphertexts serve the
// few, small values other modules keep (TOTP secrets: "mfa"; the ledger's signing key: "ledger");
// bulk data uses wrapped data keys ("rk2", key-service.ts). Both take part in rotation, rewrap and
// master-key rotation: the KeyService sets this ring's current and minimum versions from the database.
import { DecryptionError, hkdfSha256, openFromBuffer, sealToBuffer } from "../crypto/index.js";
import { RampartError } from "../kernel/index.js";
import type { MasterKey } from "./master-key.js";

export const KEY_PURPOSES = ["secrets", "fields", "tokens", "ledger", "ca", "mfa"] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

export function isKeyPurpose(s: string): s is KeyPurpose {
  return (KEY_PURPOSES as readonly string[]).includes(s);
}

export interface FieldLocation {
  table: string;
  id: string;
  field: string;
}

const FORMAT = "rk1";
const SALT = Buffer.from("rampart-kek-v1");

export class KeyRing {
  readonly #master: MasterKey;
  readonly #keks = new Map<string, Buffer>();
  readonly #current: Map<KeyPurpose, number>;
  readonly #minDecryption = new Map<KeyPurpose, number>();

  constructor(master: MasterKey, currentVersions: Partial<Record<KeyPurpose, number>> = {}) {
    this.#master = master;
    this.#current = new Map(Object.entries(currentVersions) as Array<[KeyPurpose, number]>);
  }

  currentVersion(purpose: KeyPurpose): number {
    return this.#current.get(purpose) ?? 1;
  }

  /** The oldest version that still decrypts (min_decryption_version); 1 unless set. */
  minDecryptionVersion(purpose: KeyPurpose): number {
    return this.#minDecryption.get(purpose) ?? 1;
  }

  /** Set by the KeyService from the database (current) and config (min_decryption_version). */
  setVersions(purpose: KeyPurpose, versions: { current?: number; minDecryption?: number }): void {
    if (versions.current !== undefined) this.#current.set(purpose, versions.current);
    if (versions.minDecryption !== undefined) this.#minDecryption.set(purpose, versions.minDecryption);
  }

  /**
   * A one-way check value of the master key (HKDF, 128 bits): stored so that a wrong or stale master
   * key is recognised before it is used, and so an interrupted master-key rotation can resume.
   */
  masterCheck(): string {
    return hkdfSha256(this.#master.bytes(), SALT, "rampart:master-check", 16).toString("hex");
  }

  /** KEK for (purpose, version): HKDF(master, salt, "rampart:<purpose>:v<version>"). */
  kek(purpose: KeyPurpose, version: number): Buffer {
    const id = `${purpose}:${version}`;
    let k = this.#keks.get(id);
    if (!k) {
      k = hkdfSha256(this.#master.bytes(), SALT, `rampart:${purpose}:v${version}`, 32);
      this.#keks.set(id, k);
    }
    return k;
  }

  /** Encrypts under the current version (or, for master-key rotation, the version given). */
  encrypt(
    purpose: KeyPurpose,
    plaintext: Uint8Array | string,
    where: FieldLocation,
    version: number = this.currentVersion(purpose),
  ): string {
    const data = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
    const sealed = sealToBuffer(this.kek(purpose, version), data, aad(purpose, version, where));
    return `${FORMAT}.${purpose}.${version}.${sealed.toString("base64url")}`;
  }

  decrypt(ciphertext: string, where: FieldLocation): Buffer {
    const parts = ciphertext.split(".");
    if (parts.length !== 4 || parts[0] !== FORMAT)
      throw new DecryptionError("unrecognised ciphertext format");
    const [, purpose, v, body] = parts as [string, KeyPurpose, string, string];
    const version = Number(v);
    if (!Number.isSafeInteger(version) || version < 1 || String(version) !== v)
      throw new DecryptionError("bad key version");
    if (version < this.minDecryptionVersion(purpose))
      throw new DecryptionError("below min_decryption_version");
    return openFromBuffer(
      this.kek(purpose, version),
      Buffer.from(body, "base64url"),
      aad(purpose, version, where),
    );
  }

  decryptString(ciphertext: string, where: FieldLocation): string {
    return this.decrypt(ciphertext, where).toString("utf8");
  }

  /** Re-encrypts under the current version of its purpose, or returns null when already current. */
  reencrypt(ciphertext: string, where: FieldLocation): string | null {
    const parsed = parseRk1(ciphertext);
    if (parsed && parsed.version === this.currentVersion(parsed.purpose)) return null;
    const plain = this.decrypt(ciphertext, where);
    try {
      return this.encrypt((parsed as Rk1Header).purpose, plain, where);
    } finally {
      plain.fill(0);
    }
  }
}

export interface Rk1Header {
  purpose: KeyPurpose;
  version: number;
}

/** The purpose and version an rk1 ciphertext names, or null when it is not one. */
export function parseRk1(ciphertext: string): Rk1Header | null {
  const parts = ciphertext.split(".");
  if (parts.length !== 4 || parts[0] !== FORMAT) return null;
  const version = Number(parts[2]);
  if (!Number.isSafeInteger(version) || version < 1) return null;
  return { purpose: parts[1] as KeyPurpose, version };
}

function aad(purpose: string, version: number, w: FieldLocation): Buffer {
  for (const part of [w.table, w.id, w.field])
    if (part.includes("|"))
      throw new RampartError("ERR_KEYS_AAD", "invalid location for associated data", { status: 500 });
  return Buffer.from(`rampart/v1|${purpose}|${version}|${w.table}|${w.id}|${w.field}`);
}
