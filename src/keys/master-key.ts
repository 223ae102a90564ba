// The master key: 256 bits from `master.key` (mode 0600, written by `rampart init`) or from
// RAMPART_MASTER_KEY (the CLI passes the value in; this module never reads the environment).
// It is never logged, never stored elsewhere, and only ever used to derive key-encryption keys.
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync, writeSync } from "node:fs";
import { randomBytes } from "../crypto/index.js";
import { RampartError } from "../kernel/index.js";

export const MASTER_KEY_BYTES = 32;

export class MasterKey {
  readonly #bytes: Buffer;
  constructor(bytes: Uint8Array) {
    if (bytes.length !== MASTER_KEY_BYTES)
      throw new RampartError("ERR_KEYS_MASTER_INVALID", "the master key must be 256 bits (32 bytes)", {
        status: 500,
      });
    this.#bytes = Buffer.from(bytes);
  }
  /** The raw key, for key derivation only. */
  bytes(): Buffer {
    return this.#bytes;
  }
  toJSON(): string {
    return "[master key]";
  }
  toString(): string {
    return "[master key]";
  }
}

function decode(text: string, where: string): MasterKey {
  const t = text.trim();
  const b = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (b.length !== MASTER_KEY_BYTES)
    throw new RampartError(
      "ERR_KEYS_MASTER_INVALID",
      `${where} does not hold a 256-bit key (base64 or hex)`,
      { status: 500 },
    );
  return new MasterKey(b);
}

export interface MasterKeySource {
  file: string;
  /** Value of RAMPART_MASTER_KEY, if set; wins over the file. */
  envValue?: string | undefined;
}

export function loadMasterKey(src: MasterKeySource): MasterKey {
  if (src.envValue) return decode(src.envValue, "RAMPART_MASTER_KEY");
  if (!existsSync(src.file))
    throw new RampartError(
      "ERR_KEYS_MASTER_MISSING",
      `no master key at ${src.file}: run \`rampart init\` first`,
      { status: 500 },
    );
  const fd = openSync(src.file, constants.O_RDONLY);
  try {
    const mode = fstatSync(fd).mode & 0o777;
    if ((mode & 0o077) !== 0)
      throw new RampartError(
        "ERR_KEYS_MASTER_PERMISSIONS",
        `${src.file} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it`,
        { status: 500 },
      );
    return decode(readFileSync(fd, "utf8"), src.file);
  } finally {
    closeSync(fd);
  }
}

/** Writes a new random master key with mode 0600; refuses to overwrite an existing file. */
export function createMasterKeyFile(file: string): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, `${randomBytes(MASTER_KEY_BYTES).toString("base64")}\n`);
  } finally {
    closeSync(fd);
  }
}
