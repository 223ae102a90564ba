// The ledger's Ed25519 signing key: created once (by `rampart init`, or on first use), stored with
// its private half wrapped by the KeyRing (purpose "ledger"), and exported as PEM or as a
// signed-note verifier key so that anyone can check checkpoints without Rampart.
import {
  ed25519PrivateKey,
  ed25519RawPublicKey,
  ed25519Sign,
  generateEd25519,
  type KeyObject,
  publicKeyPem,
} from "../crypto/index.js";
import type { Clock } from "../kernel/index.js";
import type { KeyRing } from "../keys/index.js";
import { type NoteSigner, type NoteVerifierKey, noteKeyHash, verifierKeyText } from "./checkpoint.js";
import { ledgerKeyMissing } from "./errors.js";
import type { LedgerStore, StoredLedgerKey } from "./ports.js";

export class LedgerSigningKey implements NoteSigner, NoteVerifierKey {
  readonly name: string;
  readonly publicKey: Buffer;
  readonly keyHash: Buffer;
  readonly #private: KeyObject;

  constructor(name: string, publicKeyDer: Uint8Array, privateKeyDer: Uint8Array) {
    this.name = name;
    this.publicKey = Buffer.from(publicKeyDer);
    this.keyHash = noteKeyHash(name, ed25519RawPublicKey(publicKeyDer));
    this.#private = ed25519PrivateKey(privateKeyDer);
  }

  sign(message: Uint8Array): Buffer {
    return ed25519Sign(this.#private, message);
  }

  publicKeyPem(): string {
    return publicKeyPem(this.publicKey);
  }

  verifierKey(): string {
    return verifierKeyText(this.name, this.publicKey);
  }

  toJSON(): string {
    return `[ledger key ${this.name}]`;
  }
}

function where(name: string): { table: string; id: string; field: string } {
  return { table: "audit_ledger_keys", id: name, field: "private_key" };
}

function unwrap(stored: StoredLedgerKey, keyring: KeyRing): LedgerSigningKey {
  const der = keyring.decrypt(stored.wrappedPrivateKey, where(stored.name));
  return new LedgerSigningKey(stored.name, stored.publicKey, der);
}

/**
 * Loads the ledger key, creating it if there is none. Safe against a second process doing the
 * same at the same moment: the first insert wins and both use that key.
 */
export async function ensureLedgerKey(
  store: Pick<LedgerStore, "readLedgerKey" | "insertLedgerKey">,
  keyring: KeyRing,
  options: { name: string; clock: Clock },
): Promise<LedgerSigningKey> {
  const existing = await store.readLedgerKey();
  if (existing) return unwrap(existing, keyring);
  const pair = generateEd25519();
  const stored: StoredLedgerKey = {
    name: options.name,
    publicKey: pair.publicKeyDer,
    wrappedPrivateKey: keyring.encrypt("ledger", pair.privateKeyDer, where(options.name)),
    createdAtMs: options.clock.now(),
  };
  if (await store.insertLedgerKey(stored))
    return new LedgerSigningKey(stored.name, pair.publicKeyDer, pair.privateKeyDer);
  const winner = await store.readLedgerKey();
  if (!winner) throw ledgerKeyMissing("ledger key insert conflicted but none can be read");
  return unwrap(winner, keyring);
}

/** The public half only, for verification (no master key needed). */
export async function readLedgerPublicKey(
  store: Pick<LedgerStore, "readLedgerKey">,
): Promise<NoteVerifierKey> {
  const k = await store.readLedgerKey();
  if (!k) throw ledgerKeyMissing("no ledger key stored");
  return { name: k.name, publicKey: Buffer.from(k.publicKey) };
}
