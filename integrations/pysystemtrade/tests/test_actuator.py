"""Tests of rampart_actuator.py against a fake of the pysystemtrade modules it calls
(tests/fake_pysystemtrade: same module paths and class/method names as pysystemtrade's sources).
Run: python3 -m unittest discover -s integrations/pysystemtrade/tests"""

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE = os.path.join(HERE, "fake_pysystemtrade")
ACTUATOR = os.path.join(os.path.dirname(HERE), "rampart_actuator.py")
sys.path[:0] = [FAKE, os.path.dirname(HERE)]

import rampart_actuator  # noqa: E402

KEY = b"k" * 40


def envelope(verb, scope="global", key=KEY, nonce=None, ts=None, req_id=None):
    body = json.dumps(
        {
            "v": 1,
            "id": req_id or str(uuid.uuid4()),
            "nonce": nonce or uuid.uuid4().hex,
            "ts": int(time.time() * 1000) if ts is None else ts,
            "verb": verb,
            "args": {"scope": scope, "reason": "test"},
        }
    )
    return json.dumps({"body": body, "mac": hmac.new(key, body.encode(), hashlib.sha256).hexdigest()})


def reply_of(line, key=KEY):
    env = json.loads(line)
    want = hmac.new(key, env["body"].encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(want, env["mac"]), "reply MAC"
    return json.loads(env["body"])


class Base(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.db = os.path.join(self.dir, "fake-mongo.json")
        os.environ["FAKE_PYSYSTEMTRADE_DB"] = self.db
        with open(self.db, "w") as f:
            json.dump(
                {
                    "process_control": {"run_stack_handler": {"status": "GO"}, "run_systems": {"status": "PAUSE"}},
                    "overrides": {"strategies": {}, "instruments": {"BUND": 0.5}, "strategies_instruments": {}},
                    "trade_limits": {"/SOFR": {"1": 40}},
                    "strategies": ["carry", "trend"],
                },
                f,
            )
        self.state = os.path.join(self.dir, "state.json")
        self.journal = os.path.join(self.dir, "journal.jsonl")
        self.act = rampart_actuator.Actuator(KEY, self.state, self.journal)

    def call(self, verb, scope="global", **kw):
        return reply_of(self.act.handle_line(envelope(verb, scope, **kw)))

    def fake(self):
        with open(self.db) as f:
            return json.load(f)

    def journal_entries(self):
        with open(self.journal) as f:
            return [json.loads(line) for line in f]


class Verbs(Base):
    def test_halt_all_then_resume_puts_back_exactly_what_was_there(self):
        r = self.call("halt_all")
        self.assertTrue(r["ok"], r)
        self.assertEqual(r["before"]["processes"]["run_stack_handler"], "GO")
        procs = self.fake()["process_control"]
        self.assertEqual(procs["run_stack_handler"]["status"], "STOP")
        self.assertEqual(procs["run_strategy_order_generator"]["status"], "NO-RUN")
        self.assertEqual(procs["run_systems"]["status"], "NO-RUN")
        r = self.call("resume")
        self.assertTrue(r["ok"], r)
        procs = self.fake()["process_control"]
        self.assertEqual(procs["run_stack_handler"]["status"], "GO")
        self.assertEqual(procs["run_strategy_order_generator"]["status"], "GO")
        self.assertEqual(procs["run_systems"]["status"], "PAUSE", "the operator's PAUSE is put back")
        self.assertEqual(r["after"]["set_by_rampart"], [])
        self.assertEqual([e["verb"] for e in self.journal_entries()], ["halt_all", "resume"])

    def test_resume_leaves_alone_what_someone_changed_since(self):
        self.call("halt_all")
        db = self.fake()
        db["process_control"]["run_stack_handler"]["status"] = "PAUSE"  # an operator, by hand
        with open(self.db, "w") as f:
            json.dump(db, f)
        self.call("resume")
        self.assertEqual(self.fake()["process_control"]["run_stack_handler"]["status"], "PAUSE")

    def test_halt_strategy_and_freeze_instrument(self):
        self.call("halt_strategy", "strategy:carry")
        self.call("freeze_instrument", "instrument:SOFR")
        db = self.fake()
        self.assertEqual(db["overrides"]["strategies"]["carry"], -1.0)
        self.assertEqual(db["overrides"]["instruments"]["SOFR"], -1.0)
        self.assertEqual(db["trade_limits"]["/SOFR"]["1"], 0)
        self.call("resume", "instrument:SOFR")
        db = self.fake()
        self.assertNotIn("SOFR", db["overrides"]["instruments"], "override 1.0 deletes the document")
        self.assertEqual(db["trade_limits"]["/SOFR"]["1"], 40, "the previous limit is put back")
        self.assertEqual(db["overrides"]["strategies"]["carry"], -1.0, "other scopes untouched")

    def test_reduce_only_and_close(self):
        self.call("reduce_only", "global")
        db = self.fake()
        self.assertEqual(db["overrides"]["strategies"], {"carry": -2.0, "trend": -2.0})
        self.call("close", "instrument:BUND")
        self.assertEqual(self.fake()["overrides"]["instruments"]["BUND"], 0.0)
        self.call("resume", "instrument:BUND")
        self.assertEqual(self.fake()["overrides"]["instruments"]["BUND"], 0.5, "the operator's 0.5 is put back")
        self.call("resume", "global")
        self.assertEqual(self.fake()["overrides"]["strategies"], {})

    def test_status_changes_nothing(self):
        r = self.call("status")
        self.assertTrue(r["ok"])
        self.assertEqual(r["before"], r["after"])
        self.assertEqual(r["after"]["trade_limits"], {"SOFR": 40})

    def test_wrong_scope_for_verb_is_refused(self):
        r = self.call("halt_all", "strategy:carry")
        self.assertFalse(r["ok"])
        self.assertIn("refused", r["error"])


class Refusals(Base):
    def test_bad_hmac_is_refused_and_changes_nothing(self):
        r = reply_of(self.act.handle_line(envelope("halt_all", key=b"x" * 40)))
        self.assertFalse(r["ok"])
        self.assertIn("bad MAC", r["error"])
        self.assertEqual(self.fake()["process_control"]["run_stack_handler"]["status"], "GO")

    def test_tampered_body_is_refused(self):
        env = json.loads(envelope("status"))
        env["body"] = env["body"].replace('"status"', '"halt_all"')
        r = reply_of(self.act.handle_line(json.dumps(env)))
        self.assertFalse(r["ok"])
        self.assertEqual(self.fake()["process_control"]["run_stack_handler"]["status"], "GO")

    def test_replayed_nonce_is_refused(self):
        line = envelope("halt_all")
        self.assertTrue(reply_of(self.act.handle_line(line))["ok"])
        self.call("resume")
        r = reply_of(self.act.handle_line(line))
        self.assertFalse(r["ok"])
        self.assertIn("replayed nonce", r["error"])
        self.assertEqual(self.fake()["process_control"]["run_stack_handler"]["status"], "GO")

    def test_stale_timestamp_is_refused(self):
        r = self.call("halt_all", ts=int(time.time() * 1000) - 10 * 60 * 1000)
        self.assertFalse(r["ok"])
        self.assertIn("stale", r["error"])

    def test_verb_outside_the_allow_list_is_refused(self):
        r = self.call("delete_all_overrides")
        self.assertFalse(r["ok"])
        self.assertIn("not allowed", r["error"])

    def test_short_key_is_rejected_at_start(self):
        with self.assertRaises(SystemExit):
            rampart_actuator.Actuator(b"short", self.state)


class StdioProcess(Base):
    def test_stdio_mode_answers_signed_lines_and_refuses_a_replay_across_processes(self):
        env = dict(os.environ, PYTHONPATH=FAKE, RAMPART_ACTUATOR_KEY=KEY.decode())
        line = envelope("halt_all")
        args = [sys.executable, ACTUATOR, "--stdio", "--state-file", self.state]
        out = subprocess.run(args, input=line + "\n", env=env, capture_output=True, text=True, timeout=30)
        self.assertTrue(reply_of(out.stdout.splitlines()[0])["ok"], out.stderr)
        out = subprocess.run(args, input=line + "\n", env=env, capture_output=True, text=True, timeout=30)
        r = reply_of(out.stdout.splitlines()[0])
        self.assertFalse(r["ok"])
        self.assertIn("replayed nonce", r["error"])


if __name__ == "__main__":
    unittest.main()
