// Syslog sink: RFC 5424 messages, framed by octet counting (RFC 6587 §3.4.1: "LEN SP MSG") over TCP,
// or over TLS (RFC 5425, which mandates that framing; the server is verified against ca_file, TLS
// 1.2 or newer). One persistent connection; a connection the server closed or broke is replaced at
// the next delivery. Limits: plain syslog has no application acknowledgement, so "delivered" means
// written to the socket; records sent just before a server dies unseen can be lost (RELP would
// close that gap). Records are resent only when the write itself fails.
//
// Message: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [rampart@32473 index=".." ...] BOM JSON
// PRI = facility × 8 + severity: success 6 (info), denied/failure 5 (notice), error 3 (err).
import { connect as netConnect, type Socket } from "node:net";
import { hostname as osHostname } from "node:os";
import { connect as tlsConnect } from "node:tls";
import type { Sink, SinkRecord } from "./types.js";

export interface SyslogSinkOptions {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly transport: "tcp" | "tls";
  /** PEM; TLS only. Without it the system's roots are used (still verified). */
  readonly ca?: string | Buffer | undefined;
  readonly cert?: string | Buffer | undefined;
  readonly key?: string | Buffer | undefined;
  readonly serverName?: string | undefined;
  /** Default 13 (log audit). */
  readonly facility?: number | undefined;
  readonly appName?: string | undefined;
  readonly hostname?: string | undefined;
  readonly connectTimeoutMs?: number | undefined;
  /** How long a batch may take to be handed to the receiver's TCP window. Default 30000 ms. */
  readonly writeTimeoutMs?: number | undefined;
  /** RFC 5612 documentation enterprise number by default; set your own registered SD-ID. */
  readonly sdId?: string | undefined;
}

const BOM = "\uFEFF";
const SEVERITY: Record<string, number> = { success: 6, denied: 5, failure: 5, error: 3 };

/** RFC 5424 §6.3.3: PARAM-VALUE escapes '"', '\' and ']'. */
function sdValue(v: unknown): string {
  return String(v).replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** PRINTUSASCII only, 1..max characters; "-" (NILVALUE) when nothing is left. */
function header(v: string, max: number): string {
  const s = v.replace(/[^!-~]/g, "").slice(0, max);
  return s.length > 0 ? s : "-";
}

export function formatSyslog(
  r: SinkRecord,
  o: { facility: number; hostname: string; appName: string; procId: string; sdId: string },
): string {
  let severity = 6;
  let timestamp: string;
  let msgId: string;
  let sd: string;
  if (r.kind === "audit_event") {
    const e = r.event ?? {};
    severity = SEVERITY[String(e["outcome"])] ?? 6;
    timestamp = typeof e["timestamp"] === "string" ? e["timestamp"] : new Date().toISOString();
    msgId = header(String(e["event_type"] ?? "audit"), 32);
    sd =
      `[${o.sdId} index="${r.index}"` +
      (e["action"] !== undefined ? ` action="${sdValue(e["action"])}"` : "") +
      (e["outcome"] !== undefined ? ` outcome="${sdValue(e["outcome"])}"` : "") +
      "]";
  } else {
    timestamp = r.created_at;
    msgId = "checkpoint";
    sd = `[${o.sdId} tree_size="${r.tree_size}" root_hash="${r.root_hash}"]`;
  }
  const pri = o.facility * 8 + severity;
  return `<${pri}>1 ${timestamp} ${o.hostname} ${o.appName} ${o.procId} ${msgId} ${sd} ${BOM}${JSON.stringify(r)}`;
}

/** RFC 6587 octet counting: the length is of the message in octets, not characters. */
export function frameOctetCounted(message: string): Buffer {
  const body = Buffer.from(message, "utf8");
  return Buffer.concat([Buffer.from(`${body.length} `, "ascii"), body]);
}

export function createSyslogSink(o: SyslogSinkOptions): Sink {
  const fmt = {
    facility: o.facility ?? 13,
    hostname: header(o.hostname ?? osHostname(), 255),
    appName: header(o.appName ?? "rampart", 48),
    procId: String(process.pid),
    sdId: o.sdId ?? "rampart@32473",
  };
  const timeoutMs = o.connectTimeoutMs ?? 5000;
  const writeTimeoutMs = o.writeTimeoutMs ?? 30_000;
  let socket: Socket | undefined;
  let broken = true;

  const drop = (): void => {
    socket?.destroy();
    socket = undefined;
    broken = true;
  };

  const connect = (): Promise<Socket> =>
    new Promise<Socket>((resolve, reject) => {
      const s =
        o.transport === "tls"
          ? tlsConnect({
              host: o.host,
              port: o.port,
              servername: o.serverName ?? o.host,
              minVersion: "TLSv1.2",
              rejectUnauthorized: true,
              ...(o.ca !== undefined ? { ca: o.ca } : {}),
              ...(o.cert !== undefined ? { cert: o.cert } : {}),
              ...(o.key !== undefined ? { key: o.key } : {}),
            })
          : netConnect({ host: o.host, port: o.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`syslog ${o.host}:${o.port}: connect timed out`));
      }, timeoutMs);
      const fail = (e: Error): void => {
        clearTimeout(timer);
        s.destroy();
        reject(e);
      };
      s.once("error", fail);
      s.once(o.transport === "tls" ? "secureConnect" : "connect", () => {
        clearTimeout(timer);
        s.off("error", fail);
        s.setKeepAlive(true, 30_000);
        // The server never talks; reading keeps us told when it closes or resets the connection.
        s.on("data", () => {});
        s.on("error", () => {
          if (socket === s) broken = true;
        });
        s.on("close", () => {
          if (socket === s) broken = true;
        });
        s.on("end", () => {
          if (socket === s) broken = true;
        });
        resolve(s);
      });
    });

  return {
    name: o.name,
    type: "syslog",
    async deliver(records) {
      if (broken || !socket) {
        drop();
        socket = await connect();
        broken = false;
      }
      const s = socket;
      const frames = Buffer.concat(records.map((r) => frameOctetCounted(formatSyslog(r, fmt))));
      try {
        // A receiver that stops reading would otherwise leave this write, and the sink, waiting for
        // ever; past the deadline the connection is dropped and the batch is retried on a new one.
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              reject(
                new Error(
                  `syslog ${o.host}:${o.port}: the receiver took no batch within ${writeTimeoutMs} ms`,
                ),
              ),
            writeTimeoutMs,
          );
          s.write(frames, (e) => {
            clearTimeout(timer);
            if (e) reject(e);
            else resolve();
          });
        });
      } catch (e) {
        drop();
        throw e;
      }
      if (broken) {
        // Closed while we wrote: we cannot know what arrived, so send the batch again.
        drop();
        throw new Error(`syslog ${o.host}:${o.port}: connection closed during delivery`);
      }
    },
    async close() {
      const s = socket;
      socket = undefined;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.end(() => resolve());
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 1000).unref();
      });
    },
  };
}
