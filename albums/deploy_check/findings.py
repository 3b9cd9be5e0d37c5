"""What a deploy check reports: one problem, and the place in the program that has it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One reason the program, as built, would not deploy or would not work once deployed.

    ``what`` names the problem (the action, the resource, the schema error) and
    ``where`` the place that holds it (the resource, its input, the statement or
    the state). A check that returns no findings passed.
    """

    what: str
    where: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"
