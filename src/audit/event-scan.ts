// A fast path for verification's per-entry check. parseStoredEvent decides whether stored text is an
// event in RFC 8785 (JCS) form by parsing it, checking its shape and serialising it again; for a
// million entries that is most of the time verification spends outside hashing. This scanner reads
// the text once and accepts it only when it can see directly that parsing would give a valid event
// and that JCS would reproduce the text byte for byte:
//  - the top level is exactly the schema-1 event: its fourteen keys, in JCS order, each with a value
//    of the type the event requires (event_type and outcome from their lists, index a safe integer,
//    schema_version 1, the nullable fields a string or null, risk_score a number or null);
//  - no whitespace between tokens; every object's keys in strictly increasing UTF-16 code-unit order
//    (JCS §3.2.3; strictness also excludes duplicates);
//  - every string as ES JSON.stringify writes it (JCS §3.2.2.2): no raw control character, only the
//    escapes \" \\ \b \f \n \r \t and \u00XX (lower-case hex) for the other controls, surrogates only
//    as valid pairs;
//  - every number as ES Number.prototype.toString writes it (JCS §3.2.2.3), e.g. no "-0", "1.0", "1E3".
// Anything else — extra or missing keys, lone surrogates, deep nesting, text that is not
// JSON at all — is not rejected here but left to parseStoredEvent, which names the problem. So the
// scanner can only make verification faster, never more lenient.
import { EVENT_TYPES } from "./types.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const MAX_NESTING = 64;
const OUTCOME_VALUES: readonly string[] = ["success", "failure", "denied", "error"];
const TYPE_VALUES: readonly string[] = EVENT_TYPES;

/** The scanner's state: one text at a time (verification is synchronous per entry). */
let s = "";
let pos = 0;
/** Set by scanString: the string just scanned held an escape sequence. */
let escaped = false;
/** Set by scanNumber: the value of the number just scanned. */
let numberValue = 0;

function isHexLower(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x61 && c <= 0x66);
}

/** At a quote: skips a string in JCS form, leaving pos after the closing quote. */
function scanString(): boolean {
  escaped = false;
  const t = s;
  let i = pos + 1;
  const n = t.length;
  while (i < n) {
    const c = t.charCodeAt(i);
    if (c === QUOTE) {
      pos = i + 1;
      return true;
    }
    if (c < 0x20) return false;
    if (c === BACKSLASH) {
      escaped = true;
      const e = t.charCodeAt(i + 1);
      // \" \\ \b \f \n \r \t
      if (
        e === QUOTE ||
        e === BACKSLASH ||
        e === 0x62 ||
        e === 0x66 ||
        e === 0x6e ||
        e === 0x72 ||
        e === 0x74
      ) {
        i += 2;
        continue;
      }
      // \u00XX for a control character that has no short escape (JSON.stringify's choice).
      if (e !== 0x75 || t.charCodeAt(i + 2) !== ZERO || t.charCodeAt(i + 3) !== ZERO) return false;
      const hi = t.charCodeAt(i + 4);
      const lo = t.charCodeAt(i + 5);
      if ((hi !== ZERO && hi !== ZERO + 1) || !isHexLower(lo)) return false;
      const v = (hi - ZERO) * 16 + (lo <= NINE ? lo - ZERO : lo - 0x61 + 10);
      if (v === 8 || v === 9 || v === 10 || v === 12 || v === 13) return false;
      i += 6;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = t.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) return false;
      i += 2;
      continue;
    }
    i++;
  }
  return false;
}

function skipDigits(t: string, from: number): number {
  let i = from;
  for (let c = t.charCodeAt(i); c >= ZERO && c <= NINE; c = t.charCodeAt(++i));
  return i;
}

/** At '-' or a digit: skips a number in ES canonical form, setting numberValue. */
function scanNumber(): boolean {
  const t = s;
  const start = pos;
  let i = pos;
  const negative = t.charCodeAt(i) === MINUS;
  if (negative) i++;
  let c = t.charCodeAt(i);
  let value = 0;
  if (c === ZERO) c = t.charCodeAt(++i);
  else if (c > ZERO && c <= NINE) {
    do {
      value = value * 10 + (c - ZERO);
      c = t.charCodeAt(++i);
    } while (c >= ZERO && c <= NINE);
  } else return false;
  const digits = i - start - (negative ? 1 : 0);
  if (c !== 0x2e && c !== 0x65 && c !== 0x45) {
    // An integer of up to 15 digits (exact in a double) is written as itself, except "-0".
    if (digits <= 15 && !(negative && value === 0)) {
      numberValue = negative ? -value : value;
      pos = i;
      return true;
    }
  } else {
    if (c === 0x2e) {
      const d = ++i;
      i = skipDigits(t, i);
      if (i === d) return false;
      c = t.charCodeAt(i);
    }
    if (c === 0x65 || c === 0x45) {
      c = t.charCodeAt(++i);
      if (c === 0x2b || c === MINUS) i++;
      const d = i;
      i = skipDigits(t, i);
      if (i === d) return false;
    }
  }
  // Anything else must be exactly its ES serialisation (Number.prototype.toString, JCS §3.2.2.3).
  const token = t.slice(start, i);
  numberValue = Number(token);
  if (String(numberValue) !== token) return false;
  pos = i;
  return true;
}

