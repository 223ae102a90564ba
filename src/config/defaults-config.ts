// The complete default configuration: what `rampart init` writes commented out, and what every
// key of rampart.yaml falls back to.
import {
  PYSYSTEMTRADE_ROUTES,
  SEED_CLASSIFICATION,
  SEED_COMPLIANCE,
  SEED_FIREWALL_RULES,
  SEED_INCIDENT_TYPES,
  SEED_ROLES,
  SEED_TLS,
} from "./defaults.js";

export function defaultConfig(): Record<string, unknown> {
  return structuredClone({
    server: {
      listen: "127.0.0.1:8443",
      tls: {
        cert_file: "tls/cert.pem",
        key_file: "tls/key.pem",
        min_version: SEED_TLS.min_version,
        cipher_suites: SEED_TLS.cipher_suites,
      },
      hsts: SEED_TLS.hsts,
      body_limit_bytes: 1024 * 1024,
      request_timeout_ms: 30_000,
      trusted_proxies: [],
    },
    database: { pool_size: 10 },
    ephemeral: {},
    logging: { level: "info" },
    audit: { origin: "rampart/audit", append_timeout_ms: 2000, checkpoint_every: 1000, checkpoint_interval_s: 10 },
    demo: { enabled: true, listen: "127.0.0.1:8050" },
    upstreams: { dashboard: { url: "http://127.0.0.1:8050", timeout_ms: 10_000 } },
    routes: PYSYSTEMTRADE_ROUTES,
    roles: SEED_ROLES,
    step_up: { actions: ["trading:*", "secrets:read:*", "config:*", "approvals:approve"], window_seconds: 300 },
    identity: {
      argon2: { memory_kib: 19456, iterations: 2, parallelism: 1 },
      hasher: { concurrency: 2, queue_limit: 256 },
      idle_timeout: 1800,
      lockout: { threshold: 5, base: 900, max: 86400 },
      ip_failures: { max: 50, window: 900 },
      challenge_ttl: 300,
      recovery_codes: 10,
    },
    tokens: {
      algorithm: "EdDSA",
      encrypt: false,
      default_ttl: 8 * 3600,
      max_ttl: 7 * 86400,
      issuer: "rampart",
      audience: "rampart",
      rotation_days: 30,
    },
    pki: { cert_default_ttl: 7 * 86400, cert_max_ttl: 90 * 86400 },
    classification: SEED_CLASSIFICATION,
    incident_types: SEED_INCIDENT_TYPES,
    firewall: { rules: SEED_FIREWALL_RULES },
    compliance: { frameworks: SEED_COMPLIANCE },
  });
}
