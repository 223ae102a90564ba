// An IncidentStore in memory: for `detect replay` (dry run, nothing persisted) and unit tests.
// Same semantics as the database repository.
import type { IncidentFilter, IncidentStore } from "./ports.js";
import { type ActionName, type ActionRecord, CLOSED, type EvidenceItem, type Incident } from "./types.js";

export class MemoryIncidentStore implements IncidentStore {
  readonly #incidents = new Map<string, Incident>();
  readonly #evidence = new Map<string, Map<number, EvidenceItem>>();
  readonly #actions = new Map<string, Map<string, ActionRecord>>();

  async findOpen(type: string, subject: string): Promise<Incident | undefined> {
    let best: Incident | undefined;
    for (const i of this.#incidents.values())
      if (i.type === type && i.subject === subject && !CLOSED.includes(i.status))
        if (!best || i.firstIndex > best.firstIndex) best = i;
    return best;
  }
  async insert(incident: Incident): Promise<boolean> {
    if (this.#incidents.has(incident.id)) return false;
    this.#incidents.set(incident.id, incident);
    return true;
  }
  async get(id: string): Promise<Incident | undefined> {
    return this.#incidents.get(id);
  }
  async list(f: IncidentFilter): Promise<Incident[]> {
    return [...this.#incidents.values()]
      .filter(
        (i) =>
          (f.status === undefined || i.status === f.status) && (f.type === undefined || i.type === f.type),
      )
      .filter((i) => f.open !== true || !CLOSED.includes(i.status))
      .sort((a, b) => b.firstIndex - a.firstIndex || a.id.localeCompare(b.id))
      .slice(0, f.limit);
  }
  async update(incident: Incident): Promise<boolean> {
    const cur = this.#incidents.get(incident.id);
    if (!cur || cur.version !== incident.version) return false;
    this.#incidents.set(incident.id, { ...incident, version: incident.version + 1 });
    return true;
  }
  async addEvidence(id: string, items: readonly EvidenceItem[]): Promise<number> {
    let m = this.#evidence.get(id);
    if (!m) {
      m = new Map();
      this.#evidence.set(id, m);
    }
    let added = 0;
    for (const it of items)
      if (!m.has(it.index)) {
        m.set(it.index, it);
        added++;
      }
    return added;
  }
  async evidence(id: string): Promise<EvidenceItem[]> {
    return [...(this.#evidence.get(id)?.values() ?? [])].sort((a, b) => a.index - b.index);
  }
  async insertAction(a: ActionRecord): Promise<boolean> {
    let m = this.#actions.get(a.incidentId);
    if (!m) {
      m = new Map();
      this.#actions.set(a.incidentId, m);
    }
    if (m.has(a.key)) return false;
    m.set(a.key, a);
    return true;
  }
  async updateAction(a: ActionRecord): Promise<void> {
    this.#actions.get(a.incidentId)?.set(a.key, a);
  }
  async actions(id: string): Promise<ActionRecord[]> {
    return [...(this.#actions.get(id)?.values() ?? [])].sort((a, b) => a.createdAt - b.createdAt);
  }
  async openActions(action: ActionName, target: string): Promise<ActionRecord[]> {
    const out: ActionRecord[] = [];
    for (const [id, m] of this.#actions) {
      const i = this.#incidents.get(id);
      if (!i || CLOSED.includes(i.status)) continue;
      for (const a of m.values()) if (a.action === action && a.target === target) out.push(a);
    }
    return out;
  }
  async unfinishedActions(): Promise<ActionRecord[]> {
    const out: ActionRecord[] = [];
    for (const m of this.#actions.values())
      for (const a of m.values()) if (a.status === "pending" || a.status === "running") out.push(a);
    return out;
  }
}
