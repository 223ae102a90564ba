// The seed's values (../shared/seed/security-architecture.md) as data: roles, classification,
// incident types, firewall rules, compliance frameworks, TLS profile. Plus the pysystemtrade
// dashboard route profile. These are defaults: rampart.yaml overrides any of them.

export const SEED_ROLES = {
  system_administrator: {
    permissions: [
      "system:*",
      "data:*",
      "config:*",
      // Access control (src/access): change users' roles and take part in four-eyes approvals.
      "users:set_roles",
      "approvals:propose",
      "approvals:view",
      "approvals:approve",
      // Audit ledger (src/audit): read events, checkpoints and proofs; ingest pysystemtrade logs.
      "audit:*",
      // API tokens (src/tokens): issue, list and revoke tokens for scripts (step-up MFA applies).
      "tokens:*",
    ],
    restrictions: [],
    session_timeout: 3600,
  },
  trader: {
    // Seed list, then what the pysystemtrade dashboard profile adds (README "Roles").
    permissions: [
      "trading:place_orders",
      "trading:cancel_orders",
      "data:read_prices",
      "data:read_positions",
      "reports:view_pnl",
      "reports:view_standard",
      "trading:modify_roll_state",
    ],
    restrictions: ["config:modify", "system:restart"],
    session_timeout: 28800,
  },
  risk_manager: {
    permissions: [
      "trading:override_limits",
      "trading:emergency_stop",
      // Trading controls (src/trading): propose and approve a resume (four-eyes: never the same person).
      "trading:resume",
      "trading:approve_resume",
      // Four-eyes approvals (src/access): propose, see and approve changes the role may make (trading.resume).
      "approvals:propose",
      "approvals:view",
      "approvals:approve",
      "data:read_all",
      "reports:generate_all",
      "reports:view_standard",
      "reports:view_pnl",
      "data:read_positions",
    ],
    restrictions: ["trading:place_orders"],
    session_timeout: 7200,
  },
  read_only_analyst: {
    permissions: ["data:read_prices", "reports:view_standard"],
    restrictions: ["trading:*", "config:*"],
    session_timeout: 14400,
  },
};

/** The pysystemtrade Flask dashboard (dashboard/app.py), route by route. */
export const PYSYSTEMTRADE_ROUTES = [
  { method: "GET", path: "/", upstream: "dashboard", action: "reports:view_standard" },
  { method: "GET", path: "/capital", upstream: "dashboard", action: "reports:view_pnl" },
  { method: "GET", path: "/costs", upstream: "dashboard", action: "reports:view_standard" },
  { method: "GET", path: "/forex", upstream: "dashboard", action: "data:read_positions" },
  { method: "GET", path: "/liquidity", upstream: "dashboard", action: "reports:view_standard" },
  { method: "GET", path: "/pandl", upstream: "dashboard", action: "reports:view_pnl" },
  { method: "GET", path: "/processes", upstream: "dashboard", action: "system:view_processes" },
  { method: "GET", path: "/reconcile", upstream: "dashboard", action: "data:read_positions" },
  { method: "GET", path: "/risk", upstream: "dashboard", action: "reports:view_standard" },
  { method: "GET", path: "/rolls", upstream: "dashboard", action: "reports:view_standard" },
  {
    method: "POST",
    path: "/rolls",
    upstream: "dashboard",
    action: "trading:modify_roll_state",
    // dashboard/app.py reads these three form fields; anything else is refused before it is proxied.
    input: {
      content_types: ["application/x-www-form-urlencoded"],
      fields: {
        instrument: { type: "string", required: true, pattern: "^[A-Za-z0-9_]{1,40}$" },
        state: {
          type: "string",
          required: true,
          enum: ["No_Roll", "Passive", "Force", "Force_Outright", "Roll_Adjusted", "Close"],
        },
        confirmed: { type: "boolean", required: true },
      },
      reject_unknown: true,
    },
  },
  { method: "GET", path: "/trades", upstream: "dashboard", action: "data:read_positions" },
  { method: "GET", path: "/strategy", upstream: "dashboard", action: "reports:view_standard" },
  { method: "GET", path: "/static/*", upstream: "dashboard", action: "reports:view_standard" },
];

