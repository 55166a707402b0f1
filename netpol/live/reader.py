"""GET requests to an API server: discovery, paginated lists, and failures in words.

Only GET is ever sent. A list is read page by page (``limit`` and ``continue``), each page parsed
and trimmed before the next is asked for; a server may answer shorter pages than asked. A
``continue`` token the server has expired (410 Gone) starts the list again once, as client-go's
pager does. Every failure becomes a :class:`~netpol.errors.ClusterError` naming the context,
the server and what failed: for 403 the RBAC rule to grant, for 401 the credential used.
"""

from __future__ import annotations

import json
import ssl
import warnings
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

from netpol.errors import ClusterError
from netpol.live.kubeconfig import Connection

__all__ = ["PAGE_SIZE", "Reader"]

PAGE_SIZE = 500
"""Items asked for per page: kubectl's ``--chunk-size`` default."""


class Reader:
    """GET requests through one :class:`Connection`; ``requests`` counts them."""

    def __init__(self, connection: Connection, page_size: int = PAGE_SIZE) -> None:
        self.connection = connection
        self.page_size = page_size
        self.requests = 0

    @property
    def where(self) -> str:
        return f"context {self.connection.context!r} ({self.connection.server})"

    def get(self, path: str, query: Mapping[str, str] | None = None) -> Any:
        """The JSON the server answers to ``GET path?query``; ClusterError for a transport
        failure or an answer that is not JSON; a failing status is raised for the caller to tell
        (:meth:`checked`, :meth:`optional`, :meth:`pages`)."""
        import urllib3

        conn = self.connection
        url = conn.server + path + (f"?{urlencode(query)}" if query else "")
        timeout = urllib3.Timeout(connect=conn.timeout, read=conn.timeout)
        headers = {"Accept": "application/json", "User-Agent": "netpol", **conn.authorization()}
        self.requests += 1
        try:
            with warnings.catch_warnings():  # insecure-skip-tls-verify: said once, by read_cluster
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                response = conn.pool.request(
                    "GET", url, headers=headers, timeout=timeout, retries=False, preload_content=False
                )
        except urllib3.exceptions.HTTPError as exc:
            raise ClusterError(f"{self.where}: {_transport_failure(exc, conn)}") from None
        try:
            status = response.status
            try:
                body = response.read()
            except urllib3.exceptions.HTTPError as exc:
                raise ClusterError(f"{self.where}: GET {path}: {_transport_failure(exc, conn)}") from None
        finally:
            response.release_conn()
        if status != 200:
            raise _StatusError(status, _status_message(body))
        try:
            return json.loads(body)
        except ValueError:
            raise ClusterError(
                f"{self.where}: GET {path} answered something that is not JSON; is "
                f"{conn.server} a Kubernetes API server?"
            ) from None

    def checked(self, path: str, query: Mapping[str, str] | None = None) -> Any:
        """:meth:`get`, a failing status told as a ClusterError."""
        try:
            return self.get(path, query)
        except _StatusError as exc:
            raise ClusterError(self.refused(exc.status, exc.message, "get", path)) from None

    def optional(self, path: str) -> Any:
        """:meth:`get` for a document a server may lack or withhold (discovery, ``/version``):
        None for 404 or 403; any other failing status is a ClusterError."""
        try:
            return self.get(path)
        except _StatusError as exc:
            if exc.status in (403, 404):
                return None
            raise ClusterError(self.refused(exc.status, exc.message, "get", path)) from None

    def pages(self, path: str, what: str, group: str) -> Iterator[list[Any]]:
        """The ``items`` of each page of the list at ``path``; ``what``/``group``: the resource,
        for messages. A 404 raises :class:`NotServed`."""
        token: str | None = None
        restarted = False
        while True:
            query = {"limit": str(self.page_size)}
            if token:
                query["continue"] = token
            try:
                page = self.get(path, query)
            except _StatusError as exc:
                if exc.status == 410 and token and not restarted:
                    token, restarted = None, True  # the token expired: list again from the start
                    continue
                if exc.status == 404:
                    raise NotServed(path) from None
                raise ClusterError(self.refused(exc.status, exc.message, "list", path, what, group)) from None
            if not isinstance(page, Mapping) or not isinstance(page.get("items", []), list):
                raise ClusterError(f"{self.where}: GET {path} did not answer a list")
            yield page.get("items") or []
            meta = page.get("metadata")
            previous, token = token, meta.get("continue") if isinstance(meta, Mapping) else None
            if not token:
                return
            if not isinstance(token, str) or token == previous:
                raise ClusterError(
                    f"{self.where}: GET {path} answered a continue token that is not a string "
                    "or the one just sent; the list would never end"
                )

    def refused(
        self, status: int, message: str, verb: str, path: str, what: str | None = None, group: str = ""
    ) -> str:
        """A failing status in words: for 401 the credential, for 403 the rule to grant."""
        conn = self.connection
        said = f": {message}" if message else ""
        if status == 401:
            return (
                f"{self.where}: the server refused {conn.credential} (401 Unauthorized{said}); "
                "the credential is wrong or has expired"
            )
        if status == 403 and what:
            return (
                f"{self.where}: {verb} {what} cluster-wide is forbidden (403{said}).\n"
                "netpol reads every namespace, since policies in one select pods of others; grant "
                "the read-only ClusterRole of docs/rbac.yaml, or at least this rule:\n"
                f'  - apiGroups: ["{group}"]\n'
                f'    resources: ["{what}"]\n'
                f'    verbs: ["{verb}"]'
            )
        return f"{self.where}: GET {path}: HTTP {status}{said}"


