"""Read a live cluster into the same :class:`~netpol.load.LoadResult` a file gives.

Discovery first (``/version``, ``/api/v1``, ``/apis`` and the group versions netpol reads),
then one cluster-wide paginated list per resource. Each item gets the kind and apiVersion its
list leaves out and keeps only the fields netpol reads (:func:`netpol.live.resources.trim`), so
the model sees what it would see in ``kubectl get -o yaml`` output, and validates it the same way.
Each object's source is ``CONTEXT:`` and its own API path (``prod:/api/v1/namespaces/shop/pods/web-1``),
with no document number.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from netpol.errors import ClusterError, Diagnostic, Location, Severity
from netpol.live.kubeconfig import LiveSpec, connect
from netpol.live.reader import PAGE_SIZE, NotServed, Reader
from netpol.live.resources import MODELLED, NODES, TIERS, UNMODELLED, Resource, trim
from netpol.load.files import LoadResult, RawObject
from netpol.load.locate import Locator

__all__ = ["LiveRead", "is_live_source", "read_cluster"]

_LIVE_SOURCE = re.compile(r"[^/]*:/apis?/")


def is_live_source(source: str) -> bool:
    """Whether ``source`` names an object read from a cluster (``prod:/api/v1/...``): no file."""
    return _LIVE_SOURCE.match(source) is not None


@dataclass(frozen=True, slots=True)
class LiveRead:
    """What one read of a cluster gave: the objects (as a LoadResult) and where they came from."""

    loaded: LoadResult
    context: str
    server: str
    version: str
    """The server's ``gitVersion`` (``v1.31.2``), or ``unknown``."""
    counts: Mapping[str, int]
    """Objects read, by resource label (``pods``, ``deployments.apps``)."""
    requests: int
    scopes: Mapping[tuple[str, str], bool]
    """(API group, kind) -> whether the kind is namespaced, for the kinds read."""

    def summary(self) -> str:
        """``context 'prod' (https://..., Kubernetes v1.31.0): 3 namespaces, 12 pods, ...``."""
        read = ", ".join(f"{n} {label}" for label, n in self.counts.items())
        return (
            f"context {self.context!r} ({self.server}, Kubernetes {self.version}): "
            f"{read or 'nothing'}, in {self.requests} requests"
        )


def read_cluster(spec: LiveSpec, *, page_size: int = PAGE_SIZE) -> LiveRead:
    """Every object netpol analyses, read from ``spec``'s cluster (GET requests only).

    ClusterError (exit code 2) for anything that stops the read; a policy kind netpol does not
    model that cannot be listed is a warning, the rest of the read goes on.
    """
    with connect(spec) as conn:
        reader = Reader(conn, page_size)
        version = _version(reader)
        found = _discover(reader)
        served = found.served
        diagnostics: list[Diagnostic] = []
        if not conn.configuration.verify_ssl:
            diagnostics.append(
                Diagnostic(
                    Severity.WARNING,
                    "insecure-skip-tls-verify",
                    "the kubeconfig sets insecure-skip-tls-verify: the server's certificate is not "
                    "checked, so anyone on the path could answer in its place",
                    Location(f"{conn.context}:{conn.server}"),
                )
            )
        objects: list[RawObject] = []
        counts: Counter[str] = Counter()
        scopes: dict[tuple[str, str], bool] = {}
        for resource in MODELLED:
            if found.lacks(resource):
                raise _too_old(reader, resource, version)
        for resource in MODELLED:
            if not _read(reader, resource, objects, counts):
                raise _too_old(reader, resource, version)
        # Where discovery could not say, a tier's list is tried: a 404 says it is not served.
        tiers = [r for r in TIERS if not found.lacks(r) and _read(reader, r, objects, counts)]
        needs_nodes = any(_has_node_peer(o.data) for o in objects if o.kind in {r.kind for r in TIERS})
        if needs_nodes and not _read(reader, NODES, objects, counts):
            raise _too_old(reader, NODES, version)
        for resource in _unmodelled(found, tiers):
            try:
                _read(reader, resource, objects, counts)
            except ClusterError as exc:
                diagnostics.append(
                    Diagnostic(
                        Severity.WARNING,
                        "policy-not-read",
                        f"{resource.kind} ({resource.group}) policies also filter traffic and "
                        f"could not be read, so they are not even counted: {exc}",
                        Location(f"{conn.context}:{resource.path}"),
                    )
                )
        loaded = LoadResult(tuple(objects), tuple(diagnostics), MappingProxyType({}), Locator())
        for resource in (*MODELLED, *tiers, NODES):
            scopes[(resource.group, resource.kind)] = resource.namespaced
        for gv in served.values():
            for resource in gv.values():
                scopes.setdefault((resource.group, resource.kind), resource.namespaced)
        return LiveRead(
            loaded,
            conn.context,
            conn.server,
            version,
            MappingProxyType(dict(counts)),
            reader.requests,
            MappingProxyType(scopes),
        )


