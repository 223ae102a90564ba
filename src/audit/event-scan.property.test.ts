// The verification fast path (event-scan.ts) against the full check (parseStoredEvent: JSON.parse,
// the event's shape, re-serialisation in RFC 8785 form): over random events, random JSON in their
// details, and random mutations of canonical text, the scanner never accepts text the full check
// would reject, and when it accepts it reads the same index. Ordinary events take the fast path.
import assert from "node:assert/strict";
import { test } from "node:test";
import jcsModule from "canonicalize";
import fc from "fast-check";
import { canonicalAt, checkStoredEntry, leafHashOf, parseStoredEvent, prepareEvent } from "./event.js";
import { scanCanonicalEvent } from "./event-scan.js";
import { EVENT_TYPES } from "./types.js";

const canonicalize = jcsModule as unknown as (value: unknown) => string | undefined;

/** What the full check says: the index of a valid canonical event, else undefined. */
function reference(text: string): number | undefined {
  const parsed = parseStoredEvent(text);
  return parsed?.canonical ? parsed.event.index : undefined;
}

/** The scanner may decline (undefined); when it answers, it must agree with the full check. */
function sound(text: string): void {
  const fast = scanCanonicalEvent(text);
  if (fast !== undefined) assert.equal(fast, reference(text), `the scanner accepted ${JSON.stringify(text)}`);
}

const awkwardString = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom(
    "",
    '"',
    "\\",
    "\u0000",
    "\u001f",
    "\b\f\n\r\t",
    "\u007f",
    "\u2028",
    "\ud800",
    "\udc00x",
    "😀",
    "/",
  ),
);
const awkwardNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e21, 1e-7, 5e-324, 2 ** 53, -(2 ** 53) - 2, 0.1, 123456789012345, 1234567890123456),
);
const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    awkwardString,
    awkwardNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(awkwardString, fc.constantFrom("1", "10", "9", "__proto__", "a", "b")),
      tie("value"),
      {
        maxKeys: 4,
      },
    ),
  ),
})).value;

const event = fc.record({
  index: fc.oneof(fc.nat(), fc.constantFrom(0, 2 ** 53 - 1)),
  eventType: fc.constantFrom(...EVENT_TYPES),
  outcome: fc.constantFrom("success", "failure", "denied", "error" as const),
  action: fc.string({ minLength: 1, maxLength: 40, unit: "binary" }),
  details: fc.dictionary(fc.string({ unit: "binary" }), json, { maxKeys: 5 }),
  nullable: fc.option(awkwardString, { nil: null }),
  risk: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
});

type EventValue = typeof event extends fc.Arbitrary<infer T> ? T : never;

const EVENT_ID = "0f6c9b1e-6a4e-4e53-9d5c-2a8a1a9f9f00";
const AT_MS = 1_700_000_000_000;

function inputOf(e: EventValue) {
  return {
    event_type: e.eventType,
    action: e.action,
    outcome: e.outcome,
    details: e.details as Record<string, unknown>,
    user_id: e.nullable,
    ip_address: e.nullable,
    session_id: null,
    request_id: e.nullable,
    resource: null,
    risk_score: e.risk,
  };
}

/** A plain system event, with `over` changed. */
function plain(over: Partial<EventValue>): EventValue {
  return {
    index: 3,
    eventType: "system",
    outcome: "success",
    action: "x",
    details: {},
    nullable: null,
    risk: null,
    ...over,
  };
}

function textOf(e: EventValue): string | undefined {
  try {
    return canonicalAt(prepareEvent(inputOf(e), EVENT_ID, AT_MS), e.index);
  } catch {
    return undefined; // an input prepareEvent refuses (too deep, too large)
  }
}

test("the ledger's serialisation of an event is the canonicaliser's RFC 8785 text of the whole event", () => {
  fc.assert(
    fc.property(event, (e) => {
      const text = textOf(e);
      if (text === undefined) return;
      const whole = {
        ...inputOf(e),
        event_id: EVENT_ID,
        timestamp: new Date(AT_MS).toISOString(),
        schema_version: 1,
        index: e.index,
      };
      assert.equal(text, canonicalize(whole));
    }),
    { numRuns: 3000 },
  );
});

test("events as the ledger writes them are accepted by the scanner, with their index", () => {
  fc.assert(
    fc.property(event, (e) => {
      const text = textOf(e);
      if (text === undefined) return;
      assert.equal(reference(text), e.index);
      const fast = scanCanonicalEvent(text);
      // Lone surrogates are escaped in JCS text; the scanner leaves those (rare) to the full check.
      if (!/\\ud[89a-f]/.test(text)) assert.equal(fast, e.index, text);
      else sound(text);
    }),
    { numRuns: 2000 },
  );
});

