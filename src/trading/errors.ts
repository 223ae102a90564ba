// Trading-control errors, each with a stable code (docs/errors.md "Trading controls").
import { RampartError } from "../kernel/index.js";
import type { TradingScope, TradingState } from "./types.js";

export function tradingHalted(scope: TradingScope, state: TradingState, action: string): RampartError {
  const message =
    state === "HALTED"
      ? "trading is halted"
      : "trading is reduce-only: this route is not marked as reducing risk";
  return new RampartError("ERR_TRADING_HALTED", message, {
    status: 423,
    expose: { state, scope },
    detail: `action ${action} refused: ${scope} is ${state}`,
  });
}

export function invalidScope(scope: string): RampartError {
  return new RampartError(
    "ERR_TRADING_SCOPE_INVALID",
    "scope must be global, strategy:NAME or instrument:CODE (letters, digits, _ . -)",
    { status: 400, detail: `scope ${JSON.stringify(scope.slice(0, 80))}` },
  );
}

export function reasonRequired(): RampartError {
  return new RampartError("ERR_TRADING_REASON_REQUIRED", "a reason (1 to 500 characters) is required", {
    status: 400,
  });
}

export function approvalNotFound(): RampartError {
  return new RampartError("ERR_TRADING_APPROVAL_NOT_FOUND", "no such resume request", { status: 404 });
}

export function selfApproval(): RampartError {
  return new RampartError(
    "ERR_TRADING_SELF_APPROVAL",
    "a resume needs a second person: you proposed this one and cannot approve it",
    { status: 403 },
  );
}

export function approvalNotUsable(status: string): RampartError {
  return new RampartError("ERR_TRADING_APPROVAL_NOT_USABLE", `this resume request is ${status}`, {
    status: 409,
  });
}

export function resumeRequired(scope: TradingScope): RampartError {
  return new RampartError(
    "ERR_TRADING_RESUME_REQUIRED",
    `${scope} is halted: leaving a halt, even for reduce-only, needs a resume approved by a second person`,
    { status: 409 },
  );
}

export function adapterNotConfigured(what: string): RampartError {
  return new RampartError("ERR_TRADING_ADAPTER_NOT_CONFIGURED", `${what} is not configured`, { status: 409 });
}

export function actuatorKeyMissing(): RampartError {
  return new RampartError(
    "ERR_TRADING_ACTUATOR_KEY",
    "the actuator key is missing or shorter than 32 bytes (trading.pysystemtrade.key_file or key_env)",
    { status: 500 },
  );
}

export function actuatorRefused(detail: string): RampartError {
  return new RampartError("ERR_TRADING_ACTUATOR_PROTOCOL", "the actuator's answer was refused", {
    status: 502,
    detail,
  });
}

export function tradingStateUnknown(): RampartError {
  return new RampartError("ERR_TRADING_STATE_UNKNOWN", "trading state not loaded yet; try again", {
    status: 503,
  });
}
