// src/network (migration 0010_network).
import type { Millis } from "../schema.js";

export interface IpRuleTable {
  kind: string;
  cidr: string;
  expires_at: Millis | null;
  reason: string;
  source: string;
  created_at: Millis;
}

export interface NetworkTables {
  ip_rules: IpRuleTable;
}
