"""The smallest label selector that picks one endpoint out of its namespace.

A suggested policy names a workload by ``matchLabels``. The set chosen is the smallest one no other
endpoint of the namespace also carries, trying the well-known keys first
(``app.kubernetes.io/name``, ``app``, ...), so the selectors read as people write them. Labels
the control plane writes per pod or per revision (``pod-template-hash``,
``controller-revision-hash``, ``controller-uid``, a StatefulSet's pod name) are never used: they
change on the next rollout. When every label of the endpoint is also on another one, no selector
can tell them apart; the full set is used and the caller is told.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

from netpol.model.cluster import Endpoint

__all__ = ["PREFERRED_KEYS", "Selection", "select"]

PREFERRED_KEYS = (
    "app.kubernetes.io/name",
    "app",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "k8s-app",
    "name",
    "component",
    "role",
    "tier",
)
"""Tried first, in this order; other keys follow in alphabetical order."""

_VOLATILE = frozenset(
    {
        "pod-template-hash",
        "controller-revision-hash",
        "controller-uid",
        "batch.kubernetes.io/controller-uid",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "pod-template-generation",
        "batch.kubernetes.io/job-completion-index",
    }
)
"""Labels the control plane sets per pod, revision or run: never in a selector."""

_MAX_KEYS = 4
"""Combinations are tried up to this size; beyond it the endpoint's whole stable label set."""


@dataclass(frozen=True, slots=True)
class Selection:
    labels: Mapping[str, str]
    """The ``matchLabels``: empty when the endpoint has no stable label (a bare pod)."""
    also: tuple[str, ...]
    """Ids of the other endpoints of the namespace the labels also select (empty: exact)."""


def select(endpoint: Endpoint, others: Iterable[Endpoint]) -> Selection:
    """The smallest ``matchLabels`` that selects ``endpoint`` and none of ``others`` (the other
    endpoints of its namespace)."""
    stable = {k: v for k, v in endpoint.labels.items() if k not in _VOLATILE}
    rivals = [o for o in others if o is not endpoint and o.id != endpoint.id]
    keys = sorted(stable, key=_rank)
    for size in range(1, min(len(keys), _MAX_KEYS) + 1):
        for combo in combinations(keys, size):
            chosen = {k: stable[k] for k in combo}
            if not any(_carries(o, chosen) for o in rivals):
                return Selection(chosen, ())
    also = tuple(sorted(o.id for o in rivals if _carries(o, stable)))
    if not also and stable:
        return Selection(stable, ())
    return Selection(stable, also)


def _rank(key: str) -> tuple[int, str]:
    try:
        return (PREFERRED_KEYS.index(key), key)
    except ValueError:
        return (len(PREFERRED_KEYS), key)


def _carries(endpoint: Endpoint, labels: Mapping[str, str]) -> bool:
    return all(endpoint.labels.get(k) == v for k, v in labels.items())
