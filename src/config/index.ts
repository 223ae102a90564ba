// Configuration: one schema, the seed's defaults, loaded once and frozen.
export { loadConfig, mergeOver, parseConfigText } from "./load.js";
export type { LoadConfigOptions } from "./load.js";
export { ConfigError } from "./errors.js";
export { ConfigSchema } from "./schema.js";
export type { Config, RoleConfig, RouteConfig } from "./schema.js";
export { defaultConfig } from "./defaults-config.js";
export { maskSecrets } from "./mask.js";
export * as seed from "./defaults.js";
