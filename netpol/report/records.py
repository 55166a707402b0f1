"""The report's records: frozen, one per section, already ordered and bounded."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from netpol.core.ports import PortSet
from netpol.errors import Location, Severity
from netpol.findings import Finding
from netpol.model.resources import Direction
from netpol.render.diagram.model import Diagram
from netpol.report.bounds import Limits, Listing
from netpol.report.stand_in_records import StandInEntry, StandInSection
from netpol.report.tier_records import TierSection

__all__ = [
    "Cell",
    "ClusterWide",
    "ConnectivitySection",
    "DirectAccess",
    "Exposure",
    "ExposureSection",
    "FutureAccess",
    "FutureWay",
    "InventorySection",
    "Limits",
    "LintSection",
    "Listing",
    "Matrix",
    "NamespaceView",
    "Origin",
    "PolicyChange",
    "PolicyEntry",
    "Rating",
    "Reach",
    "Report",
    "Route",
    "RuleCount",
    "Scope",
    "SensitiveSection",
    "SensitiveTarget",
    "StandInEntry",
    "StandInSection",
    "Summary",
    "WhatIf",
]


class Rating(StrEnum):
    """The verdict in one word (docs/report.md says when each applies)."""

    CRITICAL = "critical"
    ATTENTION = "needs attention"
    GOOD = "good"


@dataclass(frozen=True, slots=True)
class Summary:
    """The counts at the top of the report and the verdict."""

    inputs: tuple[str, ...]
    namespaces: int
    """Namespaces of the input (those that hold stand-ins only are not counted)."""
    endpoints: int
    """Workloads and lone pods of the input (stand-ins are counted apart)."""
    pods: int
    """Pods listed in the input (workloads given only as templates count none)."""
    policies: int
    selectable: int
    """Workloads policies can select (host-network pods are node traffic)."""
    isolated_ingress: int
    isolated_egress: int
    connections: int
    """Allowed (source, destination) pairs between workloads of the input."""
    findings: tuple[tuple[Severity, int], ...]
    suppressed: int
    linted: bool
    rating: Rating
    headline: str
    """The verdict's first sentence: the rating and what to do first."""
    details: str
    """The facts behind it: isolation, exposure, lint."""
    stand_ins: int = 0
    """Stand-ins: endpoints for pods the policies select or admit that the input does not hold."""
    stand_in_namespaces: int = 0
    """Namespaces the stand-ins live in that the input does not hold."""
    stand_in_connections: int = 0
    """Allowed (source, destination) pairs with a stand-in at one end or both."""
    unmodelled: tuple[tuple[str, int], ...] = ()
    """Policies of other APIs that also filter traffic, which netpol does not model, by
    ``Kind (group)``; the verdict ignores them."""
    tier_policies: int = 0
    """Cluster-wide policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
    ClusterNetworkPolicy)."""
    restricted_ingress: int = 0
    """Workloads no NetworkPolicy isolates for ingress whose ingress a cluster-wide rule denies in
    part."""
    restricted_egress: int = 0

    @property
    def verdict(self) -> str:
        """One paragraph: the headline, then the facts."""
        return f"{self.headline} {self.details}"


@dataclass(frozen=True, slots=True)
class Exposure:
    """An endpoint and the addresses outside the cluster on the other end, on ``ports``."""

    endpoint: str
    ranges: str
    ports: PortSet
    public: bool
    """The ranges hold public internet addresses."""
    via: tuple[str, ...]
    """The rules that allow it, or why no policy applies."""


@dataclass(frozen=True, slots=True)
class Reach:
    """How many distinct endpoints of one sort (workloads, or stand-ins) the exposure tables hold."""

    from_outside: int = 0
    from_internet: int = 0
    """Of ``from_outside``: those reached from public internet addresses."""
    to_internet: int = 0
    from_every_pod: int = 0


class Scope(StrEnum):
    """How much of the cluster reaches a workload."""

    EVERY_POD = "every pod"
    EVERY_NAMESPACE = "every namespace"


@dataclass(frozen=True, slots=True)
class ClusterWide:
    """An endpoint that every pod (or some pod of every namespace) of the cluster may reach."""

    endpoint: str
    scope: Scope
    ports: PortSet
    """EVERY_POD: the ports every pod may use; EVERY_NAMESPACE: what some pods may use."""
    more: PortSet
    """EVERY_POD: further ports only some pods may use."""
    via: tuple[str, ...]


