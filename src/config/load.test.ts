import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, loadConfig } from "./index.js";

const load = (text: string | undefined, env: Record<string, string> = {}) =>
  loadConfig({ fileName: "rampart.yaml", text, env });

function failsWith(text: string, expected: string | RegExp): void {
  assert.throws(
    () => load(text),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      if (typeof expected === "string") assert.equal(e.message, expected);
      else assert.match(e.message, expected);
      return true;
    },
  );
}

test("no file: the seed's defaults, frozen", () => {
  const c = load(undefined);
  assert.equal(c.server.listen, "127.0.0.1:8443");
  assert.equal(c.roles["trader"]?.session_timeout, 28800);
  assert.equal(c.roles["system_administrator"]?.session_timeout, 3600);
  assert.deepEqual(c.roles["read_only_analyst"]?.restrictions, ["trading:*", "config:*"]);
  assert.equal(c.incident_types["authentication_attack"]?.escalation_threshold, 5);
  assert.equal(c.server.tls.min_version, "TLSv1.3");
  assert.equal(c.server.hsts.max_age, 31536000);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.roles) && Object.isFrozen(c.routes[0]));
  assert.throws(() => {
    (c.server as { listen: string }).listen = "0.0.0.0:1";
  }, TypeError);
});

test("a session timeout written as a duration names the path and what was expected", () => {
  failsWith(
    'roles:\n  trader:\n    session_timeout: "8h"\n',
    'rampart.yaml: roles.trader.session_timeout: expected an integer number of seconds >= 60, got "8h"',
  );
});

test("a timeout below the minimum is refused", () => {
  failsWith(
    "roles:\n  trader:\n    session_timeout: 5\n",
    /roles\.trader\.session_timeout: expected an integer number of seconds >= 60, got 5/,
  );
});

test("unknown keys are rejected, at any depth", () => {
  failsWith("servr:\n  listen: 1.2.3.4:1\n", /rampart\.yaml: servr: unknown key/);
  failsWith("server:\n  tls:\n    ciphers: []\n", /rampart\.yaml: server\.tls\.ciphers: unknown key/);
});

test("malformed YAML names the line and column", () => {
  failsWith("server:\n  listen: [unclosed\n", /rampart\.yaml: malformed YAML at line \d+, column \d+/);
  failsWith("a: 1\na: 2\n", /malformed YAML at line 2, column 1/);
});

test("environment overrides win over the file", () => {
  const c = load("server:\n  listen: 127.0.0.1:9000\n", {
    RAMPART_LISTEN: "127.0.0.1:9443",
    RAMPART_DATABASE_URL: "postgres://u:p@127.0.0.1:5432/test",
  });
  assert.equal(c.server.listen, "127.0.0.1:9443");
  assert.equal(c.database.url, "postgres://u:p@127.0.0.1:5432/test");
});

test("a route naming an unknown upstream is refused", () => {
  failsWith(
    "routes:\n  - { method: GET, path: /x, upstream: nowhere, action: reports:view_standard }\n",
    /routes\[0\]\.upstream: expected one of the upstreams \(dashboard\), got "nowhere"/,
  );
});

test("a malformed action pattern is refused", () => {
  failsWith(
    "roles:\n  trader:\n    permissions: ['trading']\n",
    /roles\.trader\.permissions\[0\]: expected an action pattern/,
  );
  failsWith("roles:\n  trader:\n    permissions: ['trading:pl*ce']\n", /expected an action pattern/);
});

test("a role with neither permissions nor restrictions is refused", () => {
  failsWith(
    "roles:\n  empty:\n    permissions: []\n    restrictions: []\n    session_timeout: 600\n",
    /roles\.empty: a role needs/,
  );
});

test("TLS older than 1.3 cannot be configured", () => {
  failsWith("server:\n  tls:\n    min_version: TLSv1.2\n", /server\.tls\.min_version: expected "TLSv1\.3"/);
});

test("IP filter entries must be addresses or CIDRs", () => {
  failsWith(
    "ip_filter:\n  block: ['10.0.0.0/33']\n",
    /ip_filter\.block\[0\]: expected an IP address or CIDR, got "10\.0\.0\.0\/33"/,
  );
  failsWith("ip_filter:\n  allow: [example.com]\n", /ip_filter\.allow\[0\]/);
  const c = load("ip_filter:\n  block: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7']\n");
  assert.equal(c.ip_filter.block.length, 3);
});

test("e-mail alert recipients need a mail server, a mail server needs a sender, addresses must be addresses", () => {
  failsWith(
    'response:\n  notify:\n    management: { url: "", secret_env: X, email: [boss@desk.example] }\n',
    /response\.smtp\.host/,
  );
  failsWith("response:\n  smtp: { host: mail.desk.example }\n", /response\.smtp\.from/);
  failsWith(
    'response:\n  notify:\n    management: { url: "", secret_env: X, email: ["not an address"] }\n',
    /e-mail address/,
  );
});
