"""rampart_client: call Rampart from a pysystemtrade process (stdlib only: urllib + ssl).

One file to copy next to the trading code. It authenticates with a client certificate issued by
`rampart service cert NAME --out DIR` (mTLS) or with a bearer token from `rampart token issue`,
always verifies Rampart's TLS certificate against a CA file (never the system store, never
unverified), speaks TLS 1.3 only, never follows redirects, and turns Rampart's JSON errors
(`{"error": {"code", "message", "requestId"}}`) into exceptions:

    RampartError            base class: .status, .code, .message, .request_id
      RampartAuthError      401: no, invalid, expired or revoked credential
      RampartForbidden      403: the caller's roles do not allow the action
      RampartNotFound       404
      RampartConflict       409 / 423: state forbids it now (e.g. trading halted)
      RampartRateLimited    429: .retry_after seconds
      RampartUnavailable    5xx, connection refused, timeout: worth retrying later
      RampartTLSError       Rampart's certificate did not verify against the CA file

Example::

    from rampart_client import RampartClient
    rampart = RampartClient("https://127.0.0.1:8443", ca_file="/etc/rampart/ca.crt",
                            cert_file="stack_handler.crt", key_file="stack_handler.key")
    positions = rampart.get("/trades").json()

`RampartClient.from_env()` reads RAMPART_URL, RAMPART_CA_FILE and either RAMPART_CERT_FILE +
RAMPART_KEY_FILE or RAMPART_TOKEN / RAMPART_TOKEN_FILE. The token is never put in an exception,
a log line or repr().
"""

from __future__ import annotations

import json as _json
import os
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Mapping, Optional

__all__ = [
    "RampartClient",
    "RampartResponse",
    "RampartError",
    "RampartAuthError",
    "RampartForbidden",
    "RampartNotFound",
    "RampartConflict",
    "RampartRateLimited",
    "RampartUnavailable",
    "RampartTLSError",
]

__version__ = "0.1.0"

_MAX_BODY = 16 * 1024 * 1024


class RampartError(Exception):
    """An error answer from Rampart (or a failure to get one)."""

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id

    def __str__(self) -> str:
        parts = [self.message]
        if self.code:
            parts.insert(0, f"{self.code}:")
        if self.status is not None:
            parts.insert(0, f"HTTP {self.status}")
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        return " ".join(parts)


class RampartAuthError(RampartError):
    """401: the request carried no valid credential (invalid, expired or revoked token or certificate)."""


class RampartForbidden(RampartError):
    """403: authenticated, but the caller's roles (or token scope) do not allow the action."""


class RampartNotFound(RampartError):
    """404: no such route or resource."""


class RampartConflict(RampartError):
    """409 / 423: the current state forbids the action (e.g. trading is halted)."""


class RampartRateLimited(RampartError):
    """429: too many requests; wait `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: Optional[float] = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class RampartUnavailable(RampartError):
    """Rampart or its upstream is unavailable (5xx, refused, timed out): retry later."""


class RampartTLSError(RampartError):
    """Rampart's certificate did not verify against the configured CA file (or the handshake failed)."""


