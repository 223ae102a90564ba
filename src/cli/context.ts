// What every CLI command gets: the environment, output streams, data-directory resolution, config
// loading and the composition root. Commands are thin: parse → call a domain service → render.
import { existsSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { type App, type AppOptions, createApp } from "../app.js";
import { type Config, ConfigError, loadConfig } from "../config/index.js";

export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
  /** `--data-dir`, else RAMPART_DATA_DIR, else ./rampart-data; absolute. */
  dataDir(opt?: string): string;
  /** Loads and validates `<dataDir>/rampart.yaml` with environment overrides (ConfigError → exit 2). */
  config(dataDir: string, overrides?: { listen?: string | undefined }): Config;
  /** Builds every service for this data directory (store open and migrated). Close it when done. */
  openApp(dataDir: string, opts?: Partial<AppOptions>): Promise<App>;
  /** Who is running this command, for the ledger: `local:<os user>`. */
  actor(): string;
  /** All of standard input (for --password-stdin and --from-stdin). */
  readStdin(): Promise<string>;
  /** Marks the run as a negative answer or failure (exit code 1) without throwing. */
  setExitCode(code: number): void;
}

export const CONFIG_FILE = "rampart.yaml";

export function createCliContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  const ctx: CliContext = {
    env,
    out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
    dataDir: (opt) => resolve(opt ?? env["RAMPART_DATA_DIR"] ?? "rampart-data"),
    config(dataDir, overrides = {}) {
      const file = join(dataDir, CONFIG_FILE);
      let text: string | undefined;
      if (existsSync(file)) {
        try {
          text = readFileSync(file, "utf8");
        } catch (e) {
          throw new ConfigError(`${file}: cannot be read (${(e as Error).message})`, "ERR_CONFIG_UNREADABLE");
        }
      }
      const e = { ...env };
      if (overrides.listen) e["RAMPART_LISTEN"] = overrides.listen;
      return loadConfig({ fileName: file, text, env: e });
    },
    openApp: (dataDir, opts = {}) =>
      createApp({
        dataDir,
        config: opts.config ?? ctx.config(dataDir),
        masterKeyEnv: env["RAMPART_MASTER_KEY"],
        ...opts,
      }),
    actor: () => `local:${safeUser()}`,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    setExitCode: (code) => {
      process.exitCode = code;
    },
  };
  return ctx;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
