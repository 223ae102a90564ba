// Adapters from other modules' services to response's ports, for the composition root: trading
// controls (src/trading TradingService) and identity (src/identity IdentityService; tokens when the
// caller passes src/tokens' revocation).
import type { IdentityService } from "../identity/index.js";
import type { TradingService } from "../trading/index.js";
import type { IdentityActions, TradingActions } from "./ports.js";

const ACTOR = { id: "system:response", via: "system" as const };

export function tradingActionsFrom(service: TradingService): TradingActions {
  return {
    halt: async (scope, reason) => {
      await service.halt({ scope, reason: reason.slice(0, 500), actor: ACTOR });
    },
    reduce: async (scope, reason) => {
      await service.reduce({ scope, reason: reason.slice(0, 500), actor: ACTOR });
    },
    states: () => service.states().map((s) => ({ scope: s.scope, state: s.state })),
  };
}

export function identityActionsFrom(
  identity: IdentityService,
  tokens?: {
    revokeUserTokens(
      userId: string,
      reason: string,
      actor: { via: string; userId?: string | null },
    ): Promise<number>;
  },
): IdentityActions {
  const actor = { via: "system", userId: null };
  const username = async (userId: string): Promise<string> => (await identity.getUserById(userId)).username;
  return {
    revokeUserSessions: async (userId) => identity.revokeUserSessions(await username(userId), actor),
    disableUser: async (userId) => {
      await identity.disableUser(await username(userId), actor);
    },
    ...(tokens
      ? {
          revokeUserTokens: (userId: string, reason: string) =>
            tokens.revokeUserTokens(userId, reason, actor),
        }
      : {}),
  };
}
