"""A fake Kubernetes API server for the tests: enough of the real one's read-only surface that
kubectl and the official Python client read a cluster from it, with no cluster, container or
network beyond 127.0.0.1.

What it fakes:

- HTTPS on 127.0.0.1 (an ephemeral port) with a certificate from a throwaway trustme CA
  (:attr:`FakeAPIServer.ca_file`, :attr:`~FakeAPIServer.ca_pem`), for the names in
  ``server_names``; client certificates are optional and, when sent, verified against that CA.
- Authentication on every path: a bearer token from ``tokens``, or a client certificate the CA
  signed (the user is its CN, :meth:`FakeAPIServer.client_cert`); anything else is 401.
- ``/version``, and the legacy discovery documents: ``/api``, ``/apis``, ``/api/v1``,
  ``/apis/GROUP/VERSION``. Aggregated discovery (``Accept: ...;g=apidiscovery.k8s.io``) is
  ignored: the legacy JSON is always the answer, and clients fall back to it as they do with
  older servers.
- ``list`` (cluster-wide and per namespace) and ``get`` of the built-in kinds netpol reads and of
  the network policy CRDs in :data:`CRD_RESOURCES`, from the objects given: typed-list JSON
  (items without kind and apiVersion), sorted by namespace and name, paged with ``limit`` and
  ``continue`` (pages shorter than asked, ``remainingItemCount``), an optional 410 for an expired
  continue token, 403 for resources the user may not read, 404 for resources a too-old server
  lacks.
- The bulk a real server adds to each object (``managedFields``, ``uid``, ``resourceVersion``,
  ``creationTimestamp``, the last-applied-configuration annotation), so a client's trimming can
  be tested; labels, spec and status are served as given.
- Every request is recorded (:attr:`FakeAPIServer.requests`), and a watchdog stops the server
  after ``lifetime`` seconds, so nothing outlives a test run.

What it does not: writes (every method but GET is 405, and recorded), watches (400), field and
label selectors (recorded, not applied: every item is served), server-side Table printing
(clients print the JSON lists themselves), OpenAPI (``/openapi/v2``, ``/openapi/v3`` are 404),
protobuf, HTTP/2, RBAC beyond ``forbidden``, subresources (``/status``, ``/log``), and any
consistency between pages beyond offsets into a list that never changes.

Also here: :func:`write_kubeconfig` (a kubeconfig for it), :class:`ConnectProxy` (an HTTP
CONNECT proxy, for ``proxy-url``) and :func:`write_exec_plugin` (a client-go credential plugin).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime
import enum
import http.server
import json
import os
import re
import selectors
import shutil
import socket
import socketserver
import ssl
import sys
import tempfile
import threading
import traceback
import urllib.parse
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import trustme
import yaml

__all__ = [
    "BUILTIN_RESOURCES",
    "CRD_RESOURCES",
    "LAST_APPLIED",
    "ConnectProxy",
    "FakeAPIServer",
    "Request",
    "Resource",
    "exec_plugin_runs",
    "write_exec_plugin",
    "write_kubeconfig",
]

HOST = "127.0.0.1"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_CREATED = "2024-05-01T12:00:00Z"
_IDLE_TIMEOUT = 30.0  # seconds an idle keep-alive connection or tunnel is kept open
_JOIN_TIMEOUT = 5.0  # seconds stop() waits for each connection's thread


@dataclass(frozen=True)
class Resource:
    """One API resource the fake can serve: ``group_version`` as in apiVersion (``v1``,
    ``apps/v1``), the plural of its paths, and what discovery says of it."""

    group_version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()

    @property
    def group(self) -> str:
        return self.group_version.rpartition("/")[0]

    @property
    def version(self) -> str:
        return self.group_version.rpartition("/")[2]

    @property
    def key(self) -> str:
        """``v1/pods``, ``batch/v1/cronjobs``: how ``missing`` names it."""
        return f"{self.group_version}/{self.plural}"


def _r(gv: str, plural: str, kind: str, namespaced: bool = True, *short: str) -> Resource:
    return Resource(gv, plural, kind.lower(), kind, namespaced, short)


BUILTIN_RESOURCES: tuple[Resource, ...] = (
    _r("v1", "namespaces", "Namespace", False, "ns"),
    _r("v1", "pods", "Pod", True, "po"),
    _r("v1", "replicationcontrollers", "ReplicationController", True, "rc"),
    _r("v1", "services", "Service", True, "svc"),
    _r("v1", "nodes", "Node", False, "no"),
    _r("apps/v1", "deployments", "Deployment", True, "deploy"),
    _r("apps/v1", "replicasets", "ReplicaSet", True, "rs"),
    _r("apps/v1", "statefulsets", "StatefulSet", True, "sts"),
    _r("apps/v1", "daemonsets", "DaemonSet", True, "ds"),
    _r("batch/v1", "jobs", "Job"),
    _r("batch/v1", "cronjobs", "CronJob", True, "cj"),
    _r("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", True, "netpol"),
)
"""Always served, unless named in ``missing``; discovery lists them in this order."""

CRD_RESOURCES: tuple[Resource, ...] = (
    _r("policy.networking.k8s.io/v1alpha1", "adminnetworkpolicies", "AdminNetworkPolicy", False, "anp"),
    _r(
        "policy.networking.k8s.io/v1alpha1",
        "baselineadminnetworkpolicies",
        "BaselineAdminNetworkPolicy",
        False,
        "banp",
    ),
    _r("policy.networking.k8s.io/v1alpha2", "clusternetworkpolicies", "ClusterNetworkPolicy", False, "cnp"),
    _r("policy.networking.k8s.io/v1beta1", "clusternetworkpolicies", "ClusterNetworkPolicy", False, "cnp"),
    _r("crd.projectcalico.org/v1", "networkpolicies", "NetworkPolicy"),
    _r("crd.projectcalico.org/v1", "globalnetworkpolicies", "GlobalNetworkPolicy", False),
    _r("projectcalico.org/v3", "networkpolicies", "NetworkPolicy", True, "cnp", "caliconetworkpolicy"),
    _r("projectcalico.org/v3", "globalnetworkpolicies", "GlobalNetworkPolicy", False, "gnp"),
    _r("cilium.io/v2", "ciliumnetworkpolicies", "CiliumNetworkPolicy", True, "cnp", "ciliumnp"),
    _r("cilium.io/v2", "ciliumclusterwidenetworkpolicies", "CiliumClusterwideNetworkPolicy", False, "ccnp"),
    _r("crd.antrea.io/v1beta1", "networkpolicies", "NetworkPolicy", True, "anp"),
    _r("crd.antrea.io/v1beta1", "clusternetworkpolicies", "ClusterNetworkPolicy", False, "acnp"),
    _r("networking.gke.io/v1alpha3", "fqdnnetworkpolicies", "FQDNNetworkPolicy", True, "fqdnnp"),
    _r("k8s.ovn.org/v1", "egressfirewalls", "EgressFirewall"),
)
"""Served per group version, as ``crds`` says (by default the group versions the objects use);
several share a kind with a built-in (Calico's and Antrea's NetworkPolicy), so objects map to
resources by (apiVersion, kind)."""

_ALL = (*BUILTIN_RESOURCES, *CRD_RESOURCES)
_BY_TYPE = {(r.group_version, r.kind): r for r in _ALL}
_CRD_GROUP_VERSIONS = frozenset(r.group_version for r in CRD_RESOURCES)


@dataclass(frozen=True)
class Request:
    """One request as the server saw it: ``query`` keeps each parameter's last value; ``user``
    is None and ``auth`` "none" when it carried no valid credential."""

    method: str
    path: str
    query: dict[str, str]
    user: str | None
    auth: Literal["token", "cert", "none"]


def _status(code: int, reason: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details is not None:
        body["details"] = dict(details)
    body["code"] = code
    return body


_NOT_FOUND = (404, _status(404, "NotFound", "the server could not find the requested resource", {}))


def _version_key(version: str) -> tuple[int, int, int]:
    """Kubernetes' version priority, highest first when sorted: GA, then beta, then alpha,
    higher numbers first within each."""
    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if m is None:
        return (3, 0, 0)
    level = {"beta": 1, "alpha": 2}.get(m.group(2) or "", 0)
    return (level, -int(m.group(1)), -int(m.group(3) or 0))


def _fields_v1(value: Any) -> dict[str, Any]:
    """A managedFields ``fieldsV1`` tree for ``value`` (its dict keys, lists as leaves)."""
    if not isinstance(value, Mapping):
        return {}
    tree: dict[str, Any] = {".": {}} if value else {}
    for k, v in value.items():
        tree[f"f:{k}"] = _fields_v1(v)
    return tree


def _expand(objects: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The objects with every List (``kind: List`` or a typed ``PodList``) replaced by its items."""
    out: list[dict[str, Any]] = []
    for obj in objects:
        if not isinstance(obj, Mapping):
            raise ValueError(f"not a Kubernetes object: {obj!r}")
        kind = obj.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and "items" in obj:
            items = obj.get("items") or []
            item_kind = kind[: -len("List")]
            filled = [
                {"apiVersion": obj.get("apiVersion"), "kind": item_kind, **item}
                if item_kind and isinstance(item, Mapping)
                else item
                for item in items
            ]
            out.extend(_expand(filled))
        else:
            try:  # a copy, in JSON's types: YAML's unquoted timestamps become strings
                out.append(json.loads(json.dumps(obj, default=_rfc3339)))
            except TypeError as e:
                raise ValueError(f"an object the fake cannot serve as JSON: {e}") from None
    return out


