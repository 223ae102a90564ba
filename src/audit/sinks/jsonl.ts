// JSONL file sink: one record per line in <dir>/audit-YYYY-MM-DD.jsonl (UTC day of delivery), a new
// file when the day changes or the current one would pass max_bytes (audit-YYYY-MM-DD.1.jsonl, .2,
// …). Each batch is written and fsync'd before deliver() resolves, so the cursor never runs ahead
// of what is on disk. Files are created 0600: they hold the (redacted) audit trail.
import { type FileHandle, mkdir, open, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../../kernel/index.js";
import type { Sink, SinkRecord } from "./types.js";

export interface JsonlSinkOptions {
  readonly name: string;
  readonly dir: string;
  readonly clock: Clock;
  /** Default 100 MiB. */
  readonly maxBytes?: number | undefined;
}

const FILE = /^audit-(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.jsonl$/;

export function fileNameFor(day: string, seq: number): string {
  return seq === 0 ? `audit-${day}.jsonl` : `audit-${day}.${seq}.jsonl`;
}

export function createJsonlSink(o: JsonlSinkOptions): Sink {
  const maxBytes = o.maxBytes ?? 100 * 1024 * 1024;
  let current: { day: string; seq: number; handle: FileHandle; size: number } | undefined;

  const openFile = async (day: string, seq: number) => {
    const handle = await open(join(o.dir, fileNameFor(day, seq)), "a+", 0o600);
    let { size } = await handle.stat();
    if (size > 0) {
      // A torn write before a crash leaves a partial last line: end it, so the retry starts a new one.
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) {
        await handle.write("\n");
        size += 1;
      }
    }
    return { day, seq, handle, size };
  };

  /** The newest file of `day` already on disk (after a restart), else sequence 0. */
  const latestSeq = async (day: string): Promise<number> => {
    let seq = 0;
    for (const f of await readdir(o.dir)) {
      const m = FILE.exec(f);
      if (m && m[1] === day) seq = Math.max(seq, Number(m[2] ?? 0));
    }
    return seq;
  };

  return {
    name: o.name,
    type: "jsonl",
    async deliver(records: readonly SinkRecord[]) {
      const text = records.map((r) => `${JSON.stringify(r)}\n`).join("");
      const bytes = Buffer.byteLength(text);
      const day = new Date(o.clock.now()).toISOString().slice(0, 10);
      if (current && current.day !== day) {
        await current.handle.close();
        current = undefined;
      }
      if (!current) {
        await mkdir(o.dir, { recursive: true, mode: 0o700 });
        current = await openFile(day, await latestSeq(day));
      }
      if (current.size > 0 && current.size + bytes > maxBytes) {
        const next = current.seq + 1;
        await current.handle.close();
        current = undefined;
        current = await openFile(day, next);
      }
      try {
        await current.handle.write(text);
        await current.handle.sync();
        current.size += bytes;
      } catch (e) {
        // Reopen next time: the size is unknown after a partial write.
        await current.handle.close().catch(() => {});
        current = undefined;
        throw e;
      }
    },
    async close() {
      await current?.handle.close();
      current = undefined;
    },
  };
}
