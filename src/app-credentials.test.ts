// A reset after a suspected compromise ends every way in: through the composition root, a password
// set by an administrator and a second-factor reset revoke the user's API tokens as well as their
// sessions (an owner's own password change calls the same hook). On SQLite: this checks the wiring;
// the identity and token suites cover both databases.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { App } from "./app.js";
import { openTestApps, type TestApps } from "./app-testing.js";

const PW = "vault-Orbit-42-Meadow";
const cli = { via: "cli" };
const code = (e: unknown) => (e as { code?: string } | undefined)?.code;

let apps: TestApps;
let app: App;

before(async () => {
  apps = await openTestApps({ url: undefined });
  app = await apps.open();
  await app.tokens().start();
});
after(() => apps.dispose());

/** A user with a live API token; answers the token. */
async function withToken(username: string): Promise<{ id: string; token: string }> {
  const { user: u } = await app.identity().createUser({ username, roles: ["trader"], password: PW }, cli);
  const { token } = await app.tokens().issue({ userId: u.id }, cli);
  assert.equal((await app.tokens().verify(token, null)).id, u.id, "the token works before");
  return { id: u.id, token };
}

const refused = async (token: string) =>
  code(
    await app
      .tokens()
      .verify(token, null)
      .then(
        () => undefined,
        (e: unknown) => e,
      ),
  );

test("an administrator's password reset revokes the user's API tokens", async () => {
  const { token } = await withToken("reset_pw");
  await app.identity().setPassword("reset_pw", "Walrus-Tinsel-77-Canyon", cli);
  assert.equal(await refused(token), "ERR_AUTH_INVALID_TOKEN");
});

test("a second-factor reset revokes the user's API tokens", async () => {
  const { token } = await withToken("reset_mfa");
  await app.identity().resetMfa("reset_mfa", cli);
  assert.equal(await refused(token), "ERR_AUTH_INVALID_TOKEN");
});

test("tokens of other users are untouched", async () => {
  const a = await withToken("keeps_a");
  const b = await withToken("keeps_b");
  await app.identity().setPassword("keeps_a", "Quokka-Lantern-58-Ridge", cli);
  assert.equal(await refused(a.token), "ERR_AUTH_INVALID_TOKEN");
  assert.equal((await app.tokens().verify(b.token, null)).id, b.id);
});
