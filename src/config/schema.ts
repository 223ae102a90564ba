// The one schema of rampart.yaml. Every object rejects unknown keys. `expected` annotations give
// the human wording used in error messages ("expected an integer number of seconds >= 60").
// Defaults are applied by merging defaults.ts under the file before validation (load.ts).
import { type Static, type TSchema, Type } from "@sinclair/typebox";

const Obj = <T extends Record<string, TSchema>>(props: T) =>
  Type.Object(props, { additionalProperties: false });
const Map_ = <T extends TSchema>(value: T, keyPattern = "^[a-z][a-z0-9_]*$") =>
  Type.Record(Type.String({ pattern: keyPattern }), value, { additionalProperties: false });

export const HostPort = Type.String({
  pattern: "^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$",
  expected: "HOST:PORT such as 127.0.0.1:8443",
});
const Seconds = (min: number) =>
  Type.Integer({ minimum: min, expected: `an integer number of seconds >= ${min}` });
const Millis = (min: number) =>
  Type.Integer({ minimum: min, expected: `an integer number of milliseconds >= ${min}` });
const Url = (schemes: string) =>
  Type.String({
    pattern: `^(${schemes})://`,
    expected: `a URL starting with ${schemes.split("|").join(":// or ")}://`,
  });

const EnvName = Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$", expected: "an environment variable name" });
const EmailAddress = Type.String({
  pattern: '^[^\\s@<>,;"]+@[^\\s@<>,;"]+$',
  maxLength: 254,
  expected: "an e-mail address such as risk@example.com",
});
/** An alert channel: a signed HTTPS webhook, e-mail recipients (response.smtp), or both. */
const NotifyChannel = Obj({
  url: Type.Union([Type.Literal(""), Url("https")]),
  secret_env: Type.String(),
  email: Type.Array(EmailAddress, { uniqueItems: true }),
});

/** `domain:verb` action names and patterns (`domain:*`, `*`, `secrets:read:broker/*`). */
export const ActionPattern = Type.String({
  pattern: "^(\\*|[a-z][a-z0-9_]*:(\\*|[a-z][a-z0-9_]*(:[A-Za-z0-9_./-]*\\*?)?))$",
  expected: "an action pattern: domain:verb, domain:*, or *",
});
export const Action = Type.String({
  pattern: "^[a-z][a-z0-9_]*:[a-z][a-z0-9_]*(:[A-Za-z0-9_./-]+)?$",
  expected: "an action name domain:verb",
});

export const RoleSchema = Obj({
  permissions: Type.Array(ActionPattern, { uniqueItems: true }),
  restrictions: Type.Array(ActionPattern, { uniqueItems: true }),
  session_timeout: Seconds(60),
});

/** One input field of a route: form field, JSON property or query parameter. */
export const InputFieldSchema = Obj({
  type: Type.Union([Type.Literal("string"), Type.Literal("boolean"), Type.Literal("integer")], {
    expected: '"string", "boolean" or "integer"',
  }),
  required: Type.Optional(Type.Boolean()),
  /** Strings: a regular expression the whole value must match (anchor it). */
  pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  enum: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
  max_length: Type.Optional(Type.Integer({ minimum: 1, maximum: 65536 })),
  minimum: Type.Optional(Type.Integer()),
  maximum: Type.Optional(Type.Integer()),
});

/** What a route accepts; a request that does not match is refused with 400 before it is proxied. */
export const RouteInputSchema = Obj({
  /** Body content types accepted (form and JSON bodies are validated against `fields`). */
  content_types: Type.Optional(
    Type.Array(
      Type.Union([Type.Literal("application/x-www-form-urlencoded"), Type.Literal("application/json")]),
      { minItems: 1 },
    ),
  ),
  fields: Type.Optional(
    Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.-]{0,63}$" }), InputFieldSchema),
  ),
  query: Type.Optional(
    Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.-]{0,63}$" }), InputFieldSchema),
  ),
  /** Refuse fields not listed (default true: unknown fields are an injection surface). */
  reject_unknown: Type.Optional(Type.Boolean()),
});

