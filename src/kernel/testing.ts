// Test helpers shared by every module's tests and the e2e suite.

/** Resolves once `cond` holds, checking it every `everyMs`; rejects after `ms`. */
export async function until(
  cond: () => boolean | Promise<boolean>,
  ms = 10_000,
  everyMs = 10,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for a condition`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The minimum of a child process these helpers need (node:child_process's ChildProcess). */
interface Child {
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: "close", listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: "error", listener: (e: Error) => void): unknown;
}

/**
 * Resolves with how the child ended, once it has exited and its output has all been read ('close'),
 * or at once if it had already exited when called. A child still running after `ms` is killed
 * with SIGKILL and the promise rejects saying so: a test waiting on a process that never ends fails
 * instead of keeping the test file alive for ever. A child that cannot start rejects with why.
 */
export function exitOf(
  child: Child,
  ms = 30_000,
  what = "the child process",
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  // Ended before the call: its 'close' may be past, so it is not waited for.
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${what} did not exit within ${ms} ms; killed`));
    }, ms);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Kills the child (SIGKILL) unless it has ended; for a test's finally block. */
export function reap(child: Child | undefined): void {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}
