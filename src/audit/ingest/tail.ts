// Follows a pysystemtrade.log file (`rampart ingest tail`) and survives rotation: pysystemtrade's log
// server uses a TimedRotatingFileHandler, which at midnight renames pysystemtrade.log to
// pysystemtrade.log.YYYY-MM-DD and opens a new file. The follower keeps the renamed file open
// until it has read it to the end, then moves to the new one. Its position — the file's identity
// (device:inode) and the byte offset of the first record not yet in the ledger — is persisted after
// every delivered batch, so a restart resumes where it stopped, finding the file even if it was
// rotated meanwhile (by inode among its siblings). A file that shrank (copytruncate) is re-read
// from the start. Delivery is at-least-once: a crash after the append but before the offset write
// repeats that batch.
import { type FileHandle, open, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Logger } from "../../kernel/index.js";
import type { FileOffsetStore } from "../sinks/ports.js";
import { isRecordStart, parseLogLines } from "./log-line.js";
import type { LogRecordInput } from "./log-records.js";

export interface LogFollowerOptions {
  /** Absolute path of the followed file (the name pysystemtrade writes to). */
  readonly path: string;
  readonly offsets: FileOffsetStore;
  /** Appends the records (e.g. ingestLogRecords); throws to leave the offset where it was. */
  readonly deliver: (records: LogRecordInput[]) => Promise<void>;
  readonly logger: Logger;
  /** Most records per delivery (default 500). */
  readonly batchSize?: number | undefined;
}

const READ_CHUNK = 1024 * 1024;
const MAX_LINE = 256 * 1024;

interface Open {
  handle: FileHandle;
  id: string;
  /** Bytes before this offset are in the ledger. */
  offset: number;
  /** Bytes read after `offset` that are not yet delivered (an open record, a partial line). */
  buffer: Buffer;
}

const idOf = (st: { dev: number | bigint; ino: number | bigint }): string => `${st.dev}:${st.ino}`;

