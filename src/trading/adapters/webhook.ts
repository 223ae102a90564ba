// The webhook adapter, for trading systems other than pysystemtrade: each verb is an HTTPS POST of
// the signed request body with `X-Rampart-Signature: sha256=<hex HMAC-SHA256(key, body)>`; the
// receiver answers with a JSON reply body signed the same way (same header), repeating the
// request id. The read-back is a `status` POST whose reply carries `after.state: {SCOPE: STATE}`.
import type { Clock } from "../../kernel/index.js";
import { actuatorRefused } from "../errors.js";
import type { TradingScope, TradingVerb } from "../types.js";
import { buildRequest, macHex, verifySignedBody } from "./envelope.js";
import {
  type Confirmation,
  confirmByReportedState,
  type TradingAdapter,
  type VerbContext,
  type VerbResult,
} from "./types.js";

export const SIGNATURE_HEADER = "x-rampart-signature";

export class WebhookAdapter implements TradingAdapter {
  readonly name = "webhook";
  private seq = 0;

  constructor(
    private readonly deps: {
      url: string;
      key: Uint8Array;
      clock: Clock;
      timeoutMs: number;
      newId: () => string;
      fetch?: typeof fetch;
    },
  ) {}

  supports(verb: TradingVerb): boolean {
    return verb !== "broker_stop";
  }

  async execute(verb: TradingVerb, scope: TradingScope, ctx: VerbContext): Promise<VerbResult> {
    const id = `${ctx.actionId}.${++this.seq}`;
    const { body } = buildRequest(this.deps.key, {
      id,
      verb,
      scope,
      reason: ctx.reason,
      now: this.deps.clock.now(),
    });
    const text = JSON.stringify(body);
    const res = await (this.deps.fetch ?? fetch)(this.deps.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        [SIGNATURE_HEADER]: `sha256=${macHex(this.deps.key, text)}`,
      },
      body: text,
      signal: AbortSignal.timeout(this.deps.timeoutMs),
      redirect: "error",
    });
    const replyText = await res.text();
    const sig = res.headers.get(SIGNATURE_HEADER) ?? "";
    if (!sig.startsWith("sha256=")) throw actuatorRefused(`webhook reply (HTTP ${res.status}) is not signed`);
    const reply = verifySignedBody(this.deps.key, replyText, sig.slice(7), id);
    return {
      ok: reply.ok && res.ok,
      before: reply.before ?? null,
      after: reply.after ?? null,
      ...(reply.error !== undefined ? { error: String(reply.error).slice(0, 500) } : {}),
    };
  }

  async confirm(verb: TradingVerb, scope: TradingScope): Promise<Confirmation> {
    const st = await this.execute("status", scope, { actionId: this.deps.newId(), reason: "read back" });
    return confirmByReportedState(verb, scope, st);
  }

  async close(): Promise<void> {}
}
