"""Units of the open world: a selector's witness labels, and ports known by name only."""

from __future__ import annotations

import pytest

from netpol.core.ports import PortSet, Protocol
from netpol.core.selectors import LabelSelector, Operator, Requirement

TCP = Protocol.TCP


def sel(labels: dict[str, str] | None = None, *reqs: Requirement) -> LabelSelector:
    return LabelSelector(tuple(sorted((labels or {}).items())), reqs)


@pytest.mark.parametrize(
    ("selector", "witness"),
    [
        (sel(), {}),
        (sel({"app": "a"}), {"app": "a"}),
        (sel(None, Requirement("t", Operator.IN, ("b", "a"))), {"t": "a"}),
        (
            sel(None, Requirement("t", Operator.IN, ("a", "b")), Requirement("t", Operator.NOT_IN, ("a",))),
            {"t": "b"},
        ),
        (sel(None, Requirement("t", Operator.EXISTS)), {"t": "x"}),
        (
            sel(None, Requirement("t", Operator.EXISTS), Requirement("t", Operator.NOT_IN, ("x",))),
            {"t": "x1"},
        ),
        (sel(None, Requirement("t", Operator.DOES_NOT_EXIST)), {}),
        (sel(None, Requirement("t", Operator.NOT_IN, ("a",))), {}),
        (sel({"app": "a"}, Requirement("app", Operator.NOT_IN, ("a",))), None),
        (sel({"app": "a"}, Requirement("app", Operator.DOES_NOT_EXIST)), None),
        (sel(None, Requirement("t", Operator.IN, ("a",)), Requirement("t", Operator.IN, ("b",))), None),
    ],
)
def test_witness_is_the_fewest_labels_the_selector_matches(
    selector: LabelSelector, witness: dict[str, str] | None
) -> None:
    assert selector.witness() == witness
    if witness is not None:
        assert selector.matches(witness)


def test_witness_keeps_fixed_labels_and_fails_when_they_conflict() -> None:
    name = "kubernetes.io/metadata.name"
    assert sel({"team": "x"}).witness({name: "n"}) == {name: "n", "team": "x"}
    assert sel({name: "a"}).witness({name: "b"}) is None


HTTP = PortSet.from_mapping({}, [(TCP, "http")])


def test_a_name_is_one_port_of_its_protocol() -> None:
    assert HTTP and not HTTP.is_all() and HTTP.allows(TCP, "http") and not HTTP.allows(TCP, 80)
    assert not HTTP.allows(Protocol.UDP, "http")
    assert str(HTTP) == "TCP port named http (number unknown)"
    assert HTTP.to_json() == {"TCP": ["http"]}
    # every port of the protocol covers the name; a number does not tell whether it is the name
    assert HTTP & PortSet.of(TCP) == HTTP and HTTP & PortSet.all() == HTTP
    assert not HTTP & PortSet.of(TCP, 80)
    assert not HTTP & PortSet.of(Protocol.UDP)
    assert HTTP | PortSet.of(TCP) == PortSet.of(TCP)
    assert str(HTTP | PortSet.of(TCP, 9090)) == "TCP 9090,port named http (number unknown)"
    assert (HTTP | PortSet.of(TCP, 9090)) - PortSet.of(TCP, 9090) == HTTP
    assert not HTTP - HTTP and HTTP.issubset(PortSet.of(TCP))
    assert PortSet.all().allows(TCP, "anything")


def test_values_of_a_key_are_those_matchlabels_and_in_allow() -> None:
    name = "kubernetes.io/metadata.name"
    assert sel({name: "a"}).values_of(name) == frozenset({"a"})
    assert sel(None, Requirement(name, Operator.IN, ("a", "b"))).values_of(name) == frozenset({"a", "b"})
    assert sel({name: "a"}, Requirement(name, Operator.IN, ("b",))).values_of(name) == frozenset()
    assert sel(None, Requirement(name, Operator.NOT_IN, ("a",))).values_of(name) is None
    assert sel({"team": "x"}).values_of(name) is None