def _rfc3339(value: object) -> str:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON")


class _Unset(enum.Enum):
    UNSET = enum.auto()


# --- the servers' plumbing: threads, connections, the watchdog --------------------------------


class _TrackedServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """A threading TCP server on 127.0.0.1 that knows its live connections, so stop() can end
    them and wait for their threads (daemon threads, joined with a timeout)."""

    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, handler: type[socketserver.BaseRequestHandler]) -> None:
        self.lock = threading.Lock()
        self.live: dict[threading.Thread, list[socket.socket]] = {}
        self.closing = threading.Event()
        super().__init__((HOST, 0), handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        t = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"{type(self).__name__}-connection",
            daemon=True,
        )
        with self.lock:
            self.live[t] = [request]
        t.start()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.lock:
                self.live.pop(threading.current_thread(), None)

    def track(self, sock: socket.socket) -> None:
        """Also shut ``sock`` down on stop (a tunnel's upstream socket)."""
        with self.lock:
            self.live.setdefault(threading.current_thread(), []).append(sock)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away, a failed handshake: nothing a test should see on stderr

    def end_connections(self) -> None:
        self.closing.set()
        with self.lock:
            live = list(self.live.items())
        for _, socks in live:
            for sock in socks:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        for t, _ in live:
            t.join(_JOIN_TIMEOUT)


