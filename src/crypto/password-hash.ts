// argon2id password hashing (RFC 9106; OWASP minimum m=19 MiB, t=2, p=1) off the event loop,
// with bounded concurrency: at most `concurrency` hashes run at once (on libuv's thread pool),
// at most `queueLimit` wait; past that the hasher refuses at once with ERR_AUTH_BUSY so a login
// flood queues or is shed and never starves other requests.
import { hash, verify } from "@node-rs/argon2";

// Algorithm.Argon2id in @node-rs/argon2 (a const enum, which isolated modules cannot inline).
const ARGON2ID = 2;

import { RampartError } from "../kernel/index.js";

export interface Argon2Params {
  /** Memory in KiB. */
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

export const OWASP_ARGON2ID: Argon2Params = { memoryKiB: 19456, iterations: 2, parallelism: 1 };

export interface PasswordHasherOptions {
  params: Argon2Params;
  concurrency?: number;
  queueLimit?: number;
}

export class HasherBusyError extends RampartError {
  constructor() {
    super("ERR_AUTH_BUSY", "too many authentication requests in progress; retry shortly", { status: 429 });
  }
}

export class PasswordHasher {
  readonly params: Argon2Params;
  private readonly concurrency: number;
  private readonly queueLimit: number;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(opts: PasswordHasherOptions) {
    this.params = opts.params;
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.queueLimit = Math.max(0, opts.queueLimit ?? 256);
  }

  /** Number of hashes running and waiting (for metrics and tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queueLimit) throw new HasherBusyError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  hash(password: string): Promise<string> {
    return this.slot(() =>
      hash(password, {
        algorithm: ARGON2ID,
        memoryCost: this.params.memoryKiB,
        timeCost: this.params.iterations,
        parallelism: this.params.parallelism,
      }),
    );
  }

  /** False for a wrong password and for a malformed stored hash alike. */
  verify(encoded: string, password: string): Promise<boolean> {
    return this.slot(async () => {
      try {
        return await verify(encoded, password);
      } catch {
        return false;
      }
    });
  }

  /** True when the stored hash is weaker than (or different from) the configured parameters. */
  needsRehash(encoded: string): boolean {
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(encoded);
    if (!m) return true;
    return (
      Number(m[1]) !== this.params.memoryKiB ||
      Number(m[2]) !== this.params.iterations ||
      Number(m[3]) !== this.params.parallelism
    );
  }
}
