// Masks secrets in a config for display (`rampart config check`): values under keys whose names
// look like secrets, and passwords embedded in URLs.

const SECRET_KEY = ["password", "secret", "token", "credential", "api_key", "hmac_key", "private_key"];

function maskUrl(s: string): string {
  return s.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]+@/i, "$1:****@");
}

export function maskSecrets(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, key));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  }
  if (typeof value === "string") {
    const k = key.toLowerCase();
    if (SECRET_KEY.some((s) => k.includes(s))) return "****";
    return maskUrl(value);
  }
  return value;
}
