// Data classification (the seed's DataClassificationFramework): four levels with their encryption,
// access-control and retention attributes, and ordered name rules. A rule matches when the
// lower-cased name contains one of its substrings (String.includes: linear, nothing to backtrack);
// each level's `examples` are exact names that win over every rule; otherwise the default level.
// Classification drives behaviour: restricted and confidential fields are encrypted at rest,
// restricted values are redacted from logs and sink output, retention comes from the level.
import type { Config } from "../config/index.js";
import { RampartError } from "../kernel/index.js";

export interface LevelAttributes {
  encryption: string;
  access_control: string;
  retention: string;
  examples: readonly string[];
}

export interface Classification {
  name: string;
  level: string;
  /** How the level was chosen: `example "x"`, `rule N contains "x"`, or `default`. */
  rule: string;
  attributes: LevelAttributes;
  /** Encrypt at rest (confidential and restricted in the seed's scheme). */
  encryptAtRest: boolean;
  /** Redact values from logs and sinks. */
  redact: boolean;
  retention: Retention;
}

export interface Retention {
  /** Days to keep; null: indefinitely. */
  days: number | null;
  /** Delete by destroying the key or overwriting (the seed's `_secure_deletion`). */
  secureDeletion: boolean;
}

export type ClassificationConfig = Config["classification"];

const REDACTED = "[redacted]";

/** Parses the seed's retention words: `indefinite`, `7_years`, `10_years_secure_deletion`, `90_days`. */
export function parseRetention(text: string): Retention {
  const secureDeletion = text.includes("secure_deletion");
  const m = /^(\d+)_(year|month|day)s?/.exec(text);
  if (!m) return { days: null, secureDeletion };
  const n = Number(m[1]);
  const days = m[2] === "year" ? n * 365 : m[2] === "month" ? n * 30 : n;
  return { days, secureDeletion };
}

export class Classifier {
  readonly #levels: ReadonlyMap<string, LevelAttributes>;
  readonly #examples = new Map<string, string>();
  readonly #rules: ReadonlyArray<{ contains: readonly string[]; level: string }>;
  readonly #default: string;

  constructor(config: ClassificationConfig) {
    this.#levels = new Map(Object.entries(config.levels));
    const check = (level: string, where: string): void => {
      if (!this.#levels.has(level))
        throw new RampartError("ERR_VAULT_CLASSIFICATION", `${where} names an unknown level "${level}"`, {
          status: 500,
        });
    };
    for (const [level, a] of this.#levels)
      for (const e of a.examples) this.#examples.set(e.toLowerCase(), level);
    config.rules.forEach((r, i) => {
      check(r.level, `classification rule ${i + 1}`);
    });
    check(config.default_level, "classification.default_level");
    this.#rules = config.rules.map((r) => ({
      contains: r.contains.map((c) => c.toLowerCase()),
      level: r.level,
    }));
    this.#default = config.default_level;
  }

  static fromConfig(config: Config): Classifier {
    return new Classifier(config.classification);
  }

  classify(name: string): Classification {
    const lower = name.toLowerCase();
    const example = this.#examples.get(lower);
    if (example !== undefined) return this.#result(name, example, `example "${lower}"`);
    for (let i = 0; i < this.#rules.length; i++) {
      const r = this.#rules[i] as { contains: readonly string[]; level: string };
      const hit = r.contains.find((c) => lower.includes(c));
      if (hit !== undefined) return this.#result(name, r.level, `rule ${i + 1} contains "${hit}"`);
    }
    return this.#result(name, this.#default, "default");
  }

  /** A copy of `record` whose restricted-named values (at any depth) read "[redacted]". */
  redact<T>(record: T): T {
    return this.#redact(record, 0) as T;
  }

  #redact(v: unknown, depth: number): unknown {
    if (depth > 16 || typeof v !== "object" || v === null) return v;
    if (Array.isArray(v)) return v.map((x) => this.#redact(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      out[k] =
        this.classify(k).redact && x !== null && x !== undefined ? REDACTED : this.#redact(x, depth + 1);
    return out;
  }

  #result(name: string, level: string, rule: string): Classification {
    const attributes = this.#levels.get(level) as LevelAttributes;
    return {
      name,
      level,
      rule,
      attributes,
      encryptAtRest: attributes.encryption.includes("rest"),
      redact: attributes.access_control === "need_to_know" || level === "restricted",
      retention: parseRetention(attributes.retention),
    };
  }
}
