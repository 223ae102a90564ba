// Newline-delimited request/reply transports for the actuator: a long-lived child process spoken
// to over stdin/stdout (one request at a time, in order), or a Unix socket (one connection per
// request). Both time out; a child that times out or misbehaves is killed and respawned next time.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createConnection } from "node:net";

export interface LineTransport {
  request(line: string, timeoutMs: number): Promise<string>;
  close(): Promise<void>;
}

const MAX_LINE = 1024 * 1024;

export class ChildProcessTransport implements LineTransport {
  private child: ChildProcessWithoutNullStreams | undefined;
  private buffer = "";
  private waiting: ((line: string | Error) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly argv: readonly string[],
    /** The child's whole environment; undefined: inherit Rampart's (callers pass a filtered one). */
    private readonly env?: Readonly<Record<string, string>>,
  ) {
    if (argv.length === 0) throw new Error("actuator command is empty");
  }

  private ensure(): ChildProcessWithoutNullStreams {
    if (this.child && this.child.exitCode === null && !this.child.killed) return this.child;
    // After close() no new actuator is started: nothing would ever stop it.
    if (this.closed) throw new Error("actuator transport is closed");
    const [cmd, ...args] = this.argv as [string, ...string[]];
    const child = spawn(cmd, args, {
      stdio: ["pipe", "pipe", "pipe"],
      ...(this.env ? { env: { ...this.env } } : {}),
    });
    this.buffer = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      this.buffer += chunk;
      if (this.buffer.length > MAX_LINE) {
        this.fail(new Error("actuator reply too long"));
        return;
      }
      const i = this.buffer.indexOf("\n");
      if (i >= 0) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        const w = this.waiting;
        this.waiting = undefined;
        w?.(line);
      }
    });
    child.stderr.resume();
    child.on("error", (e) => this.fail(e));
    child.on("exit", (code) => {
      if (this.child === child) this.child = undefined;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(new Error(`actuator exited (${code ?? "signal"})`));
    });
    child.stdin.on("error", () => {});
    this.child = child;
    return child;
  }

  private fail(e: Error): void {
    const w = this.waiting;
    this.waiting = undefined;
    this.child?.kill("SIGKILL");
    this.child = undefined;
    w?.(e);
  }

  request(line: string, timeoutMs: number): Promise<string> {
    const run = () =>
      new Promise<string>((resolve, reject) => {
        let child: ChildProcessWithoutNullStreams;
        try {
          child = this.ensure();
        } catch (e) {
          reject(e);
          return;
        }
        const timer = setTimeout(
          () => this.fail(new Error(`actuator did not answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
        this.waiting = (r) => {
          clearTimeout(timer);
          if (r instanceof Error) reject(r);
          else resolve(r);
        };
        child.stdin.write(`${line}\n`);
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => {});
    return p;
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.child;
    this.child = undefined;
    if (!c) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        c.kill("SIGKILL");
        resolve();
      }, 2000);
      c.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
      c.stdin.end();
    });
  }
}

export class UnixSocketTransport implements LineTransport {
  constructor(private readonly path: string) {}

  request(line: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const sock = createConnection(this.path);
      let buf = "";
      let done = false;
      const finish = (r: string | Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      const timer = setTimeout(
        () => finish(new Error(`actuator did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      sock.setEncoding("utf8");
      sock.on("connect", () => sock.write(`${line}\n`));
      sock.on("data", (c: string) => {
        buf += c;
        const i = buf.indexOf("\n");
        if (i >= 0) finish(buf.slice(0, i));
        else if (buf.length > MAX_LINE) finish(new Error("actuator reply too long"));
      });
      sock.on("error", (e) => finish(e));
      sock.on("end", () => finish(new Error("actuator closed the connection without a reply")));
    });
  }

  async close(): Promise<void> {}
}
