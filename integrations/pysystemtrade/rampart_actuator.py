#!/usr/bin/env python3
"""Rampart's pysystemtrade actuator: the only way Rampart changes pysystemtrade's controls.

Runs inside the trader's pysystemtrade environment (same virtualenv, same private config) and
carries out an allow-list of verbs by calling pysystemtrade's own classes -- dataControlProcess,
updateOverrides / diagOverrides and dataTradeLimits -- never by writing MongoDB documents itself.

Requests arrive one JSON line at a time over stdin/stdout (``--stdio``) or a Unix socket
(``--socket PATH``, mode 0600). Each line is ``{"body": "<JSON text>", "mac": "<hex>"}`` with
mac = HMAC-SHA256(key, body) (RFC 2104). The body carries ``v``, ``id``, ``nonce``, ``ts``
(milliseconds since the epoch), ``verb`` and ``args.scope``. A bad MAC, a stale timestamp or a
nonce seen before is refused. Replies are signed the same way and repeat the request id.

It remembers what it set (and what was there before) in a small state file, so ``resume SCOPE``
puts back exactly what Rampart changed for that scope -- and only if it is still what Rampart set.

Standard library only. Python 3.8+.
"""

import argparse
import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import socketserver
import sys
import time

VERSION = 1
VERBS = ("status", "halt_all", "halt_strategy", "reduce_only", "close", "freeze_instrument", "resume")
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

STACK_HANDLER = "run_stack_handler"
HALT_PROCESSES = ((STACK_HANDLER, "STOP"), ("run_strategy_order_generator", "NO-RUN"), ("run_systems", "NO-RUN"))
ORDER_GENERATOR = "run_strategy_order_generator"
NO_TRADE, CLOSE, REDUCE_ONLY, NO_OVERRIDE = -1.0, 0.0, -2.0, 1.0
# tradeLimitData.no_limit: pysystemtrade's value for "no limit" (there is no delete).
NO_LIMIT = 999999
LIMIT_PERIOD_DAYS = 1


class Refused(Exception):
    """A request that must not be carried out (bad MAC, stale, replayed, not allowed)."""


# --- pysystemtrade access (imported lazily so `--help` works anywhere) ---------------------------


class Pysystemtrade:
    def __init__(self):
        from sysdata.data_blob import dataBlob
        from sysobjects.production.override import Override
        from sysproduction.data.control_process import (
            dataControlProcess,
            diagControlProcess,
            get_list_of_strategies_for_process,
        )
        from sysproduction.data.controls import dataTradeLimits, diagOverrides, updateOverrides

        self.Override = Override
        self.data = dataBlob(log_name="rampart-actuator")
        self.control = dataControlProcess(self.data)
        self.diag_control = diagControlProcess(self.data)
        self.update_overrides = updateOverrides(self.data)
        self.diag_overrides = diagOverrides(self.data)
        self.trade_limits = dataTradeLimits(self.data)
        self._strategies = lambda: list(get_list_of_strategies_for_process(self.data, ORDER_GENERATOR))

    # process_control
    def process_status(self, name):
        return self.diag_control.get_control_for_process_name(name).status

    def all_process_status(self):
        out = {}
        for name, ctl in dict(self.control.get_dict_of_control_processes()).items():
            out[name] = ctl.status
        for name, _ in HALT_PROCESSES:
            out.setdefault(name, self.process_status(name))
        return out

    def set_process_status(self, name, status):
        change = {
            "GO": self.control.change_status_to_go,
            "NO-RUN": self.control.change_status_to_no_run,
            "STOP": self.control.change_status_to_stop,
            "PAUSE": self.control.change_status_to_pause,
        }[status]
        change(name)

    # overrides
    def overrides(self):
        d = self.diag_overrides.db_override_data.get_dict_of_all_overrides()
        return {k: float(v.as_numeric_value()) for k, v in dict(d).items()}

    def override_value(self, target):
        return self.overrides().get(target, NO_OVERRIDE)

    def set_override(self, kind, target, value):
        override = self.Override.from_numeric_value(value)
        if kind == "strategy":
            self.update_overrides.update_override_for_strategy(target, override)
        else:
            self.update_overrides.update_override_for_instrument(target, override)

    # trade limits (instrument-wide, one-day period)
    def instrument_limits(self):
        out = {}
        for lim in self.trade_limits.get_all_limits():
            ist = lim.instrument_strategy
            if ist.strategy_name == "" and lim.period_days == LIMIT_PERIOD_DAYS:
                out[ist.instrument_code] = int(lim.trade_limit)
        return out

    def limit_value(self, instrument):
        return self.instrument_limits().get(instrument)

    def set_limit(self, instrument, value):
        self.trade_limits.update_instrument_limit_with_new_limit(instrument, LIMIT_PERIOD_DAYS, int(value))

    def strategies(self):
        return self._strategies()


