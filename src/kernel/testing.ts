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
