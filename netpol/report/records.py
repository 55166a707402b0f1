"""The report's records: frozen, one per section, already ordered and bounded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from netpol.core.ports import PortSet
from netpol.errors import Location, Severity
from netpol.findings import Finding
from netpol.model.resources import Direction
from netpol.render.diagram.model import Diagram

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
    "Report",
    "Route",
    "RuleCount",
    "Scope",
    "SensitiveSection",
    "SensitiveTarget",
    "Summary",
    "WhatIf",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


@dataclass(frozen=True, slots=True)
class Limits:
    """How much each section shows; a report on 10,000 pods stays a report."""

    rows: int = 25
    """Rows of each exposure table and of each sensitive workload's direct sources."""
    findings: int = 100
    """Lint findings listed one by one (every rule is counted in a table of its own)."""
    policies: int = 300
    """Policies in the inventory (the ones selecting the most workloads, when there are more)."""
    whatif: int = 60
    """Policies for which the cluster is recompiled without them (the broadest first)..."""
    whatif_nodes: int = 20_000
    """... and at most this many nodes recompiled in all: a large cluster gets fewer what-ifs."""
    changes: int = 5
    """Example connections listed per what-if."""
    namespaces: int = 12
    """Namespaces given a section of their own (matrix and diagram), the most reached first."""
    matrix: int = 15
    """Workloads per namespace matrix, and namespaces in the cluster overview matrix."""
    diagram: int = 8
    """Namespaces in the overview diagram when all of them are too many to draw."""
    paths: int = 25
    """Routes listed per sensitive workload."""
    path_search: int = 20_000
    """Routes examined per sensitive workload before the count becomes a lower bound."""
    targets: int = 20
    """Workloads per --sensitive selector."""


@dataclass(frozen=True, slots=True)
class Listing(Generic[T_co]):
    """The first rows of a longer list, and how long the list is."""

    rows: tuple[T_co, ...]
    total: int
    exact: bool = True
    """False when the search stopped at a bound: ``total`` is then a lower bound."""

    @property
    def omitted(self) -> int:
        return self.total - len(self.rows)

    @classmethod
    def of(cls, items: Sequence[T], limit: int, *, exact: bool = True) -> Listing[T]:
        return Listing(tuple(items[:limit]), len(items), exact)


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
    endpoints: int
    """Workloads and lone pods (the endpoints of the analysis)."""
    pods: int
    """Pods listed in the input (workloads given only as templates count none)."""
    policies: int
    selectable: int
    """Endpoints policies can select (host-network pods are node traffic)."""
    isolated_ingress: int
    isolated_egress: int
    connections: int
    """Allowed (source, destination) pairs between endpoints of the cluster."""
    findings: tuple[tuple[Severity, int], ...]
    suppressed: int
    linted: bool
    rating: Rating
    headline: str
    """The verdict's first sentence: the rating and what to do first."""
    details: str
    """The facts behind it: isolation, exposure, lint."""

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
    """Distinct endpoints in ``from_outside`` (all of them, not only the rows shown)."""
    reachable_from_internet: int
    reaching_internet: int
    reachable_from_every_pod: int


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


@dataclass(frozen=True, slots=True)
class NamespaceView:
    """One namespace: its workloads by its workloads (and the rest), and its diagram."""

    name: str
    endpoints: int
    isolated_ingress: int
    isolated_egress: int
    matrix: Matrix
    diagram: Diagram | None
    note: str = ""
    """Why the diagram is drawn at namespace level, or left out."""


@dataclass(frozen=True, slots=True)
class ConnectivitySection:
    """Namespaces by namespaces, then a section for each of the most reached."""

    matrix: Matrix
    """Namespaces by namespaces, plus the outside."""
    diagram: Diagram | None
    namespaces: tuple[NamespaceView, ...]
    omitted: tuple[str, ...]
    """Namespaces without a section of their own."""
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
