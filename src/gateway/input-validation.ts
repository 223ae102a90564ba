// Input validation for proxied routes (the route map's `input`): content type enforced, form or
// JSON body fields and query parameters checked against their declared type, pattern, enum and
// length, unknown fields refused, JSON prototype-poisoning keys refused — all before the request
// is recorded or reaches the upstream. The answer is 400 naming the field, never echoing its value.
import type { FastifyRequest } from "fastify";
import type { RouteConfig } from "../config/index.js";
import { RampartError } from "../kernel/index.js";

type Input = NonNullable<RouteConfig["input"]>;
type Field = NonNullable<Input["fields"]>[string];

const POISON = new Set(["__proto__", "constructor", "prototype"]);
const DEFAULT_MAX = 1024;

/** Returns the declared fields' values (already validated), for the ledger entry of the request. */
export type InputValidator = (request: FastifyRequest) => Record<string, unknown>;

const SECRET_NAME = /pass|secret|token|key|credential|auth/i;

function bad(field: string, why: string): RampartError {
  return new RampartError("ERR_HTTP_INVALID_INPUT", `${field}: ${why}`, { status: 400, expose: { field } });
}

function compileField(name: string, f: Field): (raw: unknown) => void {
  const pattern = f.pattern ? new RegExp(f.pattern, "u") : undefined;
  const allowed = f.enum ? new Set(f.enum) : undefined;
  const max = f.max_length ?? DEFAULT_MAX;
  return (raw) => {
    if (Array.isArray(raw)) throw bad(name, "given more than once");
    if (f.type === "boolean") {
      if (raw === true || raw === false || raw === "true" || raw === "false") return;
      throw bad(name, "expected true or false");
    }
    if (f.type === "integer") {
      const n =
        typeof raw === "number"
          ? raw
          : typeof raw === "string" && /^-?\d{1,15}$/.test(raw)
            ? Number(raw)
            : Number.NaN;
      if (!Number.isSafeInteger(n)) throw bad(name, "expected an integer");
      if (f.minimum !== undefined && n < f.minimum) throw bad(name, `expected at least ${f.minimum}`);
      if (f.maximum !== undefined && n > f.maximum) throw bad(name, `expected at most ${f.maximum}`);
      return;
    }
    if (typeof raw !== "string") throw bad(name, "expected a string");
    if (raw.length > max) throw bad(name, `longer than ${max} characters`);
    if (allowed && !allowed.has(raw)) throw bad(name, `expected one of ${[...allowed].join(", ")}`);
    if (pattern && !pattern.test(raw)) throw bad(name, "not in the expected format");
  };
}

function compileFields(
  fields: Record<string, Field> | undefined,
  rejectUnknown: boolean,
  where: string,
): (values: Map<string, unknown[]>, into: Record<string, unknown>) => void {
  const checks = Object.entries(fields ?? {}).map(([name, f]) => ({ name, f, check: compileField(name, f) }));
  const known = new Set(checks.map((c) => c.name));
  return (values, into) => {
    for (const key of values.keys()) {
      if (POISON.has(key)) throw bad(key, "not allowed");
      if (rejectUnknown && !known.has(key)) throw bad(key, `unknown ${where}`);
    }
    for (const { name, f, check } of checks) {
      const v = values.get(name);
      if (v === undefined) {
        if (f.required) throw bad(name, "required");
        continue;
      }
      const value = v.length === 1 ? v[0] : v;
      check(value);
      if (!SECRET_NAME.test(name)) into[name] = value;
    }
  };
}

function formValues(text: string): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const [k, v] of new URLSearchParams(text)) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

function jsonValues(text: string): Map<string, unknown[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (key, value) => {
      if (POISON.has(key)) throw bad(key, "not allowed");
      return value;
    });
  } catch (e) {
    if (e instanceof RampartError) throw e;
    throw new RampartError("ERR_HTTP_BAD_REQUEST", "malformed JSON body", { status: 400 });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw bad("(body)", "expected a JSON object");
  return new Map(Object.entries(parsed).map(([k, v]) => [k, [v]]));
}

/** Null when the route declares no input rules. */
export function compileInputValidator(route: RouteConfig): InputValidator | null {
  const input = route.input;
  if (!input) return null;
  const reject = input.reject_unknown !== false;
  const types = input.content_types;
  const body = compileFields(input.fields, reject, "field");
  const query = input.query || reject ? compileFields(input.query, reject, "query parameter") : null;
  return (request) => {
    const seen: Record<string, unknown> = {};
    const q = request.url.indexOf("?");
    if (query) query(formValues(q === -1 ? "" : request.url.slice(q + 1)), seen);
    const raw = request.body;
    const hasBody = Buffer.isBuffer(raw) && raw.length > 0;
    if (!types) {
      if (hasBody && input.fields === undefined && reject) throw bad("(body)", "this route takes no body");
      return seen;
    }
    const type = String(request.headers["content-type"] ?? "")
      .split(";")[0]
      ?.trim()
      .toLowerCase();
    if (!type || !(types as readonly string[]).includes(type))
      throw new RampartError("ERR_HTTP_UNSUPPORTED_MEDIA_TYPE", `expected ${types.join(" or ")}`, {
        status: 415,
      });
    const text = hasBody ? (raw as Buffer).toString("utf8") : "";
    body(type === "application/json" ? jsonValues(text || "{}") : formValues(text), seen);
    return seen;
  };
}
