// The `meta` table: small facts about this installation, read and written by key.
import type { Kysely } from "kysely";
import { StoreError } from "./errors.js";
import type { Database } from "./schema.js";

export async function readMeta(db: Kysely<Database>, key: string): Promise<string | undefined> {
  const row = await db.selectFrom("meta").select("value").where("key", "=", key).executeTakeFirst();
  return row?.value;
}

/** Inserts or replaces `key`. */
export async function writeMeta(db: Kysely<Database>, key: string, value: string): Promise<void> {
  await db
    .insertInto("meta")
    .values({ key, value })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value }))
    .execute();
}

/** The random id 0001_core gave this installation. */
export async function readInstallId(db: Kysely<Database>): Promise<string> {
  const id = await readMeta(db, "install_id");
  if (id === undefined) throw new StoreError("ERR_STORE_MIGRATION", { detail: "meta.install_id is missing" });
  return id;
}
