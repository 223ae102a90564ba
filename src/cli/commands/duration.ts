// Durations on the command line: "90s", "15m", "8h", "30d" or plain seconds.
import { UsageError } from "../../kernel/index.js";

const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

export function parseDurationSeconds(text: string, flag: string): number {
  const m = /^(\d{1,7})([smhd]?)$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} must be a duration such as 90s, 15m, 8h or 30d`);
  return Number(m[1]) * (UNIT[m[2] || "s"] as number);
}
