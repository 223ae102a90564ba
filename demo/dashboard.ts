// The demo dashboard's HTTP server (node:http only): the routes of pysystemtrade's
// dashboard/app.py over synthetic data, plus an in-process record of every request it
// receives, so end-to-end tests can prove what reached the upstream and what did not.

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { buildReports, type DemoReports, type Json } from "./data.js";
import { INDEX_HTML } from "./page.js";
import { createRollBook, type RollBook } from "./rolls.js";

export interface DemoDashboardOptions {
  /** Interface to listen on; default 127.0.0.1 (the dashboard has no authentication of its own). */
  readonly host?: string;
  /** Port; 0 (the default) picks a free ephemeral port, reported as `port`. */
  readonly port?: number;
  /** Seed for the synthetic data; the same seed always gives the same data. */
  readonly seed?: number;
  /** Largest request body accepted, in bytes; beyond it the answer is 413. Default 64 KiB. */
  readonly maxBodyBytes?: number;
  /** How many of the most recent requests `received` keeps. Default 100. */
  readonly recordLimit?: number;
}

/** One request as it reached the dashboard. */
export interface ReceivedRequest {
  readonly method: string;
  /** The request target as sent (path and query string). */
  readonly path: string;
  /** Header names in lower case, as Node parses them. */
  readonly headers: Readonly<IncomingHttpHeaders>;
  /** The body as UTF-8 text; empty when there was none or it was refused as too large. */
  readonly body: string;
}

export interface DemoDashboard {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:39123 */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The most recent requests, oldest first (a snapshot; at most `recordLimit`). */
  readonly received: ReadonlyArray<ReceivedRequest>;
  /** How many requests arrived since start or the last resetReceived(), however many were kept. */
  readonly receivedCount: number;
  resetReceived(): void;
  close(): Promise<void>;
}

export const DEFAULT_SEED = 20_250_613;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
export const DEFAULT_RECORD_LIMIT = 100;

type ReportRoute = keyof DemoReports;

const GET_ROUTES: ReadonlySet<string> = new Set([
  "/",
  "/capital",
  "/costs",
  "/forex",
  "/liquidity",
  "/pandl",
  "/processes",
  "/reconcile",
  "/rolls",
  "/risk",
  "/trades",
  "/strategy",
]);

const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";

interface MutableRecord {
  method: string;
  path: string;
  headers: Readonly<IncomingHttpHeaders>;
  body: string;
}

export async function startDemoDashboard(options: DemoDashboardOptions = {}): Promise<DemoDashboard> {
  const host = options.host ?? "127.0.0.1";
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const recordLimit = options.recordLimit ?? DEFAULT_RECORD_LIMIT;
  const seed = options.seed ?? DEFAULT_SEED;
  const rolls = createRollBook(seed);
  const reports = buildReports(seed, rolls.pricedPositions(), rolls.pricedContracts());

  let records: MutableRecord[] = [];
  let receivedCount = 0;

  const server = createServer((req, res) => {
    receivedCount += 1;
    const record: MutableRecord = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: Object.freeze({ ...req.headers }),
      body: "",
    };
    records.push(record);
    if (records.length > recordLimit) records = records.slice(-recordLimit);
    handle(req, res, record, { rolls, reports, maxBodyBytes });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    get received(): ReadonlyArray<ReceivedRequest> {
      return Object.freeze(records.map((r) => Object.freeze({ ...r })));
    },
    get receivedCount(): number {
      return receivedCount;
    },
    resetReceived() {
      records = [];
      receivedCount = 0;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

interface Context {
  readonly rolls: RollBook;
  readonly reports: DemoReports;
  readonly maxBodyBytes: number;
}

function handle(req: IncomingMessage, res: ServerResponse, record: MutableRecord, ctx: Context): void {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > ctx.maxBodyBytes) {
    refuseTooLarge(req, res, ctx.maxBodyBytes);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on("data", (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > ctx.maxBodyBytes) {
      refused = true;
      chunks.length = 0;
      refuseTooLarge(req, res, ctx.maxBodyBytes);
      return;
    }
    chunks.push(chunk);
  });
  req.on("end", () => {
    if (refused) return;
    record.body = Buffer.concat(chunks).toString("utf8");
    // A throw here would be uncaught and end the process, which under `rampart start` is the
    // gateway's too: any request, however malformed, gets an answer instead.
    try {
      route(req, res, record.body, ctx);
    } catch {
      if (!res.headersSent) sendError(res, 500, "INTERNAL_ERROR", "the request could not be handled");
      else res.destroy();
    }
  });
  req.on("error", () => {
    res.destroy();
  });
}

function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  sendError(res, 413, "PAYLOAD_TOO_LARGE", `request body exceeds ${limit} bytes`, { Connection: "close" });
  // Keep reading (and discarding) so the client can finish sending and read the answer,
  // but not without end: a client that goes on past 16 times the limit is cut off.
  let drained = 0;
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > limit * 16) req.socket.destroy();
  });
  req.resume();
}

