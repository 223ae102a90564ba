// HTTPS webhook sink (a SIEM's HTTP collector): each batch is one POST of
// {"sink": NAME, "records": [...]} with X-Rampart-Signature: sha256=<hex HMAC-SHA256(secret, body)>,
// so the receiver can check the body came from Rampart unaltered. Any answer but 2xx (or no answer
// within the timeout) fails the delivery, and the runner retries the same batch with backoff.
// TLS is verified (against ca_file when given); redirects are not followed.
import { Agent, request } from "undici";
import { hmacSha256 } from "../../crypto/index.js";
import type { Sink } from "./types.js";

export interface WebhookSinkOptions {
  readonly name: string;
  readonly url: string;
  /** HMAC-SHA256 key for X-Rampart-Signature (at least 32 bytes). */
  readonly secret: Uint8Array;
  /** PEM trust anchors; default the system's. */
  readonly ca?: string | Buffer | undefined;
  readonly timeoutMs?: number | undefined;
}

export const SIGNATURE_HEADER = "x-rampart-signature";

export function signBody(secret: Uint8Array, body: string | Uint8Array): string {
  return `sha256=${hmacSha256(secret, body).toString("hex")}`;
}

export function createWebhookSink(o: WebhookSinkOptions): Sink {
  if (!o.url.startsWith("https://")) throw new Error(`webhook sink ${o.name}: the URL must be https://`);
  if (o.secret.length < 32) throw new Error(`webhook sink ${o.name}: the secret must be at least 32 bytes`);
  const timeout = o.timeoutMs ?? 10_000;
  const agent = new Agent({
    connect: { rejectUnauthorized: true, minVersion: "TLSv1.2", ...(o.ca !== undefined ? { ca: o.ca } : {}) },
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  return {
    name: o.name,
    type: "webhook",
    async deliver(records) {
      const body = JSON.stringify({ sink: o.name, records });
      const res = await request(o.url, {
        method: "POST",
        dispatcher: agent,
        body,
        headers: {
          "content-type": "application/json",
          [SIGNATURE_HEADER]: signBody(o.secret, body),
          "user-agent": "rampart-audit-sink",
        },
        signal: AbortSignal.timeout(timeout),
      });
      // Drain the answer (bounded by the timeout) so the connection can be reused.
      await res.body.dump({ limit: 64 * 1024 }).catch(() => {});
      if (res.statusCode < 200 || res.statusCode >= 300)
        throw new Error(`webhook ${o.name}: HTTP ${res.statusCode}`);
    },
    async close() {
      await agent.close();
    },
  };
}
