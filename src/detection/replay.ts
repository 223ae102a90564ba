// Replay: run the rules over a range of history with fresh state and report what would have
// fired, without acting — a backtest for detection rules (`rampart detect replay`).
import { toStreamEvent, unreadableEntry } from "./consumer.js";
import type { DetectionEngine } from "./engine.js";
import type { LedgerReader } from "./ports.js";
import type { Detection } from "./types.js";

/** The first index whose event time is ≥ sinceMs (binary search over the ledger). */
export async function indexAtTime(ledger: LedgerReader, sinceMs: number): Promise<number> {
  let lo = 0;
  let hi = await ledger.size();
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const leaf = await ledger.readEntry(mid);
    const ev = leaf ? toStreamEvent(mid, leaf.canonical) : undefined;
    // An unreadable entry counts as "before": the scan then includes and reports it.
    if (ev !== undefined && ev.atMs >= sinceMs) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface ReplayResult {
  readonly from: number;
  readonly to: number;
  readonly events: number;
  readonly detections: Detection[];
}

export async function replayDetections(p: {
  ledger: LedgerReader;
  engine: DetectionEngine;
  from: number;
  to?: number | undefined;
  onDetections?: ((d: readonly Detection[]) => Promise<void> | void) | undefined;
}): Promise<ReplayResult> {
  const to = p.to ?? (await p.ledger.size());
  const detections: Detection[] = [];
  let events = 0;
  for await (const leaf of p.ledger.readLeaves(p.from, to)) {
    const ev = toStreamEvent(leaf.index, leaf.canonical);
    const found = ev ? p.engine.process(ev).detections : [unreadableEntry(leaf.index, 0)];
    events++;
    if (found.length > 0) {
      detections.push(...found);
      await p.onDetections?.(found);
    }
  }
  return { from: p.from, to, events, detections };
}
