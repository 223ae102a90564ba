// Brute-force defence. Per IP: a budget of failures per fixed window (keyed by the injected clock's
// window index, so every instance agrees), past which callers get ERR_AUTH_RATE_LIMITED with the
// seconds left in the window. Per account: consecutive failures (passwords and MFA codes alike)
// counted in shared ephemeral state; at the threshold the account is locked for base × 2^(n-1),
// capped at max, and the lock is stored with the user so it survives restarts.
//
// Both budgets are spent before a guess is checked, not after: a guess first takes a slot with one
// atomic increment and is checked only when the slot is within the budget; a wrong guess keeps its
// slot (it is the failure), a right one gives it back. However many requests race, on however many
// instances, no more guesses are checked than the budget allows — counting after the check would
// let a whole burst pass the check before its first failure was counted.
//
// The account's counter is keyed by the lock it follows (locked_until; none before the first): a
// lock gives the attempts after it a fresh counter, while a request that read the user just before
// the lock still counts on the spent one and is refused.
import { rateLimited } from "./errors.js";
import { emit } from "./events.js";
import type { IdentityDeps } from "./settings.js";
import type { RequestContext, User, UserStatus } from "./types.js";

const ipKey = (ip: string, window: number) => `identity:ipfail:${ip}:${window}`;
const accountKey = (userId: string, after: number | null) => `identity:fail:${userId}:${after ?? 0}`;

/** Stored status with an expired lock read as active. */
export function effectiveStatus(user: User, now: number): UserStatus {
  if (user.status === "locked" && (user.lockedUntil === null || user.lockedUntil <= now)) return "active";
  return user.status;
}

/** Gives a taken slot back at most once (a decrement of the counter it was taken from). */
function giveBack(deps: IdentityDeps, key: string, ttlMs: number) {
  let held = true;
  return {
    /** The slot stays counted: it is a failure now. */
    keep(): void {
      held = false;
    },
    async release(): Promise<void> {
      if (!held) return;
      held = false;
      await deps.ephemeral.incr(key, -1, ttlMs);
    },
  };
}

/** A guess's place in the IP's budget. A refused one is given back at once (it counts for nothing). */
type IpSlot =
  | { readonly allowed: false /** Seconds until the window ends. */; readonly retryAfter: number }
  | {
      readonly allowed: true;
      /** The guess was right or did not count (an error): the slot goes back. Not calling it keeps it as a failure. */
      release(): Promise<void>;
    };

/** Takes a slot in the IP's budget for the current window before anything is checked. */
async function takeIpSlot(deps: IdentityDeps, ip: string | null | undefined): Promise<IpSlot> {
  if (!ip) return { allowed: true, release: async () => {} };
  const { max, windowMs } = deps.settings.ipFailures;
  const now = deps.clock.now();
  const window = Math.floor(now / windowMs);
  const key = ipKey(ip, window);
  const n = await deps.ephemeral.incr(key, 1, windowMs);
  const slot = giveBack(deps, key, windowMs);
  if (n <= max) return { allowed: true, release: slot.release };
  await slot.release();
  return { allowed: false, retryAfter: ((window + 1) * windowMs - now) / 1000 };
}

/**
 * Runs `check` holding a slot of the IP's budget. A spent budget is ERR_AUTH_RATE_LIMITED (after
 * `onRefused`, to record it). The slot is kept (as the IP's failure) only when `check` marks its
 * attempt failed; a success, a refusal for another reason or an error gives it back.
 */
export async function withIpSlot<T>(
  deps: IdentityDeps,
  ip: string | null | undefined,
  check: (attempt: { failed: boolean }) => Promise<T>,
  onRefused?: () => Promise<void>,
): Promise<T> {
  const slot = await takeIpSlot(deps, ip);
  if (!slot.allowed) {
    await onRefused?.();
    throw rateLimited(slot.retryAfter);
  }
  const attempt = { failed: false };
  try {
    return await check(attempt);
  } finally {
    if (!attempt.failed) await slot.release();
  }
}

export interface AccountFailure {
  failures: number;
  /** Set when this failure locked the account. */
  lockedUntil: number | null;
}

