// Alerts by e-mail: the response.notify channels' recipients, through a MailTransport (SMTP with
// TLS required, built in the composition root from response.smtp). The message is plain text: the
// incident's id, type, severity, subject and status, the ledger indices of its evidence and its
// context. It holds nothing secret: the evidence stays in the ledger, which the reader is pointed
// to.
import { actionFailed } from "./errors.js";
import type { AlertChannel, AlertSender } from "./ports.js";

export interface MailMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
}

/** Delivers one message; rejects when the server did not accept it. */
export interface MailTransport {
  send(message: MailMessage): Promise<void>;
}

/** No control characters in a header line (a CR or LF would start a new header). */
function headerSafe(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return s.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}

const LABELS: Record<string, string> = {
  incident: "Incident",
  type: "Type",
  severity: "Severity",
  subject: "Subject",
  status: "Status",
  escalated: "Escalated",
  events: "Events",
  evidence: "Evidence (ledger indices)",
};

/** The text of an alert: the known fields as labelled lines, anything else as JSON below them. */
function alertText(channel: AlertChannel, payload: Record<string, unknown>): string {
  const lines = [`Rampart alert for ${channel.replace("_", " ")}.`, ""];
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) {
    const label = LABELS[k];
    if (label) lines.push(`${label}: ${Array.isArray(v) ? v.join(", ") : String(v)}`);
    else rest[k] = v;
  }
  if (Object.keys(rest).length > 0) lines.push("", JSON.stringify(rest, null, 2));
  lines.push(
    "",
    "The evidence is in Rampart's audit ledger: `rampart incident show INCIDENT` lists it, and",
    "`rampart audit verify` checks the ledger has not been altered.",
  );
  return `${lines.join("\n")}\n`;
}

export class EmailAlerts implements AlertSender {
  readonly #transport: MailTransport | undefined;
  readonly #from: string;
  readonly #recipients: Partial<Record<AlertChannel, readonly string[]>>;

  constructor(p: {
    /** Undefined when no mail server is configured: no channel is then configured for e-mail. */
    transport: MailTransport | undefined;
    from: string;
    recipients: Partial<Record<AlertChannel, readonly string[]>>;
  }) {
    this.#transport = p.transport;
    this.#from = p.from;
    this.#recipients = p.recipients;
  }

  configured(channel: AlertChannel): boolean {
    return this.#transport !== undefined && (this.#recipients[channel]?.length ?? 0) > 0;
  }

  async send(channel: AlertChannel, payload: Record<string, unknown>): Promise<void> {
    const transport = this.#transport;
    const to = this.#recipients[channel] ?? [];
    if (!transport || to.length === 0) throw actionFailed(`alert ${channel}`, "no e-mail recipients");
    const severity = String(payload["severity"] ?? "alert").toUpperCase();
    const what = [payload["type"], payload["subject"]].filter((x) => x !== undefined).join(": ");
    const subject = headerSafe(
      `[Rampart] ${severity}${payload["escalation"] ? " ESCALATED" : ""} ${what} (${String(payload["incident"] ?? "")})`,
    );
    try {
      await transport.send({ from: this.#from, to, subject, text: alertText(channel, payload) });
    } catch (e) {
      // The server's answer names the problem (authentication, TLS, refused recipient); the
      // transport never puts the password in it.
      throw actionFailed(
        `alert ${channel}`,
        `e-mail not accepted: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
}