function route(req: IncomingMessage, res: ServerResponse, body: string, ctx: Context): void {
  const method = req.method ?? "";
  // Origin-form targets only ("/path?query"). "//x", "/\\x" or an absolute URL are not routes, and
  // WHATWG URL parsing would throw on some of them.
  const target = req.url ?? "/";
  if (!target.startsWith("/") || target.startsWith("//") || target.includes("\\")) {
    sendError(res, 400, "BAD_REQUEST", "the request target must be a path");
    return;
  }
  const path = new URL(target, "http://demo.invalid").pathname;
  if (!GET_ROUTES.has(path)) {
    sendError(res, 404, "NOT_FOUND", `no route for ${path}`);
    return;
  }
  // Flask answers HEAD and OPTIONS for every GET route by itself.
  const allowed = path === "/rolls" ? ["GET", "HEAD", "OPTIONS", "POST"] : ["GET", "HEAD", "OPTIONS"];
  if (!allowed.includes(method)) {
    sendError(res, 405, "METHOD_NOT_ALLOWED", `${method} is not allowed on ${path}`, {
      Allow: allowed.join(", "),
    });
    return;
  }
  if (method === "OPTIONS") {
    res.writeHead(200, { Allow: allowed.join(", "), "Content-Length": "0" });
    res.end();
    return;
  }
  if (method === "POST") {
    postRolls(req, res, body, ctx.rolls);
    return;
  }
  if (path === "/") {
    send(res, 200, "text/html; charset=utf-8", INDEX_HTML);
    return;
  }
  if (path === "/rolls") {
    sendJson(res, 200, ctx.rolls.report());
    return;
  }
  sendJson(res, 200, ctx.reports[path.slice(1) as ReportRoute]);
}

/** POST /rolls: app.py's rolls_post, with the checks the real form relies on made explicit. */
function postRolls(req: IncomingMessage, res: ServerResponse, body: string, rolls: RollBook): void {
  const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (contentType !== FORM_CONTENT_TYPE) {
    sendError(res, 400, "BAD_REQUEST", `expected form fields as ${FORM_CONTENT_TYPE}`);
    return;
  }
  const form = new URLSearchParams(body);
  // Like request.form[...] in Flask: a missing field is a 400 Bad Request.
  for (const field of ["instrument", "state", "confirmed"]) {
    if (form.get(field) === null) {
      sendError(res, 400, "MISSING_FIELD", `missing form field: ${field}`);
      return;
    }
  }
  const result = rolls.change(
    form.get("instrument") ?? "",
    form.get("state") ?? "",
    form.get("confirmed") ?? "",
  );
  if (result.ok) sendJson(res, 200, result.body);
  else sendError(res, 400, result.code, result.message);
}

function sendJson(res: ServerResponse, status: number, value: Json): void {
  send(res, status, "application/json", `${JSON.stringify(value)}\n`);
}

function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  sendJson(res, status, { error: { code, message } });
}

function send(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, {
    "Content-Type": contentType,
    "Content-Length": String(Buffer.byteLength(text)),
    "X-Content-Type-Options": "nosniff",
  });
  res.end(text);
}
