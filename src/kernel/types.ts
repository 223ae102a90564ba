// Shared types: branded identifiers so a UserId cannot be passed where a SessionId is meant.

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type UserId = Brand<string, "UserId">;
export type SessionId = Brand<string, "SessionId">;
export type LedgerIndex = Brand<number, "LedgerIndex">;
export type KeyVersion = Brand<number, "KeyVersion">;

/** Expected failures are values, not exceptions (lucia/oslo style). */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

export type DatabaseDialect = "sqlite" | "postgres";
