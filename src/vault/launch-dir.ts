// Private directories for rendered secrets: on a memory-backed file system when there is one
// (/dev/shm), in a per-user parent (0700), one fresh directory per launch (0700) whose name carries
// the launcher's pid, files 0600 created exclusively. Wiping overwrites each file with zeros before
// unlinking it (on tmpfs the pages are then freed; on disk, overwriting narrows what lingers).
// A launcher killed with SIGKILL cannot clean up: the next launch's sweep removes every directory
// whose launcher pid is no longer alive.
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { RampartError } from "../kernel/index.js";

const PREFIX = "launch-";

/** /dev/shm when present and a directory, else `fallback` (the OS temp directory). */
export function defaultRuntimeBase(fallback: string): string {
  try {
    if (existsSync("/dev/shm") && statSync("/dev/shm").isDirectory()) return "/dev/shm";
  } catch {
    /* fall through */
  }
  return fallback;
}

/** `<base>/rampart-<uid>`, created 0700 and checked to be ours and private. */
export function runtimeParent(base: string, uid: number): string {
  const dir = join(base, `rampart-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.isSymbolicLink() || (uid >= 0 && st.uid !== uid))
    throw new RampartError("ERR_VAULT_RUNTIME_DIR", `${dir} is not a private directory of this user`, {
      status: 500,
    });
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

export function createPrivateDir(parent: string, pid: number): string {
  const dir = mkdtempSync(join(parent, `${PREFIX}${pid}-`));
  chmodSync(dir, 0o700);
  return dir;
}

export function writePrivateFile(dir: string, name: string, content: string): string {
  if (name.includes("/") || name === "." || name === "..")
    throw new RampartError("ERR_VAULT_TEMPLATE", `output name ${name} must be a plain file name`, {
      status: 400,
    });
  const file = join(dir, name);
  const fd = openSync(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return file;
}

/** Overwrites every regular file with zeros, then removes the directory. Never throws. */
export function wipeDir(dir: string): void {
  try {
    for (const name of readdirSync(dir)) {
      const f = join(dir, name);
      try {
        const st = lstatSync(f);
        if (st.isFile()) {
          const fd = openSync(f, constants.O_WRONLY | constants.O_NOFOLLOW);
          try {
            writeSync(fd, Buffer.alloc(st.size));
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
        }
      } catch {
        /* removal below still happens */
      }
    }
  } catch {
    /* directory already gone */
  }
  rmSync(dir, { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes directories left by launchers that died without cleaning up; returns how many. */
export function sweepStaleDirs(parent: string): number {
  let n = 0;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length).split("-")[0]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || alive(pid)) continue;
    wipeDir(join(parent, name));
    n++;
  }
  return n;
}
