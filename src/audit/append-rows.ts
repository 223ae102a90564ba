// A batch of prepared events placed at the end of the ledger: each event's index, canonical form
// and leaf hash, and the interior nodes the batch completes. Used by the ledger's own append
// transaction and by the SQLite writer thread, which both only lock, load the edge and insert.
import { canonicalAt, leafHashOf, type PreparedEvent } from "./event.js";
import type { CompactRange, StoredNode } from "./merkle.js";
import type { LedgerRow } from "./ports.js";

/** Appends `events` to `edge` (whose size is the first event's index); returns what to insert. */
export function appendRows(
  edge: CompactRange,
  events: readonly PreparedEvent[],
): { rows: LedgerRow[]; nodes: StoredNode[] } {
  const rows: LedgerRow[] = [];
  const nodes: StoredNode[] = [];
  const start = edge.size;
  events.forEach((p, i) => {
    const index = start + i;
    const canonical = canonicalAt(p, index);
    const leafHash = leafHashOf(canonical);
    edge.append(leafHash, nodes);
    rows.push({
      index,
      leafHash,
      canonical,
      eventId: p.eventId,
      eventType: p.eventType,
      action: p.action,
      outcome: p.outcome,
      userId: p.userId,
      timestampMs: p.timestampMs,
    });
  });
  return { rows, nodes };
}