# --- state file: nonces seen, and what Rampart set ----------------------------------------------


@contextlib.contextmanager
def locked_state(path):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        text = f.read()
        state = json.loads(text) if text.strip() else {}
        state.setdefault("nonces", {})
        state.setdefault("set", [])
        yield state
        f.seek(0)
        f.truncate()
        json.dump(state, f, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())


def parse_scope(scope):
    if scope == "global":
        return "global", ""
    kind, _, name = str(scope).partition(":")
    if kind in ("strategy", "instrument") and NAME.match(name):
        return kind, name
    raise Refused("invalid scope")


class Actuator:
    def __init__(self, key, state_path, journal_path=None, max_skew_s=60, clock=time.time, psys=None):
        if len(key) < 32:
            raise SystemExit("rampart_actuator: the key must be at least 32 bytes")
        self.key = key
        self.state_path = state_path
        self.journal_path = journal_path
        self.max_skew_ms = int(max_skew_s * 1000)
        self.clock = clock
        self._psys = psys

    @property
    def psys(self):
        if self._psys is None:
            self._psys = Pysystemtrade()
        return self._psys

    # protocol ------------------------------------------------------------------------------------

    def sign(self, reply):
        body = json.dumps(reply, sort_keys=True, separators=(",", ":"))
        mac = hmac.new(self.key, body.encode("utf-8"), hashlib.sha256).hexdigest()
        return json.dumps({"body": body, "mac": mac})

    def handle_line(self, line):
        req_id = None
        try:
            env = json.loads(line)
            body, mac = env.get("body"), env.get("mac")
            if not isinstance(body, str) or not isinstance(mac, str):
                raise Refused("malformed envelope")
            want = hmac.new(self.key, body.encode("utf-8"), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(want, mac.lower()):
                raise Refused("bad MAC")
            req = json.loads(body)
            req_id = req.get("id")
            return self.sign(self.handle(req))
        except Refused as e:
            self.journal({"refused": str(e), "id": req_id})
            return self.sign({"v": VERSION, "id": req_id, "ok": False, "error": "refused: %s" % e})
        except Exception as e:  # noqa: BLE001 -- any failure is an answer, never a crash
            self.journal({"error": type(e).__name__, "id": req_id})
            return self.sign({"v": VERSION, "id": req_id, "ok": False, "error": "%s: %s" % (type(e).__name__, e)})

    def handle(self, req):
        if req.get("v") != VERSION:
            raise Refused("unsupported version")
        verb, args = req.get("verb"), req.get("args") or {}
        nonce, ts, req_id = req.get("nonce"), req.get("ts"), req.get("id")
        if verb not in VERBS:
            raise Refused("verb not allowed")
        if not isinstance(req_id, str) or not isinstance(nonce, str) or not 16 <= len(nonce) <= 128:
            raise Refused("missing id or nonce")
        now_ms = int(self.clock() * 1000)
        if not isinstance(ts, int) or abs(now_ms - ts) > self.max_skew_ms:
            raise Refused("stale or future timestamp")
        scope = args.get("scope", "global")
        kind, name = parse_scope(scope)
        with locked_state(self.state_path) as state:
            horizon = now_ms - 2 * self.max_skew_ms
            state["nonces"] = {n: t for n, t in state["nonces"].items() if t >= horizon}
            if nonce in state["nonces"]:
                raise Refused("replayed nonce")
            state["nonces"][nonce] = now_ms
            before = self.snapshot(state)
            if verb != "status":
                getattr(self, "verb_" + verb)(state, scope, kind, name)
            after = self.snapshot(state)
        if verb != "status":
            self.journal({"verb": verb, "scope": scope, "id": req_id, "reason": args.get("reason", "")})
        return {"v": VERSION, "id": req_id, "ok": True, "verb": verb, "before": before, "after": after}

    def journal(self, entry):
        if not self.journal_path:
            return
        entry = dict(entry, at=int(self.clock() * 1000))
        with open(self.journal_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, sort_keys=True) + "\n")

    # state ---------------------------------------------------------------------------------------

    def snapshot(self, state):
        p = self.psys
        return {
            "processes": p.all_process_status(),
            "overrides": p.overrides(),
            "trade_limits": p.instrument_limits(),
            "set_by_rampart": list(state["set"]),
        }

    def remember(self, state, kind, target, previous, value, scope, verb):
        for e in state["set"]:
            if e["kind"] == kind and e["target"] == target:
                e.update(value=value, scope=scope, verb=verb)  # keep the first "previous"
                return
        state["set"].append(
            {"kind": kind, "target": target, "previous": previous, "value": value, "scope": scope, "verb": verb}
        )

    def set_process(self, state, name, status, scope, verb):
        prev = self.psys.process_status(name)
        if prev != status:
            self.psys.set_process_status(name, status)
        self.remember(state, "process", name, prev, status, scope, verb)

    def set_override(self, state, otype, target, value, scope, verb):
        kind = "override:" + otype
        prev = self.psys.override_value(target)
        if prev != value:
            self.psys.set_override(otype, target, value)
        self.remember(state, kind, target, prev, value, scope, verb)

    def targets(self, kind, name):
        if kind == "global":
            return [("strategy", s) for s in self.psys.strategies()]
        return [(kind, name)]

    # verbs ---------------------------------------------------------------------------------------

    def verb_halt_all(self, state, scope, kind, name):
        if kind != "global":
            raise Refused("halt_all takes the global scope")
        for proc, status in HALT_PROCESSES:
            self.set_process(state, proc, status, scope, "halt_all")

    def verb_halt_strategy(self, state, scope, kind, name):
        if kind != "strategy":
            raise Refused("halt_strategy takes strategy:NAME")
        self.set_override(state, "strategy", name, NO_TRADE, scope, "halt_strategy")

    def verb_reduce_only(self, state, scope, kind, name):
        for otype, target in self.targets(kind, name):
            self.set_override(state, otype, target, REDUCE_ONLY, scope, "reduce_only")

    def verb_close(self, state, scope, kind, name):
        for otype, target in self.targets(kind, name):
            self.set_override(state, otype, target, CLOSE, scope, "close")

    def verb_freeze_instrument(self, state, scope, kind, name):
        if kind != "instrument":
            raise Refused("freeze_instrument takes instrument:CODE")
        self.set_override(state, "instrument", name, NO_TRADE, scope, "freeze_instrument")
        prev = self.psys.limit_value(name)
        if prev != 0:
            self.psys.set_limit(name, 0)
        self.remember(state, "trade_limit", name, prev, 0, scope, "freeze_instrument")

    def verb_resume(self, state, scope, kind, name):
        keep, p = [], self.psys
        for e in state["set"]:
            if e["scope"] != scope:
                keep.append(e)
                continue
            k, target, prev, value = e["kind"], e["target"], e["previous"], e["value"]
            # Put back only what is still as Rampart left it: someone may have changed it since.
            if k == "process":
                if p.process_status(target) == value and prev != value:
                    p.set_process_status(target, prev)
            elif k.startswith("override:"):
                if p.override_value(target) == value and prev != value:
                    p.set_override(k.split(":", 1)[1], target, prev)
            elif k == "trade_limit":
                if p.limit_value(target) == value:
                    p.set_limit(target, NO_LIMIT if prev is None else prev)
        state["set"] = keep


