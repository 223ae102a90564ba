// Configured trading hours in a time zone: is an event's time inside them? Uses Intl (the IANA
// database Node ships), one cached formatter per zone.
import type { TradingHours } from "./settings.js";

const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: tz,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(tz, f);
  }
  return f;
}

const minutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(":").map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** Local weekday (1..7) and minute of the day at `ms` in the hours' time zone. */
export function localTime(ms: number, tz: string): { day: number; minute: number } {
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const p of formatter(tz).formatToParts(ms)) {
    if (p.type === "weekday") day = WEEKDAY[p.value] ?? 0;
    else if (p.type === "hour") hour = Number(p.value);
    else if (p.type === "minute") minute = Number(p.value);
  }
  return { day, minute: hour * 60 + minute };
}

export function withinTradingHours(ms: number, h: TradingHours): boolean {
  const t = localTime(ms, h.timezone);
  if (!h.days.includes(t.day)) return false;
  const start = minutes(h.start);
  const end = minutes(h.end);
  return start <= end ? t.minute >= start && t.minute < end : t.minute >= start || t.minute < end;
}
