// A small parser for the Python literal that starts a pysystemtrade log message: the attribute dict
// `{'type': 'run_stack_handler', 'instrument_code': 'GOLD'}` (str() of a dict, syslogging/adapter.py).
// Only literals are understood — strings, numbers, None/True/False, and nested dicts, lists and
// tuples a few levels deep — never evaluated; anything else (a datetime(...) repr, say) is "not a
// literal" and the whole message is kept as text. Linear time, bounded depth and length.

export type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

const MAX_DEPTH = 4;
const MAX_LENGTH = 16 * 1024;
const ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "0": "\0",
};

class Fail extends Error {}

/** Parses the dict at the start of `text`: its value and where the rest of the text begins. */
export function parseLeadingDict(text: string): { value: Record<string, PyValue>; end: number } | undefined {
  if (!text.startsWith("{")) return undefined;
  const s = text.length > MAX_LENGTH ? text.slice(0, MAX_LENGTH) : text;
  let i = 0;
  const ws = () => {
    while (s[i] === " ") i++;
  };
  const str = (): string => {
    const q = s[i];
    i++;
    let out = "";
    for (;;) {
      const c = s[i];
      if (c === undefined || c === "\n") throw new Fail();
      if (c === q) {
        i++;
        return out;
      }
      if (c === "\\") {
        const e = s[i + 1];
        if (e === undefined) throw new Fail();
        if (e === "x" || e === "u" || e === "U") {
          const n = e === "x" ? 2 : e === "u" ? 4 : 8;
          const hex = s.slice(i + 2, i + 2 + n);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) throw new Fail();
          const cp = Number.parseInt(hex, 16);
          if (cp > 0x10ffff) throw new Fail();
          out += String.fromCodePoint(cp);
          i += 2 + n;
          continue;
        }
        out += ESCAPES[e] ?? `\\${e}`;
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
  };
  const value = (depth: number): PyValue => {
    ws();
    const c = s[i];
    if (c === "'" || c === '"') return str();
    if (c === "{") return dict(depth + 1);
    if (c === "[" || c === "(") return seq(depth + 1, c === "[" ? "]" : ")");
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|None|True|False)(?=[\s,:}\])])/.exec(s.slice(i, i + 64));
    if (!m) throw new Fail();
    i += (m[1] as string).length;
    if (m[1] === "None") return null;
    if (m[1] === "True") return true;
    if (m[1] === "False") return false;
    const n = Number(m[1]);
    // Integers beyond 2^53 (ids) keep their digits.
    return Number.isSafeInteger(n) || !/^-?\d+$/.test(m[1] as string) ? n : (m[1] as string);
  };
  const seq = (depth: number, close: string): PyValue[] => {
    if (depth > MAX_DEPTH) throw new Fail();
    i++;
    const out: PyValue[] = [];
    ws();
    while (s[i] !== close) {
      out.push(value(depth));
      ws();
      if (s[i] === ",") {
        i++;
        ws();
      } else if (s[i] !== close) throw new Fail();
    }
    i++;
    return out;
  };
  const dict = (depth: number): { [k: string]: PyValue } => {
    if (depth > MAX_DEPTH) throw new Fail();
    i++;
    const out: { [k: string]: PyValue } = {};
    ws();
    while (s[i] !== "}") {
      const k = value(depth);
      ws();
      if (s[i] !== ":") throw new Fail();
      i++;
      const v = value(depth);
      // defineProperty: a key named "__proto__" is data, not a prototype.
      Object.defineProperty(out, typeof k === "string" ? k : JSON.stringify(k), {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      ws();
      if (s[i] === ",") {
        i++;
        ws();
      } else if (s[i] !== "}") throw new Fail();
    }
    i++;
    return out;
  };
  try {
    const v = dict(0);
    return { value: v, end: i };
  } catch (e) {
    if (e instanceof Fail || e instanceof RangeError) return undefined;
    throw e;
  }
}
