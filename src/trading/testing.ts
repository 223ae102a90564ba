// Helpers for tests of trading controls: a recorder that keeps events (and can be made to fail),
// and a service over a real store and ephemeral store with a scripted adapter.
import type { AuditEventInput, AuditReceipt, AuditRecorder } from "../audit/index.js";
import type { TradingAdapter, VerbResult } from "./adapters/types.js";
import type { TradingScope, TradingVerb } from "./types.js";

export class MemoryRecorder implements AuditRecorder {
  readonly events: AuditEventInput[] = [];
  failing = false;
  async record(event: AuditEventInput): Promise<AuditReceipt> {
    if (this.failing) throw new Error("ledger unavailable (test)");
    this.events.push(event);
    return { event_id: `e${this.events.length}`, index: this.events.length - 1 };
  }
  find(action: string): AuditEventInput[] {
    return this.events.filter((e) => e.action === action);
  }
}

/** An adapter that records verbs and confirms them unless told to fail. */
export class ScriptedAdapter implements TradingAdapter {
  readonly name = "scripted";
  readonly calls: Array<{ verb: TradingVerb; scope: TradingScope }> = [];
  fail = false;
  supports(): boolean {
    return true;
  }
  async execute(verb: TradingVerb, scope: TradingScope): Promise<VerbResult> {
    this.calls.push({ verb, scope });
    if (this.fail) throw new Error("unreachable (test)");
    return { ok: true, before: { verb }, after: { verb, done: true } };
  }
  async confirm(): Promise<{ confirmed: boolean; state: unknown }> {
    return { confirmed: !this.fail, state: { ok: true } };
  }
  async close(): Promise<void> {}
}