export const RouteSchema = Obj({
  method: Type.Union(
    ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].map((m) => Type.Literal(m)),
    { expected: "an HTTP method (GET, HEAD, POST, PUT, PATCH, DELETE)" },
  ),
  path: Type.String({
    pattern: "^/[^\\s?#]*$",
    expected: "a path starting with / (a trailing * matches a prefix)",
  }),
  upstream: Type.String({ minLength: 1 }),
  action: Action,
  reduces_risk: Type.Optional(Type.Boolean()),
  input: Type.Optional(RouteInputSchema),
});

const SinkCommon = {
  name: Type.String({
    pattern: "^[a-z][a-z0-9_-]{0,62}$",
    expected: "a sink name (lower case, digits, _ or -)",
  }),
  /** Most records per delivery (default 500). */
  batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  /** Longest wait between retries after a failed delivery, in ms (default 60000). */
  retry_max_ms: Type.Optional(Millis(10)),
  /** How often an idle sink looks for new entries, in ms (default 1000). */
  poll_ms: Type.Optional(Millis(10)),
  /** Replace values of fields classified restricted by hmac-sha256:<hex> (default true). */
  redact: Type.Optional(Type.Boolean()),
};
export const AuditSinkSchema = Type.Union(
  [
    Obj({
      type: Type.Literal("jsonl"),
      ...SinkCommon,
      /** Directory (relative to the data directory) for audit-YYYY-MM-DD[.N].jsonl files. */
      dir: Type.String({ minLength: 1 }),
      /** Start a new file beyond this size (default 100 MiB); a new day always starts a new file. */
      max_bytes: Type.Optional(Type.Integer({ minimum: 1024 })),
    }),
    Obj({
      type: Type.Literal("syslog"),
      ...SinkCommon,
      host: Type.String({ minLength: 1 }),
      port: Type.Integer({ minimum: 1, maximum: 65535 }),
      /** tcp: RFC 6587 octet counting; tls: RFC 5425 (verifies the server against ca_file). */
      transport: Type.Union([Type.Literal("tcp"), Type.Literal("tls")], { expected: '"tcp" or "tls"' }),
      ca_file: Type.Optional(Type.String({ minLength: 1 })),
      cert_file: Type.Optional(Type.String({ minLength: 1 })),
      key_file: Type.Optional(Type.String({ minLength: 1 })),
      server_name: Type.Optional(Type.String({ minLength: 1 })),
      /** RFC 5424 facility (default 13, log audit). */
      facility: Type.Optional(Type.Integer({ minimum: 0, maximum: 23 })),
      app_name: Type.Optional(Type.String({ pattern: "^[!-~]{1,48}$" })),
      hostname: Type.Optional(Type.String({ pattern: "^[!-~]{1,255}$" })),
    }),
    Obj({
      type: Type.Literal("webhook"),
      ...SinkCommon,
      url: Url("https"),
      /** HMAC key for X-Rampart-Signature: a file (relative to the data directory) or an env var. */
      secret_file: Type.Optional(Type.String({ minLength: 1 })),
      secret_env: Type.Optional(Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$" })),
      ca_file: Type.Optional(Type.String({ minLength: 1 })),
      timeout_ms: Type.Optional(Millis(100)),
    }),
  ],
  { expected: "a sink: type jsonl, syslog or webhook with its settings" },
);

export const ConfigSchema = Obj({
  server: Obj({
    listen: HostPort,
    public_url: Type.Optional(Url("https")),
    tls: Obj({
      cert_file: Type.String({ minLength: 1 }),
      key_file: Type.String({ minLength: 1 }),
      min_version: Type.Literal("TLSv1.3", { expected: '"TLSv1.3" (the seed allows nothing older)' }),
      cipher_suites: Type.Array(
        Type.Union(
          ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"].map((c) =>
            Type.Literal(c),
          ),
          { expected: "a TLS 1.3 cipher suite name" },
        ),
        { minItems: 1, uniqueItems: true },
      ),
    }),
    hsts: Obj({ max_age: Seconds(0), include_subdomains: Type.Boolean(), preload: Type.Boolean() }),
    body_limit_bytes: Type.Integer({
      minimum: 1024,
      maximum: 64 * 1024 * 1024,
      expected: "a size in bytes (1024..67108864)",
    }),
    request_timeout_ms: Millis(100),
    trusted_proxies: Type.Array(Type.String({ minLength: 1 })),
  }),
  database: Obj({
    url: Type.Optional(Url("postgres|postgresql|sqlite")),
    pool_size: Type.Integer({ minimum: 1, maximum: 100 }),
  }),
  ephemeral: Obj({ redis_url: Type.Optional(Url("redis|rediss")) }),
  logging: Obj({
    level: Type.Union(
      ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => Type.Literal(l)),
      {
        expected: "one of fatal, error, warn, info, debug, trace, silent",
      },
    ),
  }),
  audit: Obj({
    /** The log's name in signed checkpoints (C2SP tlog-checkpoint origin line and key name). */
    origin: Type.String({ pattern: "^[^\\s+|]+$", expected: "a log name without spaces, '+' or '|'" }),
    append_timeout_ms: Millis(50),
    checkpoint_every: Type.Integer({ minimum: 1, expected: "an integer number of entries >= 1" }),
    checkpoint_interval_s: Seconds(1),
    /** Where the ledger is copied (src/audit/sinks): each sink reads from its own persisted cursor. */
    sinks: Type.Array(AuditSinkSchema),
    /** pysystemtrade log ingestion (POST /_rampart/v1/ingest/logs, `rampart ingest tail`). */
    ingest: Obj({
      min_level: Type.Union(
        ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"].map((l) => Type.Literal(l)),
        { expected: "one of DEBUG, INFO, WARNING, ERROR, CRITICAL" },
      ),
      max_batch: Type.Integer({ minimum: 1, maximum: 10_000, expected: "records per request (1..10000)" }),
    }),
  }),
  demo: Obj({ enabled: Type.Boolean(), listen: HostPort }),
  upstreams: Map_(Obj({ url: Url("http|https"), timeout_ms: Millis(10) })),
  routes: Type.Array(RouteSchema),
  roles: Map_(RoleSchema),
  /** IP allow/block lists, checked before anything else (entries added at run time live in the database). */
  ip_filter: Obj({
    default_action: Type.Union([Type.Literal("allow"), Type.Literal("deny")], {
      expected: '"allow" or "deny"',
    }),
    allow: Type.Array(Type.String({ minLength: 2, expected: "an IP address or CIDR" })),
    block: Type.Array(Type.String({ minLength: 2, expected: "an IP address or CIDR" })),
  }),
  /** Token buckets (IETF RateLimit fields on answers): per client IP, per principal, per role and route. */
  rate_limits: Obj({
    per_ip: Obj({ requests_per_minute: Type.Integer({ minimum: 1 }), burst: Type.Integer({ minimum: 1 }) }),
    per_principal: Obj({
      requests_per_minute: Type.Integer({ minimum: 1 }),
      burst: Type.Integer({ minimum: 1 }),
    }),
    /** Login, MFA and step-up: per client IP. */
    auth: Obj({ requests_per_minute: Type.Integer({ minimum: 1 }), burst: Type.Integer({ minimum: 1 }) }),
    roles: Map_(
      Obj({ requests_per_minute: Type.Integer({ minimum: 1 }), burst: Type.Integer({ minimum: 1 }) }),
    ),
    routes: Type.Array(
      Obj({
        method: Type.String(),
        path: Type.String(),
        requests_per_minute: Type.Integer({ minimum: 1 }),
        burst: Type.Integer({ minimum: 1 }),
      }),
    ),
  }),
  /** Actions that need a second factor proved within the last window in the same session. */
  step_up: Obj({ actions: Type.Array(ActionPattern), window_seconds: Seconds(30) }),
  /** Sets of roles one user or service account may not hold together (src/access). */
  segregation_of_duties: Type.Array(
    Type.Array(Type.String({ pattern: "^[a-z][a-z0-9_]*$", expected: "a role name" }), {
      minItems: 2,
      uniqueItems: true,
      expected: "a list of at least two different role names",
    }),
  ),
  /** Four-eyes approvals (src/access): proposal lifetime, and which kinds of change need one. */
  approvals: Obj({
    ttl: Seconds(60),
    required_for: Type.Array(
      Type.String({
        pattern: "^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$",
        expected: "a proposal kind such as user.set_roles",
      }),
      { uniqueItems: true },
    ),
  }),
  identity: Obj({
    // OWASP minimum for argon2id (m=19 MiB, t=2, p=1); tests construct weaker hashers directly.
    argon2: Obj({
      memory_kib: Type.Integer({ minimum: 19456, maximum: 4194304, expected: "KiB >= 19456 (19 MiB)" }),
      iterations: Type.Integer({ minimum: 2, maximum: 64, expected: "an integer >= 2" }),
      parallelism: Type.Integer({ minimum: 1, maximum: 16, expected: "an integer 1..16" }),
    }),
    hasher: Obj({
      concurrency: Type.Integer({ minimum: 1, maximum: 64 }),
      queue_limit: Type.Integer({ minimum: 0, maximum: 100000 }),
    }),
    idle_timeout: Seconds(60),
    lockout: Obj({
      threshold: Type.Integer({ minimum: 1, maximum: 100 }),
      base: Seconds(1),
      max: Seconds(1),
    }),
    ip_failures: Obj({ max: Type.Integer({ minimum: 1 }), window: Seconds(1) }),
    challenge_ttl: Seconds(30),
    recovery_codes: Type.Integer({ minimum: 1, maximum: 50 }),
  }),
  /** API tokens (src/tokens): JWT access tokens, signing-key rotation. */
  tokens: Obj({
    algorithm: Type.Union([Type.Literal("EdDSA"), Type.Literal("RS256")], { expected: '"EdDSA" or "RS256"' }),
    encrypt: Type.Boolean(),
    default_ttl: Seconds(60),
    max_ttl: Seconds(60),
    issuer: Type.String({ minLength: 1 }),
    audience: Type.String({ minLength: 1 }),
    rotation_days: Type.Integer({
      minimum: 0,
      maximum: 3650,
      expected: "whole days (0: rotate only by hand)",
    }),
  }),
  /** Rampart's internal CA (src/pki): client certificates for service accounts. */
  pki: Obj({ cert_default_ttl: Seconds(60), cert_max_ttl: Seconds(60) }),
  /** Key hierarchy (src/keys): rotation schedule, data-key cache, oldest version still decrypted. */
  keys: Obj({
    rotation_days: Type.Integer({
      minimum: 0,
      maximum: 3650,
      expected: "whole days (0: rotate only by hand)",
    }),
    data_key_cache_ttl: Seconds(1),
    min_decryption_version: Type.Record(
      Type.String({ pattern: "^(secrets|fields|tokens|ledger|ca|mfa)$" }),
      Type.Integer({ minimum: 1, expected: "a key version >= 1" }),
      { additionalProperties: false },
    ),
  }),
  /** Secrets (src/vault): paths whose every read needs a four-eyes approval. */
  vault: Obj({
    approval_required: Type.Array(
      Type.String({
        pattern: "^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*(/\\*)?$",
        expected: "a secret path, or PREFIX/*",
      }),
    ),
  }),
  /** `rampart launch`: per-process profiles that render secrets into a private directory. */
  launch: Obj({
    /** Role of the local operator for profiles without a service account. */
    operator_role: Type.String({ minLength: 1 }),
    /** Service accounts and their roles, until machine identity provides them. */
    service_accounts: Map_(Obj({ roles: Type.Array(Type.String({ minLength: 1 })) }), "^[a-z][a-z0-9_-]*$"),
    /** Where private directories are made; empty: /dev/shm when present, else the OS temp dir. */
    runtime_dir: Type.String(),
    profiles: Map_(
      Obj({
        service_account: Type.Optional(Type.String({ minLength: 1 })),
        templates: Type.Array(
          Obj({
            template: Type.String({ minLength: 1 }),
            out: Type.String({ pattern: "^[A-Za-z0-9_.-]+$", expected: "a file name (no directories)" }),
          }),
        ),
        env: Type.Record(
          Type.String({ pattern: "^[A-Z_][A-Z0-9_]*$" }),
          Type.String({ pattern: "^[^#]+#[^#]+$", expected: "PATH#FIELD" }),
          { additionalProperties: false },
        ),
      }),
      "^[a-z][a-z0-9_-]*$",
    ),
  }),
  classification: Obj({
    levels: Map_(
      Obj({
        encryption: Type.String(),
        access_control: Type.String(),
        retention: Type.String(),
        examples: Type.Array(Type.String()),
      }),
    ),
    rules: Type.Array(
      Obj({ contains: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), level: Type.String() }),
    ),
    default_level: Type.String(),
  }),
  incident_types: Map_(
    Obj({
      severity: Type.Union(
        ["low", "medium", "high", "critical"].map((s) => Type.Literal(s)),
        {
          expected: "one of low, medium, high, critical",
        },
      ),
      auto_response: Type.Array(Type.String()),
      escalation_threshold: Type.Integer({ minimum: 1 }),
      containment_actions: Type.Array(Type.String()),
    }),
  ),
  /** Detection (src/detection): the ledger consumed as a stream; rules, baselines, trading surveillance. */
  detection: Obj({
    /** Declarative rules: match on event fields, group, count in a window, raise an incident type. */
    rules: Type.Array(
      Obj({
        name: Type.String({
          pattern: "^[a-z][a-z0-9_.-]{0,63}$",
          expected: "a rule name (lower case, . _ -)",
        }),
        type: Type.String({ pattern: "^[a-z][a-z0-9_]*$", expected: "an incident type" }),
        match: Type.Record(
          Type.String({ minLength: 1 }),
          Type.Union([
            Type.String(),
            Type.Number(),
            Type.Boolean(),
            Type.Null(),
            Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
          ]),
        ),
        group_by: Type.Array(Type.String({ minLength: 1 })),
        window_s: Seconds(1),
        threshold: Type.Integer({ minimum: 1, expected: "an integer >= 1" }),
        mode: Type.Optional(
          Type.Union([Type.Literal("sliding"), Type.Literal("leaky")], { expected: "sliding or leaky" }),
        ),
        distinct: Type.Optional(Type.String({ minLength: 1 })),
        severity: Type.Optional(
          Type.Union(
            [Type.Literal("low"), Type.Literal("medium"), Type.Literal("high"), Type.Literal("critical")],
            {
              expected: "one of low, medium, high, critical",
            },
          ),
        ),
      }),
    ),
    disabled_rules: Type.Array(Type.String()),
    trading_hours: Obj({
      timezone: Type.String({ minLength: 1 }),
      days: Type.Array(
        Type.Integer({ minimum: 1, maximum: 7, expected: "ISO weekdays 1 (Monday) .. 7 (Sunday)" }),
      ),
      start: Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$", expected: "HH:MM" }),
      end: Type.String({ pattern: "^([01][0-9]|2[0-4]):[0-5][0-9]$", expected: "HH:MM" }),
    }),
    warmup: Obj({ events: Type.Integer({ minimum: 1 }), hours: Type.Integer({ minimum: 0 }) }),
    stream: Obj({ poll_ms: Millis(10), batch: Type.Integer({ minimum: 1, maximum: 100000 }) }),
    role_change_via: Type.Array(Type.String()),
    group_window_s: Seconds(1),
    max_keys: Type.Integer({ minimum: 100 }),
    /** Verify the whole ledger every N seconds and record the outcome (0: off). */
    verify_interval_s: Type.Integer({ minimum: 0, expected: "seconds (0: off)" }),
  }),
  /** Response (src/response): playbooks, IP blocks, alert channels, evidence bundles. */
  response: Obj({
    dry_run: Type.Boolean(),
    /** Per incident type; default: the type's auto_response + containment_actions. */
    playbooks: Map_(Obj({ actions: Type.Array(Type.String()), dry_run: Type.Boolean() })),
    action_timeout_s: Seconds(1),
    max_attempts: Type.Integer({ minimum: 1, maximum: 20 }),
    retry_backoff_ms: Millis(1),
    escalation_actions: Type.Array(Type.String()),
    block: Obj({ base_s: Seconds(1), max_s: Seconds(1), remember_s: Seconds(1) }),
    allow_list: Type.Array(
      Obj({
        address: Type.String({ minLength: 2, expected: "an IP address or CIDR range" }),
        expires: Type.String({ expected: 'an ISO 8601 time, or "" for never' }),
        note: Type.String(),
      }),
    ),
    notify: Obj({
      security_team: NotifyChannel,
      management: NotifyChannel,
      risk_manager: NotifyChannel,
    }),
    /** The mail server for notify.*.email: TLS always (STARTTLS on submission, or implicit TLS). */
    smtp: Obj({
      /** "" = no e-mail alerts. */
      host: Type.String({ pattern: "^[A-Za-z0-9.:\\[\\]-]*$", expected: "a host name or address" }),
      port: Type.Integer({ minimum: 1, maximum: 65535, expected: "a TCP port" }),
      tls: Type.Union([Type.Literal("starttls"), Type.Literal("implicit")], {
        expected: "starttls (port 587) or implicit (port 465)",
      }),
      /** PEM file of the CA(s) to trust for the server's certificate, relative to the data directory; "" = the system's. */
      ca_file: Type.String(),
      from: Type.Union([Type.Literal(""), EmailAddress]),
      /** "" = no authentication. */
      username: Type.String(),
      password_env: EnvName,
      timeout_s: Seconds(1),
    }),
    /** Relative to the data directory. */
    evidence_dir: Type.String({ minLength: 1 }),
  }),
  firewall: Obj({
    rules: Map_(
      Obj({
        source: Type.String(),
        destination: Type.String(),
        allowed_ports: Type.Array(Type.Integer({ minimum: 1, maximum: 65535 })),
        allowed_hosts: Type.Optional(Type.Array(Type.String())),
        protocol: Type.Union([Type.Literal("tcp"), Type.Literal("udp")]),
        rate_limit: Type.Optional(Type.String()),
        authentication: Type.Optional(Type.String()),
        monitoring: Type.Optional(Type.String()),
      }),
    ),
  }),
  /** Trading controls (src/trading): control adapter, broker kill switch, ledger fail-safe. */
  trading: Obj({
    adapter: Type.Union(
      ["none", "pysystemtrade", "webhook", "command"].map((a) => Type.Literal(a)),
      { expected: "one of none, pysystemtrade, webhook, command" },
    ),
    /** The actuator/webhook HMAC key: a file (relative to the data directory), else this env var. */
    key_file: Type.String(),
    key_env: Type.String({ pattern: "^([A-Z_][A-Z0-9_]*)?$", expected: "an environment variable name" }),
    pysystemtrade: Obj({ command: Type.Array(Type.String({ minLength: 1 })), socket: Type.String() }),
    webhook: Obj({ url: Type.Union([Type.Literal(""), Url("https")]) }),
    command: Obj({ argv: Type.Array(Type.String({ minLength: 1 })) }),
    ibc: Obj({
      host: Type.String({ minLength: 1 }),
      port: Type.Integer({ minimum: 0, maximum: 65535, expected: "a TCP port (0: no broker kill switch)" }),
      timeout_ms: Millis(100),
    }),
    action_timeout_seconds: Seconds(1),
    refresh_seconds: Type.Integer({ minimum: 0, maximum: 3600, expected: "seconds (0: only on start)" }),
    resume_approval_ttl: Seconds(60),
    on_audit_failure: Type.Union([Type.Literal("halt"), Type.Literal("reduce"), Type.Literal("alert")], {
      expected: "one of halt, reduce, alert",
    }),
    on_audit_failure_after: Seconds(1),
  }),
  compliance: Obj({
    frameworks: Map_(
      Obj({
        description: Type.String(),
        requirements: Type.Array(Type.String()),
        audit_frequency: Type.String(),
        retention_period: Type.String(),
      }),
    ),
  }),
});

export type Config = Static<typeof ConfigSchema>;
export type RoleConfig = Static<typeof RoleSchema>;
export type RouteConfig = Static<typeof RouteSchema>;
