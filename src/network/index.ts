// Network controls: IP allow/block lists now; zones, firewall rules and the TLS profile later.

export type { ChangeBus, IpFilterOptions, IpRuleStore } from "./ip-filter.js";
export { IpFilter } from "./ip-filter.js";
export type { SetOps } from "./ip-filter-sets.js";
export { ipFilterAsSets } from "./ip-filter-sets.js";
export type { IpDecision, IpRule, IpRuleKind, ParsedCidr } from "./ip-rules.js";
export { CompiledIpRules, normaliseCidr, parseCidr } from "./ip-rules.js";
