// Field access for rules: the event's own fields, dotted paths into `details`, and a few derived
// fields every rule needs (`method` and `path` of a gateway request; the `instrument`, `strategy`
// and roll `state` a trading request or an ingested pysystemtrade record names).
import type { LedgerEvent } from "../audit/index.js";
import type { MatchValue } from "./settings.js";

type Scalar = string | number | boolean | null;

function at(obj: unknown, parts: readonly string[]): unknown {
  let v: unknown = obj;
  for (const p of parts) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : typeof v === "number" ? String(v) : undefined;
}

/** `details.form.X` (the gateway's selected form fields), then `details.X`. */
function detail(e: LedgerEvent, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = str(at(e.details, ["form", n])) ?? str(e.details[n]);
    if (v !== undefined) return v;
  }
  return undefined;
}

export function methodOf(e: LedgerEvent): string | undefined {
  const r = e.resource;
  if (r === null) return undefined;
  const m = /^(GET|HEAD|POST|PUT|PATCH|DELETE) /.exec(r);
  return m?.[1];
}

export function pathOf(e: LedgerEvent): string | undefined {
  const p = str(e.details["path"]);
  if (p !== undefined) return p;
  const r = e.resource;
  if (r === null) return undefined;
  const i = r.indexOf(" ");
  return i > 0 ? r.slice(i + 1) : r;
}

export const instrumentOf = (e: LedgerEvent): string | undefined =>
  detail(e, "instrument", "instrument_code");
export const strategyOf = (e: LedgerEvent): string | undefined => detail(e, "strategy", "strategy_name");
export const rollStateOf = (e: LedgerEvent): string | undefined => detail(e, "state", "roll_state");

/** A field's value by dotted path, with the derived fields above. */
export function fieldOf(e: LedgerEvent, path: string): Scalar | undefined {
  switch (path) {
    case "method":
      return methodOf(e);
    case "path":
      return pathOf(e);
    case "instrument":
      return instrumentOf(e);
    case "strategy":
      return strategyOf(e);
  }
  const parts = path.split(".");
  const v = at(e, parts);
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return undefined;
}

const globCache = new Map<string, RegExp>();
function glob(pattern: string): RegExp {
  let re = globCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
    globCache.set(pattern, re);
  }
  return re;
}

function matchOne(actual: Scalar | undefined, expected: Scalar): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (actual === undefined || actual === null) return false;
  if (typeof expected === "string" && typeof actual === "string")
    return expected.includes("*") ? glob(expected).test(actual) : actual === expected;
  return actual === expected;
}

export function matches(e: LedgerEvent, match: Readonly<Record<string, MatchValue>>): boolean {
  for (const [path, expected] of Object.entries(match)) {
    const actual = fieldOf(e, path);
    if (Array.isArray(expected)) {
      if (!expected.some((x) => matchOne(actual, x))) return false;
    } else if (!matchOne(actual, expected as Scalar)) return false;
  }
  return true;
}
