// Starts a worker thread from a module next to the caller, both as compiled JavaScript (dist/) and
// under tsx (tests, benchmarks): tsx's loader hooks do not reach a worker's entry module on Node 20,
// so there the worker first registers tsx itself, then imports the TypeScript entry.
import { Worker } from "node:worker_threads";

export function startWorkerThread(callerUrl: string, baseName: string, workerData: unknown): Worker {
  const underTsx = callerUrl.endsWith(".ts");
  const entry = new URL(`./${baseName}.${underTsx ? "ts" : "js"}`, callerUrl);
  if (!underTsx) return new Worker(entry, { workerData });
  const boot = `import("tsx/esm/api").then((t) => t.register()).then(() => import(${JSON.stringify(entry.href)}))`;
  return new Worker(boot, { eval: true, workerData });
}
