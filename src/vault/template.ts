// Templates with secret references: `{{ secret "email/smtp" "password" }}`, optionally piped
// through `| yaml` or `| json` (a double-quoted, escaped string). Parsing is a single left-to-right
// scan (no regular expressions over the template). Anything else inside `{{ }}` is an error rather
// than text left in place. A raw substitution refuses values with line breaks or NUL, which could
// otherwise inject keys into INI or YAML files (IBC's config.ini, private_config.yaml).
import { badTemplate } from "./errors.js";
import { validateField, validatePath } from "./paths.js";

export interface SecretReference {
  path: string;
  field: string;
  filter: "raw" | "yaml" | "json";
}

type Part = { text: string } | { ref: SecretReference };

function tokens(inner: string, where: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < inner.length) {
    const c = inner[i] as string;
    if (c === " " || c === "\t") {
      i++;
    } else if (c === '"') {
      const end = inner.indexOf('"', i + 1);
      if (end < 0) throw badTemplate(where, "unterminated string");
      out.push(inner.slice(i, end + 1));
      i = end + 1;
    } else if (c === "|") {
      out.push("|");
      i++;
    } else {
      let j = i;
      while (j < inner.length && /[A-Za-z]/.test(inner[j] as string)) j++;
      if (j === i) throw badTemplate(where, `unexpected character ${JSON.stringify(c)}`);
      out.push(inner.slice(i, j));
      i = j;
    }
  }
  return out;
}

function parseReference(inner: string, where: string): SecretReference {
  const t = tokens(inner, where);
  const unq = (s: string | undefined): string | null =>
    s && s.length >= 2 && s.startsWith('"') ? s.slice(1, -1) : null;
  const path = unq(t[1]);
  const field = unq(t[2]);
  if (t[0] !== "secret" || path === null || field === null)
    throw badTemplate(where, 'expected {{ secret "PATH" "FIELD" }}');
  let filter: SecretReference["filter"] = "raw";
  if (t.length === 5 && t[3] === "|" && (t[4] === "yaml" || t[4] === "json")) filter = t[4];
  else if (t.length !== 3)
    throw badTemplate(where, "only `| yaml` or `| json` may follow a secret reference");
  return { path: validatePath(path), field: validateField(field), filter };
}

export function parseTemplate(text: string, name: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  let line = 1;
  for (;;) {
    const open = text.indexOf("{{", i);
    if (open < 0) {
      parts.push({ text: text.slice(i) });
      return parts;
    }
    for (let k = i; k < open; k++) if (text.charCodeAt(k) === 10) line++;
    const close = text.indexOf("}}", open + 2);
    if (close < 0) throw badTemplate(`${name}:${line}`, "unclosed {{");
    parts.push({ text: text.slice(i, open) });
    parts.push({ ref: parseReference(text.slice(open + 2, close), `${name}:${line}`) });
    i = close + 2;
  }
}

export function templateReferences(text: string, name: string): SecretReference[] {
  return parseTemplate(text, name).flatMap((p) => ("ref" in p ? [p.ref] : []));
}

/** Renders with values looked up by (path, field); the lookup has fetched (and audited) them. */
export function renderTemplate(
  text: string,
  name: string,
  lookup: (path: string, field: string) => string,
): string {
  return parseTemplate(text, name)
    .map((p) => {
      if ("text" in p) return p.text;
      const v = lookup(p.ref.path, p.ref.field);
      if (p.ref.filter !== "raw") return JSON.stringify(v);
      if (/[\r\n\0]/.test(v))
        throw badTemplate(
          name,
          `the value of ${p.ref.path}#${p.ref.field} has a line break: use | yaml or | json`,
        );
      return v;
    })
    .join("");
}