class RampartResponse:
    """A successful answer: status, headers (lower-case names) and the body."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status = status
        self.headers = dict(headers)
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return _json.loads(self.body.decode("utf-8"))

    def __repr__(self) -> str:
        return f"<RampartResponse {self.status} {len(self.body)} bytes>"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could carry the request (and its credential) somewhere else: never follow one.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        return None


def _read_secret_file(path: str) -> str:
    with open(path, "r", encoding="utf-8") as f:
        value = f.read().strip()
    if not value:
        raise RampartError(f"{path} is empty")
    return value


class RampartClient:
    """A small HTTPS client for Rampart's gateway and control API."""

    def __init__(
        self,
        base_url: str,
        *,
        ca_file: str,
        token: Optional[str] = None,
        token_file: Optional[str] = None,
        cert_file: Optional[str] = None,
        key_file: Optional[str] = None,
        timeout: float = 10.0,
        user_agent: str = f"rampart-client-python/{__version__}",
    ) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme != "https" or not parsed.hostname:
            raise ValueError("base_url must be an https:// URL")
        if not ca_file:
            raise ValueError("ca_file is required: Rampart's certificate is always verified")
        if token is not None and token_file is not None:
            raise ValueError("give token or token_file, not both")
        if (cert_file is None) != (key_file is None):
            raise ValueError("cert_file and key_file go together")
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._user_agent = user_agent
        self._token = token if token is not None else (_read_secret_file(token_file) if token_file else None)
        if self._token is not None and any(c.isspace() for c in self._token):
            raise ValueError("the token contains whitespace")
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.check_hostname = True
        ctx.verify_mode = ssl.CERT_REQUIRED
        if cert_file is not None and key_file is not None:
            ctx.load_cert_chain(certfile=cert_file, keyfile=key_file)
        self._ssl = ctx
        self._has_cert = cert_file is not None
        handlers: list = [urllib.request.HTTPSHandler(context=ctx), _NoRedirect()]
        self._opener = urllib.request.build_opener(*handlers)
        # Keep proxies from the environment out of the path to Rampart.
        self._opener.handlers = [h for h in self._opener.handlers if not isinstance(h, urllib.request.ProxyHandler)]

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None, **kw: Any) -> "RampartClient":
        e = os.environ if env is None else env
        url = e.get("RAMPART_URL")
        ca = e.get("RAMPART_CA_FILE")
        if not url or not ca:
            raise RampartError("RAMPART_URL and RAMPART_CA_FILE must be set")
        args: Dict[str, Any] = {"ca_file": ca}
        if e.get("RAMPART_CERT_FILE") or e.get("RAMPART_KEY_FILE"):
            args["cert_file"] = e.get("RAMPART_CERT_FILE")
            args["key_file"] = e.get("RAMPART_KEY_FILE")
        if e.get("RAMPART_TOKEN"):
            args["token"] = e["RAMPART_TOKEN"]
        elif e.get("RAMPART_TOKEN_FILE"):
            args["token_file"] = e["RAMPART_TOKEN_FILE"]
        args.update(kw)
        return cls(url, **args)

    def __repr__(self) -> str:
        how = "token" if self._token else "certificate" if self._has_cert else "none"
        return f"<RampartClient {self._base} auth={how}>"

    # -- requests -----------------------------------------------------------------------------

    def get(self, path: str, **kw: Any) -> RampartResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> RampartResponse:
        return self.request("POST", path, json=json, **kw)

    def delete(self, path: str, **kw: Any) -> RampartResponse:
        return self.request("DELETE", path, **kw)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        body: Optional[bytes] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Optional[float] = None,
    ) -> RampartResponse:
        if not path.startswith("/"):
            raise ValueError("path must start with /")
        data = body
        hdrs = {"Accept": "application/json", "User-Agent": self._user_agent}
        if json is not None:
            data = _json.dumps(json).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if headers:
            hdrs.update(headers)
        req = urllib.request.Request(self._base + path, data=data, method=method.upper(), headers=hdrs)
        if self._token is not None:
            # Unredirected: never copied onto another request.
            req.add_unredirected_header("Authorization", f"Bearer {self._token}")
        try:
            with self._opener.open(req, timeout=timeout or self._timeout) as res:
                return RampartResponse(res.status, {k.lower(): v for k, v in res.headers.items()}, res.read(_MAX_BODY))
        except urllib.error.HTTPError as e:
            raise self._error_from(e) from None
        except urllib.error.URLError as e:
            reason = e.reason
            if isinstance(reason, ssl.SSLCertVerificationError):
                raise RampartTLSError(f"Rampart's certificate did not verify: {reason.verify_message}") from None
            if isinstance(reason, ssl.SSLError):
                raise RampartTLSError(f"TLS handshake with Rampart failed: {reason.reason or reason}") from None
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise RampartUnavailable("Rampart did not answer in time") from None
            raise RampartUnavailable(f"cannot reach Rampart: {reason}") from None
        except (socket.timeout, TimeoutError):
            raise RampartUnavailable("Rampart did not answer in time") from None
        except ssl.SSLError as e:
            raise RampartTLSError(f"TLS error talking to Rampart: {e.reason or e}") from None
        except (ConnectionError, OSError) as e:
            raise RampartUnavailable(f"connection to Rampart failed: {e.__class__.__name__}") from None

    # -- errors -------------------------------------------------------------------------------

    @staticmethod
    def _error_from(e: urllib.error.HTTPError) -> RampartError:
        status = e.code
        code = None
        message = e.reason if isinstance(e.reason, str) else "request failed"
        request_id = None
        try:
            payload = _json.loads(e.read(65536).decode("utf-8"))
            err = payload.get("error", {}) if isinstance(payload, dict) else {}
            if isinstance(err, dict):
                code = err.get("code") if isinstance(err.get("code"), str) else None
                message = err.get("message") if isinstance(err.get("message"), str) else message
                request_id = err.get("requestId") if isinstance(err.get("requestId"), str) else None
        except Exception:  # noqa: BLE001 - a non-JSON error body keeps the HTTP reason
            pass
        kw: Dict[str, Any] = {"status": status, "code": code, "request_id": request_id}
        if status == 401:
            return RampartAuthError(message, **kw)
        if status == 403:
            return RampartForbidden(message, **kw)
        if status == 404:
            return RampartNotFound(message, **kw)
        if status in (409, 423):
            return RampartConflict(message, **kw)
        if status == 429:
            retry = e.headers.get("Retry-After") if e.headers else None
            try:
                retry_after = float(retry) if retry is not None else None
            except ValueError:
                retry_after = None
            return RampartRateLimited(message, retry_after=retry_after, **kw)
        if status >= 500:
            return RampartUnavailable(message, **kw)
        return RampartError(message, **kw)
