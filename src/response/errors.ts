// Incident and response errors: unknown incident, a lifecycle move that is not allowed, a change
// that lost to concurrent writers too many times in a row, an action past its deadline (retried,
// then escalated; never silently dropped).
import { RampartError } from "../kernel/index.js";

export function incidentNotFound(id: string): RampartError {
  return new RampartError("ERR_INCIDENT_NOT_FOUND", "No such incident.", { status: 404, detail: id });
}

export function incidentTransition(from: string, to: string): RampartError {
  return new RampartError("ERR_INCIDENT_TRANSITION", `An incident that is ${from} cannot become ${to}.`, {
    status: 409,
    detail: `${from} -> ${to}`,
  });
}

export function incidentConflict(id: string): RampartError {
  return new RampartError(
    "ERR_INCIDENT_CONFLICT",
    "The incident kept changing while this change was being applied; try again.",
    { status: 409, detail: id },
  );
}

export function actionTimeout(action: string, ms: number): RampartError {
  return new RampartError("ERR_RESPONSE_ACTION_TIMEOUT", "A response action did not finish in time.", {
    status: 504,
    detail: `${action} exceeded ${ms} ms`,
  });
}

export function actionFailed(action: string, detail: string): RampartError {
  return new RampartError("ERR_RESPONSE_ACTION_FAILED", "A response action failed.", {
    status: 502,
    detail: `${action}: ${detail}`,
  });
}