/** A guess's place in the account's budget. A refused one is given back at once. */
export type AccountSlot =
  | { readonly allowed: false }
  | {
      readonly allowed: true;
      /** The guess was wrong: the slot stays taken, and the failure that fills the budget locks the account. */
      fail(): Promise<AccountFailure>;
      /** The guess was right, or was not checked after all (an error): the slot goes back. */
      release(): Promise<void>;
      /** Runs the check; if it throws (not a wrong guess: an error), the slot goes back. */
      check<T>(fn: () => Promise<T>): Promise<T>;
    };

export type TakenAccountSlot = Extract<AccountSlot, { allowed: true }>;

/**
 * Takes a slot in the account's budget before a password or code is checked. Refused (allowed
 * false) when the threshold's worth are already taken by failures or by checks still running.
 */
export async function takeAccountSlot(deps: IdentityDeps, user: User): Promise<AccountSlot> {
  const { threshold, maxMs } = deps.settings.lockout;
  // While a lock is in force nothing is checked, and nothing is counted: failures counted now
  // (a step-up or password change in a session that outlived the lock) would fill the counter the
  // next period starts from, with no lock ever written for them.
  if (effectiveStatus(user, deps.clock.now()) === "locked") return { allowed: false };
  const key = accountKey(user.id, user.lockedUntil);
  const n = await deps.ephemeral.incr(key, 1, maxMs);
  const slot = giveBack(deps, key, maxMs);
  if (n > threshold) {
    await slot.release();
    return { allowed: false };
  }
  return {
    allowed: true,
    fail: async () => {
      try {
        const f = await lockAtThreshold(deps, user, n);
        slot.keep();
        return f;
      } catch (e) {
        // The lock was not written: the slot goes back rather than leave a full counter behind.
        await slot.release();
        throw e;
      }
    },
    release: slot.release,
    async check(fn) {
      try {
        return await fn();
      } catch (e) {
        await slot.release();
        throw e;
      }
    },
  };
}

/**
 * The account's slot for a guess, or (budget spent, or a lock in force) the refusal recorded as
 * `refusal.action` with reason `locked`, and `error()` thrown: the guess is never checked.
 */
export async function takeAccountSlotOrRefuse(
  deps: IdentityDeps,
  user: User,
  refusal: {
    action: string;
    ctx: RequestContext;
    sessionId?: string | null;
    details?: Record<string, unknown>;
  },
  error: () => Error,
): Promise<TakenAccountSlot> {
  const slot = await takeAccountSlot(deps, user);
  if (slot.allowed) return slot;
  await emit(deps, {
    action: refusal.action,
    outcome: "failure",
    userId: user.id,
    sessionId: refusal.sessionId ?? null,
    ctx: refusal.ctx,
    details: { ...refusal.details, reason: "locked", budget_spent: true },
  });
  throw error();
}

/** base × 2^k capped at max, for k = 0, 1, …: the lock after k earlier ones (the last for any beyond). */
function lockoutDurations(baseMs: number, maxMs: number): number[] {
  const out: number[] = [];
  for (let k = 0; k <= 30; k++) {
    out.push(Math.min(baseMs * 2 ** k, maxMs));
    if (baseMs * 2 ** k >= maxMs) break;
  }
  return out;
}

async function lockAtThreshold(deps: IdentityDeps, user: User, failures: number): Promise<AccountFailure> {
  const { threshold, baseMs, maxMs } = deps.settings.lockout;
  if (failures < threshold) return { failures, lockedUntil: null };
  // One atomic UPDATE (lockout_count + 1 in SQL); a no-op when a racing failure already locked it.
  const lockedUntil = await deps.store.lockUser(user.id, deps.clock.now(), lockoutDurations(baseMs, maxMs));
  return { failures, lockedUntil };
}

/**
 * After a complete login (once the stored lockout is reset) or an administrator's enable: the
 * consecutive-failure count starts again.
 */
export async function clearAccountFailures(deps: IdentityDeps, user: User): Promise<void> {
  await deps.ephemeral.del(accountKey(user.id, user.lockedUntil));
  // The reset clears locked_until, so the next attempts count on the "no lock yet" counter again.
  if (user.lockedUntil !== null) await deps.ephemeral.del(accountKey(user.id, null));
}
