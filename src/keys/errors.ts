// Error codes of the key hierarchy (docs/errors.md, "Vault and keys"). Decryption failures are not
// here: every one of them is crypto's single DecryptionError (ERR_CRYPTO_DECRYPT).
import { RampartError } from "../kernel/index.js";

export const masterMismatch = (): RampartError =>
  new RampartError(
    "ERR_KEYS_MASTER_MISMATCH",
    "the master key does not match this database (a different key, or an interrupted `rampart keys rotate-master`: run it again with the same --new-key-file)",
    { status: 500 },
  );

export const masterUnchanged = (): RampartError =>
  new RampartError("ERR_KEYS_MASTER_UNCHANGED", "the new master key is the current one", { status: 400 });

export const unknownPurpose = (purpose: string): RampartError =>
  new RampartError("ERR_KEYS_UNKNOWN_PURPOSE", `unknown key purpose: ${purpose}`, { status: 400 });

export const rotationConflict = (purpose: string): RampartError =>
  new RampartError(
    "ERR_KEYS_ROTATION_CONFLICT",
    `another process rotated the ${purpose} key at the same time; retry`,
    {
      status: 409,
    },
  );

export const rewrapIncomplete = (purpose: string, failed: number): RampartError =>
  new RampartError(
    "ERR_KEYS_REWRAP_INCOMPLETE",
    `${failed} ${purpose} ciphertext(s) could not be decrypted and were left as they are (see the log for where)`,
    { status: 500 },
  );
