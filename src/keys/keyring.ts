// Key-encryption keys derived per purpose and version from the master key with HKDF-SHA256
// (RFC 5869), and self-describing field ciphertexts bound by associated data to where they live.
//
// Ciphertext format (text, safe in any column):  rk1.<purpose>.<version>.<base64url(nonce‖ct‖tag)>
// Associated data: "rampart/v1|<purpose>|<version>|<table>|<record id>|<field>", so a value copied
// to another record, field or key version does not decrypt. This is the smallest piece of the key
// hierarchy the identity module needs; the vault grows it (wrapped data keys, rotation, rewrap).
import { DecryptionError, hkdfSha256, openFromBuffer, sealToBuffer } from "../crypto/index.js";
import { RampartError } from "../kernel/index.js";
import type { MasterKey } from "./master-key.js";

export type KeyPurpose = "secrets" | "fields" | "tokens" | "ledger" | "ca" | "mfa";

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
  readonly #current: ReadonlyMap<KeyPurpose, number>;

  constructor(master: MasterKey, currentVersions: Partial<Record<KeyPurpose, number>> = {}) {
    this.#master = master;
    this.#current = new Map(Object.entries(currentVersions) as Array<[KeyPurpose, number]>);
  }

  currentVersion(purpose: KeyPurpose): number {
    return this.#current.get(purpose) ?? 1;
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

  encrypt(purpose: KeyPurpose, plaintext: Uint8Array | string, where: FieldLocation): string {
    const version = this.currentVersion(purpose);
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
    if (!Number.isSafeInteger(version) || version < 1) throw new DecryptionError("bad key version");
    return openFromBuffer(
      this.kek(purpose, version),
      Buffer.from(body, "base64url"),
      aad(purpose, version, where),
    );
  }

  decryptString(ciphertext: string, where: FieldLocation): string {
    return this.decrypt(ciphertext, where).toString("utf8");
  }
}

function aad(purpose: string, version: number, w: FieldLocation): Buffer {
  for (const part of [w.table, w.id, w.field])
    if (part.includes("|"))
      throw new RampartError("ERR_KEYS_AAD", "invalid location for associated data", { status: 500 });
  return Buffer.from(`rampart/v1|${purpose}|${version}|${w.table}|${w.id}|${w.field}`);
}
