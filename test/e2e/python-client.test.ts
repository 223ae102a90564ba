// The stdlib-only Python client (integrations/python/rampart_client.py) against a running Rampart:
// the machine's python3 runs small scripts that call the gateway with a bearer token or a client
// certificate, verify Rampart's certificate against a CA file, and map answers to exceptions.
import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import type { App } from "../../src/app.js";
import type { RunningGateway } from "../../src/gateway/index.js";
import { systemClock } from "../../src/kernel/index.js";
import type { PkiService } from "../../src/pki/index.js";
import type { TokenService } from "../../src/tokens/index.js";

import { runPython } from "./cli.js";
import { type Rampart, startRampart } from "./harness.js";

const CLIENT_DIR = resolve("integrations/python");

interface PyResult {
  ok: boolean;
  status?: number;
  error?: string;
  code?: string | null;
  message?: string;
}

/** Runs a python3 script that prints one JSON line per call; RAMPART_* come from `env`. */
async function python(script: string, env: Record<string, string>): Promise<PyResult[]> {
  const prelude = `
import json, sys
sys.path.insert(0, ${JSON.stringify(CLIENT_DIR)})
from rampart_client import *
def call(client, method, path, **kw):
    try:
        r = client.request(method, path, **kw)
        print(json.dumps({"ok": True, "status": r.status}))
    except RampartError as e:
        print(json.dumps({"ok": False, "error": type(e).__name__, "status": e.status, "code": e.code, "message": str(e)}))
`;
  const r = await runPython(`${prelude}\n${script}`, env);
  if (r.code !== 0) throw new Error(`python3 exited ${r.code}: ${r.stderr}`);
  return r.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as PyResult);
}

describe("the Python client against a running Rampart", () => {
  let r: Rampart;
  let dataDir: string;
  let app: App;
  let gateway: RunningGateway;
  let tokens: TokenService;
  let pki: PkiService;
  let files: string;
  let env: Record<string, string>;

  before(async () => {
    // Real time: tokens and certificates are checked against the clock the Python side sees.
    r = await startRampart({ clock: systemClock });
    ({ dataDir, app, gateway } = r);
    files = join(dataDir, "client");
    // The gateway wires bearer tokens, client certificates (mTLS) and the token routes itself.
    tokens = app.tokens();
    pki = app.pki();
    await rm(files, { recursive: true, force: true });
    const { mkdir } = await import("node:fs/promises");
    await mkdir(files, { recursive: true });
    const trader = await app
      .identity()
      .createUser(
        { username: "py_trader", roles: ["trader"], password: "vault-Orbit-42-Meadow" },
        { via: "cli" },
      );
    const good = await tokens.issue({ userId: trader.user.id }, { via: "cli" });
    const revoked = await tokens.issue({ userId: trader.user.id }, { via: "cli" });
    await tokens.revoke(revoked.jti, { via: "cli" });
    await writeFile(join(files, "token"), `${good.token}\n`, { mode: 0o600 });
    await pki.addServiceAccount("stack_handler", ["trader"], { via: "cli" });
    const cert = await pki.issueCertificate("stack_handler", { via: "cli" });
    await writeFile(join(files, "svc.crt"), cert.certPem);
    await writeFile(join(files, "svc.key"), cert.keyPem, { mode: 0o600 });
    await writeFile(join(files, "pki-ca.crt"), cert.caPem);
    env = {
      RAMPART_URL: gateway.url,
      RAMPART_CA_FILE: join(dataDir, "tls", "cert.pem"),
      TOKEN_FILE: join(files, "token"),
      REVOKED: revoked.token,
      CERT: join(files, "svc.crt"),
      KEY: join(files, "svc.key"),
      PKI_CA: join(files, "pki-ca.crt"),
    };
  });

  after(async () => {
    await r?.close();
  });

  test("bearer token: allowed route 200, forbidden route RampartForbidden, bad and revoked tokens RampartAuthError", async () => {
    const r = await python(
      `
import os
c = RampartClient.from_env({"RAMPART_URL": os.environ["RAMPART_URL"], "RAMPART_CA_FILE": os.environ["RAMPART_CA_FILE"], "RAMPART_TOKEN_FILE": os.environ["TOKEN_FILE"]})
call(c, "GET", "/trades")
call(c, "GET", "/processes")
call(RampartClient(os.environ["RAMPART_URL"], ca_file=os.environ["RAMPART_CA_FILE"], token="not.a.token"), "GET", "/trades")
call(RampartClient(os.environ["RAMPART_URL"], ca_file=os.environ["RAMPART_CA_FILE"], token=os.environ["REVOKED"]), "GET", "/trades")
call(RampartClient(os.environ["RAMPART_URL"], ca_file=os.environ["RAMPART_CA_FILE"]), "GET", "/trades")
print(json.dumps({"ok": True, "status": 0, "message": repr(c)}))
`,
      env,
    );
    assert.deepEqual(r[0], { ok: true, status: 200 });
    assert.equal(r[1]?.error, "RampartForbidden");
    assert.equal(r[1]?.code, "ERR_ACCESS_DENIED");
    assert.equal(r[2]?.error, "RampartAuthError");
    assert.equal(r[2]?.code, "ERR_AUTH_INVALID_TOKEN");
    assert.equal(r[3]?.error, "RampartAuthError");
    assert.equal(r[3]?.code, "ERR_AUTH_INVALID_TOKEN");
    assert.equal(r[4]?.error, "RampartAuthError");
    assert.equal(r[5]?.message, `<RampartClient ${gateway.url} auth=token>`, "repr never shows the token");
  });

  test("Rampart's certificate is verified against the CA file: another CA is RampartTLSError; a closed port RampartUnavailable", async () => {
    const r = await python(
      `
import os
call(RampartClient(os.environ["RAMPART_URL"], ca_file=os.environ["PKI_CA"], token="x"), "GET", "/trades")
call(RampartClient("https://127.0.0.1:1", ca_file=os.environ["RAMPART_CA_FILE"], token="x", timeout=3), "GET", "/trades")
`,
      env,
    );
    assert.equal(r[0]?.error, "RampartTLSError");
    assert.equal(r[1]?.error, "RampartUnavailable");
  });

  test("client certificate (mTLS): allowed route 200, forbidden route RampartForbidden", async () => {
    const r = await python(
      `
import os
c = RampartClient(os.environ["RAMPART_URL"], ca_file=os.environ["RAMPART_CA_FILE"], cert_file=os.environ["CERT"], key_file=os.environ["KEY"])
call(c, "GET", "/trades")
call(c, "GET", "/processes")
`,
      env,
    );
    assert.deepEqual(r[0], { ok: true, status: 200 });
    assert.equal(r[1]?.error, "RampartForbidden");
  });
});