# --- transports -----------------------------------------------------------------------------------


def serve_stdio(actuator):
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(actuator.handle_line(line) + "\n")
        sys.stdout.flush()


def serve_socket(actuator, path):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            line = self.rfile.readline(1024 * 1024).decode("utf-8", "replace")
            if line.strip():
                self.wfile.write((actuator.handle_line(line) + "\n").encode("utf-8"))

    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    old = os.umask(0o177)
    try:
        server = socketserver.UnixStreamServer(path, Handler)
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    with server:
        server.serve_forever()


def load_key(args):
    path = args.key_file or os.environ.get("RAMPART_ACTUATOR_KEY_FILE")
    if path:
        with open(path, "r", encoding="utf-8") as f:
            return f.read().strip().encode("utf-8")
    return os.environ.get("RAMPART_ACTUATOR_KEY", "").strip().encode("utf-8")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--stdio", action="store_true", help="one JSON request per line on stdin")
    mode.add_argument("--socket", metavar="PATH", help="listen on a Unix socket (mode 0600)")
    ap.add_argument("--key-file", help="shared HMAC key (else $RAMPART_ACTUATOR_KEY_FILE or $RAMPART_ACTUATOR_KEY)")
    default_state = os.path.join(os.path.expanduser("~"), ".rampart-actuator-state.json")
    ap.add_argument("--state-file", default=os.environ.get("RAMPART_ACTUATOR_STATE", default_state))
    ap.add_argument("--journal", default=os.environ.get("RAMPART_ACTUATOR_JOURNAL"), help="append-only log of verbs")
    ap.add_argument("--max-skew", type=int, default=60, help="seconds a request's timestamp may be off")
    args = ap.parse_args(argv)
    actuator = Actuator(load_key(args), args.state_file, args.journal, args.max_skew)
    if args.stdio:
        serve_stdio(actuator)
    else:
        serve_socket(actuator, args.socket)


if __name__ == "__main__":
    main()