async function statId(path: string): Promise<{ id: string; size: number } | undefined> {
  try {
    const st = await stat(path);
    return { id: idOf(st), size: st.size };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

export class LogFollower {
  readonly #o: LogFollowerOptions;
  readonly #batch: number;
  #cur: Open | undefined;

  constructor(o: LogFollowerOptions) {
    this.#o = o;
    this.#batch = o.batchSize ?? 500;
  }

  /**
   * Reads what is new and delivers every complete record. The last record of a file may still be
   * growing (a traceback follows its first line): it is held back until another record starts,
   * the file is rotated, or `final` is set (an idle poll, or --once). Returns records delivered.
   */
  async poll(final = false): Promise<number> {
    let delivered = 0;
    if (!this.#cur) {
      this.#cur = await this.#resume();
      if (!this.#cur) return 0;
    }
    for (;;) {
      const cur = this.#cur;
      const now = await statId(this.#o.path);
      const rotated = now !== undefined && now.id !== cur.id;
      const grew = await this.#read(cur);
      delivered += await this.#deliver(cur, final || rotated || !grew);
      if (!rotated) return delivered;
      // The renamed file is read to its end: move to the new one.
      await cur.handle.close();
      this.#cur = undefined;
      const next = await this.#openAt(this.#o.path, 0);
      if (!next) return delivered;
      this.#cur = next;
      await this.#o.offsets.write(this.#o.path, { fileId: next.id, offset: 0 });
    }
  }

  async close(): Promise<void> {
    await this.#cur?.handle.close();
    this.#cur = undefined;
  }

  async #openAt(path: string, offset: number): Promise<Open | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(path, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    const st = await handle.stat();
    const start = st.size < offset ? 0 : offset;
    if (start !== offset)
      this.#o.logger.warn(
        { file: path, offset, size: st.size },
        "log file shrank: reading it again from the start",
      );
    return { handle, id: idOf(st), offset: start, buffer: Buffer.alloc(0) };
  }

  /** Where we stopped last time: that file (maybe renamed since) at its offset, else the file from 0. */
  async #resume(): Promise<Open | undefined> {
    const saved = await this.#o.offsets.read(this.#o.path);
    const now = await statId(this.#o.path);
    if (!saved) return this.#openAt(this.#o.path, 0);
    if (now?.id === saved.fileId) return this.#openAt(this.#o.path, saved.offset);
    const dir = dirname(this.#o.path);
    const prefix = `${basename(this.#o.path)}.`;
    let names: string[] = [];
    try {
      names = (await readdir(dir)).filter((n) => n.startsWith(prefix));
    } catch {
      names = [];
    }
    for (const n of names) {
      const s = await statId(join(dir, n));
      if (s?.id === saved.fileId) {
        this.#o.logger.info({ file: this.#o.path, rotated: n }, "resuming in the rotated log file");
        return this.#openAt(join(dir, n), saved.offset);
      }
    }
    if (now)
      this.#o.logger.warn(
        { file: this.#o.path },
        "the file read last time is gone: starting the current one",
      );
    return this.#openAt(this.#o.path, 0);
  }

  /** Reads everything after what is buffered; true when new bytes arrived. */
  async #read(cur: Open): Promise<boolean> {
    const { size } = await cur.handle.stat();
    if (size < cur.offset + cur.buffer.length) {
      this.#o.logger.warn(
        { file: this.#o.path, offset: cur.offset, size },
        "log file shrank: reading it again from the start",
      );
      cur.offset = 0;
      cur.buffer = Buffer.alloc(0);
    }
    let grew = false;
    for (;;) {
      const chunk = Buffer.alloc(READ_CHUNK);
      const { bytesRead } = await cur.handle.read(chunk, 0, READ_CHUNK, cur.offset + cur.buffer.length);
      if (bytesRead === 0) return grew;
      grew = true;
      cur.buffer = Buffer.concat([cur.buffer, chunk.subarray(0, bytesRead)]);
      if (bytesRead < READ_CHUNK) return grew;
      if (cur.buffer.length > 16 * READ_CHUNK) return grew; // deliver, then read on
    }
  }

  /** Delivers complete records from the buffer in batches, advancing and persisting the offset. */
  async #deliver(cur: Open, flushLast: boolean): Promise<number> {
    // Complete lines with their byte ends; an over-long line without a newline is cut.
    const lines: Array<{ text: string; end: number }> = [];
    let start = 0;
    for (;;) {
      let nl = cur.buffer.indexOf(0x0a, start);
      if (nl < 0 && cur.buffer.length - start > MAX_LINE) nl = start + MAX_LINE - 1;
      if (nl < 0) break;
      lines.push({ text: cur.buffer.subarray(start, nl).toString("utf8").replace(/\r$/, ""), end: nl + 1 });
      start = nl + 1;
    }
    const groups: Array<{ lines: string[]; end: number }> = [];
    for (const l of lines) {
      const last = groups.at(-1);
      if (isRecordStart(l.text) || !last) groups.push({ lines: [l.text], end: l.end });
      else {
        last.lines.push(l.text);
        last.end = l.end;
      }
    }
    if (!flushLast && groups.length > 0) groups.pop();
    let delivered = 0;
    let consumed = 0;
    for (let i = 0; i < groups.length; i += this.#batch) {
      const slice = groups.slice(i, i + this.#batch);
      const records = slice
        .map((g) => parseLogLines(g.lines))
        .filter((r): r is LogRecordInput => r !== undefined);
      if (records.length > 0) await this.#o.deliver(records);
      const end = (slice.at(-1) as { end: number }).end;
      await this.#o.offsets.write(this.#o.path, { fileId: cur.id, offset: cur.offset + (end - consumed) });
      cur.offset += end - consumed;
      cur.buffer = cur.buffer.subarray(end - consumed);
      consumed = end;
      delivered += records.length;
    }
    return delivered;
  }
}