def _read(reader: Reader, resource: Resource, objects: list[RawObject], counts: Counter[str]) -> bool:
    """List ``resource`` into ``objects``; False when the server answers 404 (it does not serve
    it; nothing is added)."""
    context = reader.connection.context
    index = 0
    read: list[RawObject] = []
    try:
        for items in reader.pages(resource.path, resource.plural, resource.group):
            for item in items:
                data = trim(resource, item) if isinstance(item, Mapping) else item
                source = f"{context}:{_object_path(resource, data, index)}"
                read.append(RawObject(data, resource.kind, source, None))
                index += 1
    except NotServed:
        return False
    objects += read
    counts[resource.label] += index
    return True


def _too_old(reader: Reader, resource: Resource, version: str) -> ClusterError:
    return ClusterError(
        f"{reader.where}: the server (Kubernetes {version}) does not serve {resource.kind} at "
        f"{resource.api_version} ({resource.label}); Kubernetes {resource.since} and later do, "
        "and netpol needs it"
    )


def _object_path(resource: Resource, data: Any, index: int) -> str:
    """The object's own API path (``/api/v1/namespaces/shop/pods/web-1``): where a diagnostic
    or a finding points, and what ``kubectl get --raw`` reads; ``LIST[i]`` without a name."""
    meta = data.get("metadata") if isinstance(data, Mapping) else None
    name = meta.get("name") if isinstance(meta, Mapping) else None
    namespace = meta.get("namespace") if isinstance(meta, Mapping) else None
    if not isinstance(name, str) or not name:
        return f"{resource.path}[{index}]"
    base = resource.path.rpartition("/")[0]
    if resource.namespaced and isinstance(namespace, str) and namespace:
        return f"{base}/namespaces/{namespace}/{resource.plural}/{name}"
    return f"{resource.path}/{name}"


def _version(reader: Reader) -> str:
    """``/version``'s gitVersion (``unknown`` when the server withholds it); the first request,
    so it also proves the connection and the credential."""
    data = reader.optional("/version")
    return str(data.get("gitVersion") or "unknown") if isinstance(data, Mapping) else "unknown"


@dataclass(frozen=True, slots=True)
class _Discovery:
    """What discovery showed. ``served``: groupVersion -> resource name -> Resource, for the
    group versions netpol may read (every version of the groups of UNMODELLED); ``read``: the
    group versions whose resource list the server gave; ``groups``: the API groups ``/apis``
    listed, None when it gave no list; ``preferred``: group -> its preferred version, for the
    groups of UNMODELLED that ``/apis`` listed."""

    served: dict[str, dict[str, Resource]]
    read: set[str]
    groups: set[str] | None
    preferred: dict[str, str]

    def lacks(self, resource: Resource) -> bool:
        """Whether discovery shows that the server does not serve ``resource``; False where it
        cannot tell (a server, or a proxy in front of it, that withholds discovery)."""
        gv = resource.api_version
        if gv in self.read:
            return resource.plural not in self.served.get(gv, {})
        return bool(resource.group) and self.groups is not None and gv not in self.served


