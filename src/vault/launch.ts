// `rampart launch`: runs one pysystemtrade process with its secrets and nothing else.
//   1. sweep directories left by launchers that were SIGKILLed;
//   2. resolve every secret the profile needs (templates and env) and check the principal may read
//      each one before fetching any: a refusal means the child never starts;
//   3. fetch (each read a ledger event), render into a fresh private directory (0700 / 0600);
//   4. start the child with PYSYS_PRIVATE_CONFIG_DIR and the env secrets, pass signals through;
//   5. when the child exits — normally, crashing, or killed (even SIGKILL) — wipe the directory,
//      record the exit, and return the child's exit code (128 + signal number when killed).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { constants } from "node:os";
import type { AuditRecorder } from "../audit/index.js";
import { RampartError } from "../kernel/index.js";
import { vaultForbidden } from "./errors.js";
import { createPrivateDir, runtimeParent, sweepStaleDirs, wipeDir, writePrivateFile } from "./launch-dir.js";
import { parseSecretRef, readAction } from "./paths.js";
import type { VaultActor } from "./ports.js";
import type { VaultService } from "./service.js";
import { renderTemplate, type SecretReference, templateReferences } from "./template.js";

export interface LaunchProfile {
  name: string;
  templates: ReadonlyArray<{ template: string; out: string }>;
  /** NAME → "path#field". */
  env: Readonly<Record<string, string>>;
}

export interface LaunchDeps {
  vault: VaultService;
  audit: AuditRecorder;
  /** The principal the profile runs as (service account, or the local operator with its role). */
  actor: VaultActor;
  /** Base directory (e.g. /dev/shm); a per-user private parent is made inside. */
  runtimeBase: string;
  uid: number;
  pid: number;
  /** The child's environment before secrets are added (the launcher's own, minus Rampart's). */
  baseEnv: Readonly<Record<string, string | undefined>>;
  /** Signals forwarded to the child. */
  forwardSignals?: readonly NodeJS.Signals[];
  /** Called with the private directory once it exists (tests). */
  onDir?: (dir: string) => void;
}

export const PRIVATE_CONFIG_ENV = "PYSYS_PRIVATE_CONFIG_DIR";
const FORWARD: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/** Every (path, field) a profile needs, and the template texts (read once). */
function plan(profile: LaunchProfile): { refs: SecretReference[]; texts: string[] } {
  const texts = profile.templates.map((t) => {
    try {
      return readFileSync(t.template, "utf8");
    } catch (e) {
      throw new RampartError("ERR_VAULT_TEMPLATE", `template ${t.template} cannot be read`, {
        status: 400,
        detail: (e as Error).message,
      });
    }
  });
  const refs = profile.templates.flatMap((t, i) => templateReferences(texts[i] as string, t.template));
  for (const ref of Object.values(profile.env)) refs.push({ ...parseSecretRef(ref), filter: "raw" });
  return { refs, texts };
}

/** Fetches each path once (one audited read per path) and returns a (path, field) lookup. */
export async function fetchSecrets(
  vault: VaultService,
  actor: VaultActor,
  refs: readonly SecretReference[],
): Promise<(path: string, field: string) => string> {
  const values = new Map<string, Record<string, string>>();
  for (const path of new Set(refs.map((r) => r.path))) values.set(path, (await vault.get(actor, path)).data);
  return (path, field) => {
    const v = values.get(path)?.[field];
    if (v === undefined)
      throw new RampartError("ERR_VAULT_FIELD_NOT_FOUND", `${path} has no field ${field}`, { status: 404 });
    return v;
  };
}

export async function launch(
  deps: LaunchDeps,
  profile: LaunchProfile,
  command: readonly string[],
): Promise<number> {
  if (command.length === 0) throw new RampartError("ERR_USAGE", "no command given after --", { status: 400 });
  const parent = runtimeParent(deps.runtimeBase, deps.uid);
  sweepStaleDirs(parent);

  const { refs, texts } = plan(profile);
  const denied = [...new Set(refs.map((r) => r.path))].filter(
    (p) => !deps.vault.allowed(deps.actor, readAction(p)),
  );
  if (denied.length > 0) {
    await deps.audit.record({
      event_type: "secrets",
      action: "launch.start",
      outcome: "denied",
      user_id: deps.actor.id,
      resource: `launch/${profile.name}`,
      details: { profile: profile.name, command: command[0], denied_paths: denied },
    });
    throw vaultForbidden(denied.map(readAction).join(", "));
  }
  const lookup = await fetchSecrets(deps.vault, deps.actor, refs);
  const rendered = profile.templates.map((t, i) => ({
    out: t.out,
    text: renderTemplate(texts[i] as string, t.template, lookup),
  }));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(deps.baseEnv)) if (v !== undefined) env[k] = v;
  for (const [name, ref] of Object.entries(profile.env)) {
    const r = parseSecretRef(ref);
    env[name] = lookup(r.path, r.field);
  }

  const dir = createPrivateDir(parent, deps.pid);
  let child: ReturnType<typeof spawn> | undefined;
  const handlers = new Map<NodeJS.Signals, () => void>();
  try {
    for (const r of rendered) writePrivateFile(dir, r.out, r.text);
    env[PRIVATE_CONFIG_ENV] = dir;
    deps.onDir?.(dir);
    await deps.audit.record({
      event_type: "secrets",
      action: "launch.start",
      outcome: "success",
      user_id: deps.actor.id,
      resource: `launch/${profile.name}`,
      details: {
        profile: profile.name,
        command: command[0],
        paths: [...new Set(refs.map((r) => r.path))],
        env: Object.keys(profile.env),
        files: rendered.map((r) => r.out),
      },
    });
    const started = spawn(command[0] as string, command.slice(1), { stdio: "inherit", env });
    child = started;
    for (const sig of deps.forwardSignals ?? FORWARD) {
      const h = (): void => {
        started.kill(sig);
      };
      handlers.set(sig, h);
      process.on(sig, h);
    }
    const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: string }>(
      (resolve) => {
        started.once("error", (e) =>
          resolve({ code: 127, signal: null, error: (e as NodeJS.ErrnoException).code ?? "spawn error" }),
        );
        started.once("exit", (code, signal) => resolve({ code, signal }));
      },
    );
    const exitCode = result.signal ? 128 + (constants.signals[result.signal] ?? 0) : (result.code ?? 1);
    wipeDir(dir);
    await deps.audit.record({
      event_type: "secrets",
      action: "launch.exit",
      outcome: exitCode === 0 ? "success" : "failure",
      user_id: deps.actor.id,
      resource: `launch/${profile.name}`,
      details: {
        profile: profile.name,
        command: command[0],
        exit_code: result.code,
        signal: result.signal,
        ...(result.error ? { error: result.error } : {}),
      },
    });
    return exitCode;
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    wipeDir(dir);
  }
}