class FutureWay(StrEnum):
    """How a pod that does not exist yet comes to match a rule, most open first."""

    EVERY_SOURCE = "every source"
    ANY_NEW_NAMESPACE = "any new namespace"
    UNCLAIMED_NAMESPACE = "an unclaimed namespace name"
    OPEN_NAMESPACE = "an open namespace"
    LABELLED_NAMESPACE = "a new namespace with the labels"


@dataclass(frozen=True, slots=True)
class FutureAccess:
    """An ingress rule's peer that pods created later can match."""

    rule: str
    location: Location | None
    peer: str
    way: FutureWay
    who: str
    """Who can get in, in words: ``any pod in any new namespace``."""
    targets: tuple[str, ...]
    ports: str
    stand_ins: tuple[str, ...] = ()
    """The stand-ins for those pods, when the input holds none the peer matches: what they may
    reach is what such a pod would (the other tables list them)."""
    denied_first: tuple[str, ...] = ()
    """Admin tier policies with an ingress Deny rule for some of the targets: they decide before
    this rule, and may deny such a pod."""


@dataclass(frozen=True, slots=True)
class ExposureSection:
    """What the policies let in from, and out to, where it should worry a reviewer."""

    from_outside: Listing[Exposure]
    to_internet: Listing[Exposure]
    cluster_wide: Listing[ClusterWide]
    future: Listing[FutureAccess]
    unprotected: int
    """Endpoints no policy isolates for ingress: any pod, present or future, reaches them."""
    open_namespaces: tuple[str, ...]
    namespaces: int
    """Namespaces with endpoints policies can select (what "every namespace" counts)."""
    reachable_from_outside: int
    """Distinct workloads in ``from_outside`` (all of them, not only the rows shown)."""
    reachable_from_internet: int
    reaching_internet: int
    reachable_from_every_pod: int
    stand_ins: Reach = Reach()
    """The same counts for the stand-ins the tables hold."""
    ungoverned: tuple[str, ...] = ()
    """Stand-ins no policy of the input selects, left out of the tables: what they may reach,
    and what reaches them, is up to policies the input does not hold."""
    tiered: bool = False
    """The cluster has cluster-wide policies: ``unprotected`` then counts the workloads that
    neither a NetworkPolicy nor a cluster-wide rule restricts for ingress."""
    restricted: int = 0
    """With cluster-wide policies: workloads no ingress NetworkPolicy selects whose ingress a
    cluster-wide rule denies in part."""


@dataclass(frozen=True, slots=True)
class RuleCount:
    """How many findings one lint rule reported."""

    rule_id: str
    severity: Severity
    title: str
    count: int


@dataclass(frozen=True, slots=True)
class LintSection:
    """``netpol lint``'s findings, as the report shows them."""

    findings: Listing[Finding]
    """Most severe first, then by file and line."""
    counts: tuple[tuple[Severity, int], ...]
    suppressed: int
    rules: tuple[RuleCount, ...]
    """The rules with findings, most severe first, then the most frequent."""
    ran: bool


@dataclass(frozen=True, slots=True)
class Cell:
    """What a matrix cell allows: ``ports`` (their union when the row or column is a group)."""

    ports: PortSet
    partial: bool = False
    """Only some members of the group are allowed, or not all of them every port."""
    share: float | None = None
    """The share of (source, destination) pairs allowed anything; None when a side is outside
    the cluster (address ranges are no unit to count)."""


@dataclass(frozen=True, slots=True)
class Matrix:
    """Rows of sources by columns of destinations; in a namespace's matrix its workloads go by
    ``name[Kind]``."""

    sources: tuple[str, ...]
    destinations: tuple[str, ...]
    cells: tuple[tuple[Cell | None, ...], ...]
    """``cells[row][column]``; None where there is no pair to ask about (a workload and itself,
    outside to outside, a namespace of one workload and itself)."""
    omitted: int = 0
    """Members (workloads or namespaces) left out of the rows and columns."""
    stand_ins: tuple[tuple[str, str], ...] = ()
    """The rows and columns that are stand-ins, each with what it stands for."""
    absent: tuple[str, ...] = ()
    """The rows and columns that are namespaces the input does not hold (stand-ins only)."""


