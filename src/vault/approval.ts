// The default ApprovalGate until src/access's two-person approvals are wired: every read of a
// secret that needs approval is refused with ERR_VAULT_APPROVAL_REQUIRED, never silently allowed.
import { approvalUnavailable } from "./errors.js";
import type { ApprovalGate, ApprovalRequest } from "./ports.js";

export const refuseApprovals: ApprovalGate = {
  async approveRead(request: ApprovalRequest): Promise<void> {
    throw approvalUnavailable(request.path);
  },
};
