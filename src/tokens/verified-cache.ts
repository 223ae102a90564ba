// A bounded cache of verified tokens (PERF-LIMITS: an Ed25519 verification costs more than the
// whole proxy path). Keyed by SHA-256 of the token, never the token; an entry ends with its token,
// is dropped on revocation, and the oldest entry goes first when the cache is full (Map keeps
// insertion order; a hit re-inserts, so eviction is least-recently-used).
import type { AccessTokenClaims } from "./types.js";

export interface VerifiedEntry {
  claims: AccessTokenClaims;
  /** The key that signed it. */
  kid: string;
  /** exp + skew, in milliseconds: the entry is useless after it. */
  validUntil: number;
  /** When the token's record was last read from the database. */
  checkedAt: number;
}

export class VerifiedTokenCache {
  readonly #max: number;
  readonly #entries = new Map<string, VerifiedEntry>();
  readonly #byJti = new Map<string, string>();

  constructor(maxEntries: number) {
    this.#max = Math.max(1, maxEntries);
  }

  get size(): number {
    return this.#entries.size;
  }

  get(hash: string, now: number): VerifiedEntry | undefined {
    const e = this.#entries.get(hash);
    if (!e) return undefined;
    this.#entries.delete(hash);
    if (e.validUntil <= now) {
      this.#byJti.delete(e.claims.jti);
      return undefined;
    }
    this.#entries.set(hash, e);
    return e;
  }

  set(hash: string, entry: VerifiedEntry): void {
    this.#entries.delete(hash);
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      const e = this.#entries.get(oldest.value);
      this.#entries.delete(oldest.value);
      if (e) this.#byJti.delete(e.claims.jti);
    }
    this.#entries.set(hash, entry);
    this.#byJti.set(entry.claims.jti, hash);
  }

  dropJti(jti: string): void {
    const hash = this.#byJti.get(jti);
    if (hash === undefined) return;
    this.#byJti.delete(jti);
    this.#entries.delete(hash);
  }

  dropUser(userId: string): void {
    for (const [hash, e] of this.#entries)
      if (e.claims.sub === userId) {
        this.#entries.delete(hash);
        this.#byJti.delete(e.claims.jti);
      }
  }

  clear(): void {
    this.#entries.clear();
    this.#byJti.clear();
  }
}
