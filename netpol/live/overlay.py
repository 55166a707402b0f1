"""A live cluster with manifests applied on top, as ``kubectl apply`` would leave it.

``netpol diff --context prod k8s/`` compares prod with prod after ``kubectl apply -f k8s/``: an
object of the files replaces the cluster's object of the same group, kind, namespace and name,
and any other is added. Objects the files do not hold stay as they are (a file deleted in a pull
request deletes nothing, as with ``kubectl apply`` without ``--prune``).
"""

from __future__ import annotations

from collections.abc import Mapping

from netpol.live.read import LiveRead
from netpol.load.files import LoadResult, RawObject

__all__ = ["apply_files"]


def apply_files(live: LiveRead, files: LoadResult, default_namespace: str) -> LoadResult:
    """``live``'s objects with ``files`` applied: the files' diagnostics, locator and paths, so
    a problem in a file is shown at its line. ``default_namespace``: that of objects naming
    none (``-n``, else ``default``)."""
    applied = {_identity(o, live.scopes, default_namespace) for o in files.objects}
    kept = tuple(o for o in live.loaded.objects if _identity(o, live.scopes, "") not in applied)
    return LoadResult((*kept, *files.objects), files.diagnostics, files.skipped, files.locator, files.files)


def _identity(
    obj: RawObject, scopes: Mapping[tuple[str, str], bool], default_namespace: str
) -> tuple[str, ...]:
    api = str(obj.data.get("apiVersion", ""))
    group = api.rpartition("/")[0]
    meta = obj.data.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    name = str(meta.get("name", ""))
    namespaced = scopes.get((group, obj.kind), True)
    namespace = str(meta.get("namespace") or default_namespace) if namespaced else ""
    return (group, obj.kind, namespace, name)
