// Configuration: one schema, the seed's defaults, loaded once and frozen.

export * as seed from "./defaults.js";
export { defaultConfig } from "./defaults-config.js";
export { ConfigError } from "./errors.js";
export { renderExampleConfig } from "./example.js";
export type { LoadConfigOptions } from "./load.js";
export { loadConfig, mergeOver, parseConfigText } from "./load.js";
export { maskSecrets } from "./mask.js";
export type { Config, RoleConfig, RouteConfig } from "./schema.js";
export { ConfigSchema } from "./schema.js";
