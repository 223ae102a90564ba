// Rampart's token signing keys: versions stored wrapped by the KeyRing (purpose "tokens"), one
// "current" key that signs, "previous" keys that still verify until every token they signed has
// expired, and "retired" keys that verify nothing. Each key pins its one algorithm; the key for a
// token is found by `kid` in this set only. Each key also carries a random 256-bit JWE content key
// (`dir` + A256GCM), wrapped the same way.
import {
  generateKeyPairDer,
  type KeyObject,
  privateKeyFromPkcs8,
  publicJwkFromSpki,
  publicKeyFromSpki,
  randomBytes,
  randomToken,
} from "../crypto/index.js";
import type { KeyRing } from "../keys/index.js";
import type { StoredSigningKey, TokenStore } from "./ports.js";
import type { SigningKeyInfo, TokenAlgorithm } from "./types.js";

export interface LoadedKey extends SigningKeyInfo {
  publicKey: KeyObject;
  /** Present for current and previous keys. */
  privateKey: KeyObject | null;
  jweKey: Uint8Array | null;
  publicJwk: Record<string, string>;
}

/** RFC 7517 key set as `/.well-known/jwks.json` publishes it. */
export interface Jwks {
  keys: Array<Record<string, string>>;
}

const TABLE = "token_signing_keys";
const KID = /^[A-Za-z0-9_-]{1,64}$/;

export function isWellFormedKid(kid: unknown): kid is string {
  return typeof kid === "string" && KID.test(kid);
}

function keyType(alg: TokenAlgorithm): "ed25519" | "rsa-2048" {
  return alg === "EdDSA" ? "ed25519" : "rsa-2048";
}

export class SigningKeySet {
  #keys = new Map<string, LoadedKey>();
  #current: LoadedKey | null = null;
  /** Loads begun, and the number of the one in force: an older load never replaces a newer one. */
  #begun = 0;
  #applied = 0;

  constructor(
    private readonly store: TokenStore,
    private readonly keyring: KeyRing,
  ) {}

  /** Reads every key from the store (decrypting the private halves of keys still in use). */
  async load(): Promise<void> {
    const n = ++this.#begun;
    const rows = await this.store.listSigningKeys();
    // Loads overlap (a rotation message, an unknown kid, this instance's own rotation). One begun
    // before the keys in force were read is older than them: it could put back a key since retired.
    if (n < this.#applied) return;
    this.#applied = n;
    const next = new Map<string, LoadedKey>();
    let current: LoadedKey | null = null;
    for (const row of rows) {
      const old = this.#keys.get(row.kid);
      const k = old && old.status === row.status ? old : this.#loadRow(row);
      next.set(k.kid, k);
      if (k.status === "current" && (!current || k.version > current.version)) current = k;
    }
    this.#keys = next;
    this.#current = current;
  }

  #loadRow(row: StoredSigningKey): LoadedKey {
    const alg = row.alg as TokenAlgorithm;
    const live = row.status !== "retired";
    const where = (field: string) => ({ table: TABLE, id: row.kid, field });
    return {
      kid: row.kid,
      version: row.version,
      alg,
      status: row.status,
      createdAt: row.createdAt,
      supersededAt: row.supersededAt,
      retiredAt: row.retiredAt,
      publicKey: publicKeyFromSpki(row.publicKeyDer),
      publicJwk: publicJwkFromSpki(row.publicKeyDer),
      privateKey: live
        ? privateKeyFromPkcs8(this.keyring.decrypt(row.privateKeyEnc, where("private_key")))
        : null,
      jweKey: live ? this.keyring.decrypt(row.jweKeyEnc, where("jwe_key")) : null,
    };
  }

  get(kid: string): LoadedKey | undefined {
    return this.#keys.get(kid);
  }

  current(): LoadedKey | null {
    return this.#current;
  }

  list(): SigningKeyInfo[] {
    return [...this.#keys.values()]
      .sort((a, b) => a.version - b.version)
      .map(({ kid, version, alg, status, createdAt, supersededAt, retiredAt }) => ({
        kid,
        version,
        alg,
        status,
        createdAt,
        supersededAt,
        retiredAt,
      }));
  }

  /** Makes a new current key with `alg`; the old current key becomes "previous". */
  async rotate(alg: TokenAlgorithm, now: number): Promise<LoadedKey> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const rows = await this.store.listSigningKeys();
      const version = rows.reduce((m, r) => Math.max(m, r.version), 0) + 1;
      const kid = `v${version}-${randomToken(9)}`;
      const pair = generateKeyPairDer(keyType(alg));
      const where = (field: string) => ({ table: TABLE, id: kid, field });
      const row: StoredSigningKey = {
        kid,
        version,
        alg,
        publicKeyDer: pair.publicKeyDer,
        privateKeyEnc: this.keyring.encrypt("tokens", pair.privateKeyDer, where("private_key")),
        jweKeyEnc: this.keyring.encrypt("tokens", randomBytes(32), where("jwe_key")),
        status: "current",
        createdAt: now,
        supersededAt: null,
        retiredAt: null,
      };
      pair.privateKeyDer.fill(0);
      if (await this.store.rotateSigningKey(row, now)) {
        await this.load();
        const k = this.#keys.get(kid);
        if (k) return k;
      }
    }
    await this.load();
    const c = this.#current;
    if (!c) throw new Error("token signing key rotation failed");
    return c;
  }

  /** Keys that verify (current and previous), for the JWKS. Never private members. */
  jwks(): Jwks {
    return {
      keys: [...this.#keys.values()]
        .filter((k) => k.status !== "retired")
        .sort((a, b) => b.version - a.version)
        .map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: "sig" })),
    };
  }
}
