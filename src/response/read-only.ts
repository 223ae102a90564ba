// Read-only mode (immediate_isolation): while any incident holds it, every non-read request is
// refused by the gateway. Held in the EphemeralStore (shared by instances) as a set of incident
// ids, re-established from the database when the responder starts (ephemeral state may vanish), and
// released when the holding incident is resolved or marked a false positive.
import type { EphemeralSets as EphemeralStore } from "./ports.js";

const KEY = "response:read_only";
const CACHE_MS = 250;

export class ReadOnlyMode {
  readonly #kv: EphemeralStore;
  readonly #now: () => number;
  #cached: { value: boolean; at: number } | undefined;
  /** Bumped by every change this instance makes: a read begun before one must not be cached. */
  #generation = 0;

  constructor(ephemeral: EphemeralStore, now: () => number = Date.now) {
    this.#kv = ephemeral;
    this.#now = now;
  }

  /** True while an incident holds read-only mode (cached for 250 ms per instance). */
  async isReadOnly(): Promise<boolean> {
    const now = this.#now();
    if (this.#cached && now - this.#cached.at < CACHE_MS) return this.#cached.value;
    const gen = this.#generation;
    const value = (await this.#kv.sMembers(KEY)).length > 0;
    if (gen === this.#generation) this.#cached = { value, at: now };
    return value;
  }

  async hold(incidentId: string): Promise<void> {
    await this.#kv.sAdd(KEY, incidentId);
    this.#generation++;
    this.#cached = undefined;
  }

  async release(incidentId: string): Promise<void> {
    await this.#kv.sRem(KEY, incidentId);
    this.#generation++;
    this.#cached = undefined;
  }

  holders(): Promise<string[]> {
    return this.#kv.sMembers(KEY);
  }
}
