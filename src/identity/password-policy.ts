// Password policy (NIST SP 800-63B §5.1.1.2): length 12-128 (the upper bound protects the hasher),
// not a commonly used password, not containing the username. The common list is zxcvbn-ts's
// bundled frequency list; a password is also refused when stripping digits and symbols from its
// ends leaves a common word ("Password123!"). Reasons never echo the password.
import { dictionary } from "@zxcvbn-ts/language-common";
import { randomBytes } from "../crypto/index.js";
import { passwordPolicy } from "./errors.js";
import { foldUsername } from "./username.js";

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  common ??= new Set(dictionary.passwords.map((p) => p.toLowerCase()));
  return common;
}

/** Throws ERR_IDENTITY_PASSWORD_POLICY naming the rule broken. */
export function checkPasswordPolicy(password: string, username: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN) throw passwordPolicy(`at least ${PASSWORD_MIN} characters are required`);
  if (length > PASSWORD_MAX) throw passwordPolicy(`at most ${PASSWORD_MAX} characters are allowed`);
  if (new Set(password).size < 5) throw passwordPolicy("too few different characters");
  const lower = password.normalize("NFKC").toLowerCase();
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, "");
  const list = commonPasswords();
  if (list.has(lower) || (core.length >= 4 && list.has(core)))
    throw passwordPolicy("it is a commonly used password");
  const folded = foldUsername(username);
  if (folded.length > 0 && foldUsername(password).includes(folded))
    throw passwordPolicy("it must not contain the username");
}

// 56 characters without look-alikes (0/O, 1/l/I): ~5.8 bits each.
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/** A one-time password of `length` characters (default 20, ~116 bits) that meets the policy. */
export function generatePassword(username: string, length = 20): string {
  for (;;) {
    let out = "";
    while (out.length < length) {
      for (const b of randomBytes(length * 2)) {
        // Rejection sampling keeps every character equally likely.
        if (b < 256 - (256 % ALPHABET.length)) out += ALPHABET[b % ALPHABET.length];
        if (out.length === length) break;
      }
    }
    try {
      checkPasswordPolicy(out, username);
      return out;
    } catch {
      // Astronomically rare (contains the username): draw again.
    }
  }
}
