// Alerts over HTTPS webhooks, signed with HMAC-SHA256 over `timestamp.body` (the Stripe/Slack
// scheme: the receiver recomputes it with the shared secret and rejects stale timestamps).
// Headers: X-Rampart-Timestamp (epoch seconds), X-Rampart-Signature: v1=<hex>. E-mail alerts are
// email-alerts.ts.
import { hmacSha256 } from "../crypto/index.js";
import { actionFailed } from "./errors.js";
import type { AlertChannel, AlertSender } from "./ports.js";

export interface WebhookChannel {
  readonly url: string;
  /** The shared secret (from the env var the config names); unsigned without one. */
  readonly secret?: string | undefined;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number }>;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${hmacSha256(Buffer.from(secret, "utf8"), `${timestamp}.${body}`).toString("hex")}`;
}

export class WebhookAlerts implements AlertSender {
  readonly #channels: Partial<Record<AlertChannel, WebhookChannel>>;
  readonly #fetch: FetchLike;
  readonly #now: () => number;
  readonly #timeoutMs: number;

  constructor(p: {
    channels: Partial<Record<AlertChannel, WebhookChannel>>;
    fetch?: FetchLike;
    now?: () => number;
    timeoutMs?: number;
  }) {
    this.#channels = p.channels;
    this.#fetch = p.fetch ?? (globalThis.fetch as unknown as FetchLike);
    this.#now = p.now ?? Date.now;
    this.#timeoutMs = p.timeoutMs ?? 10_000;
  }

  configured(channel: AlertChannel): boolean {
    return (this.#channels[channel]?.url ?? "") !== "";
  }

  async send(channel: AlertChannel, payload: Record<string, unknown>): Promise<void> {
    const ch = this.#channels[channel];
    if (!ch || ch.url === "") throw actionFailed(`alert ${channel}`, "not configured");
    const ts = Math.floor(this.#now() / 1000);
    const body = JSON.stringify({ channel, sent_at: new Date(ts * 1000).toISOString(), ...payload });
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-rampart-timestamp": String(ts),
    };
    if (ch.secret) headers["x-rampart-signature"] = signWebhook(ch.secret, ts, body);
    let res: { ok: boolean; status: number };
    try {
      res = await this.#fetch(ch.url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (e) {
      // The reason only, never the URL: a webhook URL often carries its own token (Slack, Teams).
      const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
      throw actionFailed(
        `alert ${channel}`,
        `webhook unreachable (${e instanceof Error ? e.message : String(e)}${cause})`,
      );
    }
    if (!res.ok) throw actionFailed(`alert ${channel}`, `webhook answered ${res.status}`);
  }
}
