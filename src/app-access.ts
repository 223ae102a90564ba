// Access-control services of the composition root: four-eyes approvals with the built-in appliers
// (user roles, role definitions, one-time secret reads), segregation of duties, access reviews.
// Modules that own other kinds of change (trading resume) register their appliers on `approvals`.

import type { LivePolicy } from "./access/index.js";
import {
  type AccessReviewDeps,
  type ApprovalService,
  checkRoleAssignment,
  createApprovalService,
  type RoleDefinitionSync,
  roleDefinitionApprover,
  type SodRules,
  userRolesApprover,
} from "./access/index.js";
import type { AuditRecorder } from "./audit/index.js";
import type { Config } from "./config/index.js";
import type { IdentityService } from "./identity/index.js";
import { type Clock, RampartError } from "./kernel/index.js";
import { AccessRepository, type Store } from "./store/index.js";
import type { ApprovalGate } from "./vault/index.js";

export interface AccessServices {
  readonly approvals: ApprovalService;
  readonly repository: AccessRepository;
  readonly sodRules: SodRules;
  /** For identity's `roleAssignmentCheck` and service-account creation. */
  readonly roleAssignmentCheck: ReturnType<typeof checkRoleAssignment>;
  readonly review: AccessReviewDeps;
  /** The vault's four-eyes gate: a read of an approval-required secret needs an applied `secret.read` proposal. */
  readonly secretReads: ApprovalGate;
}

export interface AccessDeps {
  store: Store;
  config: Config;
  policy: LivePolicy;
  /** The role definitions in force, rebuilt from the database (started by the composition root). */
  roleDefinitions: RoleDefinitionSync;
  audit: AuditRecorder;
  clock: Clock;
  identity: () => IdentityService;
}

export const SECRET_READ_KIND = "secret.read";

export function createAccessServices(d: AccessDeps): AccessServices {
  const repository = new AccessRepository(d.store);
  const sodRules = d.config.segregation_of_duties;
  const approvals = createApprovalService({
    store: repository,
    policy: d.policy,
    audit: d.audit,
    clock: d.clock,
    settings: { ttlMs: d.config.approvals.ttl * 1000, requiredFor: d.config.approvals.required_for },
  });
  approvals.registerApprover(
    "user.set_roles",
    userRolesApprover({
      hasRole: (r) => d.policy.current.hasRole(r),
      sodRules,
      setUserRoles: (username, next, actor) => d.identity().setUserRoles(username, next, actor),
    }),
  );
  approvals.registerApprover(
    "role.define",
    roleDefinitionApprover({
      current: () => d.roleDefinitions.roles,
      store: repository,
      clock: d.clock,
      change: (write) => d.roleDefinitions.change(write),
    }),
  );
  // A one-time read: approving grants nothing by itself; the requester presents the proposal id
  // with the read, and the gate below checks and consumes it.
  approvals.registerApprover<{ path: string }>(SECRET_READ_KIND, {
    action: (p) => `secrets:read:${p.path}`,
    parse: (payload) => {
      const path = (payload as { path?: unknown } | null)?.path;
      if (typeof path !== "string" || !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(path))
        throw new RampartError("ERR_ACCESS_PROPOSAL_INVALID", "secret.read needs a secret path", {
          status: 400,
        });
      return { path };
    },
    describe: (p) => `read secret ${p.path} once`,
    apply: async () => ({ granted: "one read" }),
  });
  const secretReads: ApprovalGate = {
    async approveRead(req) {
      const refuse = (why: string) =>
        new RampartError(
          "ERR_VAULT_APPROVAL_REQUIRED",
          "this secret needs a four-eyes approval for each read",
          {
            status: 403,
            detail: why,
          },
        );
      if (!req.actor.approvalId) throw refuse("no approval presented");
      const p = await approvals.get(req.actor.approvalId).catch(() => null);
      if (!p || p.kind !== SECRET_READ_KIND) throw refuse("unknown approval");
      if (p.requestedBy !== req.actor.id) throw refuse("approval belongs to someone else");
      if ((p.payload as { path?: string }).path !== req.path) throw refuse("approval is for another path");
      if (p.status !== "approved" || p.appliedAt === null) throw refuse(`approval is ${p.status}`);
      if (p.expiresAt <= d.clock.now()) throw refuse("approval expired");
      // Single use, in the database (one conditional UPDATE): across instances and restarts, and
      // whatever happens to the ephemeral store.
      if (!(await approvals.consume(p.id))) throw refuse("approval already used");
    },
  };
  return {
    approvals,
    repository,
    sodRules,
    roleAssignmentCheck: checkRoleAssignment(sodRules),
    review: { store: repository, audit: d.audit, clock: d.clock, sodRules },
    secretReads,
  };
}