class _Background:
    """Serves ``server`` in a thread until stop() or the watchdog; stop() is idempotent, safe
    from any thread, and returns once the listening socket and the connections are closed."""

    def __init__(self, server: _TrackedServer, lifetime: float, cleanup: Callable[[], None]) -> None:
        self.server = server
        self._cleanup = cleanup
        self._lock = threading.Lock()
        self._stopped = threading.Event()  # set once stop() has finished
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-server", daemon=True
        )
        self._watchdog = threading.Timer(lifetime, self.stop)
        self._watchdog.daemon = True
        self._thread.start()
        self._watchdog.start()

    @property
    def stopped(self) -> bool:
        """Whether stop() has finished: the port is closed, the connections ended."""
        return self._stopped.is_set()

    def stop(self) -> None:
        with self._lock:
            if not self._stopped.is_set():
                try:
                    self.server.closing.set()
                    self.server.shutdown()
                    self._thread.join()
                    self.server.server_close()
                    self.server.end_connections()
                    self._cleanup()
                finally:
                    self._stopped.set()
        if threading.current_thread() is not self._watchdog:
            self._watchdog.cancel()
            self._watchdog.join()


# --- the API server -----------------------------------------------------------------------------


class _HTTPServer(http.server.ThreadingHTTPServer, _TrackedServer):
    def __init__(self, fake: FakeAPIServer, context: ssl.SSLContext) -> None:
        self.fake = fake
        self.context = context
        _TrackedServer.__init__(self, _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # HTTPServer's would look up the host's FQDN
        self.server_name, self.server_port = HOST, self.socket.getsockname()[1]

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # headers and body: no Nagle wait
        # The handshake happens in the connection's thread (_Handler.setup), not this one.
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _HTTPServer
    request: ssl.SSLSocket
    protocol_version = "HTTP/1.1"
    timeout = _IDLE_TIMEOUT
    server_version = "fake-apiserver"
    sys_version = ""

    def setup(self) -> None:
        self.request.settimeout(self.timeout)
        self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _serve(self) -> None:
        fake = self.server.fake
        self._drain_body()
        split = urllib.parse.urlsplit(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(split.query, keep_blank_values=True).items()}
        user, auth = self._authenticate()
        fake._record(Request(self.command, split.path, query, user, auth))
        if fake.delay > 0:
            self.server.closing.wait(fake.delay)
        try:
            code, body = fake._respond(self.command, split.path, query, user)
            data = json.dumps(body).encode()
        except Exception:
            fake.errors.append(traceback.format_exc())
            code = 500
            failed = _status(500, "InternalError", "the fake API server failed: see its errors")
            data = json.dumps(failed).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _drain_body(self) -> None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True  # not worth decoding: answer, then hang up
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= 1 << 24:
            self.close_connection = True
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 16))
            if not chunk:
                break
            length -= len(chunk)

    def _authenticate(self) -> tuple[str | None, Literal["token", "cert", "none"]]:
        cert = self.request.getpeercert()
        if cert:  # only a verified certificate gets here: CERT_OPTIONAL fails the handshake otherwise
            for rdn in cert.get("subject", ()):
                for attribute in rdn:
                    if attribute[0] == "commonName":
                        return str(attribute[1]), "cert"
        scheme, _, token = self.headers.get("Authorization", "").partition(" ")
        user = self.server.fake.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if user is not None:
            return user, "token"
        return None, "none"


