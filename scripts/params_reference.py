"""Write docs/params.md, the params reference, from the spec classes (see
:mod:`migration_kit.params_reference`). Run after changing a spec class or an example file::

    .venv/bin/python scripts/params_reference.py
"""
from __future__ import annotations

import sys
from pathlib import Path

from migration_kit.params_reference import collect, missing_examples, render

REPO = Path(__file__).resolve().parents[1]
#: Example files, first wins: a full example, a planned-linkage example, the committed clients.
EXAMPLES = [
    REPO / "docs" / "params_example.yaml",
    REPO / "docs" / "params_example_planned.yaml",
    REPO / "params" / "rehearsal.yaml",
    REPO / "params" / "client_b.yaml",
    REPO / "params" / "rehearsal_tuned.yaml",
]
OUT = REPO / "docs" / "params.md"


def reference() -> str:
    sections = collect(EXAMPLES)
    missing = missing_examples(sections)
    if missing:
        raise SystemExit(f"keys without an example: {', '.join(missing)}; add them to {EXAMPLES[0].name}")
    return render(sections, EXAMPLES)


if __name__ == "__main__":
    OUT.write_text(reference(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}", file=sys.stderr)