def _discover(reader: Reader) -> _Discovery:
    wanted = {r.api_version for r in (*MODELLED, *TIERS)} - {"v1"}
    unmodelled_groups = {g for g, _ in UNMODELLED}
    served: dict[str, dict[str, Resource]] = {}
    read: set[str] = set()
    core = _resources(reader, "", "v1")
    if core is not None:
        served["v1"] = core
        read.add("v1")
    groups = reader.optional("/apis")
    listed = groups.get("groups") if isinstance(groups, Mapping) else None
    names: set[str] | None = set() if isinstance(listed, list) else None
    preferred_of: dict[str, str] = {}
    for group in listed if isinstance(listed, list) else ():
        if not isinstance(group, Mapping) or not isinstance(group.get("name"), str):
            continue
        name = group["name"]
        if names is not None:
            names.add(name)
        versions = [
            str(v["version"])
            for v in group.get("versions") or ()
            if isinstance(v, Mapping) and isinstance(v.get("version"), str)
        ]
        preferred = group.get("preferredVersion")
        preferred_version = preferred.get("version") if isinstance(preferred, Mapping) else None
        for version in versions:
            gv = f"{name}/{version}"
            if gv in wanted or name in unmodelled_groups:
                resources = _resources(reader, name, version)
                served[gv] = resources or {}
                if resources is not None:
                    read.add(gv)
        if name in unmodelled_groups and isinstance(preferred_version, str):
            preferred_of[name] = preferred_version
    return _Discovery(served, read, names, preferred_of)


def _resources(reader: Reader, group: str, version: str) -> dict[str, Resource] | None:
    """The resources of one group version that can be listed; None when the server gives no
    resource list for it."""
    path = f"/api/{version}" if not group else f"/apis/{group}/{version}"
    data = reader.optional(path)
    if not isinstance(data, Mapping):
        return None
    out: dict[str, Resource] = {}
    for entry in data.get("resources") or ():
        if not isinstance(entry, Mapping):
            continue
        name, kind = entry.get("name"), entry.get("kind")
        verbs = entry.get("verbs")
        listable = not isinstance(verbs, list) or "list" in verbs  # no verbs given: try it
        if isinstance(name, str) and "/" not in name and isinstance(kind, str) and listable:
            out[name] = Resource(group, version, name, kind, entry.get("namespaced") is not False)
    return out


def _unmodelled(found: _Discovery, tiers: list[Resource]) -> list[Resource]:
    served = found.served
    out: list[Resource] = []
    for group, plural in UNMODELLED:
        if group == "policy.networking.k8s.io" and any(t.plural == plural for t in tiers):
            continue  # the modelled version is read; the others hold the same objects
        if group == "crd.projectcalico.org" and "projectcalico.org" in found.preferred:
            continue  # Calico's API server shows the same policies as its CRDs
        preferred = served.get(f"{group}/{found.preferred[group]}", {}) if group in found.preferred else {}
        resource = preferred.get(plural) or next(
            (v[plural] for gv, v in sorted(served.items()) if gv.startswith(f"{group}/") and plural in v),
            None,
        )
        if resource is not None:
            out.append(resource)
    return out


def _has_node_peer(data: Mapping[str, Any]) -> bool:
    """Whether a tier policy names ``nodes`` in a peer (then Nodes are read for their addresses)."""
    spec = data.get("spec")
    if not isinstance(spec, Mapping):
        return False
    for direction, key in (("ingress", "from"), ("egress", "to")):
        for rule in spec.get(direction) or ():
            if isinstance(rule, Mapping):
                for peer in rule.get(key) or ():
                    if isinstance(peer, Mapping) and "nodes" in peer:
                        return True
    return False
