// pysystemtrade.log lines: `%(asctime)s %(levelname)s %(name)s %(message)s` (syslogging/logger.py
// LOG_FORMAT), where the message starts with the attribute dict, e.g.
//   2023-09-26 07:43:59 DEBUG stack_handler {'type': 'run_stack_handler'} Nothing to do
// Lines that do not start a record (tracebacks, multi-line messages) continue the previous one.
import type { LogRecordInput } from "./log-records.js";
import { parseLeadingDict } from "./python-literal.js";

// "Level N" is how Python names a level it has no name for; only 0..100 is a level the ledger
// takes (levelNumber), so a line with any other N is not a record start (it continues the previous
// record) rather than a record the follower could never store, stuck at its offset for ever.
const HEADER =
  /^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[,.]\d{1,6})?) (DEBUG|INFO|WARNING|WARN|ERROR|CRITICAL|FATAL|Level (?:100|[1-9]?\d)) (\S+)(?: (.*))?$/;

export function isRecordStart(line: string): boolean {
  return HEADER.test(line);
}

/** Splits a message into its leading attribute dict (if it is one) and the text after it. */
export function splitAttributes(message: string): { attributes: Record<string, unknown>; text: string } {
  const d = parseLeadingDict(message);
  if (!d) return { attributes: {}, text: message };
  return { attributes: d.value, text: message.slice(d.end).replace(/^ /, "") };
}

/** One record from its first line and any continuation lines; undefined if the first is not a header. */
export function parseLogLines(lines: readonly string[]): LogRecordInput | undefined {
  const m = HEADER.exec(lines[0] ?? "");
  if (!m) return undefined;
  const level = (m[2] as string).startsWith("Level ") ? Number((m[2] as string).slice(6)) : (m[2] as string);
  const { attributes, text } = splitAttributes(m[4] ?? "");
  const record: LogRecordInput = {
    time: m[1] as string,
    level,
    logger: m[3] as string,
    message: text,
    attributes,
  };
  if (lines.length > 1) record.exc_text = lines.slice(1).join("\n");
  return record;
}
