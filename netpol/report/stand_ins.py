"""Stand-ins as the report lists them: what each stands for, and the policies and rule peers it
stands in for (the engine adds them: netpol/engine/standins.py)."""

from __future__ import annotations

from collections import defaultdict

from netpol.core.selectors import LabelSelector
from netpol.engine.views import RuleView
from netpol.model.cluster import Endpoint
from netpol.model.resources import NAMESPACE_NAME_LABEL, Peer
from netpol.report.records import Limits, Listing, StandInEntry, StandInSection
from netpol.report.view import View

__all__ = ["build_stand_ins", "pinned_names", "stand_ins_of"]


def build_stand_ins(view: View, limits: Limits) -> StandInSection:
    """Every stand-in with what it stands for; the first ``limits.rows`` listed in id order."""
    if not view.stand_in_set:
        return StandInSection()
    selected_by: dict[int, list[str]] = defaultdict(list)
    for p in view.graph.policies():
        for i in p.targets & view.stand_in_set:
            selected_by[i].append(p.policy.id)
    admitted_by: dict[int, list[str]] = defaultdict(list)
    index = {node_id: i for i, node_id in enumerate(view.graph.ids[: view.n])}
    for rule in view.graph.rules():
        found = {s for peer in rule.rule.peers for s in stand_ins_of(view, rule, peer)}
        for s in sorted(found):
            admitted_by[index[s]].append(str(rule.ref))
    rows = []
    for i in view.stand_in_set:
        e = view.endpoints[i]
        rows.append(
            StandInEntry(
                e.id,
                str(e.stand_in),
                tuple(selected_by[i]),
                tuple(admitted_by[i]),
                e.namespace in view.absent,
            )
        )
    return StandInSection(Listing.of(rows, limits.rows), {r.endpoint: r.stands_for for r in rows})


def stand_ins_of(view: View, rule: RuleView, peer: Peer) -> tuple[str, ...]:
    """The stand-ins the engine added for ``peer`` of ``rule`` (it matches no pod of the input):
    those the rule admits that ``peer`` matches, in the namespace its stand-in lives in."""
    if peer.ip_block is not None:
        return ()
    nss = peer.namespace_selector
    if nss is None:
        homes = {rule.policy.namespace}
    else:
        pinned = pinned_names(nss)
        homes = pinned if pinned is not None else {"*" if nss.is_empty else f"{{{nss}}}"}
    found = []
    for i in rule.peers & view.stand_in_set:
        e = view.graph.node(i)
        assert isinstance(e, Endpoint)
        ns = view.namespaces.get(e.namespace)
        if (
            e.namespace in homes
            and (peer.pod_selector is None or peer.pod_selector.matches(e.labels))
            and (nss is None or (ns is not None and nss.matches(ns.labels)))
        ):
            found.append(e.id)
    return tuple(found)


def pinned_names(selector: LabelSelector) -> set[str] | None:
    """The namespace names a selector is limited to by ``kubernetes.io/metadata.name``
    (matchLabels or In), or None when it allows names it does not list."""
    names = selector.values_of(NAMESPACE_NAME_LABEL)
    return None if names is None else set(names)
