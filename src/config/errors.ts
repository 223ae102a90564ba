// Configuration errors: the message names the file, the path inside it and what was expected.
import { RampartError } from "../kernel/index.js";

export class ConfigError extends RampartError {
  constructor(
    message: string,
    code: "ERR_CONFIG_INVALID" | "ERR_CONFIG_YAML" | "ERR_CONFIG_UNREADABLE" = "ERR_CONFIG_INVALID",
  ) {
    super(code, message, { status: 500 });
    this.name = "ConfigError";
  }
}
