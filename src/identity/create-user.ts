// Creating a user: name normalised and unique after folding, roles from config, a password that
// meets the policy — given, or generated and returned once with a forced change at first login.
import { uuid } from "../crypto/index.js";
import type { UserId } from "../kernel/index.js";
import { userExists } from "./errors.js";
import { emit } from "./events.js";
import { checkPasswordPolicy, generatePassword } from "./password-policy.js";
import type { IdentityDeps } from "./settings.js";
import type { Actor, User, UserSummary } from "./types.js";
import { foldUsername, normalizeUsername } from "./username.js";
import { summarize, validateRoles } from "./users.js";

export interface CreateUserInput {
  username: string;
  roles: readonly string[];
  displayName?: string | undefined;
  /** Omit to generate a one-time password (returned once; must be changed at first login). */
  password?: string | undefined;
}

export interface CreatedUser {
  user: UserSummary;
  /** Present only when the password was generated: show it once, never store or log it. */
  oneTimePassword?: string;
}

export async function createUser(
  deps: IdentityDeps,
  input: CreateUserInput,
  actor: Actor,
): Promise<CreatedUser> {
  const username = normalizeUsername(input.username);
  const roles = validateRoles(deps.settings, input.roles);
  deps.roleAssignmentCheck?.(roles, { kind: "user", name: username });
  const generated = input.password === undefined;
  const password = input.password ?? generatePassword(username);
  if (!generated) checkPasswordPolicy(password, username);
  const now = deps.clock.now();
  const displayName = (input.displayName ?? username).normalize("NFKC").trim().slice(0, 128) || username;
  const user: User = {
    id: uuid() as UserId,
    username,
    usernameFolded: foldUsername(username),
    displayName,
    roles,
    status: "active",
    passwordHash: await deps.hasher.hash(password),
    mustChangePassword: generated,
    lockoutCount: 0,
    lockedUntil: null,
    createdAt: now,
    updatedAt: now,
    lastLoginAt: null,
  };
  if (!(await deps.store.insertUser(user))) throw userExists();
  try {
    await emit(deps, {
      action: "user.created",
      outcome: "success",
      userId: user.id,
      ctx: actor,
      details: { username, roles, generated_password: generated },
    });
  } catch (e) {
    // Fail-closed: a user the ledger does not know about must not exist.
    await deps.store.deleteUser(user.id);
    throw e;
  }
  const created: CreatedUser = { user: summarize(user, false, now) };
  if (generated) created.oneTimePassword = password;
  return created;
}

/**
 * For `rampart init`: when no user exists yet, creates `admin` (system_administrator) with a
 * one-time password. Null when users already exist.
 */
export async function ensureAdmin(
  deps: IdentityDeps,
  actor: Actor = { via: "cli" },
): Promise<CreatedUser | null> {
  if ((await deps.store.countUsers()) > 0) return null;
  return createUser(
    deps,
    { username: "admin", roles: ["system_administrator"], displayName: "Administrator" },
    actor,
  );
}
