"""Live clusters: read what a kubeconfig context points at, with GET requests only.

:func:`read_cluster` gives the same :class:`~netpol.load.LoadResult` a file gives, so every
command analyses a cluster exactly as it analyses ``kubectl get -o yaml`` output of the same
objects; :func:`write_snapshot` writes what was read as one YAML ``List`` that file mode reads
back to the same analysis. Needs the Kubernetes client library (``pip install
'netpol-reach[cluster]'``); without it, reading a cluster is a ClusterError that says so.
"""

from __future__ import annotations

from netpol.live.kubeconfig import DEFAULT_TIMEOUT, LiveSpec, kubeconfig_paths
from netpol.live.read import LiveRead, is_live_source, read_cluster
from netpol.live.resources import RBAC_RULES
from netpol.live.snapshot import write_snapshot

__all__ = [
    "DEFAULT_TIMEOUT",
    "RBAC_RULES",
    "LiveRead",
    "LiveSpec",
    "is_live_source",
    "kubeconfig_paths",
    "read_cluster",
    "write_snapshot",
]