class _Service:
    """A server in the background: a context manager, stopped by stop() or by its watchdog."""

    _background: _Background | None = None

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        if self._background is not None:
            self._background.stop()

    @property
    def stopped(self) -> bool:
        """Whether stop() (or the watchdog) has finished stopping it."""
        return self._background is not None and self._background.stopped

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class FakeAPIServer(_Service):
    """A read-only Kubernetes API server on ``https://127.0.0.1:PORT`` serving ``objects``
    (see the module's docstring). Use as a context manager, or start() and stop(); ``url``,
    ``port`` and ``ca_file`` exist once started. ``tokens`` (bearer token -> user) defaults to
    ``{"good-token": "alice"}``; ``forbidden`` names plurals (``pods``), ``missing``
    group/version/plural (``v1/pods``, ``batch/v1/cronjobs``), ``crds`` group versions of
    :data:`CRD_RESOURCES`. :attr:`requests` records every request; :attr:`errors` holds the
    tracebacks of any the fake itself failed on (answered 500), which a test should find empty."""

    url: str
    port: int
    ca_file: str

    def __init__(
        self,
        *,
        objects: Sequence[Mapping[str, Any]] = (),
        page_size: int = 2,
        tokens: Mapping[str, str] | None = None,
        forbidden: Collection[str] = (),
        missing: Collection[str] = (),
        crds: Collection[str] | None = None,
        version: str = "v1.31.0",
        expire_continue: bool = False,
        delay: float = 0.0,
        server_names: Sequence[str] = (HOST, "localhost"),
        lifetime: float = 600.0,
        managed_fields: bool = True,
        discovery: bool = True,
    ) -> None:
        """``discovery=False``: /version and every discovery document are 404, as behind a
        proxy that passes only resource paths (clients must then try the lists)."""
        self.discovery = discovery
        if page_size < 1:
            raise ValueError(f"page_size must be positive, not {page_size}")
        plurals = {r.plural for r in _ALL}
        if unknown := sorted(set(forbidden) - plurals):
            raise ValueError(f"forbidden names no resource the fake serves: {unknown}")
        if unknown := sorted(set(missing) - {r.key for r in _ALL}):
            raise ValueError(f"missing names no resource (group/version/plural) the fake serves: {unknown}")
        if crds is not None and (unknown := sorted(set(crds) - _CRD_GROUP_VERSIONS)):
            raise ValueError(f"crds names no CRD group version the fake serves: {unknown}")
        self.page_size = page_size
        self.tokens: Mapping[str, str] = dict({"good-token": "alice"} if tokens is None else tokens)
        self.forbidden = frozenset(forbidden)
        self.missing = frozenset(missing)
        self.version = version
        self.expire_continue = expire_continue
        self.delay = delay
        self.server_names = tuple(server_names)
        self.lifetime = lifetime
        self.requests: list[Request] = []
        self.errors: list[str] = []
        """Tracebacks of requests the fake failed on (answered 500): a bug in the fake."""
        self._expired = False
        self._lock = threading.Lock()

        expanded = _expand(objects)
        used: set[str] = set()
        self._objects: dict[str, list[dict[str, Any]]] = {}
        seen: set[tuple[str, str, str]] = set()
        for i, obj in enumerate(expanded):
            resource = _BY_TYPE.get((str(obj.get("apiVersion")), str(obj.get("kind"))))
            if resource is None:
                raise ValueError(
                    f"the fake serves no {obj.get('kind')!r} at apiVersion {obj.get('apiVersion')!r}"
                )
            meta = obj.get("metadata")
            if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
                raise ValueError(f"a {resource.kind} without metadata.name: {obj!r}")
            if resource.namespaced:
                meta.setdefault("namespace", "default")
            else:
                meta.pop("namespace", None)
            identity = (resource.key, str(meta.get("namespace", "")), meta["name"])
            if identity in seen:
                raise ValueError(f"two objects are {identity}")
            seen.add(identity)
            if managed_fields:
                _add_noise(obj, resource, 1000 + i)
            used.add(resource.group_version)
            del obj["apiVersion"], obj["kind"]  # as in a typed list; get() adds them back
            self._objects.setdefault(resource.key, []).append(obj)
        for items in self._objects.values():
            items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        self._resource_version = str(1000 + len(expanded))
        served_crds = (used & _CRD_GROUP_VERSIONS) if crds is None else set(crds)
        self._served = [
            r
            for r in _ALL
            if r.key not in self.missing
            and (r.group_version not in _CRD_GROUP_VERSIONS or r.group_version in served_crds)
        ]

        self.ca = trustme.CA()
        self.ca_pem: bytes = self.ca.cert_pem.bytes()
        self._background = None
        self._dir: Path | None = None

    # --- lifecycle

    def start(self) -> Self:
        if self._background is not None:
            raise RuntimeError("the fake API server was started already")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ca.issue_cert(*self.server_names).configure_cert(context)
        self.ca.configure_trust(context)
        context.verify_mode = ssl.CERT_OPTIONAL
        context.set_alpn_protocols(["http/1.1"])
        self._dir = Path(tempfile.mkdtemp(prefix="fake-apiserver-"))
        self.ca_file = str(self._dir / "ca.crt")
        Path(self.ca_file).write_bytes(self.ca_pem)
        directory = self._dir
        server = _HTTPServer(self, context)
        self.port = server.socket.getsockname()[1]
        self.url = f"https://{HOST}:{self.port}"
        self._background = _Background(server, self.lifetime, lambda: shutil.rmtree(directory, True))
        return self

    # --- credentials

    def client_cert(self, user: str, groups: Sequence[str] = ()) -> tuple[bytes, bytes]:
        """A client certificate for ``user`` (its CN) the server's CA signed: (cert PEM, key PEM).
        ``groups`` go in O, as Kubernetes reads them (the fake does not)."""
        leaf = self.ca.issue_cert(common_name=user, organization_name=",".join(groups) if groups else None)
        return leaf.cert_chain_pems[0].bytes(), leaf.private_key_pem.bytes()

    def issued_files(self, user: str) -> tuple[str, str]:
        """:meth:`client_cert` written to the server's temporary directory: (cert path, key path)."""
        if self._dir is None:
            raise RuntimeError("start the fake API server first")
        cert, key = self.client_cert(user)
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", user)
        cert_path, key_path = self._dir / f"{stem}.crt", self._dir / f"{stem}.key"
        cert_path.write_bytes(cert)
        key_path.touch(0o600)
        key_path.write_bytes(key)
        return str(cert_path), str(key_path)

    # --- serving

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def served(self) -> list[Resource]:
        """The resources discovery shows, in its order."""
        return list(self._served)

    def _group_versions(self) -> dict[str, list[str]]:
        """Served group -> its versions, most preferred first; groups in discovery order."""
        groups: dict[str, list[str]] = {}
        for r in self._served:
            if r.group:
                versions = groups.setdefault(r.group, [])
                if r.version not in versions:
                    versions.append(r.version)
        return {g: sorted(v, key=_version_key) for g, v in groups.items()}

    def _respond(self, method: str, path: str, query: Mapping[str, str], user: str | None) -> tuple[int, Any]:
        if user is None:
            return 401, _status(401, "Unauthorized", "Unauthorized")
        if method != "GET":
            message = "the server does not allow this method on the requested resource"
            return 405, _status(405, "MethodNotAllowed", message, {})
        parts = [p for p in path.split("/") if p]
        documents = parts in (["version"], ["api"], ["apis"], ["api", "v1"])
        if not self.discovery and (documents or (parts[:1] == ["apis"] and len(parts) == 3)):
            return _NOT_FOUND
        if parts == ["version"]:
            return 200, self._version_info()
        if parts == ["api"]:
            return 200, {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": f"{HOST}:{self.port}"}
                ],
            }
        if parts == ["apis"]:
            return 200, self._group_list()
        if parts[:2] == ["api", "v1"]:
            group_version, rest = "v1", parts[2:]
        elif len(parts) >= 3 and parts[0] == "apis":
            group_version, rest = f"{parts[1]}/{parts[2]}", parts[3:]
        else:
            return _NOT_FOUND
        resources = {r.plural: r for r in self._served if r.group_version == group_version}
        if not resources:
            return _NOT_FOUND
        if not rest:
            return 200, self._resource_list(group_version, resources.values())
        namespace: str | None = None
        name: str | None = None
        if rest[0] == "namespaces" and len(rest) in (3, 4):
            namespace, plural, name = rest[1], rest[2], (rest[3] if len(rest) == 4 else None)
            resource = resources.get(plural)
            if resource is None or not resource.namespaced:
                return _NOT_FOUND
        elif len(rest) in (1, 2):
            plural, name = rest[0], (rest[1] if len(rest) == 2 else None)
            resource = resources.get(plural)
            if resource is None or (name is not None and resource.namespaced):
                return _NOT_FOUND
        else:
            return _NOT_FOUND
        if resource.plural in self.forbidden:
            return 403, self._forbidden(resource, user, "list" if name is None else "get", namespace, name)
        if query.get("watch") in ("true", "1"):
            return 400, _status(400, "BadRequest", "the fake API server does not serve watches")
        if name is None:
            return self._list(resource, namespace, query)
        for obj in self._objects.get(resource.key, ()):
            meta = obj["metadata"]
            if meta["name"] == name and meta.get("namespace") == namespace:
                return 200, {"apiVersion": resource.group_version, "kind": resource.kind, **obj}
        details = {"name": name, "group": resource.group, "kind": resource.plural}
        return 404, _status(404, "NotFound", f'{resource.plural} "{name}" not found', details)

    def _version_info(self) -> dict[str, str]:
        m = re.match(r"v?(\d+)\.(\d+)", self.version)
        major, minor = m.groups() if m else ("", "")
        return {
            "major": major,
            "minor": minor,
            "gitVersion": self.version,
            "gitCommit": "0" * 40,
            "gitTreeState": "clean",
            "buildDate": "2024-08-13T07:28:49Z",
            "goVersion": "go1.22.5",
            "compiler": "gc",
            "platform": "linux/amd64",
        }

    def _group_list(self) -> dict[str, Any]:
        groups = []
        for group, versions in self._group_versions().items():
            entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
            groups.append({"name": group, "versions": entries, "preferredVersion": entries[0]})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def _resource_list(self, group_version: str, resources: Collection[Resource]) -> dict[str, Any]:
        entries = []
        for r in resources:
            entry: dict[str, Any] = {
                "name": r.plural,
                "singularName": r.singular,
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": ["get", "list", "watch"],
            }
            if r.short_names:
                entry["shortNames"] = list(r.short_names)
            entries.append(entry)
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": group_version,
            "resources": entries,
        }

    def _forbidden(
        self, resource: Resource, user: str, verb: str, namespace: str | None, name: str | None
    ) -> dict[str, Any]:
        subject = resource.plural if name is None else f'{resource.plural} "{name}"'
        scope = "at the cluster scope" if namespace is None else f'in the namespace "{namespace}"'
        message = (
            f'{subject} is forbidden: User "{user}" cannot {verb} resource "{resource.plural}" '
            f'in API group "{resource.group}" {scope}'
        )
        details: dict[str, Any] = {"kind": resource.plural, "group": resource.group}
        if name is not None:
            details = {"name": name, **details}
        return _status(403, "Forbidden", message, details)

    def _list(self, resource: Resource, namespace: str | None, query: Mapping[str, str]) -> tuple[int, Any]:
        items = self._objects.get(resource.key, [])
        if namespace is not None:
            items = [o for o in items if o["metadata"].get("namespace") == namespace]
        try:
            limit = int(query.get("limit") or 0)
        except ValueError:
            return 400, _status(400, "BadRequest", f"limit: Invalid value: {query['limit']!r}")
        list_key = f"{resource.key}/{namespace or ''}"
        offset = 0
        token = query.get("continue")
        if token:
            decoded = _decode_continue(token, list_key, len(items))
            if isinstance(decoded, str):
                return 400, _status(400, "BadRequest", f"continue key is not valid: {decoded}")
            offset = decoded
            with self._lock:
                expire, self._expired = self.expire_continue and not self._expired, True
            if expire:
                message = (
                    "The provided continue parameter is too old to display a consistent list result. "
                    "You can start a new list without the continue parameter."
                )
                return 410, _status(410, "Expired", message)
        end = min(offset + min(limit, self.page_size), len(items)) if limit > 0 else len(items)
        metadata: dict[str, Any] = {"resourceVersion": self._resource_version}
        if end < len(items):
            metadata["continue"] = _encode_continue(list_key, end)
            metadata["remainingItemCount"] = len(items) - end
        return 200, {
            "kind": f"{resource.kind}List",
            "apiVersion": resource.group_version,
            "metadata": metadata,
            "items": items[offset:end],
        }


