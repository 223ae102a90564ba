// `rampart keys`: the key hierarchy's administration.
//   keys status                         versions, ages, ciphertexts per version, per purpose
//   keys rotate PURPOSE | --due         new current version (then the purpose's own rotation hook)
//   keys rewrap PURPOSE                 re-encrypt stored ciphertexts to the current version
//   keys rotate-master --new-key-file F re-wrap everything under a new master key and install it
//
// Other modules add what `rotate PURPOSE` must also do to PURPOSE_ROTATIONS below (e.g. tokens:
// a new signing key, written under the new key version), one entry per purpose.
import {
  closeSync,
  constants,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { App } from "../../app.js";
import { UsageError } from "../../kernel/index.js";
import {
  isKeyPurpose,
  KEY_PURPOSES,
  KeyRing,
  KeyService,
  keySettingsFromConfig,
  loadMasterKey,
  rewrapPurpose,
  rotateMaster,
} from "../../keys/index.js";
import { KeysRepository } from "../../store/index.js";
import type { CliContext } from "../context.js";

/** What `rampart keys rotate PURPOSE` does after making a new key version current. */
export type PurposeRotation = (app: App, keys: KeyService, ctx: CliContext) => Promise<string | undefined>;
export const PURPOSE_ROTATIONS: Partial<Record<string, PurposeRotation>> = {};

export interface OpenedKeys {
  app: App;
  keys: KeyService;
  repo: KeysRepository;
  close(): Promise<void>;
}

/** Opens the app and a loaded KeyService (master key checked against the database). */
export async function openKeys(
  ctx: CliContext,
  dataDir: string,
  opts: { load?: boolean } = {},
): Promise<OpenedKeys> {
  const app = await ctx.openApp(dataDir);
  try {
    const repo = new KeysRepository(app.store);
    const keys = new KeyService({
      keyring: app.keyring(),
      store: repo,
      clock: app.clock,
      settings: keySettingsFromConfig(app.config),
      audit: app.audit,
    });
    if (opts.load !== false) await keys.load();
    return { app, keys, repo, close: () => app.close() };
  } catch (e) {
    await app.close();
    throw e;
  }
}

const DATA_DIR = [
  "--data-dir <dir>",
  "data directory (default: $RAMPART_DATA_DIR or ./rampart-data)",
] as const;

export function registerKeysCommands(program: Command, ctx: CliContext): void {
  const keys = program
    .command("keys")
    .description("key hierarchy: status, rotation, rewrap, master-key rotation");

  keys
    .command("status")
    .description("key versions per purpose, their ages and how many stored ciphertexts use each")
    .option(...DATA_DIR)
    .option("--json", "print JSON")
    .action(async (opts: { dataDir?: string; json?: boolean }) => {
      const k = await openKeys(ctx, ctx.dataDir(opts.dataDir));
      try {
        const status = await k.keys.status();
        if (opts.json) return ctx.out(JSON.stringify(status, null, 2));
        for (const p of status) {
          const due =
            p.rotationDue === null
              ? ""
              : `, rotation due ${new Date(p.rotationDue).toISOString().slice(0, 10)}`;
          ctx.out(
            `${p.purpose}: current ${p.current ?? "none"}, min_decryption_version ${p.minDecryptionVersion}${due}`,
          );
          for (const v of p.versions)
            ctx.out(
              `  v${v.version}  age ${v.ageDays}d  ciphertexts ${v.ciphertexts}  encryptions reserved ${v.usageReserved}`,
            );
        }
      } finally {
        await k.close();
      }
    });

  keys
    .command("rotate")
    .description("make a new key version of PURPOSE current (old versions keep decrypting)")
    .argument("[purpose]", `one of ${KEY_PURPOSES.join(", ")}`)
    .option("--due", "rotate every purpose whose key is older than keys.rotation_days (for cron)")
    .option(...DATA_DIR)
    .action(async (purpose: string | undefined, opts: { dataDir?: string; due?: boolean }) => {
      if (!opts.due && !purpose) throw new UsageError("name a PURPOSE or pass --due");
      if (purpose && !isKeyPurpose(purpose))
        throw new UsageError(`unknown purpose ${purpose} (${KEY_PURPOSES.join(", ")})`);
      const k = await openKeys(ctx, ctx.dataDir(opts.dataDir));
      try {
        const done = opts.due
          ? await k.keys.rotateDue(ctx.actor())
          : [{ purpose: purpose as string, version: await k.keys.rotate(purpose as string, ctx.actor()) }];
        for (const d of done) {
          ctx.out(`${d.purpose}: version ${d.version} is now current`);
          const extra = await PURPOSE_ROTATIONS[d.purpose]?.(k.app, k.keys, ctx);
          if (extra) ctx.out(extra);
        }
        if (done.length === 0) ctx.out("no key is due for rotation");
        else ctx.out(`run \`rampart keys rewrap PURPOSE\` to move stored ciphertexts to the new version`);
      } finally {
        await k.close();
      }
    });

  keys
    .command("rewrap")
    .description("re-encrypt every stored ciphertext of PURPOSE under its current version (resumable)")
    .argument("<purpose>", `one of ${KEY_PURPOSES.join(", ")}`)
    .option("--batch-size <n>", "ciphertexts per transaction", "500")
    .option(...DATA_DIR)
    .action(async (purpose: string, opts: { dataDir?: string; batchSize: string }) => {
      const batchSize = Number(opts.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
        throw new UsageError("--batch-size must be an integer 1..10000");
      if (!isKeyPurpose(purpose))
        throw new UsageError(`unknown purpose ${purpose} (${KEY_PURPOSES.join(", ")})`);
      const k = await openKeys(ctx, ctx.dataDir(opts.dataDir));
      try {
        const report = await rewrapPurpose(k.keys, k.repo, purpose, {
          batchSize,
          actor: ctx.actor(),
          audit: k.app.audit,
          logger: k.app.logger,
          onBatch: (n) => {
            if (ctx.env["RAMPART_REWRAP_PROGRESS"]) ctx.err(`rewrapped ${n}`);
          },
        });
        ctx.out(
          `${report.purpose}: ${report.rewrapped} ciphertext(s) rewrapped to version ${report.version}`,
        );
      } finally {
        await k.close();
      }
    });

  keys
    .command("rotate-master")
    .description("re-wrap every key under a new master key (atomic; run again if interrupted) and install it")
    .requiredOption("--new-key-file <file>", "the new master key (0600; e.g. from `openssl rand -base64 32`)")
    .option(...DATA_DIR)
    .action(async (opts: { dataDir?: string; newKeyFile: string }) => {
      const dataDir = ctx.dataDir(opts.dataDir);
      const nextKey = loadMasterKey({ file: opts.newKeyFile });
      const next = new KeyRing(nextKey);
      const fromEnv = Boolean(ctx.env["RAMPART_MASTER_KEY"]);
      // Resuming after a crash between commit and install: the database is under the new key
      // already, and opening it with the old one would fail (the ledger's key was re-wrapped too).
      const probe = await ctx.openApp(dataDir, { withoutKeys: true });
      let recorded: string | null;
      try {
        recorded = await new KeysRepository(probe.store).readMasterCheck();
      } finally {
        await probe.close();
      }
      if (recorded === next.masterCheck()) {
        if (fromEnv)
          return ctx.out("the database is under the new key already: set RAMPART_MASTER_KEY to it");
        installMasterKey(dataDir, opts.newKeyFile);
        return ctx.out(
          "the database was already re-wrapped (resuming): installed the new master key; restart Rampart",
        );
      }
      const k = await openKeys(ctx, dataDir, { load: false });
      try {
        const current = k.app.keyring();
        const report = await rotateMaster({
          store: k.repo,
          current,
          next,
          actor: ctx.actor(),
          audit: k.app.audit,
        });
        ctx.out(
          report.status === "rotated"
            ? `re-wrapped ${report.keyVersions} data key(s) and ${report.ciphertexts} KEK-direct value(s) under the new master key`
            : "the database was already re-wrapped under the new master key (resuming)",
        );
        if (fromEnv) {
          ctx.out(
            `set RAMPART_MASTER_KEY to the contents of ${opts.newKeyFile}, restart Rampart, then shred that file`,
          );
        } else {
          installMasterKey(dataDir, opts.newKeyFile);
          ctx.out(
            `installed as ${join(dataDir, "master.key")}; ${opts.newKeyFile} removed. Restart running Rampart processes.`,
          );
        }
      } finally {
        await k.close();
      }
    });
}

/** Atomically replaces master.key (write 0600 temp, fsync, rename), then removes the source file. */
function installMasterKey(dataDir: string, source: string): void {
  const text = readFileSync(source, "utf8");
  const tmp = join(dataDir, "master.key.new");
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
  try {
    writeSync(fd, text.endsWith("\n") ? text : `${text}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dataDir, "master.key"));
  unlinkSync(source);
}
