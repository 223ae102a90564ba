// Driver errors map to stable store codes, whichever driver raised them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RampartError } from "../kernel/index.js";
import {
  isForeignKeyViolation,
  isRetryableConflict,
  isUniqueViolation,
  StoreError,
  toStoreError,
} from "./errors.js";

const driverError = (code: string, message = "driver says no", extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(message), { code, ...extra });

test("PostgreSQL SQLSTATEs map to store codes", () => {
  const cases: Array<[string, string]> = [
    ["23505", "ERR_STORE_UNIQUE_VIOLATION"],
    ["23503", "ERR_STORE_FOREIGN_KEY_VIOLATION"],
    ["23502", "ERR_STORE_CONSTRAINT_VIOLATION"],
    ["23514", "ERR_STORE_CONSTRAINT_VIOLATION"],
    ["40001", "ERR_STORE_CONFLICT"],
    ["40P01", "ERR_STORE_CONFLICT"],
    ["08006", "ERR_STORE_UNAVAILABLE"],
    ["57P01", "ERR_STORE_UNAVAILABLE"],
    ["53300", "ERR_STORE_UNAVAILABLE"],
    ["28P01", "ERR_STORE_UNAVAILABLE"],
    ["42P01", "ERR_STORE_QUERY"],
  ];
  for (const [sqlstate, code] of cases)
    assert.equal(toStoreError(driverError(sqlstate)).code, code, sqlstate);
});

test("SQLite result codes map to store codes", () => {
  const cases: Array<[string, string]> = [
    ["SQLITE_CONSTRAINT_UNIQUE", "ERR_STORE_UNIQUE_VIOLATION"],
    ["SQLITE_CONSTRAINT_PRIMARYKEY", "ERR_STORE_UNIQUE_VIOLATION"],
    ["SQLITE_CONSTRAINT_FOREIGNKEY", "ERR_STORE_FOREIGN_KEY_VIOLATION"],
    ["SQLITE_CONSTRAINT_NOTNULL", "ERR_STORE_CONSTRAINT_VIOLATION"],
    ["SQLITE_BUSY", "ERR_STORE_CONFLICT"],
    ["SQLITE_BUSY_SNAPSHOT", "ERR_STORE_CONFLICT"],
    ["SQLITE_CANTOPEN", "ERR_STORE_UNAVAILABLE"],
    ["SQLITE_IOERR_WRITE", "ERR_STORE_UNAVAILABLE"],
    ["SQLITE_READONLY", "ERR_STORE_UNAVAILABLE"],
    ["SQLITE_ERROR", "ERR_STORE_QUERY"],
  ];
  for (const [rc, code] of cases) assert.equal(toStoreError(driverError(rc)).code, code, rc);
});

test("socket failures are unavailability, not query errors", () => {
  for (const c of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND"]) {
    assert.equal(toStoreError(driverError(c)).code, "ERR_STORE_UNAVAILABLE", c);
  }
  assert.equal(toStoreError(new Error("Connection terminated unexpectedly")).code, "ERR_STORE_UNAVAILABLE");
  assert.equal(
    toStoreError(new Error("timeout exceeded when trying to connect")).code,
    "ERR_STORE_UNAVAILABLE",
  );
});

test("the constraint is kept for repositories, the driver message only as log detail", () => {
  const pgErr = driverError("23505", 'duplicate key value violates unique constraint "users_name_key"', {
    constraint: "users_name_key",
    detail: "Key (name)=(alice) already exists.",
  });
  const e = toStoreError(pgErr);
  assert.ok(e instanceof StoreError);
  assert.equal(e.constraint, "users_name_key");
  assert.equal(e.status, 409);
  assert.equal(e.message, "The record already exists.");
  assert.doesNotMatch(`${e.message} ${e.detail}`, /alice/);
  assert.equal(e.cause, pgErr);
  const sqliteErr = toStoreError(
    driverError("SQLITE_CONSTRAINT_UNIQUE", "UNIQUE constraint failed: users.name"),
  );
  assert.ok(sqliteErr instanceof StoreError);
  assert.equal(sqliteErr.constraint, "users.name");
});

test("predicates accept translated and raw driver errors alike", () => {
  assert.ok(isUniqueViolation(driverError("23505")));
  assert.ok(isUniqueViolation(toStoreError(driverError("SQLITE_CONSTRAINT_PRIMARYKEY"))));
  assert.ok(!isUniqueViolation(driverError("23503")));
  assert.ok(isForeignKeyViolation(driverError("SQLITE_CONSTRAINT_FOREIGNKEY")));
  assert.ok(isRetryableConflict(driverError("40001")));
  assert.ok(!isUniqueViolation(new Error("plain")));
  assert.ok(!isUniqueViolation(undefined));
});

test("Rampart errors pass through untouched; unknown errors use the fallback", () => {
  const mine = new RampartError("ERR_USAGE", "no");
  assert.equal(toStoreError(mine), mine);
  assert.equal(toStoreError(new Error("???")).code, "ERR_STORE_QUERY");
  assert.equal(toStoreError("weird", "ERR_STORE_UNAVAILABLE").code, "ERR_STORE_UNAVAILABLE");
});
