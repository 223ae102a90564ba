// The role definitions in force on this instance, kept equal to the database: the configured roles
// with every approved `role.define` laid over them (applyStoredRoleDefinitions, as at start-up).
// The live policy is rebuilt from the database, never from a list kept in memory: after each change
// this instance applies (one at a time), when another instance announces one on the ephemeral bus
// (Redis across instances), and every few seconds regardless (a change approved through the CLI
// with no shared Redis, or a missed message).
import type { Logger } from "../kernel/index.js";
import { applyStoredRoleDefinitions } from "./built-in-approvers.js";
import type { LivePolicy } from "./live-policy.js";
import type { RoleDefinitionStore } from "./ports.js";
import type { RoleDefinitions } from "./types.js";
import type { PolicyInput } from "./validate-policy.js";

export interface RoleChangeBus {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
}

export interface RoleDefinitionSyncOptions {
  /** The roles from config; stored definitions replace a configured role's rules. */
  readonly configured: RoleDefinitions;
  readonly routes?: PolicyInput["routes"];
  readonly store: RoleDefinitionStore;
  /** The policy in force; replaced (LivePolicy.replace) only when the definitions differ. */
  readonly policy: LivePolicy;
  /** The definitions `policy` was built from, when it was built from the database just before. */
  readonly inForce?: RoleDefinitions;
  readonly bus: RoleChangeBus;
  readonly logger: Logger;
  /** Rebuild from the database this often even without a message (ms; default 2000). */
  readonly reloadIntervalMs?: number;
}

const CHANNEL = "access:roles-changed";

export class RoleDefinitionSync {
  readonly #o: RoleDefinitionSyncOptions;
  #roles: RoleDefinitions;
  /** JSON of #roles once they are known to be in force: an unchanged reload leaves the policy alone. */
  #inForce: string | undefined;
  /** Reloads begun, and the number of the one whose definitions are in force. */
  #begun = 0;
  #applied = 0;
  /** Changes applied by this instance, one after another. */
  #queue: Promise<unknown> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(o: RoleDefinitionSyncOptions) {
    this.#o = o;
    this.#roles = o.inForce ?? o.configured;
    this.#inForce = o.inForce === undefined ? undefined : JSON.stringify(o.inForce);
  }

  /** The role definitions in force on this instance. */
  get roles(): RoleDefinitions {
    return this.#roles;
  }

  /** Follows changes announced by other instances, reloads once, and then every few seconds. */
  async start(): Promise<void> {
    if (this.#unsubscribe) return;
    this.#unsubscribe = await this.#o.bus.subscribe(CHANNEL, () => this.#background());
    // A change stored between the caller's own read and the subscription.
    await this.reload();
    this.#timer = setInterval(() => this.#background(), this.#o.reloadIntervalMs ?? 2000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const u = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await u?.();
  }

  /** Config roles with every stored definition laid over them, read now. */
  async load(): Promise<RoleDefinitions> {
    return applyStoredRoleDefinitions(this.#o.configured, await this.#o.store.listRoleDefinitions());
  }

  /**
   * Rebuilds the live policy from the database. Reloads overlap (the timer, a message, this
   * instance's own change): one that began before the definitions in force were read is older than
   * them and is dropped, so a slow read can never put back a definition that was just replaced.
   * Throws (ERR_ACCESS_POLICY_INVALID, keeping the policy in force) if the stored definitions are
   * not a valid policy.
   */
  async reload(): Promise<void> {
    const n = ++this.#begun;
    const roles = await this.load();
    if (n < this.#applied) return;
    this.#applied = n;
    const key = JSON.stringify(roles);
    if (key === this.#inForce) return;
    this.#o.policy.replace({ roles, ...(this.#o.routes ? { routes: this.#o.routes } : {}) });
    this.#roles = roles;
    this.#inForce = key;
  }

  /**
   * Runs `write` alone: no other change made through this method on this instance runs meanwhile.
   * It gets the definitions as stored now. Afterwards the live policy is rebuilt from the database
   * and every other instance is told to do the same. When `write` throws, nothing is rebuilt.
   */
  change<T>(write: (stored: RoleDefinitions) => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      const result = await write(await this.load());
      await this.reload();
      // The change is stored and in force here: an instance that misses the message catches up
      // on its next periodic reload, so a failed publish does not fail the change.
      await this.#o.bus
        .publish(CHANNEL, "reload")
        .catch((e: unknown) =>
          this.#o.logger.error({ err: e }, "could not announce a role definition change"),
        );
      return result;
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  #background(): void {
    void this.reload().catch((e: unknown) =>
      this.#o.logger.error({ err: e }, "role definitions reload failed; the policy in force is unchanged"),
    );
  }
}
