// The broker kill switch: IBC's command server (IbcAlpha/IBC CommandServer/CommandChannel/
// CommandDispatcher/StopTask). Independent of MongoDB and Python. The protocol is line-based text
// over TCP: the server may greet with `INFO IBC Command Server` (unless SuppressInfoMessages) and
// a prompt (CommandPrompt, no newline); a command is one line; each answer is a line `OK <text>`
// or `ERROR <text>` (INFO lines may come first). STOP answers `OK Shutting down` and closes the
// connection, or `ERROR STOP already in progress`. Only an OK is success: a refused connection,
// a timeout, an ERROR or a connection closed without an answer is a failed action. IBC accepts
// commands only from loopback, its BindAddress or the hosts in ControlFrom, and only when
// CommandServerPort is non-zero.
import { createConnection } from "node:net";
import type { TradingScope, TradingVerb } from "../types.js";
import type { Confirmation, TradingAdapter, VerbResult } from "./types.js";

export interface IbcReply {
  readonly ok: boolean;
  /** The answer line without its OK/ERROR word, or why there was none. */
  readonly message: string;
  readonly lines: readonly string[];
}

const ANSWER = /(?:^|[^A-Za-z])(OK|ERROR)(?: (.*))?$/;

/** Sends one command to IBC's command server and waits for its OK/ERROR answer. */
export function sendIbcCommand(
  target: { host: string; port: number; timeoutMs: number },
  command: "STOP" | "EXIT",
): Promise<IbcReply> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    let buf = "";
    let done = false;
    const finish = (ok: boolean, message: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok, message, lines });
    };
    const sock = createConnection({ host: target.host, port: target.port });
    const timer = setTimeout(
      () => finish(false, `no answer within ${target.timeoutMs} ms`),
      target.timeoutMs,
    );
    sock.setEncoding("utf8");
    sock.on("connect", () => sock.write(`${command}\n`));
    sock.on("data", (chunk: string) => {
      buf += chunk;
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const line = buf.slice(0, i).replace(/\r$/, "");
        buf = buf.slice(i + 1);
        lines.push(line);
        if (/^INFO /.test(line)) continue;
        const m = ANSWER.exec(line);
        if (m) finish(m[1] === "OK", m[2] ?? "");
      }
      if (buf.length > 64 * 1024) finish(false, "answer too long");
    });
    sock.on("error", (e: NodeJS.ErrnoException) =>
      finish(false, `cannot reach the IBC command server: ${e.code ?? e.message}`),
    );
    sock.on("close", () => finish(false, "connection closed without an answer"));
  });
}

export class IbcAdapter implements TradingAdapter {
  readonly name = "ibc";

  constructor(private readonly target: { host: string; port: number; timeoutMs: number }) {}

  supports(verb: TradingVerb): boolean {
    return verb === "broker_stop";
  }

  async execute(verb: TradingVerb, _scope: TradingScope): Promise<VerbResult> {
    if (verb !== "broker_stop")
      return { ok: false, before: null, after: null, error: `${verb} is not an IBC verb` };
    const r = await sendIbcCommand(this.target, "STOP");
    const where = `${this.target.host}:${this.target.port}`;
    return {
      ok: r.ok,
      before: { command_server: where },
      after: { answer: r.ok ? `OK ${r.message}` : r.message },
      ...(r.ok ? {} : { error: r.message }),
    };
  }

  /** IBC's own answer is the read-back: OK means it has begun shutting the Gateway down. */
  async confirm(_verb: TradingVerb, _scope: TradingScope, result: VerbResult): Promise<Confirmation> {
    return result.ok
      ? { confirmed: true, state: result.after }
      : { confirmed: false, state: result.after, detail: result.error ?? "IBC did not answer OK" };
  }

  async close(): Promise<void> {}
}
