"""Observed traffic: flow files (Hubble, Inspektor Gadget, CSV, netpol's own JSON) read into
:class:`Flow` records and placed on an allow-graph's endpoints; ``netpol check --flows`` audits
them and ``netpol suggest`` writes the policies that allow exactly them."""

from __future__ import annotations

from netpol.flows.records import Flow, FlowEnd, FlowFile, FlowFormat, PlacedFlow, Placement, Unplaced

__all__ = ["Flow", "FlowEnd", "FlowFile", "FlowFormat", "PlacedFlow", "Placement", "Unplaced"]
