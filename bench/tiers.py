"""Cluster-wide tier policies for a synthetic cluster, as the platform team of a large cluster
writes them: per team an Admin-tier policy (Pass inside the team, Deny from the other teams),
Admin Allows for monitoring and for DNS, an egress Deny to the metadata endpoint, and a Baseline
default deny. Half are AdminNetworkPolicies (and the BANP), half ClusterNetworkPolicies.

    python bench/tiers.py --namespaces 50 --policies 20   # YAML on stdout
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import Namespace, dump_yaml

ANP = "policy.networking.k8s.io/v1alpha1"
CNP = "policy.networking.k8s.io/v1alpha2"


def _policy(i: int, name: str, tier: str, priority: int, spec: dict[str, Any]) -> dict[str, Any]:
    """An ANP (even ``i``) or a CNP (odd) with this spec; CNP words for the actions."""
    if i % 2:
        for key in ("ingress", "egress"):
            for rule in spec.get(key, ()):
                rule["action"] = {"Allow": "Accept"}.get(rule["action"], rule["action"])
                ports = rule.pop("ports", None)
                if ports:
                    rule["protocols"] = [
                        {
                            p["portNumber"]["protocol"].lower(): {
                                "destinationPort": {"number": p["portNumber"]["port"]}
                            }
                        }
                        for p in ports
                    ]
        return {
            "apiVersion": CNP,
            "kind": "ClusterNetworkPolicy",
            "metadata": {"name": name},
            "spec": {"tier": tier, "priority": priority, **spec},
        }
    return {
        "apiVersion": ANP,
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"priority": priority, **spec},
    }


def tier_policies(namespaces: Sequence[Namespace], count: int, seed: int = 1) -> list[dict[str, Any]]:
    """``count`` Admin-tier policies (at least the fixed three) over ``namespaces``, plus a BANP."""
    rng = random.Random(seed)
    teams = sorted({ns.team for ns in namespaces if not ns.infra})
    docs: list[dict[str, Any]] = []
    every: dict[str, Any] = {"namespaces": {}}
    docs.append(
        _policy(
            0,
            "allow-monitoring",
            "Admin",
            1,
            {
                "subject": every,
                "ingress": [
                    {
                        "action": "Allow",
                        "from": [
                            {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
                        ],
                        "ports": [{"portNumber": {"protocol": "TCP", "port": 9090}}],
                    }
                ],
            },
        )
    )
    docs.append(
        _policy(
            1,
            "deny-metadata",
            "Admin",
            2,
            {"subject": every, "egress": [{"action": "Deny", "to": [{"networks": ["169.254.169.254/32"]}]}]},
        )
    )
    for i in range(max(0, count - 2)):
        team = teams[i % len(teams)] if teams else f"team-{i}"
        priority = 10 + rng.randrange(0, 50)
        docs.append(
            _policy(
                i,
                f"team-{team}-{i}",
                "Admin",
                priority,
                {
                    "subject": {"namespaces": {"matchLabels": {"team": team}}},
                    "ingress": [
                        {"action": "Pass", "from": [{"namespaces": {"matchLabels": {"team": team}}}]},
                        {
                            "action": "Deny",
                            "from": [
                                {"namespaces": {"matchExpressions": [{"key": "team", "operator": "Exists"}]}}
                            ],
                        },
                    ],
                },
            )
        )
    docs.append(
        {
            "apiVersion": ANP,
            "kind": "BaselineAdminNetworkPolicy",
            "metadata": {"name": "default"},
            "spec": {
                "subject": {"namespaces": {"matchExpressions": [{"key": "team", "operator": "Exists"}]}},
                "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}],
            },
        }
    )
    return docs


def main(argv: Sequence[str] | None = None) -> int:
    from bench.generate import generate_cluster

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--namespaces", type=int, default=10)
    parser.add_argument("--policies", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    cluster = generate_cluster(pods=10, workloads=10, policies=0, namespaces=args.namespaces, seed=args.seed)
    sys.stdout.write(dump_yaml(tier_policies(cluster.namespaces, args.policies, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
