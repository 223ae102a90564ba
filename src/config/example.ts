// Renders rampart.example.yaml: every default, with a comment on each section and key that needs
// one. `node --import tsx scripts/gen-example-config.ts` writes it; a test keeps it in step.
import { Document, isMap, isPair, isScalar, type Node, type YAMLMap } from "yaml";
import { defaultConfig } from "./defaults-config.js";

const COMMENTS: Record<string, string> = {
  server: " HTTPS gateway. TLS 1.3 only, as the seed requires.",
  "server.listen": " Where the gateway listens (RAMPART_LISTEN overrides). Loopback by default.",
  "server.public_url": " The URL users reach Rampart at, if different (used for Origin checks).",
  "server.tls":
    " Certificate and key, relative to the data directory. `rampart init` writes a self-signed pair.",
  "server.tls.cipher_suites": " The seed's TLS 1.3 suites.",
  "server.hsts": " Strict-Transport-Security on every response (seed: one year, subdomains, preload).",
  "server.body_limit_bytes": " Larger request bodies are refused with 413.",
  "server.request_timeout_ms":
    " A request that has not arrived whole in this time is dropped (slow-loris defence).",
  "server.trusted_proxies": " Addresses/CIDRs whose X-Forwarded-For is believed. Empty: none.",
  database:
    " Storage. Default: SQLite (rampart.db) in the data directory. A postgres:// URL selects PostgreSQL\n (RAMPART_DATABASE_URL overrides).",
  ephemeral:
    " Shared short-lived state (counters, blocklist, revocations). Default: in memory (one instance).\n Set redis_url (or RAMPART_REDIS_URL) to share it between several Rampart instances.",
  logging: " Log level of the JSON logs (pino). Secrets are redacted at every level.",
  audit:
    " The audit ledger: checkpoint origin, append deadline (an append that misses it refuses the action: 503),\n" +
    " and how often a signed checkpoint is written (every N entries or T seconds, and on shutdown).",
  demo: " The bundled demo dashboard that `rampart start` (npm start) runs behind the gateway.",
  upstreams: " The services Rampart protects: name -> base URL. Keep them on loopback.",
  routes:
    " The route map: every proxied METHOD + path names its upstream and the action it needs.\n Nothing outside this list is proxied (404). A trailing /* matches a prefix.\n Default: the pysystemtrade dashboard profile (dashboard/app.py).",
  roles:
    " Roles: permissions and restrictions (restrictions are checked first), session lifetime in seconds.\n Patterns: domain:verb, domain:*, or *. Defaults: the seed's four roles plus what the dashboard profile adds.",
  step_up:
    " Step-up MFA: these actions need a TOTP code proved within window_seconds in the same session\n (POST /_rampart/v1/auth/step-up), else 401 ERR_AUTH_STEP_UP_REQUIRED.",
  tokens:
    " API tokens (JWT, RFC 9068 at+jwt): signing algorithm (EdDSA or RS256), JWE encryption (dir + A256GCM),\n lifetimes in seconds (default: the seed's 8 h), iss/aud, and automatic signing-key rotation in days (0: off).",
  pki: " Rampart's CA for service-account client certificates: default and maximum lifetime in seconds.",
  classification:
    " Data classification (the seed's four levels). Rules are tried in order; a rule matches when the\n lower-cased name contains one of the strings. Exact examples win over rules.",
  incident_types: " Incident types, severities and automatic responses (the seed's).",
  firewall: " Network zones and firewall rules (the seed's), rendered by `rampart firewall`.",
  compliance: " Compliance frameworks and their requirements (the seed's).",
};

function annotate(map: YAMLMap, prefix: string): void {
  for (const item of map.items) {
    if (!isPair(item) || !isScalar(item.key)) continue;
    const path = prefix ? `${prefix}.${String(item.key.value)}` : String(item.key.value);
    const comment = COMMENTS[path];
    if (comment) (item.key as Node).commentBefore = comment;
    if (isMap(item.value) && path.split(".").length < 2) annotate(item.value, path);
  }
}

export function renderExampleConfig(): string {
  const doc = new Document(defaultConfig());
  doc.commentBefore =
    " rampart.example.yaml: every setting with its default. Copy what you change into\n <data dir>/rampart.yaml; keys you leave out keep these values. Unknown keys are rejected.";
  if (isMap(doc.contents)) annotate(doc.contents, "");
  return doc.toString({ lineWidth: 110 });
}
