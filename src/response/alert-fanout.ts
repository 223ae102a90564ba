// Alerts through every transport a channel has (response.notify: webhook, e-mail).
import { actionFailed } from "./errors.js";
import type { AlertChannel, AlertSender } from "./ports.js";

/**
 * One alert through every sender that has the channel configured: a channel may have a webhook and
 * e-mail recipients. Every configured sender is tried; if any failed, send rejects (the runner
 * retries the action, so a receiver may see an alert twice: each carries the incident id).
 */
export class AlertFanout implements AlertSender {
  readonly #senders: readonly AlertSender[];

  constructor(senders: readonly AlertSender[]) {
    this.#senders = senders;
  }

  configured(channel: AlertChannel): boolean {
    return this.#senders.some((s) => s.configured(channel));
  }

  async send(channel: AlertChannel, payload: Record<string, unknown>): Promise<void> {
    const results = await Promise.allSettled(
      this.#senders.filter((s) => s.configured(channel)).map((s) => s.send(channel, payload)),
    );
    const failed = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    if (failed.length === 0) return;
    throw failed.length === 1
      ? failed[0]
      : actionFailed(
          `alert ${channel}`,
          failed.map((e) => (e instanceof Error ? e.message : String(e))).join("; "),
        );
  }
}