def _add_noise(obj: dict[str, Any], resource: Resource, resource_version: int) -> None:
    """What a real server adds to an object: metadata only, never labels, spec or status."""
    meta = obj["metadata"]
    fields = _fields_v1({k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "status")})
    applied = {k: v for k, v in obj.items() if k != "status"}
    applied["metadata"] = {
        k: v for k, v in meta.items() if k in ("name", "namespace", "labels", "annotations")
    }
    applied["metadata"].setdefault("annotations", {})
    identity = f"{resource.key}/{meta.get('namespace', '')}/{meta['name']}"
    meta.setdefault("uid", str(uuid.uuid5(uuid.NAMESPACE_URL, identity)))
    meta.setdefault("resourceVersion", str(resource_version))
    meta.setdefault("creationTimestamp", _CREATED)
    annotations = meta.get("annotations")
    if annotations is None:
        annotations = meta["annotations"] = {}
    annotations.setdefault(LAST_APPLIED, json.dumps(applied, separators=(",", ":"), sort_keys=True) + "\n")
    meta.setdefault(
        "managedFields",
        [
            {
                "manager": "kubectl-client-side-apply",
                "operation": "Update",
                "apiVersion": resource.group_version,
                "time": _CREATED,
                "fieldsType": "FieldsV1",
                "fieldsV1": fields,
            }
        ],
    )


