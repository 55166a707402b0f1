"""A kubeconfig context -> a connection: the server, the TLS and proxy set-up and the credential.

The Kubernetes client (the ``cluster`` extra) does the work: it merges ``$KUBECONFIG`` as kubectl
does, runs exec credential plugins, and turns certificate data, CA files,
``insecure-skip-tls-verify``, ``tls-server-name`` and ``proxy-url`` into a urllib3 pool. netpol
adds only what the client leaves to its caller: the current context as kubectl picks it, errors
that name the context and the credential, and plugin failures the client only logs.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netpol.errors import ClusterError

__all__ = ["Connection", "LiveSpec", "connect", "kubeconfig_paths"]

CLUSTER_EXTRA = "pip install 'netpol-reach[cluster]'"
DEFAULT_TIMEOUT = 30.0
"""Seconds one request may take (``--request-timeout``) unless the user says otherwise."""


@dataclass(frozen=True, slots=True)
class LiveSpec:
    """Which cluster to read, as the command line gave it. ``kubeconfig``: the file(s), ``None``
    for ``$KUBECONFIG`` then ``~/.kube/config``; ``context``: ``None`` for the current one;
    ``timeout``: seconds per request, ``None`` for no limit (kubectl's ``--request-timeout 0``)."""

    kubeconfig: str | None = None
    context: str | None = None
    timeout: float | None = DEFAULT_TIMEOUT


@dataclass(slots=True)
class Connection:
    """One context's server and credential, ready for GET requests (see :mod:`netpol.live.reader`)."""

    context: str
    server: str
    credential: str
    """How netpol authenticates, in words: "the bearer token of user 'alice'"."""
    pool: Any
    """The client's urllib3 PoolManager (a ProxyManager with ``proxy-url``)."""
    configuration: Any
    timeout: float | None
    _workdir: tempfile.TemporaryDirectory[str]

    def authorization(self) -> dict[str, str]:
        """The Authorization header (refreshed when an exec credential has expired), or none."""
        value = self.configuration.get_api_key_with_prefix("BearerToken")
        return {"Authorization": value.strip()} if value else {}

    def close(self) -> None:
        self.pool.clear()
        self._workdir.cleanup()


def kubeconfig_paths(kubeconfig: str | None) -> list[str]:
    """The files to merge: ``--kubeconfig`` (one file, as kubectl takes it), else each entry of
    ``$KUBECONFIG`` (``:``-separated; ``;`` on Windows), else ``~/.kube/config``."""
    if kubeconfig is not None:
        return [os.path.expanduser(kubeconfig)]
    env = os.environ.get("KUBECONFIG", "")
    paths = [os.path.expanduser(p) for p in env.split(os.pathsep) if p]
    return paths or [os.path.expanduser("~/.kube/config")]


@contextmanager
def connect(spec: LiveSpec) -> Iterator[Connection]:
    """The connection to ``spec``'s context; ClusterError (exit code 2) for a missing client
    library, no or a broken kubeconfig, an unknown context or a failing exec plugin."""
    try:
        from kubernetes.client import Configuration
        from kubernetes.client.rest import RESTClientObject
        from kubernetes.config.config_exception import ConfigException
        from kubernetes.config.kube_config import KubeConfigLoader, KubeConfigMerger
    except ImportError as exc:
        raise ClusterError(
            f"reading a live cluster needs the Kubernetes client library: {CLUSTER_EXTRA} "
            f"(it is not installed: {exc})"
        ) from None

    paths = kubeconfig_paths(spec.kubeconfig)
    found = [p for p in paths if os.path.isfile(p)]
    if spec.kubeconfig is not None and not found:
        raise ClusterError(f"--kubeconfig {spec.kubeconfig}: no such file")
    if not found:
        where = (
            "$KUBECONFIG (" + os.environ.get("KUBECONFIG", "") + ")"
            if "KUBECONFIG" in os.environ
            else paths[0]
        )
        raise ClusterError(f"no kubeconfig: {where} holds none; give --kubeconfig FILE")
    workdir = tempfile.TemporaryDirectory(prefix="netpol-kube-")
    try:
        try:
            merged = KubeConfigMerger(os.pathsep.join(found))  # type: ignore[no-untyped-call]
        except Exception as exc:  # YAML or I/O errors, in the client's words
            raise ClusterError(f"cannot read the kubeconfig {', '.join(found)}: {exc}") from None
        config = merged.config
        if config is None:
            raise ClusterError(f"the kubeconfig {', '.join(found)} holds no configuration")
        files = [merged.config_files[p] for p in merged.paths]
        context = spec.context or _current_context(files)
        contexts = _named(config.value.get("contexts"))
        if not context:
            raise ClusterError(
                f"the kubeconfig {', '.join(found)} sets no current-context; give --context "
                f"(it has: {', '.join(contexts) or 'no context'})"
            )
        if context not in contexts:
            raise ClusterError(
                f"context {context!r} is not in the kubeconfig {', '.join(found)} "
                f"(it has: {', '.join(sorted(contexts)) or 'no context'})"
            )
        entry = contexts[context].get("context") or {}
        cluster_name, user_name = entry.get("cluster"), entry.get("user")
        clusters = _named(config.value.get("clusters"))
        if cluster_name not in clusters:
            raise ClusterError(
                f"context {context!r} names cluster {cluster_name!r}, which the kubeconfig lacks"
            )
        server = str((clusters[cluster_name].get("cluster") or {}).get("server") or "")
        if not server:
            raise ClusterError(f"context {context!r}: cluster {cluster_name!r} has no server address")
        user = (_named(config.value.get("users")).get(str(user_name)) or {}).get("user") or {}
        credential = _credential(user_name, user)
        configuration = Configuration()
        with _client_errors() as errors:
            try:
                loader = KubeConfigLoader(  # type: ignore[no-untyped-call]
                    config_dict=config,
                    config_base_path=None,
                    active_context=context,
                    temp_file_path=workdir.name,
                )
                loader.load_and_set(configuration)  # type: ignore[no-untyped-call]
            except (ConfigException, OSError, ValueError, KeyError, TypeError) as exc:
                raise ClusterError(f"context {context!r} ({server}): {credential}: {exc}") from None
        if errors:
            raise ClusterError(f"context {context!r} ({server}): {credential} failed: {errors[-1]}")
        configuration.retries = False  # one attempt per request: errors come within the timeout
        try:
            pool = RESTClientObject(configuration).pool_manager
        except (OSError, ValueError) as exc:  # e.g. an unreadable client certificate or key
            raise ClusterError(f"context {context!r} ({server}): cannot set up TLS: {exc}") from None
    except BaseException:
        workdir.cleanup()
        raise
    connection = Connection(
        context, server.rstrip("/"), credential, pool, configuration, spec.timeout, workdir
    )
    try:
        yield connection
    finally:
        connection.close()


def _named(entries: Any) -> dict[str, Mapping[str, Any]]:
    """A kubeconfig list (``contexts``, ``clusters``, ``users``) by name; the first one wins, as
    kubectl merges them."""
    out: dict[str, Mapping[str, Any]] = {}
    for entry in entries or ():
        value = getattr(entry, "value", entry)  # the client wraps entries in ConfigNodes
        if isinstance(value, Mapping) and isinstance(value.get("name"), str):
            out.setdefault(value["name"], value)
    return out


def _current_context(files: list[Any]) -> str | None:
    """kubectl's rule for merged files: "the first file to set a particular value wins" (the
    client takes the last one)."""
    for data in files:
        if isinstance(data, Mapping) and data.get("current-context"):
            return str(data["current-context"])
    return None


def _credential(name: Any, user: Mapping[str, Any]) -> str:
    """The credential the client will use, in its own order (auth-provider, token, exec, basic)."""
    who = f"user {name!r}"
    provider = user.get("auth-provider")
    if isinstance(provider, Mapping) and provider.get("name"):
        return f"the {provider['name']} auth-provider of {who}"
    if user.get("token"):
        return f"the bearer token of {who}"
    if user.get("tokenFile"):
        return f"the bearer token in {user['tokenFile']} ({who})"
    exec_ = user.get("exec")
    if isinstance(exec_, Mapping) and exec_.get("command"):
        return f"the exec credential plugin {Path(str(exec_['command'])).name!r} of {who}"
    if user.get("username"):
        return f"the username and password of {who}"
    if user.get("client-certificate") or user.get("client-certificate-data"):
        return f"the client certificate of {who}"
    return f"no credential ({who} has none)"


@contextmanager
def _client_errors() -> Iterator[list[str]]:
    """What the client logs as an error while loading the kubeconfig: it logs a failing exec
    plugin (with the plugin's stderr) and goes on without a credential."""

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    messages: list[str] = []
    handler = Collect(logging.ERROR)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield messages
    finally:
        root.removeHandler(handler)
