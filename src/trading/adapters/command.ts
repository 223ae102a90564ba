// The command adapter: any program, JSON in and out. Rampart runs `argv` once per verb, writes
// {"id","verb","scope","reason"} on its standard input and reads one JSON object from its standard
// output: {"ok": bool, "before": ..., "after": ..., "error"?: string}; `status` answers with
// `after.state: {SCOPE: STATE}` for the read-back. The program is local and started by Rampart
// itself, so it is not signed; it gets the environment the caller passes (`env`), not Rampart's.
import { spawn } from "node:child_process";
import type { TradingScope, TradingVerb } from "../types.js";
import {
  type Confirmation,
  confirmByReportedState,
  type TradingAdapter,
  type VerbContext,
  type VerbResult,
} from "./types.js";

export class CommandAdapter implements TradingAdapter {
  readonly name = "command";

  constructor(
    private readonly deps: {
      argv: readonly string[];
      timeoutMs: number;
      newId: () => string;
      /** The program's whole environment; undefined: inherit (callers pass a filtered one). */
      env?: Readonly<Record<string, string>>;
    },
  ) {}

  supports(verb: TradingVerb): boolean {
    return verb !== "broker_stop";
  }

  execute(verb: TradingVerb, scope: TradingScope, ctx: VerbContext): Promise<VerbResult> {
    const [cmd, ...args] = this.deps.argv;
    if (!cmd) return Promise.reject(new Error("trading.command.argv is empty"));
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, {
        stdio: ["pipe", "pipe", "ignore"],
        ...(this.deps.env ? { env: { ...this.deps.env } } : {}),
      });
      let out = "";
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`command did not finish within ${this.deps.timeoutMs} ms`));
      }, this.deps.timeoutMs);
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (c: string) => {
        if (out.length < 1024 * 1024) out += c;
      });
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        try {
          const r = JSON.parse(out) as { ok?: unknown; before?: unknown; after?: unknown; error?: unknown };
          resolve({
            ok: r.ok === true && code === 0,
            before: r.before ?? null,
            after: r.after ?? null,
            ...(r.error !== undefined || code !== 0
              ? { error: String(r.error ?? `exit code ${code}`).slice(0, 500) }
              : {}),
          });
        } catch {
          reject(new Error(`command wrote no JSON reply (exit code ${code})`));
        }
      });
      child.stdin.on("error", () => {});
      child.stdin.end(JSON.stringify({ id: ctx.actionId, verb, scope, reason: ctx.reason }));
    });
  }

  async confirm(verb: TradingVerb, scope: TradingScope): Promise<Confirmation> {
    const st = await this.execute("status", scope, { actionId: this.deps.newId(), reason: "read back" });
    return confirmByReportedState(verb, scope, st);
  }

  async close(): Promise<void> {}
}
