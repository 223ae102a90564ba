// Decisions for people: one line per decision ("allow: role trader, permission
// trading:place_orders"), and the role × action matrix the CLI prints as Markdown or JSON.
import type { CompiledPolicy, Decision, PolicyMatrix } from "./types.js";

/** Actions may come from a client: anything not a plain action name is quoted and shortened. */
function showAction(action: string): string {
  let plain = action.length > 0 && action.length <= 256;
  for (let i = 0; plain && i < action.length; i++) {
    const c = action.charCodeAt(i);
    plain = c > 0x20 && c < 0x7f;
  }
  return plain ? action : JSON.stringify(action.length > 80 ? `${action.slice(0, 77)}...` : action);
}

function reasonText(d: Decision): string {
  switch (d.reason) {
    case "permission":
      return `role ${d.role}, permission ${d.matched}`;
    case "restriction":
      return `role ${d.role}, restriction ${d.matched}`;
    case "no_permission":
      return `role ${d.role}, no permission matches`;
    case "unknown_role":
      return `unknown role ${showAction(d.role)}`;
    case "no_roles":
      return "no roles";
    case "invalid_action":
      return "malformed action name";
  }
}

/**
 * "allow: role trader, permission trading:place_orders", or with the action:
 * "allow trading:place_orders: role trader, permission trading:place_orders".
 */
export function explainDecision(decision: Decision, action?: string): string {
  const verdict = decision.allowed ? "allow" : "deny";
  return action === undefined
    ? `${verdict}: ${reasonText(decision)}`
    : `${verdict} ${showAction(action)}: ${reasonText(decision)}`;
}

/** Every role of the policy against every action (rows in the order given). */
export function buildMatrix(policy: CompiledPolicy, actions: readonly string[]): PolicyMatrix {
  const roles = policy.roleNames;
  const cells = actions.map((a) => Object.freeze(roles.map((r) => policy.check([r], a))));
  return Object.freeze({ roles, actions: Object.freeze([...actions]), cells: Object.freeze(cells) });
}

function cellText(d: Decision): string {
  if (d.allowed) return `allow (\`${d.matched}\`)`;
  if (d.reason === "restriction") return `deny (restriction \`${d.matched}\`)`;
  if (d.reason === "invalid_action") return "deny (malformed action)";
  return "deny";
}

/** A GitHub-flavoured Markdown table: one row per action, one column per role. */
export function renderMatrixMarkdown(matrix: PolicyMatrix): string {
  const lines = [
    `| action | ${matrix.roles.join(" | ")} |`,
    `|---|${matrix.roles.map(() => "---|").join("")}`,
  ];
  matrix.actions.forEach((action, a) => {
    const row = matrix.cells[a] ?? [];
    lines.push(`| \`${showAction(action).replaceAll("|", "\\|")}\` | ${row.map(cellText).join(" | ")} |`);
  });
  return `${lines.join("\n")}\n`;
}

/** Stable JSON: roles and actions in order, one entry per action with each role's decision. */
export function renderMatrixJson(matrix: PolicyMatrix): string {
  const rows = matrix.actions.map((action, a) => ({
    action,
    decisions: (matrix.cells[a] ?? []).map((d) => ({
      role: d.role,
      allowed: d.allowed,
      reason: d.reason,
      matched: d.matched,
    })),
  }));
  return `${JSON.stringify({ roles: matrix.roles, actions: matrix.actions, rows }, null, 2)}\n`;
}
