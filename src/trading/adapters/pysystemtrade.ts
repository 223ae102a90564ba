// The pysystemtrade adapter: drives integrations/pysystemtrade/rampart_actuator.py (inside the
// trader's pysystemtrade environment) over stdin/stdout or a Unix socket with signed, nonce-bearing
// requests, then reads pysystemtrade's own state back with the `status` verb and checks it shows
// exactly what the verb should have done (process_control statuses, overrides, trade limits).
import type { Clock } from "../../kernel/index.js";
import { parseScope } from "../scope.js";
import type { TradingScope, TradingVerb } from "../types.js";
import { buildRequest, verifyReply } from "./envelope.js";
import type { LineTransport } from "./line-transport.js";
import type { Confirmation, TradingAdapter, VerbContext, VerbResult } from "./types.js";

const VERBS: ReadonlySet<TradingVerb> = new Set([
  "status",
  "halt_all",
  "halt_strategy",
  "reduce_only",
  "close",
  "freeze_instrument",
  "resume",
]);

/** What `status` returns (see the actuator's README). */
export interface ActuatorStatus {
  processes: Record<string, string>;
  overrides: Record<string, number>;
  trade_limits: Record<string, number>;
  set_by_rampart: Array<{ kind: string; target: string; value: unknown; scope: string; verb: string }>;
}

const STOP_PROCESS = "run_stack_handler";
const NO_RUN_PROCESSES = ["run_strategy_order_generator", "run_systems"];

export class PysystemtradeAdapter implements TradingAdapter {
  readonly name = "pysystemtrade";
  private seq = 0;

  constructor(
    private readonly deps: {
      transport: LineTransport;
      key: Uint8Array;
      clock: Clock;
      timeoutMs: number;
      newId: () => string;
    },
  ) {}

  supports(verb: TradingVerb): boolean {
    return VERBS.has(verb);
  }

  async execute(verb: TradingVerb, scope: TradingScope, ctx: VerbContext): Promise<VerbResult> {
    const id = `${ctx.actionId}.${++this.seq}`;
    const { line } = buildRequest(this.deps.key, {
      id,
      verb,
      scope,
      reason: ctx.reason,
      now: this.deps.clock.now(),
    });
    const reply = verifyReply(
      this.deps.key,
      await this.deps.transport.request(line, this.deps.timeoutMs),
      id,
    );
    return {
      ok: reply.ok,
      before: reply.before ?? null,
      after: reply.after ?? null,
      ...(reply.error !== undefined ? { error: String(reply.error).slice(0, 500) } : {}),
    };
  }

  async confirm(verb: TradingVerb, scope: TradingScope, _result: VerbResult): Promise<Confirmation> {
    const r = await this.execute("status", scope, { actionId: this.deps.newId(), reason: "read back" });
    if (!r.ok) return { confirmed: false, state: r.after, detail: r.error ?? "status failed" };
    const st = r.after as ActuatorStatus;
    const problem = checkStatus(verb, scope, st);
    return problem ? { confirmed: false, state: st, detail: problem } : { confirmed: true, state: st };
  }

  close(): Promise<void> {
    return this.deps.transport.close();
  }
}

/** Why `status` does not show `verb` done for `scope`, or undefined when it does. */
export function checkStatus(verb: TradingVerb, scope: TradingScope, st: ActuatorStatus): string | undefined {
  if (typeof st !== "object" || st === null || typeof st.processes !== "object")
    return "status reply malformed";
  const { kind, name } = parseScope(scope);
  const ov = (k: string) => st.overrides?.[k] ?? 1.0;
  const mine = (st.set_by_rampart ?? []).filter((e) => e.scope === scope);
  switch (verb) {
    case "status":
      return undefined;
    case "halt_all": {
      if (st.processes[STOP_PROCESS] !== "STOP") return `${STOP_PROCESS} is ${st.processes[STOP_PROCESS]}`;
      for (const p of NO_RUN_PROCESSES)
        if (st.processes[p] !== "NO-RUN" && st.processes[p] !== "STOP") return `${p} is ${st.processes[p]}`;
      return undefined;
    }
    case "halt_strategy":
      return ov(name) === -1 ? undefined : `strategy override for ${name} is ${ov(name)}`;
    case "freeze_instrument":
      if (ov(name) !== -1) return `instrument override for ${name} is ${ov(name)}`;
      return st.trade_limits?.[name] === 0
        ? undefined
        : `trade limit for ${name} is ${st.trade_limits?.[name]}`;
    case "reduce_only":
    case "close": {
      const want = verb === "close" ? 0 : -2;
      if (kind !== "global") return ov(name) === want ? undefined : `override for ${name} is ${ov(name)}`;
      const bad = mine.filter((e) => e.kind === "override" && ov(e.target) !== want);
      return bad.length ? `override for ${bad[0]?.target} is ${ov(bad[0]?.target ?? "")}` : undefined;
    }
    case "resume":
      return mine.length === 0 ? undefined : `${mine.length} control(s) set by Rampart remain for ${scope}`;
    default:
      return `verb ${verb} not supported`;
  }
}
