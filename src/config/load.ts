// Loads rampart.yaml: parse YAML (errors name line and column) → merge over the defaults →
// apply environment overrides → validate against the one schema (unknown keys rejected) →
// cross-field checks → deep-freeze. The result is the only Config the program ever sees.
import { isIP } from "node:net";
import { Ajv, type ErrorObject } from "ajv";
import { parseDocument } from "yaml";
import { defaultConfig } from "./defaults-config.js";
import { ConfigError } from "./errors.js";
import { type Config, ConfigSchema } from "./schema.js";

export interface LoadConfigOptions {
  /** Name used in messages, e.g. "rampart.yaml". */
  fileName: string;
  /** The file's text; undefined when the file does not exist (defaults apply). */
  text: string | undefined;
  /** Environment, passed in so this module never reads process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: "expected", schemaType: "string" });
const validate = ajv.compile<Config>(ConfigSchema);

export function parseConfigText(fileName: string, text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const where = pos ? `line ${pos.line}, column ${pos.col}` : "unknown position";
    throw new ConfigError(
      `${fileName}: malformed YAML at ${where}: ${first.message.split("\n")[0]}`,
      "ERR_CONFIG_YAML",
    );
  }
  return doc.toJS() ?? {};
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars in `over` replace those in `base`. */
export function mergeOver(base: unknown, over: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeOver(base[k], v) : v;
    return out;
  }
  return over === undefined ? base : over;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === "object" && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

function pathOf(e: ErrorObject): string {
  const parts = e.instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (e.keyword === "additionalProperties") parts.push(String(e.params["additionalProperty"]));
  if (e.keyword === "required") parts.push(String(e.params["missingProperty"]));
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join("") || "(top level)";
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function describe(e: ErrorObject): string {
  const schema = e.parentSchema as { expected?: string } | undefined;
  switch (e.keyword) {
    case "additionalProperties":
      return "unknown key (not in the schema; check the spelling against rampart.example.yaml)";
    case "required":
      return "missing required key";
    default:
      if (schema?.expected) return `expected ${schema.expected}, got ${show(e.data)}`;
      return `${e.message ?? "invalid"}, got ${show(e.data)}`;
  }
}

/** The most useful single error: prefer the deepest path, then errors with an `expected` wording. */
function pickError(errors: ErrorObject[]): ErrorObject {
  const anyOf = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  const useful = errors.filter((e) => !(anyOf.has(e.instancePath) && e.keyword !== "anyOf"));
  const pool = useful.length > 0 ? useful : errors;
  return [...pool].sort((a, b) => b.instancePath.length - a.instancePath.length)[0] as ErrorObject;
}

function crossCheck(fileName: string, c: Config): void {
  const fail = (path: string, msg: string): never => {
    throw new ConfigError(`${fileName}: ${path}: ${msg}`);
  };
  c.routes.forEach((r, i) => {
    for (const [where, fields] of [
      ["fields", r.input?.fields],
      ["query", r.input?.query],
    ] as const) {
      for (const [name, f] of Object.entries(fields ?? {})) {
        if (!f.pattern) continue;
        try {
          new RegExp(f.pattern, "u");
        } catch {
          fail(
            `routes[${i}].input.${where}.${name}.pattern`,
            `expected a regular expression, got ${show(f.pattern)}`,
          );
        }
      }
    }
    if (!(r.upstream in c.upstreams))
      fail(
        `routes[${i}].upstream`,
        `expected one of the upstreams (${Object.keys(c.upstreams).join(", ")}), got ${show(r.upstream)}`,
      );
    if (r.path.includes("*") && !r.path.endsWith("/*"))
      fail(`routes[${i}].path`, `a * may only end a path ("/static/*"), got ${show(r.path)}`);
  });
  for (const kind of ["allow", "block"] as const) {
    c.ip_filter[kind].forEach((entry, i) => {
      const [addr, prefix, extra] = entry.split("/");
      const v = isIP((addr ?? "").replace(/^::ffff:(?=\d+\.)/i, ""));
      const max = v === 4 || /^::ffff:\d/i.test(addr ?? "") ? 32 : 128;
      const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= max);
      if (v === 0 || !prefixOk || extra !== undefined)
        fail(`ip_filter.${kind}[${i}]`, `expected an IP address or CIDR, got ${show(entry)}`);
    });
  }
  const levels = Object.keys(c.classification.levels);
  c.classification.rules.forEach((r, i) => {
    if (!levels.includes(r.level))
      fail(`classification.rules[${i}].level`, `expected one of ${levels.join(", ")}, got ${show(r.level)}`);
  });
  if (!levels.includes(c.classification.default_level))
    fail(
      "classification.default_level",
      `expected one of ${levels.join(", ")}, got ${show(c.classification.default_level)}`,
    );
  for (const [name, role] of Object.entries(c.roles)) {
    if (role.permissions.length === 0 && role.restrictions.length === 0)
      fail(`roles.${name}`, "a role needs at least one permission or restriction");
  }
  // E-mail recipients need a mail server to reach them, and a message needs a sender.
  const mailed = Object.entries(c.response.notify).filter(([, ch]) => ch.email.length > 0);
  if (mailed.length > 0 && c.response.smtp.host === "")
    fail(
      "response.smtp.host",
      `response.notify.${mailed[0]?.[0]}.email lists recipients, so a mail server is needed`,
    );
  if (c.response.smtp.host !== "" && c.response.smtp.from === "")
    fail("response.smtp.from", "expected the sender's e-mail address (the From of every alert)");
  c.segregation_of_duties.forEach((set, i) => {
    set.forEach((role, j) => {
      if (!Object.hasOwn(c.roles, role))
        fail(`segregation_of_duties[${i}][${j}]`, `unknown role ${show(role)} (not under roles)`);
    });
  });
}

export function loadConfig(opts: LoadConfigOptions): Config {
  const fromFile = opts.text === undefined ? {} : parseConfigText(opts.fileName, opts.text);
  if (!isPlainObject(fromFile))
    throw new ConfigError(
      `${opts.fileName}: (top level): expected a mapping of settings, got ${show(fromFile)}`,
    );
  const env = opts.env ?? {};
  const envOver: Record<string, unknown> = {};
  if (env["RAMPART_DATABASE_URL"]) envOver["database"] = { url: env["RAMPART_DATABASE_URL"] };
  if (env["RAMPART_LISTEN"]) envOver["server"] = { listen: env["RAMPART_LISTEN"] };
  if (env["RAMPART_REDIS_URL"]) envOver["ephemeral"] = { redis_url: env["RAMPART_REDIS_URL"] };
  const merged = mergeOver(mergeOver(defaultConfig(), fromFile), envOver);
  if (!validate(merged)) {
    const e = pickError(validate.errors ?? []);
    throw new ConfigError(`${opts.fileName}: ${pathOf(e)}: ${describe(e)}`);
  }
  crossCheck(opts.fileName, merged);
  return deepFreeze(merged);
}
