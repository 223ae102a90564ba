// Detection's errors: a rules file (`detect replay --rules FILE`) that is not a list of rules.
import { RampartError } from "../kernel/index.js";

export function invalidRules(detail: string): RampartError {
  return new RampartError("ERR_DETECTION_RULES_INVALID", `Invalid detection rules: ${detail}`, {
    status: 400,
    detail,
  });
}
