// Child processes for the e2e tests: the real `rampart` command (TypeScript sources through tsx),
// and the machine's python3.
import { spawn } from "node:child_process";
import { exitOf } from "../../src/kernel/testing.js";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const CLI = ["--import", "tsx", "src/cli/bin.ts"];

/**
 * Runs a program to completion with exactly `env`, feeding `input` on stdin. A program still running
 * after `timeoutMs` is killed and the run rejects with what it printed, so a command that hangs
 * fails its test instead of stalling the suite.
 */
export function run(
  command: string,
  args: string[],
  opts: { env: Record<string, string | undefined>; input?: string | undefined; timeoutMs?: number },
): Promise<CliRun> {
  const child = spawn(command, args, { env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin.end(opts.input ?? "");
  return exitOf(child, opts.timeoutMs ?? 120_000, `${command} ${args.join(" ")}`).then(
    ({ code }) => ({ code, stdout, stderr }),
    (e: Error) => Promise.reject(new Error(`${e.message}\n${stdout}\n${stderr}`)),
  );
}

export function rampart(
  args: string[],
  opts: { env?: Record<string, string>; input?: string } = {},
): Promise<CliRun> {
  return run(process.execPath, [...CLI, ...args], {
    env: { ...process.env, RAMPART_DATA_DIR: "", ...opts.env },
    input: opts.input,
  });
}

/** Runs `python3 -c script` (the machine's python3) with only PATH and `env` in its environment. */
export function runPython(script: string, env: Record<string, string>): Promise<CliRun> {
  return run("python3", ["-c", script], { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env } });
}
