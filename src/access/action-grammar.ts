// The grammar of action names and action patterns, read character by character (no regular
// expressions: nothing to backtrack on, and the same code decides validity everywhere).
//
//   action   = domain ":" verb [ ":" path ]          trading:place_orders, secrets:read:broker/ib
//   pattern  = "*" | domain ":*" | action | domain ":" verb ":" [ prefix ] "*"
//   domain, verb = [a-z][a-z0-9_]*
//   path     = segment *( "/" segment ), segment = 1*[A-Za-z0-9_.-], never "." or ".."
//
// A prefix pattern (`secrets:read:broker/*`) matches the actions of that verb whose path starts
// with the prefix; `secrets:read:*` matches every path of the verb but not `secrets:read` itself.

/** Longer actions are refused outright: they cannot come from a route or a secret name. */
export const MAX_ACTION_LENGTH = 256;

/** An action split into the parts the compiled policy looks up. */
export interface ParsedAction {
  readonly action: string;
  readonly domain: string;
  /** `domain:verb`, the key of the prefix tables. */
  readonly verbKey: string;
  /** The path after `domain:verb:`, or null for a two-part action. */
  readonly path: string | null;
}

export type ParsedPattern =
  | { readonly kind: "any"; readonly pattern: string }
  | { readonly kind: "domain"; readonly pattern: string; readonly domain: string }
  | { readonly kind: "exact"; readonly pattern: string }
  | { readonly kind: "prefix"; readonly pattern: string; readonly verbKey: string; readonly prefix: string };

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isNameChar(c: number): boolean {
  return isLower(c) || (c >= 48 && c <= 57) || c === 95; // a-z 0-9 _
}
function isPathChar(c: number): boolean {
  // A-Z a-z 0-9 _ . - (and "/" as a separator, handled by the caller)
  return (c >= 65 && c <= 90) || isLower(c) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45;
}

/** End index (exclusive) of a `[a-z][a-z0-9_]*` name starting at `from`, or -1. */
function scanName(s: string, from: number): number {
  if (from >= s.length || !isLower(s.charCodeAt(from))) return -1;
  let i = from + 1;
  while (i < s.length && isNameChar(s.charCodeAt(i))) i++;
  return i;
}

/** A secret-style path: non-empty segments separated by single slashes, no `.` or `..` segment. */
export function isValidPath(p: string): boolean {
  if (p.length === 0) return false;
  let segStart = 0;
  for (let i = 0; i <= p.length; i++) {
    if (i === p.length || p.charCodeAt(i) === 47) {
      const len = i - segStart;
      if (len === 0) return false;
      if (p.charCodeAt(segStart) === 46 && (len === 1 || (len === 2 && p.charCodeAt(segStart + 1) === 46)))
        return false;
      segStart = i + 1;
    } else if (!isPathChar(p.charCodeAt(i))) {
      return false;
    }
  }
  return true;
}

/** Parses an action name; null when it is not well formed. */
export function parseAction(action: string): ParsedAction | null {
  if (action.length > MAX_ACTION_LENGTH) return null;
  const d = scanName(action, 0);
  if (d < 0 || action.charCodeAt(d) !== 58) return null;
  const v = scanName(action, d + 1);
  if (v < 0) return null;
  const domain = action.slice(0, d);
  if (v === action.length) return { action, domain, verbKey: action, path: null };
  if (action.charCodeAt(v) !== 58) return null;
  const path = action.slice(v + 1);
  if (!isValidPath(path)) return null;
  return { action, domain, verbKey: action.slice(0, v), path };
}

export function isValidAction(action: string): boolean {
  return parseAction(action) !== null;
}

/** Parses an action pattern; null when it is not well formed. */
export function parsePattern(pattern: string): ParsedPattern | null {
  if (pattern === "*") return { kind: "any", pattern };
  if (pattern.length > MAX_ACTION_LENGTH) return null;
  const d = scanName(pattern, 0);
  if (d < 0 || pattern.charCodeAt(d) !== 58) return null;
  if (d + 2 === pattern.length && pattern.charCodeAt(d + 1) === 42) {
    return { kind: "domain", pattern, domain: pattern.slice(0, d) };
  }
  if (!pattern.endsWith("*")) return parseAction(pattern) === null ? null : { kind: "exact", pattern };
  const v = scanName(pattern, d + 1);
  if (v < 0 || pattern.charCodeAt(v) !== 58) return null;
  const prefix = pattern.slice(v + 1, -1);
  // The prefix must be the start of some valid path: "broker/" and "broker/i" are, "broker//" is not.
  if (prefix !== "" && !isValidPath(prefix + "x")) return null;
  return { kind: "prefix", pattern, verbKey: pattern.slice(0, v), prefix };
}

/** Does `pattern` match `action`? The plain definition, used for explanation and as a test oracle. */
export function patternMatches(pattern: ParsedPattern, action: ParsedAction): boolean {
  switch (pattern.kind) {
    case "any":
      return true;
    case "domain":
      return pattern.domain === action.domain;
    case "exact":
      return pattern.pattern === action.action;
    case "prefix":
      return (
        action.path !== null && pattern.verbKey === action.verbKey && action.path.startsWith(pattern.prefix)
      );
  }
}

/**
 * How specific a pattern is; when several match, the most specific is the one reported.
 * exact > longer prefix > shorter prefix > domain:* > *.
 */
export function patternSpecificity(pattern: ParsedPattern): number {
  switch (pattern.kind) {
    case "any":
      return 0;
    case "domain":
      return 1;
    case "prefix":
      return 2 + pattern.prefix.length;
    case "exact":
      return 2 + MAX_ACTION_LENGTH + 1;
  }
}
