"""How netpol names a policy's rule, in messages, reports and provenance: one spelling."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RuleRef"]


@dataclass(frozen=True, slots=True, order=True)
class RuleRef:
    """One rule of a policy: ``shop/api ingress rule #1``.

    ``direction`` is a :class:`netpol.model.Direction` (``Ingress`` or ``Egress``; a str).
    """

    policy: str
    """The policy's id, ``namespace/name``."""
    direction: str
    index: int
    """0-based position in ``spec.ingress`` or ``spec.egress``."""

    def __str__(self) -> str:
        return f"{self.policy} {self.direction.lower()} rule #{self.index + 1}"

    @property
    def key(self) -> str:
        """``ingress`` or ``egress``: the field of the policy's spec that holds the rule."""
        return self.direction.lower()

    @property
    def path(self) -> tuple[str, str, int]:
        """Where the rule is in its policy: ``("spec", "ingress", 0)``."""
        return ("spec", self.key, self.index)