test("mutated canonical text is never accepted unless the full check accepts it too", () => {
  const edits = fc.array(
    fc.record({
      at: fc.nat(),
      kind: fc.constantFrom("insert", "delete", "replace", "swap"),
      char: fc.constantFrom(
        " ",
        "\\",
        '"',
        "0",
        "1",
        "-",
        ".",
        "e",
        "E",
        "+",
        ",",
        ":",
        "{",
        "}",
        "[",
        "]",
        "u",
        "a",
        "n",
        "\u0001",
        "\ud800",
        "\udc00",
        "\n",
      ),
    }),
    { minLength: 1, maxLength: 3 },
  );
  fc.assert(
    fc.property(event, edits, (e, changes) => {
      let text = textOf(e);
      if (text === undefined) return;
      for (const c of changes) {
        const at: number = c.at % (text.length + 1);
        if (c.kind === "insert") text = text.slice(0, at) + c.char + text.slice(at);
        else if (c.kind === "delete") text = text.slice(0, at) + text.slice(at + 1);
        else if (c.kind === "replace") text = text.slice(0, at) + c.char + text.slice(at + 1);
        else if (at + 1 < text.length)
          text = text.slice(0, at) + text[at + 1] + text[at] + text.slice(at + 2);
      }
      sound(text);
    }),
    { numRuns: 5000 },
  );
});

test("arbitrary JSON, canonical or not, at the top level or as details, is never accepted wrongly", () => {
  const base = JSON.parse(textOf(plain({})) as string) as Record<string, unknown>;
  fc.assert(
    fc.property(json, fc.boolean(), (value, asDetails) => {
      const v = asDetails ? { ...base, details: value } : value;
      for (const text of [canonicalize(v), JSON.stringify(v), JSON.stringify(v, null, 1)])
        if (text !== undefined) sound(text);
    }),
    { numRuns: 3000 },
  );
});

test("edge cases: each is left to the full check or accepted only when it is canonical", () => {
  const base = textOf({
    index: 7,
    eventType: "trading",
    outcome: "denied",
    action: "orders.place",
    details: { a: 1 },
    nullable: "u",
    risk: 5,
  }) as string;
  assert.equal(scanCanonicalEvent(base), 7);
  const variants: Array<[string, boolean]> = [
    [base.replace('"a":1', '"a":-0'), false],
    [base.replace('"a":1', '"a":1.0'), false],
    [base.replace('"a":1', '"a":1e3'), false],
    [base.replace('"a":1', '"a":1e+21'), true],
    [base.replace('"a":1', '"a":1E+21'), false],
    [base.replace('"a":1', '"a":0.1'), true],
    [base.replace('"a":1', '"a":5e-324'), true],
    [base.replace('"a":1', '"a":12345678901234567890'), false],
    [base.replace('"a":1', '"a":"\\u001f"'), true],
    [base.replace('"a":1', '"a":"\\u001F"'), false],
    [base.replace('"a":1', '"a":"\\u000a"'), false],
    [base.replace('"a":1', '"a":"\\n"'), true],
    [base.replace('"a":1', '"a":"\\/"'), false],
    [base.replace('"a":1', '"a":"\\ud800"'), false],
    [base.replace('"a":1', '"a":"😀"'), true],
    [base.replace('"a":1', '"a":"\\ud83d\\ude00"'), false],
    [base.replace('"a":1', '"10":1,"9":2'), true],
    [base.replace('"a":1', '"9":1,"10":2'), false],
    [base.replace('"a":1', '"a":1,"a":2'), false],
    [base.replace('"a":1', '"b":1,"a":2'), false],
    [base.replace('"a":1', '"\\u0061":1'), false],
    [base.replace('"a":1', '"\\n":1,"\\u0001":2,"a":3'), false],
    [base.replace('"a":1', '"\\u0001":1,"\\n":2,"a":3'), true],
    [base.replace('"a":1', `"a":${"[".repeat(80)}${"]".repeat(80)}`), false],
    [base.replace('"a":1', '"a":[1,2,{"b":null,"c":true}]'), true],
    [base.replace('"a":1', '"a": 1'), false],
    [base.replace('"index":7', '"index":7.5'), false],
    [base.replace('"index":7', '"index":9007199254740992'), false],
    [base.replace('"index":7', '"index":-3'), true],
    [base.replace('"schema_version":1', '"schema_version":2'), false],
    [base.replace('"event_type":"trading"', '"event_type":"tradin"'), false],
    [base.replace('"outcome":"denied"', '"outcome":"\\u0064enied"'), false],
    [base.replace('"risk_score":5', '"risk_score":"5"'), false],
    [base.replace('"user_id":"u"', '"user_id":1'), false],
    [base.replace('"user_id":"u"', '"user_id":"u","zzz":1'), false],
    [base.replace(',"resource":null', ""), false],
    [`${base} `, false],
    [`${base}x`, false],
    [base.slice(0, -1), false],
  ];
  for (const [text, accepted] of variants) {
    sound(text);
    assert.equal(scanCanonicalEvent(text) !== undefined, accepted, text);
  }
});

test("checkStoredEntry gives the full check's reasons, through either path", () => {
  const text = textOf(plain({ index: 2, details: { s: "\ud800" } })) as string;
  assert.equal(scanCanonicalEvent(text), undefined, "a lone surrogate takes the full path");
  const h = leafHashOf(text);
  assert.deepEqual(checkStoredEntry(text, 2, h), h);
  assert.equal(checkStoredEntry(text, 3, h), "holds the event of index 2: moved");
  assert.equal(checkStoredEntry(text.replace(":", ": "), 2, h), "not in canonical (RFC 8785) form");
  assert.equal(checkStoredEntry("[]", 2, h), "not a valid event");
  assert.equal(checkStoredEntry(text, 2, Buffer.alloc(32)), "event does not match its leaf hash: altered");
  assert.equal(
    checkStoredEntry(text, 2, "not bytes" as unknown as Uint8Array),
    "event does not match its leaf hash: altered",
  );
});
