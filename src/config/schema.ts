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
});

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
  }),
  demo: Obj({ enabled: Type.Boolean(), listen: HostPort }),
  upstreams: Map_(Obj({ url: Url("http|https"), timeout_ms: Millis(10) })),
  routes: Type.Array(RouteSchema),
  roles: Map_(RoleSchema),
  /** Actions that need a second factor proved within the last window in the same session. */
  step_up: Obj({ actions: Type.Array(ActionPattern), window_seconds: Seconds(30) }),
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
    rotation_days: Type.Integer({ minimum: 0, maximum: 3650, expected: "whole days (0: rotate only by hand)" }),
  }),
  /** Rampart's internal CA (src/pki): client certificates for service accounts. */
  pki: Obj({ cert_default_ttl: Seconds(60), cert_max_ttl: Seconds(60) }),
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
