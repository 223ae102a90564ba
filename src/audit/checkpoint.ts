// Checkpoints in the C2SP tlog-checkpoint format, signed as C2SP signed notes with Ed25519:
//
//   <origin>\n<tree size>\n<base64 root hash>\n\n— <key name> <base64(key hash[4] ‖ signature)>\n
//
// The signature covers the body (the first three lines with their newlines). The key hash is the
// first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ raw public key), 0x01 being Ed25519's
// signature type in signed notes; the verifier key text is `<name>+<hex key hash>+<base64(0x01 ‖ key)>`.
import { ed25519PublicKey, ed25519RawPublicKey, ed25519Verify, sha256 } from "../crypto/index.js";
import { invalidCheckpoint } from "./errors.js";
import { HASH_BYTES, type Hash } from "./merkle.js";

export interface Checkpoint {
  readonly origin: string;
  readonly treeSize: number;
  readonly rootHash: Hash;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyHash: Buffer;
  readonly signature: Buffer;
}

export interface ParsedNote {
  readonly body: string;
  readonly checkpoint: Checkpoint;
  readonly signatures: readonly NoteSignature[];
}

/** Something that signs checkpoint bodies: the ledger key (ledger-key.ts). */
export interface NoteSigner {
  readonly name: string;
  readonly keyHash: Buffer;
  sign(message: Uint8Array): Buffer;
}

/** A public key checkpoints are verified with. */
export interface NoteVerifierKey {
  readonly name: string;
  /** SPKI DER. */
  readonly publicKey: Uint8Array;
}

const ED25519_TYPE = 0x01;
const EM_DASH = "\u2014";
const KEY_NAME = /^[^\s+]+$/;

export function noteKeyHash(name: string, rawPublicKey: Uint8Array): Buffer {
  return sha256(Buffer.from(`${name}\n`, "utf8"), Buffer.from([ED25519_TYPE]), rawPublicKey).subarray(0, 4);
}

/** The signed-note verifier key text (as used by note/sumdb/tlog tooling). */
export function verifierKeyText(name: string, spkiDer: Uint8Array): string {
  const raw = ed25519RawPublicKey(spkiDer);
  const body = Buffer.concat([Buffer.from([ED25519_TYPE]), raw]).toString("base64");
  return `${name}+${noteKeyHash(name, raw).toString("hex")}+${body}`;
}

export function checkpointBody(cp: Checkpoint): string {
  if (cp.origin.length === 0 || cp.origin.includes("\n")) throw invalidCheckpoint("bad origin");
  return `${cp.origin}\n${cp.treeSize}\n${Buffer.from(cp.rootHash).toString("base64")}\n`;
}

export function signCheckpoint(cp: Checkpoint, signer: NoteSigner): string {
  if (!KEY_NAME.test(signer.name)) throw invalidCheckpoint("bad key name");
  const body = checkpointBody(cp);
  const sig = signer.sign(Buffer.from(body, "utf8"));
  const blob = Buffer.concat([signer.keyHash, sig]).toString("base64");
  return `${body}\n${EM_DASH} ${signer.name} ${blob}\n`;
}

/** Parses a signed checkpoint note (signatures unchecked); throws ERR_AUDIT_CHECKPOINT_INVALID. */
export function parseCheckpointNote(text: string): ParsedNote {
  const split = text.indexOf("\n\n");
  if (split < 0 || !text.endsWith("\n")) throw invalidCheckpoint("not a signed note");
  const body = text.slice(0, split + 1);
  const lines = body.slice(0, -1).split("\n");
  if (lines.length < 3) throw invalidCheckpoint("a checkpoint has an origin, a size and a root hash");
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (origin.length === 0) throw invalidCheckpoint("empty origin");
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    throw invalidCheckpoint("tree size is not a decimal integer");
  const rootHash = Buffer.from(rootText, "base64");
  if (rootHash.length !== HASH_BYTES || rootHash.toString("base64") !== rootText)
    throw invalidCheckpoint("root hash is not 32 bytes of base64");
  const signatures: NoteSignature[] = [];
  for (const line of text.slice(split + 2, -1).split("\n")) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) throw invalidCheckpoint("malformed signature line");
    const blob = Buffer.from(m[2] as string, "base64");
    if (blob.length < 5) throw invalidCheckpoint("signature too short");
    signatures.push({ name: m[1] as string, keyHash: blob.subarray(0, 4), signature: blob.subarray(4) });
  }
  if (signatures.length === 0) throw invalidCheckpoint("no signature");
  return { body, checkpoint: { origin, treeSize: Number(sizeText), rootHash }, signatures };
}

/**
 * Parses `text` and checks that `key` signed it (name and key hash must match a signature line,
 * and the Ed25519 signature must verify over the body). Throws ERR_AUDIT_CHECKPOINT_INVALID.
 */
export function verifyCheckpointNote(text: string, key: NoteVerifierKey): Checkpoint {
  const note = parseCheckpointNote(text);
  const raw = ed25519RawPublicKey(key.publicKey);
  const hash = noteKeyHash(key.name, raw);
  const pub = ed25519PublicKey(key.publicKey);
  const body = Buffer.from(note.body, "utf8");
  const ok = note.signatures.some(
    (s) => s.name === key.name && s.keyHash.equals(hash) && ed25519Verify(pub, body, s.signature),
  );
  if (!ok) throw invalidCheckpoint(`no valid signature by ${key.name}`);
  return note.checkpoint;
}
