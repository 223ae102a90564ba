"""rampart_logging: send pysystemtrade's log records to Rampart's audit ledger (stdlib only).

A ``logging.Handler`` to name in the YAML file that ``PYSYS_LOGGING_CONFIG`` points at (see
``logging_rampart.yaml`` beside this file). Each record is turned into a small JSON object at once
(level, logger, message without the leading attribute dict, the pysystemtrade attributes —
``type``, ``instrument_code``, ``strategy_name``, order ids… — time, host, pid, traceback) and put on
a bounded in-memory queue; a background thread sends batches as JSON over HTTPS to
``POST /_rampart/v1/ingest/logs``. Logging never blocks trading: when the queue is full the record
is dropped and counted, and the count is reported to Rampart (which records it as an event) with the
next batch. No pickle, ever (the log server's SocketHandler protocol is pickle; this is not).

TLS: the server certificate is always verified (against ``ca_file`` when given, else the system
store), TLS 1.3 only, like ``integrations/python/rampart_client.py``. Authentication: a bearer token
(``token``, ``token_file`` or the environment variable named by ``token_env``) or a client
certificate (``cert_file`` + ``key_file``). The token never appears in a message or repr().

Delivery is at-least-once: a batch that fails (network, 5xx, 429) is retried with exponential
backoff while new records queue behind it; a batch Rampart refuses for good (400, 401, 403, 413) is
dropped and counted, with one line on stderr (never through logging, which would loop).

Example::

    import logging
    from rampart_logging import RampartHandler
    h = RampartHandler("https://127.0.0.1:8443", ca_file="/etc/rampart/ca.crt",
                       token_file="/etc/rampart/log_shipper.token", level=logging.INFO)
    logging.getLogger().addHandler(h)
"""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional

__all__ = ["RampartHandler", "PST_ATTRIBUTES"]
__version__ = "0.1.0"

# syslogdiag/pst_logger.py ALLOWED_LOG_ATTRIBUTES (and `sysmon` of newer versions).
PST_ATTRIBUTES = (
    "type",
    "component",
    "stage",
    "currency_code",
    "instrument_code",
    "contract_date",
    "order_id",
    "strategy_name",
    "instrument_order_id",
    "contract_order_id",
    "broker_order_id",
    "broker",
    "clientid",
    "sysmon",
)

_PATH = "/_rampart/v1/ingest/logs"
_PERMANENT = {400, 401, 403, 404, 413, 415}
_MAX_MESSAGE = 65536


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D401
        return None


def _attr_value(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, float)):
        return v
    return str(v)[:1000]


