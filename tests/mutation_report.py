"""Killed/total per module group after `make mutation` (run inside build/mutation).

mutmut keeps one ``.meta`` file per mutated source file, with each mutant's
test exit code; this sums them for the domain and for the repository, and
lists the mutants that survived, for a person to kill or call equivalent.
"""

from __future__ import annotations

import json
from pathlib import Path

from mutmut.stats import status_by_exit_code

GROUPS = {
    "domain": "src/album_registry/domain/",
    "repository": "src/album_registry/adapters/dynamodb_repository.py",
}


def main() -> None:
    statuses: dict[str, dict[str, str]] = {group: {} for group in GROUPS}
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        source = str(meta.relative_to("mutants")).removesuffix(".meta")
        group = next((name for name, prefix in GROUPS.items() if source.startswith(prefix)), None)
        if group is None:
            continue
        exit_codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        statuses[group] |= {name: status_by_exit_code[code] for name, code in exit_codes.items()}
    for group, by_mutant in statuses.items():
        killed = sum(status in ("killed", "timeout", "caught by type check") for status in by_mutant.values())
        total = len(by_mutant)
        share = f"{100 * killed / total:.1f} %" if total else "-"
        print(f"{group}: {killed}/{total} killed ({share})")
        for name, status in sorted(by_mutant.items()):
            if status not in ("killed", "timeout", "caught by type check"):
                print(f"  {status}: {name}")


if __name__ == "__main__":
    main()
