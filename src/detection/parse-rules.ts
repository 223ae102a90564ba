// Validation of declarative rules given outside the config (a `--rules FILE` for replay); rules in
// rampart.yaml are validated by the config schema with the same constraints.
import { invalidRules } from "./errors.js";
import type { RuleConfig } from "./settings.js";

const NAME = /^[a-z][a-z0-9_.-]{0,63}$/;

export function parseRules(value: unknown): RuleConfig[] {
  const list = Array.isArray(value) ? value : (value as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(list)) throw invalidRules("expected a list of rules (or {rules: [...]})");
  return list.map((r, i) => {
    const at = `rule ${i + 1}`;
    if (r === null || typeof r !== "object") throw invalidRules(`${at} is not an object`);
    const o = r as Record<string, unknown>;
    const allowed = new Set([
      "name",
      "type",
      "match",
      "group_by",
      "window_s",
      "threshold",
      "mode",
      "distinct",
      "severity",
    ]);
    for (const k of Object.keys(o)) if (!allowed.has(k)) throw invalidRules(`${at}: unknown key ${k}`);
    if (typeof o["name"] !== "string" || !NAME.test(o["name"])) throw invalidRules(`${at}: name`);
    if (typeof o["type"] !== "string" || !/^[a-z][a-z0-9_]*$/.test(o["type"]))
      throw invalidRules(`${at}: type`);
    if (o["match"] === null || typeof o["match"] !== "object" || Array.isArray(o["match"]))
      throw invalidRules(`${at}: match must be an object`);
    const groupBy = o["group_by"] ?? [];
    if (!Array.isArray(groupBy) || !groupBy.every((g) => typeof g === "string"))
      throw invalidRules(`${at}: group_by`);
    const win = o["window_s"];
    const thr = o["threshold"];
    if (!Number.isInteger(win) || (win as number) < 1)
      throw invalidRules(`${at}: window_s must be an integer >= 1`);
    if (!Number.isInteger(thr) || (thr as number) < 1)
      throw invalidRules(`${at}: threshold must be an integer >= 1`);
    const mode = o["mode"] ?? "sliding";
    if (mode !== "sliding" && mode !== "leaky") throw invalidRules(`${at}: mode must be sliding or leaky`);
    const sev = o["severity"];
    if (sev !== undefined && !["low", "medium", "high", "critical"].includes(String(sev)))
      throw invalidRules(`${at}: severity`);
    if (o["distinct"] !== undefined && typeof o["distinct"] !== "string")
      throw invalidRules(`${at}: distinct`);
    return {
      name: o["name"],
      type: o["type"],
      match: o["match"] as RuleConfig["match"],
      group_by: groupBy as string[],
      window_s: win as number,
      threshold: thr as number,
      mode,
      ...(o["distinct"] !== undefined ? { distinct: o["distinct"] as string } : {}),
      ...(sev !== undefined ? { severity: sev as RuleConfig["severity"] } : {}),
    };
  });
}
