"""bench/tiers.py: the tier policies of the benchmark load without an error and decide traffic."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is not part of the installed package
    sys.path.insert(0, str(ROOT))
gen = importlib.import_module("bench.generate")
tiers = importlib.import_module("bench.tiers")


def test_bench_tier_policies_load_and_apply() -> None:
    import netpol

    cluster = gen.generate_cluster(pods=60, workloads=12, policies=20, namespaces=5, seed=3)
    text = (
        gen.to_yaml(cluster, "dump") + "\n---\n" + gen.dump_yaml(tiers.tier_policies(cluster.namespaces, 6))
    )
    graph = netpol.analyze_text(text)
    assert not [d for d in graph.diagnostics if d.severity.value == "error"]
    kinds = sorted({p.kind for p in graph.cluster.tier_policies})
    assert kinds == ["AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"]
    assert len(graph.cluster.tier_policies) == 7
    # The tiers decide: no pod reaches the metadata endpoint (an Admin Deny for every
    # namespace), and the result differs from the same cluster without them.
    pods = [e.id for e in graph.cluster.endpoints if not e.host_network and e.stand_in is None]
    assert pods and all(not graph.allowed(p, "169.254.169.254") for p in pods)
    bare = netpol.analyze_text(gen.to_yaml(cluster, "dump"))
    assert len(bare.connections()) != len(graph.connections())
