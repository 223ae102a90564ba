// Brute-force defence. Per IP: a budget of failures per fixed window (keyed by the injected clock's
// window index, so every instance agrees), past which callers get ERR_AUTH_RATE_LIMITED with the
// seconds left in the window. Per account: consecutive failures (passwords and MFA codes alike)
// counted in shared ephemeral state; at the threshold the account is locked for base × 2^(n-1),
// capped at max, and the lock is stored with the user so it survives restarts.
import { rateLimited } from "./errors.js";
import type { IdentityDeps } from "./settings.js";
import type { User, UserStatus } from "./types.js";

const ipKey = (ip: string, window: number) => `identity:ipfail:${ip}:${window}`;
const accountKey = (userId: string) => `identity:fail:${userId}`;

/** Stored status with an expired lock read as active. */
export function effectiveStatus(user: User, now: number): UserStatus {
  if (user.status === "locked" && (user.lockedUntil === null || user.lockedUntil <= now)) return "active";
  return user.status;
}

/** Seconds until the IP may try again, or 0 when it is within its budget. */
export async function ipRetryAfter(deps: IdentityDeps, ip: string | null | undefined): Promise<number> {
  if (!ip) return 0;
  const { max, windowMs } = deps.settings.ipFailures;
  const now = deps.clock.now();
  const window = Math.floor(now / windowMs);
  const failures = Number((await deps.ephemeral.get(ipKey(ip, window))) ?? 0);
  return failures >= max ? ((window + 1) * windowMs - now) / 1000 : 0;
}

export async function assertIpBudget(deps: IdentityDeps, ip: string | null | undefined): Promise<void> {
  const wait = await ipRetryAfter(deps, ip);
  if (wait > 0) throw rateLimited(wait);
}

export async function recordIpFailure(deps: IdentityDeps, ip: string | null | undefined): Promise<void> {
  if (!ip) return;
  const { windowMs } = deps.settings.ipFailures;
  await deps.ephemeral.incr(ipKey(ip, Math.floor(deps.clock.now() / windowMs)), 1, windowMs);
}

export interface AccountFailure {
  failures: number;
  /** Set when this failure locked the account. */
  lockedUntil: number | null;
}

export async function recordAccountFailure(deps: IdentityDeps, user: User): Promise<AccountFailure> {
  const { threshold, baseMs, maxMs } = deps.settings.lockout;
  const failures = await deps.ephemeral.incr(accountKey(user.id), 1, maxMs);
  if (failures < threshold) return { failures, lockedUntil: null };
  await deps.ephemeral.del(accountKey(user.id));
  const now = deps.clock.now();
  const lockoutCount = user.lockoutCount + 1;
  const lockedUntil = now + Math.min(baseMs * 2 ** Math.min(lockoutCount - 1, 30), maxMs);
  await deps.store.updateUser(user.id, { status: "locked", lockoutCount, lockedUntil, updatedAt: now });
  return { failures, lockedUntil };
}

/** After a complete login: the consecutive-failure count and the lockout doubling start again. */
export async function clearAccountFailures(deps: IdentityDeps, user: User): Promise<void> {
  await deps.ephemeral.del(accountKey(user.id));
}
