#!/usr/bin/env node
// Runs the suite with Node's own test runner over TypeScript sources (tsx loader), one
// `node --test` process group per test file, RAMPART_TEST_CONCURRENCY (default 2) at a time.
//
// Usage: npm test [-- path-or-substring ...] to run only matching test files.
//
// Each file has a deadline (RAMPART_TEST_FILE_TIMEOUT_S, default 300 s; the slowest file takes
// about 40 s here). A file that has not finished by then — a test waiting on something that never
// comes, or a handle that keeps its process alive after the tests — is a failure that names the
// file: its Node.js processes write a diagnostic report (JavaScript stack and open handles, which
// this runner summarises), then the file's process group is killed, with any server or daemon a
// test started in it (one that detaches into a group of its own escapes). Without this a hang stops the whole suite with nothing to show where it is. The whole
// run has a deadline too (RAMPART_TEST_SUITE_TIMEOUT_S, default 1200 s): files it leaves unstarted
// are listed, and the run fails.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const roots = ["src", "test", "demo", "integrations"];
const files = [];
function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === "node_modules") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".test.ts")) files.push(relative(process.cwd(), p));
  }
}
for (const r of roots) walk(r);
const filters = process.argv.slice(2);
const selected = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
selected.sort();
if (selected.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}

function positiveInt(name, fallback, max = 86_400) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    console.error(`${name} must be a whole number from 1 to ${max}, not ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}
const concurrency = positiveInt("RAMPART_TEST_CONCURRENCY", 2);
const fileTimeoutMs = positiveInt("RAMPART_TEST_FILE_TIMEOUT_S", 300) * 1000;
// The whole run's deadline (CI has 25 minutes for install, lint and tests; the suite takes ~4).
const suiteTimeoutMs = positiveInt("RAMPART_TEST_SUITE_TIMEOUT_S", 1200) * 1000;
// One file: its output as it comes. Several: each file's output whole, when it ends, so that
// concurrent files do not interleave.
const live = selected.length === 1;

const reportDir = mkdtempSync(join(tmpdir(), "rampart-test-reports-"));
const totals = { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0 };
const failed = [];
/** file → when it started and its process group. */
const running = new Map();
let runs = 0;
const started = Date.now();
const suiteEnd = started + suiteTimeoutMs;
/** Files the suite's deadline left unstarted. */
const notRun = [];

function runFile(file) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const reports = join(reportDir, `${++runs}`);
    mkdirSync(reports);
    const env = {
      ...process.env,
      NODE_ENV: "test",
      // Every Node.js process of this file (the runner's, the test file's, any it spawns) writes a
      // diagnostic report on SIGWINCH; only a timed-out file is sent one.
      NODE_OPTIONS: [
        process.env.NODE_OPTIONS ?? "",
        "--report-on-signal",
        // SIGWINCH: ignored by any process that does not ask for it (python3, rsyslogd, sleep), so
        // asking for reports cannot kill what the test is waiting on and make it look finished.
        "--report-signal=SIGWINCH",
        `--report-directory=${reports}`,
      ].join(" "),
    };
    const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=spec", file], {
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Both streams in arrival order for the reader; stdout alone for the spec reporter's summary.
    let out = "";
    let stdout = "";
    const take = (fromStdout) => (s) => {
      out += s;
      if (fromStdout) stdout += s;
      if (live) process.stdout.write(s);
    };
    child.stdout.setEncoding("utf8").on("data", take(true));
    child.stderr.setEncoding("utf8").on("data", take(false));
    running.set(file, { t0, pid: child.pid });
    let timedOut = false;
    const limitMs = Math.min(fileTimeoutMs, suiteEnd - t0);
    const whose = limitMs < fileTimeoutMs ? "the suite's deadline" : `${fileTimeoutMs / 1000} s`;
    let closed = false;
    // Never signal a group that has ended: its id may since belong to another.
    const group = (signal) => closed || killGroup(child.pid, signal);
    const timer = setTimeout(async () => {
      timedOut = true;
      group("SIGWINCH");
      await sleep(3000);
      group("SIGTERM");
      await sleep(3000);
      group("SIGKILL");
    }, limitMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(file);
      // Whatever the file started and left behind in its group goes with it.
      group("SIGKILL");
      closed = true;
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      // The counts are the spec reporter's summary block on stdout (the last one: the failing tests
      // may be listed after it); a killed file has none.
      const summary = timedOut ? undefined : [...stdout.matchAll(SUMMARY)].at(-1);
      if (summary)
        ["tests", "pass", "fail", "cancelled", "skipped", "todo"].forEach((k, i) => {
          totals[k] += Number(summary[i + 1]);
        });
      const body = out
        .split("\n")
        .filter((l) => !/^(ℹ \w+ [\d.]+$|Writing Node\.js report|Node\.js report completed)/.test(l));
      const ok = code === 0 && !timedOut;
      const verdict = [];
      if (!ok) {
        failed.push(file);
        if (timedOut) {
          verdict.push(
            `✖ ${file} did not finish within ${whose} and was killed. The last test`,
            "  above finished; the hang is in the one after it, or in what the file left open",
            "  (a process busy in synchronous code writes no report):",
            ...summariseReports(reports),
          );
        } else verdict.push(`✖ ${file} exited with ${signal ?? code}`);
      }
      if (live) process.stdout.write(verdict.map((l) => `${l}\n`).join(""));
      else
        process.stdout.write(`\n▶▶ ${file} (${seconds} s)\n${[...body, ...verdict].join("\n").trimEnd()}\n`);
      rmSync(reports, { recursive: true, force: true });
      resolve();
    });
  });
}

/** The JavaScript stack and the open handles each Node.js process of a hung file reported. */
function summariseReports(dir) {
  let names;
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  } catch {
    return ["  (no diagnostic report was written)"];
  }
  const lines = [];
  for (const name of names) {
    try {
      const r = JSON.parse(readFileSync(join(dir, name), "utf8"));
      const cmd = (r.header?.commandLine ?? []).slice(1).join(" ").slice(0, 160);
      lines.push(`  process ${r.header?.processId}: ${cmd}`);
      for (const f of (r.javascriptStack?.stack ?? []).slice(0, 8)) lines.push(`    at ${String(f).trim()}`);
      const handles = (r.libuv ?? []).filter((h) => h.is_active && h.is_referenced && h.type !== "async");
      for (const h of handles) {
        const where = [
          h.localEndpoint && `${h.localEndpoint.host}:${h.localEndpoint.port}`,
          h.remoteEndpoint && `→ ${h.remoteEndpoint.host}:${h.remoteEndpoint.port}`,
          h.pid && `pid ${h.pid}`,
          h.filename,
          h.firesInAbsoluteTime && "timer",
        ]
          .filter(Boolean)
          .join(" ");
        lines.push(`    open ${h.type}${where ? ` ${where}` : ""}`);
      }
    } catch (e) {
      lines.push(`  (report ${name} unreadable: ${e.message})`);
    }
  }
  return lines.length ? lines : ["  (no diagnostic report was written)"];
}

const SUMMARY =
  /^ℹ tests (\d+)\nℹ suites \d+\nℹ pass (\d+)\nℹ fail (\d+)\nℹ cancelled (\d+)\nℹ skipped (\d+)\nℹ todo (\d+)\nℹ duration_ms [\d.]+$/gm;

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// Files that have run long are named every minute, so a slow run shows where it is.
const heartbeat = setInterval(() => {
  const long = [...running].map(([f, { t0 }]) => [f, t0]).filter(([, t]) => Date.now() - t > 60_000);
  if (long.length)
    console.log(
      `… still running: ${long.map(([f, t]) => `${f} (${Math.round((Date.now() - t) / 1000)} s)`).join(", ")}`,
    );
}, 60_000);

for (const [signal, status] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
])
  process.on(signal, () => {
    for (const [file, { pid }] of running) {
      console.error(`interrupted while running ${file}`);
      killGroup(pid, "SIGKILL");
    }
    rmSync(reportDir, { recursive: true, force: true });
    process.exit(status);
  });

const queue = [...selected];
await Promise.all(
  Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      if (Date.now() >= suiteEnd) notRun.push(file);
      else await runFile(file);
    }
  }),
);
clearInterval(heartbeat);
rmSync(reportDir, { recursive: true, force: true });

const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(
  `\nℹ files ${selected.length} · tests ${totals.tests} · pass ${totals.pass} · fail ${totals.fail} · ` +
    `cancelled ${totals.cancelled} · skipped ${totals.skipped} · todo ${totals.todo} · ${seconds} s`,
);
if (notRun.length)
  console.log(
    `✖ the suite's deadline (${suiteTimeoutMs / 1000} s, RAMPART_TEST_SUITE_TIMEOUT_S) passed; ` +
      `${notRun.length} file(s) did not run:\n${notRun.map((f) => `  ${f}`).join("\n")}`,
  );
if (failed.length)
  console.log(`✖ ${failed.length} file(s) failed:\n${failed.map((f) => `  ${f}`).join("\n")}`);
if (failed.length || notRun.length) process.exitCode = 1;