class NotServed(Exception):
    """The server answered 404 to a list: it does not serve that resource."""


class _StatusError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message


def _status_message(body: bytes) -> str:
    """The ``message`` of a metav1.Status body, or the start of whatever the body is."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace").strip()
    if isinstance(data, Mapping) and isinstance(data.get("message"), str):
        return str(data["message"])[:500]
    return ""


def _transport_failure(exc: Exception, conn: Connection) -> str:
    """What went wrong below HTTP: no connection, TLS, a proxy, a timeout."""
    import urllib3

    errors = urllib3.exceptions
    reason: BaseException = exc
    if isinstance(exc, errors.MaxRetryError) and exc.reason is not None:
        reason = exc.reason
    seconds = f"{conn.timeout:g} s" if conn.timeout else "no limit"
    if isinstance(reason, errors.SSLError):
        config = conn.configuration
        if not config.verify_ssl:
            trust = "insecure-skip-tls-verify is set"
        elif config.ssl_ca_cert:
            trust = "the CA is the kubeconfig's certificate-authority"
        else:
            trust = "the kubeconfig names no CA: the system's CAs were used"
        name = f"; tls-server-name {config.tls_server_name}" if config.tls_server_name else ""
        return f"TLS failed: {_cause(reason)} ({trust}{name})"
    if isinstance(reason, errors.ProxyError):
        return f"the proxy {conn.configuration.proxy} failed: {_cause(reason)}"
    if isinstance(reason, errors.NewConnectionError):  # a ConnectTimeoutError too, in urllib3
        return f"cannot reach the server: {_cause(reason)}"
    if isinstance(reason, errors.ConnectTimeoutError):
        return f"cannot reach the server: no connection within {seconds} (--request-timeout)"
    if isinstance(reason, errors.ReadTimeoutError | TimeoutError):
        return f"the server did not answer within {seconds} (--request-timeout)"
    return f"the connection failed: {_cause(reason)}"


def _cause(exc: BaseException) -> str:
    """The innermost words of an urllib3 error (it wraps the socket's and ssl's)."""
    inner = exc
    while inner.args and isinstance(inner.args[0], BaseException):
        inner = inner.args[0]
    if isinstance(inner, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {inner.verify_message}"
    if isinstance(inner, ssl.SSLError) and inner.reason:
        return str(inner.reason).replace("_", " ").lower()
    text = str(inner)
    if text.startswith(("HTTPSConnection(", "HTTPConnection(")) and "): " in text:
        text = text.split("): ", 1)[1]  # the connection's repr: the server is named already
    return text.strip() or type(inner).__name__