export const SEED_CLASSIFICATION = {
  levels: {
    public: {
      encryption: "none",
      access_control: "none",
      retention: "indefinite",
      examples: ["market_holidays", "exchange_specs"],
    },
    internal: {
      encryption: "aes_256_transit",
      access_control: "authenticated_users",
      retention: "7_years",
      examples: ["historical_prices", "analytics_results"],
    },
    confidential: {
      encryption: "aes_256_rest_transit",
      access_control: "role_based",
      retention: "10_years",
      examples: ["trading_positions", "pnl_data", "order_history"],
    },
    restricted: {
      encryption: "aes_256_rest_transit_key_rotation",
      access_control: "need_to_know",
      retention: "10_years_secure_deletion",
      examples: ["api_keys", "broker_credentials", "encryption_keys"],
    },
  },
  // Ordered; first match wins. A rule matches when the lower-cased name contains any listed
  // substring (no regular expressions: nothing to backtrack on). Exact examples win over rules.
  rules: [
    { contains: ["password", "key", "secret", "token"], level: "restricted" },
    { contains: ["credential", "auth", "api_key"], level: "restricted" },
    { contains: ["position", "order", "trade", "pnl"], level: "confidential" },
    { contains: ["account", "balance", "exposure"], level: "confidential" },
    { contains: ["price", "analytics", "forecast"], level: "internal" },
  ],
  default_level: "internal",
};

export const SEED_INCIDENT_TYPES = {
  authentication_attack: {
    severity: "high",
    auto_response: ["block_ip", "alert_security_team"],
    escalation_threshold: 5,
    containment_actions: ["isolate_user_session"],
  },
  data_breach: {
    severity: "critical",
    auto_response: ["immediate_isolation", "notify_management"],
    escalation_threshold: 1,
    containment_actions: ["stop_all_processes", "preserve_evidence"],
  },
  suspicious_trading: {
    severity: "high",
    auto_response: ["freeze_positions", "alert_risk_manager"],
    escalation_threshold: 3,
    containment_actions: ["halt_strategy", "manual_review"],
  },
};

export const SEED_FIREWALL_RULES = {
  dmz_to_app: {
    source: "dmz_zone",
    destination: "app_zone",
    allowed_ports: [8443],
    protocol: "tcp",
    rate_limit: "1000_requests_per_minute",
  },
  app_to_data: {
    source: "app_zone",
    destination: "data_zone",
    allowed_ports: [27017, 6379],
    protocol: "tcp",
    authentication: "required",
  },
  broker_connections: {
    source: "app_zone",
    destination: "external",
    allowed_hosts: ["gw-api.interactivebrokers.com", "api.ibkr.com"],
    allowed_ports: [7496, 7497, 4001, 4002],
    protocol: "tcp",
    monitoring: "high_priority",
  },
};

export const SEED_COMPLIANCE = {
  sox_compliance: {
    description: "Sarbanes-Oxley compliance for financial reporting",
    requirements: [
      "segregation_of_duties",
      "audit_trail_integrity",
      "access_control_reviews",
      "change_management_approval",
    ],
    audit_frequency: "quarterly",
    retention_period: "7_years",
  },
  gdpr_compliance: {
    description: "General Data Protection Regulation compliance",
    requirements: [
      "data_subject_rights",
      "consent_management",
      "data_breach_notification",
      "privacy_by_design",
    ],
    audit_frequency: "annually",
    retention_period: "data_subject_lifetime",
  },
  pci_dss: {
    description: "Payment Card Industry Data Security Standard",
    requirements: [
      "secure_network_architecture",
      "data_encryption",
      "access_control",
      "regular_security_testing",
    ],
    audit_frequency: "annually",
    retention_period: "3_years",
  },
};

export const SEED_TLS = {
  min_version: "TLSv1.3",
  cipher_suites: ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"],
  hsts: { max_age: 31536000, include_subdomains: true, preload: true },
};
