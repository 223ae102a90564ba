// Shared by the benchmarks that time a change on one instance reaching another (bench/trading,
// bench/network): the options, the figures' line, and the same-run baseline, a raw publish →
// receive round trip between two connections of the same ephemeral store.
import { type EphemeralStore, MemoryBackend, openEphemeral, randomTag } from "../../src/store/index.js";

const arg = (name: string) => process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));

/** --redis[=URL] or RAMPART_TEST_REDIS_URL picks Redis; --rounds N (default 50). */
export function propagationOptions() {
  const redisArg = arg("redis");
  const redisUrl =
    process.env["RAMPART_TEST_REDIS_URL"] ||
    (redisArg ? (redisArg.includes("=") ? redisArg.split("=")[1] : "redis://127.0.0.1:6379") : undefined);
  const roundsArg = arg("rounds");
  const rounds = roundsArg ? Number(roundsArg.split("=")[1]) : 50;
  const backend = new MemoryBackend();
  const prefix = `rampart:bench:${randomTag()}:`;
  return {
    redisUrl,
    rounds,
    kind: redisUrl ? "redis" : "memory",
    /** A new connection to the run's ephemeral store (one shared memory backend without Redis). */
    openEph: (): Promise<EphemeralStore> => openEphemeral({ redisUrl, prefix, memoryBackend: backend }),
  };
}

export const quantile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
};
export const round2 = (x: number): number => Number(x.toFixed(2));

/** Prints one figure as a JSON line: median, p99 and max of `samples` (ms), plus `fields`. */
export function emitFigure(
  fields: Record<string, unknown>,
  figure: string,
  samples: number[],
  extra: Record<string, unknown> = {},
): void {
  console.log(
    JSON.stringify({
      ...fields,
      figure,
      n: samples.length,
      median_ms: round2(quantile(samples, 0.5)),
      p99_ms: round2(quantile(samples, 0.99)),
      max_ms: round2(Math.max(...samples)),
      ...extra,
    }),
  );
}

/** `rounds` publish → receive round trips between two connections, after `warmup` unmeasured ones. */
export async function publishReceiveBaseline(
  openEph: () => Promise<EphemeralStore>,
  rounds: number,
  warmup = 5,
): Promise<number[]> {
  const a = await openEph();
  const b = await openEph();
  const samples: number[] = [];
  let resolve: (() => void) | undefined;
  const unsub = await b.subscribe("bench:ping", () => resolve?.());
  for (let i = 0; i < rounds + warmup; i++) {
    const t0 = performance.now();
    await new Promise<void>((res) => {
      resolve = res;
      void a.publish("bench:ping", String(i));
    });
    if (i >= warmup) samples.push(performance.now() - t0);
  }
  await unsub();
  await a.close();
  await b.close();
  return samples;
}