def _encode_continue(list_key: str, offset: int) -> str:
    raw = json.dumps({"v": "fake/1", "list": list_key, "offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_continue(token: str, list_key: str, size: int) -> int | str:
    """The offset ``token`` stands for, or why it is not a token of this list."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError):
        return "not a continue token"
    if not isinstance(data, dict) or data.get("v") != "fake/1":
        return "not a continue token"
    if data.get("list") != list_key:
        return "the token belongs to another list"
    offset = data.get("offset")
    if not isinstance(offset, int) or not 0 <= offset <= size:
        return "the token's offset is out of range"
    return offset


# --- kubeconfig -----------------------------------------------------------------------------------


def write_kubeconfig(
    path: str | os.PathLike[str],
    server_url: str,
    *,
    context: str = "fake",
    cluster: str = "fake-cluster",
    user: str = "fake-user",
    ca_file: str | os.PathLike[str] | None = None,
    ca_data: bytes | None = None,
    token: str | None = None,
    token_file: str | os.PathLike[str] | None = None,
    client_cert_file: str | os.PathLike[str] | None = None,
    client_key_file: str | os.PathLike[str] | None = None,
    client_cert_data: bytes | None = None,
    client_key_data: bytes | None = None,
    exec_config: Mapping[str, Any] | None = None,
    insecure: bool = False,
    tls_server_name: str | None = None,
    proxy_url: str | None = None,
    namespace: str | None = None,
    extra_contexts: Mapping[str, str] | None = None,
    current_context: str | _Unset | None = _Unset.UNSET,
) -> Path:
    """Write a kubeconfig with one cluster and one user; ``context`` (and each of
    ``extra_contexts``, name -> namespace or "") joins them. ``current_context`` defaults to
    ``context``; None leaves it out. ``*_data`` is base64-encoded, as kubeconfigs hold it.
    ``exec_config`` is the user's ``exec`` stanza as is (client-go wants ``apiVersion``,
    ``command`` and, for v1, ``interactiveMode``)."""

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    cluster_entry: dict[str, Any] = {"server": server_url}
    if ca_file is not None:
        cluster_entry["certificate-authority"] = os.fspath(ca_file)
    if ca_data is not None:
        cluster_entry["certificate-authority-data"] = b64(ca_data)
    if insecure:
        cluster_entry["insecure-skip-tls-verify"] = True
    if tls_server_name is not None:
        cluster_entry["tls-server-name"] = tls_server_name
    if proxy_url is not None:
        cluster_entry["proxy-url"] = proxy_url
    user_entry: dict[str, Any] = {}
    if token is not None:
        user_entry["token"] = token
    if token_file is not None:
        user_entry["tokenFile"] = os.fspath(token_file)
    if client_cert_file is not None:
        user_entry["client-certificate"] = os.fspath(client_cert_file)
    if client_key_file is not None:
        user_entry["client-key"] = os.fspath(client_key_file)
    if client_cert_data is not None:
        user_entry["client-certificate-data"] = b64(client_cert_data)
    if client_key_data is not None:
        user_entry["client-key-data"] = b64(client_key_data)
    if exec_config is not None:
        user_entry["exec"] = dict(exec_config)

    def context_entry(ns: str | None) -> dict[str, Any]:
        entry: dict[str, Any] = {"cluster": cluster, "user": user}
        if ns:
            entry["namespace"] = ns
        return entry

    contexts = [{"name": context, "context": context_entry(namespace)}]
    contexts += [{"name": name, "context": context_entry(ns)} for name, ns in (extra_contexts or {}).items()]
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": cluster, "cluster": cluster_entry}],
        "users": [{"name": user, "user": user_entry}],
        "contexts": contexts,
    }
    chosen = context if current_context is _Unset.UNSET else current_context
    if chosen is not None:
        config["current-context"] = chosen
    out = Path(path)
    out.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return out


# --- an HTTP CONNECT proxy ------------------------------------------------------------------------


class _ProxyServer(_TrackedServer):
    def __init__(self, proxy: ConnectProxy) -> None:
        self.proxy = proxy
        super().__init__(_ProxyHandler)


class _ProxyHandler(socketserver.StreamRequestHandler):
    server: _ProxyServer
    connection: socket.socket
    timeout = _IDLE_TIMEOUT
    rbufsize = 0  # unbuffered: nothing the client sends after the headers may sit in a buffer

    def _reply(self, status: str) -> None:
        self.wfile.write(f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())

    def handle(self) -> None:
        request_line = self.rfile.readline(8192)
        for _ in range(100):  # the headers: read and ignored
            if self.rfile.readline(8192) in (b"\r\n", b"\n", b""):
                break
        parts = request_line.split()
        if len(parts) != 3 or parts[0] != b"CONNECT":
            self._reply("405 Method Not Allowed")
            return
        target = parts[1].decode("ascii", "replace")
        with self.server.proxy._lock:
            self.server.proxy.targets.append(target)
        host, _, port = target.rpartition(":")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=_IDLE_TIMEOUT)
        except (OSError, ValueError):
            self._reply("502 Bad Gateway")
            return
        with upstream:
            self.server.track(upstream)
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _pump(self.connection, upstream)


def _pump(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until both sides have closed (or one fails, or stays idle)."""
    with selectors.DefaultSelector() as selector:
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        open_sides = 2
        while open_sides:
            events = selector.select(_IDLE_TIMEOUT)
            if not events:
                return
            for key, _ in events:
                source: socket.socket = key.fileobj  # type: ignore[assignment]
                sink: socket.socket = key.data
                try:
                    data = source.recv(1 << 16)
                    if data:
                        sink.sendall(data)
                        continue
                    selector.unregister(source)
                    open_sides -= 1
                    sink.shutdown(socket.SHUT_WR)
                except OSError:
                    return


class ConnectProxy(_Service):
    """An HTTP proxy on ``http://127.0.0.1:PORT`` that only tunnels (``CONNECT host:port``),
    recording each target in :attr:`targets`; any other request is 405. A context manager, or
    start() and stop(); a watchdog stops it after ``lifetime`` seconds."""

    url: str
    port: int

    def __init__(self, *, lifetime: float = 600.0) -> None:
        self.lifetime = lifetime
        self.targets: list[str] = []
        self._lock = threading.Lock()
        self._background = None

    def start(self) -> Self:
        if self._background is not None:
            raise RuntimeError("the proxy was started already")
        server = _ProxyServer(self)
        self.port = server.socket.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self._background = _Background(server, self.lifetime, lambda: None)
        return self


# --- a client-go credential plugin ------------------------------------------------------------------

_PLUGIN = """\
#!{python}
# A client-go exec credential plugin written by tests/fake_apiserver.py.
import json
import sys

with open({runs!r}, "a", encoding="utf-8") as runs:
    runs.write("run\\n")
FAIL = {fail!r}
if FAIL is not None:
    sys.stderr.write(FAIL)
    sys.exit(1)
print(json.dumps({credential!r}))
"""


def write_exec_plugin(
    directory: str | os.PathLike[str],
    *,
    token: str | None = None,
    client_cert_pem: bytes | None = None,
    client_key_pem: bytes | None = None,
    fail_with: str | None = None,
    name: str = "fake-exec-plugin",
) -> Path:
    """Write an executable credential plugin into ``directory``: it prints a
    ``client.authentication.k8s.io/v1`` ExecCredential with ``token`` or the client certificate,
    or writes ``fail_with`` to stderr and exits 1. Each run appends a line to the file
    ``NAME.runs`` beside it (:func:`exec_plugin_runs` counts them). Its exec stanza:
    ``{"apiVersion": "client.authentication.k8s.io/v1", "command": str(path),
    "interactiveMode": "Never"}``."""
    path = Path(directory) / name
    status: dict[str, str] = {}
    if token is not None:
        status["token"] = token
    if client_cert_pem is not None:
        status["clientCertificateData"] = client_cert_pem.decode()
    if client_key_pem is not None:
        status["clientKeyData"] = client_key_pem.decode()
    credential = {"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": status}
    runs = str(path.with_name(name + ".runs"))
    path.write_text(
        _PLUGIN.format(python=sys.executable, runs=runs, fail=fail_with, credential=credential),
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def exec_plugin_runs(plugin: str | os.PathLike[str]) -> int:
    """How many times the plugin :func:`write_exec_plugin` wrote has run."""
    runs = Path(plugin).with_name(Path(plugin).name + ".runs")
    return len(runs.read_text(encoding="utf-8").splitlines()) if runs.exists() else 0
