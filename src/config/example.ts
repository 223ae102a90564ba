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
  "audit.sinks":
    " Copies of the ledger outside the box, each from its own persisted cursor (at-least-once; records carry\n" +
    " their index). Restricted fields are sent as hmac-sha256:<hex>; checkpoints are sent too. Examples:\n" +
    "   - { type: jsonl, name: files, dir: audit-sink, max_bytes: 104857600 }\n" +
    "   - { type: syslog, name: siem, host: 127.0.0.1, port: 6514, transport: tls, ca_file: siem-ca.pem }\n" +
    "   - { type: webhook, name: hook, url: https://siem.example/ingest, secret_env: RAMPART_WEBHOOK_SECRET }",
  "audit.ingest":
    " pysystemtrade log ingestion (integrations/pysystemtrade, `rampart ingest tail`): records below\n" +
    " min_level are skipped; at most max_batch records per request.",
  demo: " The bundled demo dashboard that `rampart start` (npm start) runs behind the gateway.",
  upstreams: " The services Rampart protects: name -> base URL. Keep them on loopback.",
  routes:
    " The route map: every proxied METHOD + path names its upstream and the action it needs.\n Nothing outside this list is proxied (404). A trailing /* matches a prefix.\n Default: the pysystemtrade dashboard profile (dashboard/app.py).",
  roles:
    " Roles: permissions and restrictions (restrictions are checked first), session lifetime in seconds.\n Patterns: domain:verb, domain:*, or *. Defaults: the seed's four roles plus what the dashboard profile adds.",
  ip_filter:
    " IP filtering, checked first: allow-list entries are never blocked; with default_action deny only\n allow-listed addresses get in. `rampart ip block|allow|unblock|list` adds entries at run time.",
  rate_limits:
    " Rate limits (token buckets; 429 with Retry-After and RateLimit-* headers). The seed allows 1,000\n requests per minute per principal; login and MFA have a stricter budget per client IP.",
  step_up:
    " Step-up MFA: these actions need a TOTP code proved within window_seconds in the same session\n (POST /_rampart/v1/auth/step-up), else 401 ERR_AUTH_STEP_UP_REQUIRED.",
  segregation_of_duties:
    " Segregation of duties: sets of roles one user or service account may not hold together. Assigning\n a conflicting set is refused (ERR_ACCESS_SOD_CONFLICT); `rampart access sod-check` reports existing ones.",
  approvals:
    " Four-eyes approvals: a proposal expires after ttl seconds (default 24 h). required_for: kinds of change\n that need a second person through the API (user.set_roles, role.define, trading.resume). Secret reads\n need one for the paths in vault.approval_required. The local CLI `rampart user set-roles` stays direct.",
  tokens:
    " API tokens (JWT, RFC 9068 at+jwt): signing algorithm (EdDSA or RS256), JWE encryption (dir + A256GCM),\n lifetimes in seconds (default: the seed's 8 h), iss/aud, and automatic signing-key rotation in days (0: off).",
  pki: " Rampart's CA for service-account client certificates: default and maximum lifetime in seconds.",
  keys: " Key hierarchy: each purpose's key (secrets, fields, tokens, ledger, ca, mfa) gets a new version every\n rotation_days (the seed's 90; `rampart keys rotate PURPOSE` by hand). Unwrapped data keys stay in memory\n data_key_cache_ttl seconds. min_decryption_version: PURPOSE -> oldest version still decrypted\n (run `rampart keys rewrap PURPOSE` first; `rampart keys status` shows what is left).",
  vault: " Secrets: approval_required lists paths (or PREFIX/*) whose every read needs a four-eyes approval.",
  launch:
    ' `rampart launch --profile NAME -- COMMAND`: profiles name a service account (else the local operator\n runs with operator_role), templates rendered into a private directory (PYSYS_PRIVATE_CONFIG_DIR) and\n env vars taken from secrets, e.g.\n   profiles:\n     reports:\n       service_account: reports\n       templates: [{ template: /opt/rampart/private_config.yaml.tmpl, out: private_config.yaml }]\n       env: { SMTP_PASSWORD: "email/smtp#password" }\n service_accounts: name -> roles, until machine identity provides them.',
  classification:
    " Data classification (the seed's four levels). Rules are tried in order; a rule matches when the\n lower-cased name contains one of the strings. Exact examples win over rules.",
  incident_types: " Incident types, severities and automatic responses (the seed's).",
  detection:
    " Detection reads the audit ledger as a stream (poll every stream.poll_ms). Built-in rules cover\n authentication_attack, privilege_escalation, token_abuse, data_breach and suspicious_trading (names in\n docs; switch off with disabled_rules). rules: your own, e.g.\n   - { name: csrf_burst, type: authentication_attack, match: { action: gateway.csrf }, group_by: [ip_address],\n       window_s: 600, threshold: 10, mode: sliding }\n match values may be globs (*) or lists; distinct: FIELD counts distinct values. trading_hours: when trading\n actions are expected (ISO weekdays, HH:MM in timezone). Baselines score after warmup. verify_interval_s:\n full ledger verification (0: off); a failure is a critical data_breach. `rampart detect replay` backtests.",
  response:
    " Response playbooks: per incident type the actions in incident_types (auto_response + containment_actions)\n unless playbooks.TYPE overrides them; dry_run records what would be done. Actions: block_ip,\n isolate_user_session, lock_user, alert_security_team, notify_management, alert_risk_manager,\n freeze_positions, halt_strategy, stop_all_processes, immediate_isolation (read-only mode),\n preserve_evidence (bundle under evidence_dir), manual_review. block: ban for base_s, doubling per repeat\n offence (remembered remember_s) up to max_s; allow_list entries (IP or CIDR, optional ISO expiry) are\n never blocked. notify: per channel an HTTPS webhook signed with HMAC-SHA256 (secret from the env var\n secret_env) and/or e-mail recipients, sent through smtp: TLS always (starttls on 587, or implicit on 465),\n the server's certificate checked against the system's CAs or ca_file, the password from the env var\n password_env, e.g.\n   notify: { risk_manager: { email: [risk@desk.example] } }\n   smtp: { host: smtp.desk.example, from: rampart@desk.example, username: rampart }",
  firewall: " Network zones and firewall rules (the seed's), rendered by `rampart firewall`.",
  compliance: " Compliance frameworks and their requirements (the seed's).",
  trading:
    " Trading controls. adapter: how halts reach the trading system (pysystemtrade: the actuator in\n integrations/pysystemtrade over stdin/stdout, or over pysystemtrade.socket; webhook: signed HTTPS POST;\n command: a program, JSON in/out; none). key_file (relative to the data directory) or the env var key_env\n holds the shared HMAC key (>= 32 bytes). ibc: IBC's command server for `rampart trading halt --broker`\n (port 0: off). refresh_seconds: database re-read (publish/subscribe carries changes at once).\n resume_approval_ttl: seconds a four-eyes resume request stays open. on_audit_failure: halt | reduce | alert\n when the audit ledger stays unwritable for on_audit_failure_after seconds.",
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
