"""The fake's storage: one JSON file ($FAKE_PYSYSTEMTRADE_DB) standing in for pysystemtrade's
MongoDB collections (process_control, override_status, trade_limits), so a test can inspect what
the actuator did through pysystemtrade's classes. Not part of pysystemtrade's interface."""

import json
import os


def _path():
    return os.environ["FAKE_PYSYSTEMTRADE_DB"]


def load():
    try:
        with open(_path(), "r", encoding="utf-8") as f:
            db = json.load(f)
    except FileNotFoundError:
        db = {}
    db.setdefault("process_control", {})
    db.setdefault("overrides", {"strategies": {}, "instruments": {}, "strategies_instruments": {}})
    db.setdefault("trade_limits", {})
    db.setdefault("strategies", [])
    db.setdefault("calls", [])
    return db


def save(db):
    tmp = _path() + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(db, f, sort_keys=True)
    os.replace(tmp, _path())


def call(name, *args):
    db = load()
    db["calls"].append([name] + [str(a) for a in args])
    save(db)