@dataclass(frozen=True, slots=True)
class NamespaceView:
    """One namespace: its workloads by its workloads (and the rest), and its diagram."""

    name: str
    endpoints: int
    """Its workloads and lone pods (stand-ins are counted apart)."""
    isolated_ingress: int
    isolated_egress: int
    matrix: Matrix
    diagram: Diagram | None
    note: str = ""
    """Why the diagram is drawn at namespace level, or left out."""
    stand_ins: int = 0
    restricted_ingress: int = 0
    """Of its workloads no NetworkPolicy isolates for ingress, those a cluster-wide rule denies
    some ingress."""
    restricted_egress: int = 0


@dataclass(frozen=True, slots=True)
class ConnectivitySection:
    """Namespaces by namespaces, then a section for each of the most reached."""

    matrix: Matrix
    """Namespaces by namespaces, plus the outside."""
    diagram: Diagram | None
    namespaces: tuple[NamespaceView, ...]
    omitted: tuple[str, ...]
    """Namespaces of the input without a section of their own (those the input does not hold
    never get one: the overview's legend names them)."""
    note: str = ""
    """What the overview diagram leaves out."""


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """An example connection that a what-if opens or closes."""

    src: str
    dst: str
    ports: PortSet


@dataclass(frozen=True, slots=True)
class WhatIf:
    """What changes when the cluster is compiled without one policy."""

    gained: int
    """Connections that open or widen: pairs of endpoints, the outside counted once per endpoint."""
    lost: int
    """Connections that close or narrow: what only this policy allows."""
    gained_examples: tuple[PolicyChange, ...]
    lost_examples: tuple[PolicyChange, ...]


@dataclass(frozen=True, slots=True)
class PolicyEntry:
    """One policy of the inventory."""

    id: str
    location: Location | None
    selector: str
    selected: Listing[str]
    types: tuple[Direction, ...]
    rules: tuple[str, ...]
    whatif: WhatIf | None
    """None when the policy is past the what-if bound."""
    baseline: bool = False
    """Its podSelector is empty: it selects every pod of its namespace, present and future."""
    stand_ins: int = 0
    """How many of ``selected`` are stand-ins (the rest are workloads of the input)."""

    @property
    def no_effect(self) -> str:
        """Why removing it changes nothing today, or "" when it does (or was not computed)."""
        w = self.whatif
        if w is None or w.gained or w.lost:
            return ""
        if self.baseline:
            return (
                "no effect on today's workloads (other policies isolate them too); it "
                "still isolates workloads added later"
            )
        return "no effect: other policies isolate and allow the same"


@dataclass(frozen=True, slots=True)
class InventorySection:
    """The policies, and how many what-ifs were computed."""

    policies: Listing[PolicyEntry]
    whatif_computed: int
    whatif_total: int


class Origin(StrEnum):
    """Where a path into a sensitive workload starts, relative to its namespace."""

    OUTSIDE = "outside the cluster"
    OTHER_NAMESPACE = "another namespace"
    SAME_NAMESPACE = "same namespace"


@dataclass(frozen=True, slots=True)
class DirectAccess:
    """A source that may connect to a sensitive workload itself."""

    source: str
    origin: Origin
    ports: PortSet
    via: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Route:
    """Paths of two or three hops into a sensitive workload, grouped by their first hops."""

    origin: Origin
    starts: tuple[str, ...]
    """The first few start endpoints, or the described ranges outside the cluster."""
    start_count: int
    hops: tuple[str, ...]
    """The endpoints after the start, the sensitive workload last."""
    ports: tuple[PortSet, ...]
    """Per hop: from the starts (their union) to ``hops[0]``, then ``hops[i]`` to ``hops[i+1]``."""
    stand_ins: int = 0
    """How many of the ``start_count`` starts are stand-ins (the others are workloads)."""


@dataclass(frozen=True, slots=True)
class SensitiveTarget:
    """One sensitive workload: its direct sources and the routes into it."""

    endpoint: str
    direct: Listing[DirectAccess]
    routes: Listing[Route]


@dataclass(frozen=True, slots=True)
class SensitiveSection:
    """What one ``--sensitive`` spec names."""

    spec: str
    targets: Listing[SensitiveTarget]


@dataclass(frozen=True, slots=True)
class Report:
    """The whole review, section by section, in reading order."""

    title: str
    tool: str
    summary: Summary
    exposure: ExposureSection
    lint: LintSection
    connectivity: ConnectivitySection
    inventory: InventorySection
    sensitive: tuple[SensitiveSection, ...]
    limits: Limits
    stand_ins: StandInSection = field(default_factory=StandInSection)
    tiers: TierSection | None = None
    """The cluster-wide policies; None when the cluster has none."""
