// Secret paths (`broker/ib`, `email/smtp`) and field names. Paths are what RBAC actions name
// (`secrets:read:<path>`) and what the AAD binds, so the grammar is narrow: segments of letters,
// digits, `_`, `-`, `.` (not `.` or `..` alone), joined by `/`; no `|`, `#`, spaces or `*`.
import { badPath } from "./errors.js";

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
export const MAX_PATH_LENGTH = 256;

export function validatePath(path: string): string {
  if (path.length === 0 || path.length > MAX_PATH_LENGTH) throw badPath("a path has 1 to 256 characters");
  for (const seg of path.split("/"))
    if (!SEGMENT.test(seg) || seg === "." || seg === "..")
      throw badPath(`"${path}" (segments of letters, digits, _ - . separated by /)`);
  return path;
}

export function validateField(field: string): string {
  if (!FIELD.test(field))
    throw badPath(`field "${field.slice(0, 64)}" (letters, digits, _ - ., not first a digit)`);
  return field;
}

/** A `PATH`, `PREFIX/*` or `*` pattern (config's vault.approval_required) against a path. */
export function pathMatches(pattern: string, path: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("/*")) return path.startsWith(pattern.slice(0, -1));
  return pattern === path;
}

export const readAction = (path: string): string => `secrets:read:${path}`;
export const writeAction = (path: string): string => `secrets:write:${path}`;

/** `path#field` as used by launch profiles' env and `--env NAME=PATH#FIELD`. */
export function parseSecretRef(ref: string): { path: string; field: string } {
  const i = ref.indexOf("#");
  if (i <= 0 || i === ref.length - 1 || ref.indexOf("#", i + 1) !== -1)
    throw badPath(`"${ref}" is not PATH#FIELD`);
  return { path: validatePath(ref.slice(0, i)), field: validateField(ref.slice(i + 1)) };
}