/** Is s[a, a + la) < s[b, b + lb) in UTF-16 code-unit order? */
function keyLess(a: number, la: number, b: number, lb: number): boolean {
  const n = Math.min(la, lb);
  for (let k = 0; k < n; k++) {
    const x = s.charCodeAt(a + k);
    const y = s.charCodeAt(b + k);
    if (x !== y) return x < y;
  }
  return la < lb;
}

function scanObject(depth: number): boolean {
  if (depth > MAX_NESTING) return false;
  pos++;
  if (s.charCodeAt(pos) === 0x7d) {
    pos++;
    return true;
  }
  let prevStart = -1;
  let prevLength = 0;
  let prevDecoded: string | undefined;
  for (;;) {
    if (s.charCodeAt(pos) !== QUOTE) return false;
    const keyStart = pos + 1;
    if (!scanString()) return false;
    const keyLength = pos - 1 - keyStart;
    // A key with an escape (rare) is compared decoded; the token is valid JSON, scanString saw to it.
    const decoded = escaped ? (JSON.parse(s.slice(keyStart - 1, pos)) as string) : undefined;
    if (prevStart >= 0) {
      if (decoded === undefined && prevDecoded === undefined) {
        if (!keyLess(prevStart, prevLength, keyStart, keyLength)) return false;
      } else {
        const a = prevDecoded ?? s.slice(prevStart, prevStart + prevLength);
        const b = decoded ?? s.slice(keyStart, keyStart + keyLength);
        if (!(a < b)) return false;
      }
    }
    prevStart = keyStart;
    prevLength = keyLength;
    prevDecoded = decoded;
    if (s.charCodeAt(pos) !== COLON) return false;
    pos++;
    if (!scanValue(depth + 1)) return false;
    const c = s.charCodeAt(pos);
    pos++;
    if (c === 0x7d) return true;
    if (c !== COMMA) return false;
  }
}

// scanObject's and scanArray's value-then-separator tails stay written out in both: a shared helper
// measured 2-3% slower in verification's hot loop.
function scanArray(depth: number): boolean {
  if (depth > MAX_NESTING) return false;
  pos++;
  if (s.charCodeAt(pos) === 0x5d) {
    pos++;
    return true;
  }
  for (;;) {
    if (!scanValue(depth + 1)) return false;
    const c = s.charCodeAt(pos);
    pos++;
    if (c === 0x5d) return true;
    if (c !== COMMA) return false;
  }
}

function scanLiteral(word: string): boolean {
  if (!s.startsWith(word, pos)) return false;
  pos += word.length;
  return true;
}

function scanValue(depth: number): boolean {
  const c = s.charCodeAt(pos);
  if (c === QUOTE) return scanString();
  if (c === 0x7b) return scanObject(depth);
  if (c === 0x5b) return scanArray(depth);
  if (c === MINUS || (c >= ZERO && c <= NINE)) return scanNumber();
  if (c === 0x74) return scanLiteral("true");
  if (c === 0x66) return scanLiteral("false");
  if (c === 0x6e) return scanLiteral("null");
  return false;
}

function stringField(name: string): boolean {
  return scanLiteral(name) && s.charCodeAt(pos) === QUOTE && scanString();
}

function nullableStringField(name: string): boolean {
  if (!scanLiteral(name)) return false;
  return s.charCodeAt(pos) === QUOTE ? scanString() : scanLiteral("null");
}

function listedField(name: string, values: readonly string[]): boolean {
  if (!scanLiteral(name) || s.charCodeAt(pos) !== QUOTE) return false;
  const start = pos + 1;
  if (!scanString() || escaped) return false;
  return values.includes(s.slice(start, pos - 1));
}

/**
 * The event's `index` when `text` is certainly a valid schema-1 event in canonical form; undefined
 * when that is not established here (parseStoredEvent then decides).
 */
export function scanCanonicalEvent(text: string): number | undefined {
  s = text;
  pos = 0;
  const index = scanEvent();
  s = "";
  return index;
}

function scanEvent(): number | undefined {
  if (!stringField('{"action":')) return undefined;
  if (!scanLiteral(',"details":') || s.charCodeAt(pos) !== 0x7b || !scanObject(1)) return undefined;
  if (!stringField(',"event_id":')) return undefined;
  if (!listedField(',"event_type":', TYPE_VALUES)) return undefined;
  if (!scanLiteral(',"index":') || !scanNumber() || !Number.isSafeInteger(numberValue)) return undefined;
  const index = numberValue;
  if (!nullableStringField(',"ip_address":')) return undefined;
  if (!listedField(',"outcome":', OUTCOME_VALUES)) return undefined;
  if (!nullableStringField(',"request_id":') || !nullableStringField(',"resource":')) return undefined;
  if (!scanLiteral(',"risk_score":')) return undefined;
  if (!(s.charCodeAt(pos) === 0x6e ? scanLiteral("null") : scanNumber())) return undefined;
  if (!scanLiteral(',"schema_version":1') || !nullableStringField(',"session_id":')) return undefined;
  if (!stringField(',"timestamp":') || !nullableStringField(',"user_id":')) return undefined;
  return scanLiteral("}") && pos === s.length ? index : undefined;
}
