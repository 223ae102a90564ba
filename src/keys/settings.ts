// KeySettings from the validated config's `keys:` section.
import type { Config } from "../config/index.js";
import type { KeySettings } from "./key-service.js";
import type { KeyPurpose } from "./keyring.js";

export function keySettingsFromConfig(config: Config): KeySettings {
  return {
    rotationDays: config.keys.rotation_days,
    dataKeyCacheTtlMs: config.keys.data_key_cache_ttl * 1000,
    minDecryptionVersion: { ...config.keys.min_decryption_version } as Partial<Record<KeyPurpose, number>>,
  };
}
