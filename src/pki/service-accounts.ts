// Service accounts: non-interactive principals (pysystemtrade's cron processes, log shippers) that
// authenticate by client certificate. Their roles are ordinary RBAC roles from config; the
// segregation-of-duties hook (PkiDeps.checkRoles) is consulted before roles are stored.
import { uuid } from "../crypto/index.js";
import type { Actor } from "../identity/index.js";
import { serviceExists, serviceNameInvalid, serviceNotFound, serviceRoleUnknown } from "./errors.js";
import type { ServiceAccount } from "./ports.js";
import type { PkiDeps } from "./settings.js";

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;

export function isValidServiceName(name: string): boolean {
  return NAME.test(name);
}

function validateRoles(deps: PkiDeps, name: string, roles: readonly string[]): string[] {
  const unique = [...new Set(roles)].sort();
  if (unique.length === 0) throw serviceRoleUnknown("(none given: at least one role is required)");
  for (const r of unique) if (!deps.settings.roles.includes(r)) throw serviceRoleUnknown(r);
  deps.checkRoles?.(unique, { kind: "service", name });
  return unique;
}

export async function addServiceAccount(
  deps: PkiDeps,
  name: string,
  roles: readonly string[],
  actor: Actor,
): Promise<ServiceAccount> {
  if (!isValidServiceName(name)) throw serviceNameInvalid();
  const now = deps.clock.now();
  const account: ServiceAccount = {
    id: uuid(),
    name,
    roles: validateRoles(deps, name, roles),
    status: "active",
    createdAt: now,
    updatedAt: now,
  };
  if (!(await deps.store.insertServiceAccount(account))) throw serviceExists();
  await deps.audit.record({
    event_type: "authentication",
    action: "service.created",
    outcome: "success",
    user_id: account.id,
    ip_address: actor.ip ?? null,
    details: {
      service: name,
      roles: account.roles,
      via: actor.via,
      ...(actor.userId ? { actor_user_id: actor.userId } : {}),
    },
  });
  return account;
}

export async function requireServiceAccount(deps: PkiDeps, name: string): Promise<ServiceAccount> {
  const a = isValidServiceName(name) ? await deps.store.findServiceAccountByName(name) : null;
  if (!a) throw serviceNotFound();
  return a;
}

export async function setServiceAccountStatus(
  deps: PkiDeps,
  name: string,
  status: "active" | "disabled",
  actor: Actor,
): Promise<ServiceAccount> {
  const a = await requireServiceAccount(deps, name);
  await deps.store.setServiceAccountStatus(a.id, status, deps.clock.now());
  await deps.audit.record({
    event_type: "authentication",
    action: status === "disabled" ? "service.disabled" : "service.enabled",
    outcome: "success",
    user_id: a.id,
    ip_address: actor.ip ?? null,
    details: { service: name, via: actor.via },
  });
  return { ...a, status };
}
