// `rampart audit verify|export|proof|checkpoint`: thin shells over src/audit. The command functions
// take explicit arguments and return {exitCode, output} so they are testable without a process.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import {
  describeProblem,
  exportLedger,
  inclusionProof,
  type LedgerStore,
  type NoteVerifierKey,
  openExport,
  parsePublicKey,
  readLedgerPublicKey,
  rootAt,
  verifyLedger,
} from "../../audit/index.js";
import { UsageError } from "../../kernel/index.js";
import { createLedgerRepository } from "../../store/index.js";
import type { CliContext } from "../context.js";

export interface CommandResult {
  readonly exitCode: number;
  readonly output: string;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

export async function auditVerify(args: {
  repo?: LedgerStore | undefined;
  exportDir?: string | undefined;
  publicKeyFile?: string | undefined;
  againstFile?: string | undefined;
  origin?: string | undefined;
}): Promise<CommandResult> {
  const against = args.againstFile ? [await readFile(args.againstFile, "utf8")] : undefined;
  let source: Parameters<typeof verifyLedger>[0];
  let key: NoteVerifierKey;
  if (args.exportDir !== undefined) {
    const exp = await openExport(args.exportDir);
    source = exp.source;
    const keyText = args.publicKeyFile ? await readFile(args.publicKeyFile, "utf8") : exp.bundledKey;
    if (keyText === undefined) throw new UsageError("the export has no ledger.vkey: pass --public-key FILE");
    key = parsePublicKey(keyText, exp.origin ?? args.origin);
  } else if (args.repo !== undefined) {
    source = args.repo;
    const stored = await readLedgerPublicKey(args.repo);
    key = args.publicKeyFile
      ? parsePublicKey(await readFile(args.publicKeyFile, "utf8"), stored.name)
      : stored;
  } else {
    throw new UsageError("nothing to verify");
  }
  const report = await verifyLedger(source, { publicKey: key, against });
  if (!report.ok && report.problem)
    return { exitCode: 1, output: `ledger verification FAILED: ${describeProblem(report.problem)}` };
  return {
    exitCode: 0,
    output: `ledger verified: size ${report.size}, root ${hex(report.rootHash)}, ${report.checkpointsChecked} checkpoint(s) checked${against ? ", extends the given checkpoint" : ""}`,
  };
}

export async function auditExport(repo: LedgerStore, outDir: string): Promise<CommandResult> {
  const key = await readLedgerPublicKey(repo);
  const s = await exportLedger(repo, key, outDir);
  return {
    exitCode: 0,
    output: `exported ${s.size} entries and ${s.checkpoints} checkpoint(s) to ${s.dir} (root ${hex(s.rootHash)})`,
  };
}

export async function auditProof(repo: LedgerStore, index: number, size?: number): Promise<CommandResult> {
  const n = size ?? (await repo.size());
  const proof = await inclusionProof(repo, index, n);
  const leaf = await repo.readEntry(index);
  const body = {
    index,
    tree_size: n,
    leaf_hash: leaf ? hex(leaf.leafHash) : null,
    root_hash: hex(await rootAt(repo, n)),
    proof: proof.map(hex),
  };
  return { exitCode: 0, output: JSON.stringify(body, null, 2) };
}

export async function auditCheckpoint(repo: LedgerStore): Promise<CommandResult> {
  const cp = await repo.latestCheckpoint();
  if (!cp) return { exitCode: 1, output: "no checkpoint has been written yet" };
  return { exitCode: 0, output: cp.note.trimEnd() };
}

function nonNegative(v: string, name: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(v)) throw new UsageError(`${name} must be a non-negative integer`);
  return Number(v);
}

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program.command("audit").description("verify, export and prove the audit ledger");
  const withRepo = async (
    dataDirOpt: string | undefined,
    fn: (repo: LedgerStore, origin: string) => Promise<CommandResult>,
  ) => {
    const app = await ctx.openApp(ctx.dataDir(dataDirOpt), { withoutKeys: true });
    try {
      const r = await fn(createLedgerRepository(app.store), app.config.audit.origin);
      (r.exitCode === 0 ? ctx.out : ctx.err)(r.output);
      ctx.setExitCode(r.exitCode);
    } finally {
      await app.close();
    }
  };
  audit
    .command("verify")
    .description("recompute the tree, check every checkpoint; exit 1 naming the first problem")
    .option("--data-dir <dir>", "data directory")
    .option("--export <dir>", "verify an export directory instead of the database")
    .option("--public-key <file>", "trusted ledger key (PEM or signed-note verifier key)")
    .option("--against <file>", "a checkpoint saved earlier: the ledger must extend it")
    .action(async (o: { dataDir?: string; export?: string; publicKey?: string; against?: string }) => {
      if (o.export !== undefined) {
        const r = await auditVerify({
          exportDir: o.export,
          publicKeyFile: o.publicKey,
          againstFile: o.against,
        });
        (r.exitCode === 0 ? ctx.out : ctx.err)(r.output);
        ctx.setExitCode(r.exitCode);
        return;
      }
      await withRepo(o.dataDir, (repo, origin) =>
        auditVerify({ repo, publicKeyFile: o.publicKey, againstFile: o.against, origin }),
      );
    });
  audit
    .command("export")
    .description("write entries (JSONL), checkpoints and the public key to a directory")
    .requiredOption("--out <dir>", "output directory")
    .option("--data-dir <dir>", "data directory")
    .action((o: { out: string; dataDir?: string }) =>
      withRepo(o.dataDir, (repo) => auditExport(repo, o.out)),
    );
  audit
    .command("proof")
    .description("print an inclusion proof (RFC 9162) as JSON")
    .requiredOption("--index <n>", "leaf index")
    .option("--size <m>", "tree size (default: current)")
    .option("--data-dir <dir>", "data directory")
    .action((o: { index: string; size?: string; dataDir?: string }) =>
      withRepo(o.dataDir, (repo) =>
        auditProof(
          repo,
          nonNegative(o.index, "--index"),
          o.size === undefined ? undefined : nonNegative(o.size, "--size"),
        ),
      ),
    );
  audit
    .command("checkpoint")
    .description("print the latest signed checkpoint")
    .option("--data-dir <dir>", "data directory")
    .action((o: { dataDir?: string }) => withRepo(o.dataDir, (repo) => auditCheckpoint(repo)));
}