class RampartHandler(logging.Handler):
    """Queue log records and ship them to Rampart from a background thread."""

    def __init__(
        self,
        url: str,
        ca_file: Optional[str] = None,
        token: Optional[str] = None,
        token_file: Optional[str] = None,
        token_env: Optional[str] = None,
        cert_file: Optional[str] = None,
        key_file: Optional[str] = None,
        level: Any = logging.NOTSET,
        queue_size: int = 10000,
        batch_size: int = 200,
        flush_interval: float = 1.0,
        timeout: float = 10.0,
        max_backoff: float = 60.0,
        close_timeout: float = 5.0,
    ) -> None:
        super().__init__(level)
        if not url.startswith("https://"):
            raise ValueError("RampartHandler: url must start with https://")
        self._url = url.rstrip("/") + _PATH
        if token is None and token_file:
            with open(token_file, "r", encoding="utf-8") as f:
                token = f.read().strip()
        if token is None and token_env:
            token = os.environ.get(token_env) or None
        if token is None and not (cert_file and key_file):
            raise ValueError("RampartHandler: give a token (token, token_file, token_env) or cert_file + key_file")
        self.__token = token
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.check_hostname = True
        ctx.verify_mode = ssl.CERT_REQUIRED
        if cert_file and key_file:
            ctx.load_cert_chain(cert_file, key_file)
        self._opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx), _NoRedirect())
        self._queue: "queue.Queue[Dict[str, Any]]" = queue.Queue(maxsize=max(1, int(queue_size)))
        self._batch_size = max(1, int(batch_size))
        self._flush_interval = float(flush_interval)
        self._timeout = float(timeout)
        self._max_backoff = float(max_backoff)
        self._close_timeout = float(close_timeout)
        self._host = socket.gethostname()
        self._lock = threading.Lock()
        self.dropped = 0  # records dropped because the queue was full (reported to Rampart)
        self.rejected = 0  # records Rampart refused for good
        self.sent = 0
        self._unreported_drops = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rampart-logging", daemon=True)
        self._thread.start()

    def __repr__(self) -> str:
        auth = "token" if self.__token else "certificate"
        return "<RampartHandler %s auth=%s level=%s>" % (self._url, auth, logging.getLevelName(self.level))

    # -- the logging side: never blocks ------------------------------------------------------
    def emit(self, record: logging.LogRecord) -> None:
        try:
            item = self._to_json(record)
        except Exception:  # a record we cannot turn into JSON must not break the caller
            self.handleError(record)
            return
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            with self._lock:
                self.dropped += 1
                self._unreported_drops += 1

    def _to_json(self, record: logging.LogRecord) -> Dict[str, Any]:
        attrs = {k: _attr_value(record.__dict__[k]) for k in record.__dict__ if k in PST_ATTRIBUTES}
        message = record.getMessage()
        # syslogging/adapter.py prefixes the message with str(attributes) + " ": strip it, the
        # attributes travel as fields.
        if attrs:
            prefix = "%s " % ({k: record.__dict__[k] for k in record.__dict__ if k in PST_ATTRIBUTES},)
            if message.startswith(prefix):
                message = message[len(prefix):]
        item: Dict[str, Any] = {
            "level": record.levelname if record.levelname in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") else record.levelno,
            "logger": str(record.name)[:1000],
            "message": message[:_MAX_MESSAGE],
            "attributes": attrs,
            "time": record.created,
            "host": self._host[:255],
            "process": record.process if isinstance(record.process, int) else None,
            "process_name": str(record.processName)[:255],
        }
        if item["process"] is None:
            del item["process"]
        if record.exc_info:
            item["exc_text"] = logging.Formatter().formatException(record.exc_info)[:_MAX_MESSAGE]
        elif record.exc_text:
            item["exc_text"] = str(record.exc_text)[:_MAX_MESSAGE]
        return item

    # -- the sending side -------------------------------------------------------------------
    def _take_batch(self, wait: float) -> List[Dict[str, Any]]:
        batch: List[Dict[str, Any]] = []
        try:
            batch.append(self._queue.get(timeout=wait))
        except queue.Empty:
            return batch
        while len(batch) < self._batch_size:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _post(self, batch: List[Dict[str, Any]], dropped: int) -> int:
        body: Dict[str, Any] = {
            "records": batch,
            "source": {"host": self._host[:255], "pid": os.getpid(), "agent": "rampart_logging/" + __version__},
        }
        if dropped:
            body["dropped"] = dropped
        data = json.dumps(body, default=str).encode("utf-8")
        req = urllib.request.Request(self._url, data=data, method="POST")
        req.add_header("Content-Type", "application/json")
        req.add_header("User-Agent", "rampart_logging/" + __version__)
        if self.__token:
            req.add_header("Authorization", "Bearer " + self.__token)
        try:
            with self._opener.open(req, timeout=self._timeout) as resp:
                resp.read(65536)
                return resp.status
        except urllib.error.HTTPError as e:
            return e.code

    def _send(self, batch: List[Dict[str, Any]], deadline: Optional[float]) -> bool:
        """Sends one batch until it is accepted or refused for good; False if the deadline passed."""
        backoff = 0.2
        while True:
            with self._lock:
                dropped = self._unreported_drops
            try:
                status = self._post(batch, dropped)
            except Exception:  # network, TLS, timeout: retry
                status = None
            if status is not None and 200 <= status < 300:
                with self._lock:
                    self._unreported_drops -= dropped
                    self.sent += len(batch)
                return True
            if status in _PERMANENT:
                with self._lock:
                    self.rejected += len(batch)
                sys.stderr.write("rampart_logging: Rampart refused %d record(s): HTTP %s\n" % (len(batch), status))
                return True
            if deadline is not None and time.monotonic() + backoff > deadline:
                return False
            if self._stop.is_set() and deadline is None:
                return False
            time.sleep(backoff)
            backoff = min(backoff * 2, self._max_backoff)

    def _run(self) -> None:
        while not self._stop.is_set():
            batch = self._take_batch(self._flush_interval)
            if not batch:
                continue
            if not self._send(batch, None):
                # Stopping while Rampart is unreachable: put the batch back for close() to try.
                for item in batch:
                    try:
                        self._queue.put_nowait(item)
                    except queue.Full:
                        with self._lock:
                            self.dropped += 1
            for _ in batch:
                self._queue.task_done()

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Waits until everything queued has been sent (or the timeout passes); True when it has."""
        end = time.monotonic() + (self._close_timeout if timeout is None else timeout)
        while time.monotonic() < end:
            # Queue.unfinished_tasks counts records queued or held by the sender, not yet done.
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        """Sends what is queued (up to close_timeout seconds), then stops the thread."""
        try:
            self.flush(self._close_timeout)
            self._stop.set()
            self._thread.join(self._close_timeout)
            deadline = time.monotonic() + self._close_timeout
            while not self._queue.empty() and time.monotonic() < deadline:
                batch = self._take_batch(0)
                if not batch:
                    break
                sent = self._send(batch, deadline)
                for _ in batch:
                    self._queue.task_done()
                if not sent:
                    with self._lock:
                        self.dropped += len(batch)
                    break
        finally:
            super().close()
