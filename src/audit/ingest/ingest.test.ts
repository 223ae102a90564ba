// pysystemtrade log ingestion: the attribute dict is parsed as a literal (never evaluated), lines
// become events with their attributes, and the follower survives TimedRotatingFileHandler's
// midnight rename — while running and while stopped — resuming from its persisted offset.
import assert from "node:assert/strict";
import { appendFile, mkdtemp, rename, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { silentLogger } from "../../kernel/index.js";
import type { FileOffset, FileOffsetStore } from "../sinks/ports.js";
import type { AuditEventInput, AuditReceipt, AuditRecorder } from "../types.js";
import { parseLogLines, splitAttributes } from "./log-line.js";
import { ingestLogRecords, LOG_LEVELS, type LogRecordInput, logRecordEvent } from "./log-records.js";
import { parseLeadingDict } from "./python-literal.js";
import { LogFollower } from "./tail.js";

test("the leading attribute dict is parsed as a Python literal, never evaluated", () => {
  const text = "{'type': 'run_stack_handler', 'instrument_code': 'GOLD'} rest";
  assert.deepEqual(parseLeadingDict(text), {
    value: { type: "run_stack_handler", instrument_code: "GOLD" },
    end: text.indexOf(" rest"),
  });
  assert.deepEqual(
    parseLeadingDict(
      `{"a": 1, 'b': -2.5, 'c': None, 'd': True, 'e': [1, (2, 3)], 'f': 'it\\'s', 'g': {'h': 'x'}}`,
    )?.value,
    { a: 1, b: -2.5, c: null, d: true, e: [1, [2, 3]], f: "it's", g: { h: "x" } },
  );
  assert.equal(parseLeadingDict("{'t': datetime.datetime(2023, 9, 26)} x"), undefined);
  assert.equal(parseLeadingDict("{'t': __import__('os').system('id')}"), undefined);
  assert.equal(parseLeadingDict("{'t': 'unterminated}"), undefined);
  assert.equal(parseLeadingDict("no dict"), undefined);
  assert.equal(parseLeadingDict(`${"{'a': ".repeat(50)}1${"}".repeat(50)}`), undefined, "depth is bounded");
  assert.deepEqual(splitAttributes("{'type': 'x'} Hello {not a dict}"), {
    attributes: { type: "x" },
    text: "Hello {not a dict}",
  });
  assert.deepEqual(splitAttributes("Plain message"), { attributes: {}, text: "Plain message" });
});

test("a pysystemtrade.log line becomes a record; continuation lines are its traceback", () => {
  const r = parseLogLines([
    "2023-09-26 07:43:59 ERROR stack_handler {'type': 'run_stack_handler', 'instrument_code': 'GOLD', 'instrument_order_id': 123} Order failed",
    "Traceback (most recent call last):",
    '  File "x.py", line 1',
  ]);
  assert.deepEqual(r, {
    time: "2023-09-26 07:43:59",
    level: "ERROR",
    logger: "stack_handler",
    message: "Order failed",
    attributes: { type: "run_stack_handler", instrument_code: "GOLD", instrument_order_id: 123 },
    exc_text: 'Traceback (most recent call last):\n  File "x.py", line 1',
  });
  assert.equal(parseLogLines(["  not a header"]), undefined);
  assert.equal(parseLogLines(["2023-09-26 07:43:59,123 INFO root hello"])?.message, "hello");
});

test("records become trading or system events with allowed attributes only, at or above the threshold", () => {
  const src = { via: "handler" as const, principal: { kind: "service", id: "s1", name: "log_shipper" } };
  const trading = logRecordEvent(
    {
      level: "INFO",
      logger: "stack_handler",
      message: "Filled",
      attributes: { strategy_name: "carry", evil: "x", type: "t" },
    },
    LOG_LEVELS.INFO,
    src,
  ) as AuditEventInput;
  assert.equal(trading.event_type, "trading");
  assert.equal(trading.action, "pysystemtrade.log");
  assert.equal(trading.outcome, "success");
  assert.deepEqual((trading.details as { attributes: unknown }).attributes, {
    type: "t",
    strategy_name: "carry",
  });
  assert.deepEqual((trading.details as { ingested_by: unknown }).ingested_by, src.principal);
  const sys = logRecordEvent({ level: 50, logger: "run_systems", message: "boom" }, LOG_LEVELS.INFO, src);
  assert.equal(sys?.event_type, "system");
  assert.equal(sys?.outcome, "error");
  assert.equal(
    logRecordEvent({ level: "DEBUG", logger: "x", message: "y" }, LOG_LEVELS.INFO, src),
    undefined,
  );
  assert.throws(
    () => logRecordEvent({ level: "LOUD", logger: "x", message: "y" }, 0, src),
    /ERR_AUDIT_INVALID_EVENT|log level/,
  );
});

class Recorder implements AuditRecorder {
  events: AuditEventInput[] = [];
  fail = false;
  async record(e: AuditEventInput): Promise<AuditReceipt> {
    if (this.fail) throw new Error("ledger down");
    this.events.push(e);
    return { event_id: String(this.events.length), index: this.events.length - 1 };
  }
  messages(): string[] {
    return this.events.map((e) => (e.details as { message: string }).message);
  }
}

class Offsets implements FileOffsetStore {
  m = new Map<string, FileOffset>();
  async read(p: string) {
    return this.m.get(p);
  }
  async write(p: string, o: FileOffset) {
    this.m.set(p, o);
  }
}

test("every line the parser takes for a record start becomes an event; other 'Level N' lines continue a record", () => {
  const source = { via: "tail" as const };
  for (let n = 0; n <= 999; n++) {
    const line = `2024-01-02 10:00:01 Level ${n} stack_handler {'instrument_code': 'BUND'} custom`;
    const r = parseLogLines([line]);
    if (n <= 100) {
      assert.ok(r, `Level ${n} starts a record`);
      assert.doesNotThrow(() => logRecordEvent(r, 0, source), `Level ${n}`);
    } else assert.equal(r, undefined, `Level ${n} is not a level the ledger takes`);
  }
  const first = "2024-01-02 10:00:00 INFO stack_handler Nothing to do";
  const odd = "2024-01-02 10:00:01 Level 200 x a message with a line that looks like a header";
  const r = parseLogLines([first, odd]);
  assert.equal(r?.exc_text, odd, "kept, as part of the record before it");
  // A time no ISO date can show is left out rather than failing the batch.
  const far = logRecordEvent({ time: 1e20, level: "INFO", logger: "x", message: "m" }, 0, source);
  assert.equal(far?.details?.["log_time"], undefined);
});

describe("following pysystemtrade.log", () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const line = (n: number, level = "INFO") =>
    `2026-01-05 23:59:${String(n % 60).padStart(2, "0")} ${level} stack_handler {'type': 'run_stack_handler'} m${n}\n`;

  async function setup() {
    const dir = await mkdtemp(join(tmpdir(), "rampart-tail-"));
    dirs.push(dir);
    const path = join(dir, "pysystemtrade.log");
    const rec = new Recorder();
    const offsets = new Offsets();
    const follower = () =>
      new LogFollower({
        path,
        offsets,
        logger: silentLogger,
        batchSize: 3,
        deliver: async (records: LogRecordInput[]) => {
          await ingestLogRecords(rec, records, LOG_LEVELS.INFO, { via: "tail", file: path });
        },
      });
    return { dir, path, rec, offsets, follower };
  }

  test("holds back the last record until it is complete, then survives a midnight rename", async () => {
    const { path, rec, follower } = await setup();
    await writeFile(path, line(1) + line(2, "DEBUG") + line(3) + "Traceback (most recent call last):\n");
    const f = follower();
    await f.poll();
    assert.deepEqual(rec.messages(), ["m1"], "m2 is DEBUG; m3 may still be growing (a traceback follows)");
    await appendFile(path, `  File "x.py"\n${line(4).slice(0, 25)}`);
    await f.poll();
    assert.deepEqual(rec.messages(), ["m1"], "a half-written line does not end m3");
    await appendFile(path, line(4).slice(25));
    await f.poll();
    assert.deepEqual(rec.messages(), ["m1", "m3"]);
    assert.match(String(rec.events[1]?.details?.["traceback"]), /Traceback[\s\S]*x\.py/);
    // Midnight: TimedRotatingFileHandler renames the file and starts a new one.
    await rename(path, `${path}.2026-01-05`);
    await writeFile(path, line(5) + line(6));
    await f.poll();
    await f.poll(true);
    assert.deepEqual(rec.messages(), ["m1", "m3", "m4", "m5", "m6"]);
    await f.close();
  });

  test("stopped across a rotation, a new follower resumes in the renamed file, then the new one", async () => {
    const { path, rec, offsets, follower } = await setup();
    await writeFile(path, line(1) + line(2));
    const f1 = follower();
    await f1.poll(true);
    await f1.close();
    // While stopped: more lines, then rotation, then a new file.
    await appendFile(path, line(3));
    await rename(path, `${path}.2026-01-05`);
    await writeFile(path, line(4));
    const f2 = follower();
    await f2.poll(true);
    await f2.poll(true);
    await f2.close();
    assert.deepEqual(rec.messages(), ["m1", "m2", "m3", "m4"]);
    assert.equal(offsets.m.get(path)?.offset, Buffer.byteLength(line(4)));
  });

  test("fail-closed: when the ledger cannot append the offset stays, and the records come later", async () => {
    const { path, rec, offsets, follower } = await setup();
    await writeFile(path, line(1) + line(2));
    const f = follower();
    rec.fail = true;
    await assert.rejects(f.poll(true), /ledger down/);
    assert.equal(offsets.m.get(path), undefined);
    rec.fail = false;
    await f.close();
    const g = follower();
    await g.poll(true);
    assert.deepEqual(rec.messages(), ["m1", "m2"]);
    // A truncated file (copytruncate) is read again from the start.
    await truncate(path, 0);
    await writeFile(path, line(7));
    await g.poll(true);
    assert.deepEqual(rec.messages(), ["m1", "m2", "m7"]);
    await g.close();
  });
});
