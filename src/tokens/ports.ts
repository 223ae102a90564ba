// The storage contract of the token service (implemented by src/store/repos/tokens.ts) and the two
// narrow views of other modules it needs: users (identity) and the role policy (access).
import type { Decision } from "../access/index.js";
import type { UserId } from "../kernel/index.js";
import type { TokenRecord } from "./types.js";

export interface StoredSigningKey {
  kid: string;
  version: number;
  alg: string;
  publicKeyDer: Uint8Array;
  privateKeyEnc: string;
  jweKeyEnc: string;
  status: "current" | "previous" | "retired";
  createdAt: number;
  supersededAt: number | null;
  retiredAt: number | null;
}

export interface TokenStore {
  listSigningKeys(): Promise<StoredSigningKey[]>;
  /**
   * In one transaction: the current key (if any) becomes "previous" with superseded_at = now, and
   * `key` is inserted as "current". False (nothing changed) when `key.version` is taken: another
   * instance rotated at the same moment.
   */
  rotateSigningKey(key: StoredSigningKey, now: number): Promise<boolean>;
  /** Marks a "previous" key retired; true when this call changed it. */
  retireSigningKey(kid: string, now: number): Promise<boolean>;
  /** The latest expiry among tokens signed with `kid`, or null when it signed none. */
  latestExpiryForKey(kid: string): Promise<number | null>;

  insertToken(record: TokenRecord): Promise<void>;
  findToken(jti: string): Promise<TokenRecord | null>;
  listTokens(filter: { userId?: UserId; includeInactive: boolean; now: number }): Promise<TokenRecord[]>;
  /** True when this call revoked it. */
  revokeToken(jti: string, reason: string, now: number): Promise<boolean>;
  /** Revokes every unrevoked, unexpired token of the user; answers their jtis. */
  revokeUserTokens(userId: UserId, reason: string, now: number): Promise<string[]>;
}

/** The few facts about a user the token service needs (IdentityService.getUserById satisfies it). */
export interface TokenUser {
  id: string;
  username: string;
  roles: readonly string[];
  status: "active" | "disabled" | "locked";
}

export interface TokenUsers {
  /** Throws (any error) when the user does not exist. */
  getUserById(id: string): Promise<TokenUser>;
}

/** The role policy (access's CompiledPolicy or LivePolicy), for scope narrowing. */
export interface TokenPolicy {
  check(roles: readonly string[], action: string): Decision;
}

/** The publish/subscribe part of the store's EphemeralStore: revocations and key changes. */
export interface TokenBroadcast {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
}
