// The policy in force, replaced atomically when roles change: the new one is validated and
// compiled completely before the reference moves, so a bad edit leaves the old policy in place
// and a check in flight sees either the old policy or the new one, never a mixture.
import { compilePolicy } from "./compile-policy.js";
import type { CompiledPolicy, Decision } from "./types.js";
import { type PolicyInput, validatePolicy } from "./validate-policy.js";

export class LivePolicy {
  #current: CompiledPolicy;
  #generation = 1;

  constructor(input: PolicyInput) {
    this.#current = LivePolicy.build(input);
  }

  private static build(input: PolicyInput): CompiledPolicy {
    validatePolicy(input);
    return compilePolicy(input.roles);
  }

  /** The policy in force; hold on to it for the length of one request. */
  get current(): CompiledPolicy {
    return this.#current;
  }

  /** Counts replacements, so an audit event can say which policy decided. */
  get generation(): number {
    return this.#generation;
  }

  check(roles: readonly string[], action: string): Decision {
    return this.#current.check(roles, action);
  }

  /** Validates and compiles `input`, then swaps it in. Throws (and keeps the old policy) when invalid. */
  replace(input: PolicyInput): CompiledPolicy {
    const next = LivePolicy.build(input);
    this.#current = next;
    this.#generation++;
    return next;
  }
}
