"""The params reference: every key of a params file, generated from the spec classes themselves.

The spec classes validate a params file with :func:`~migration_kit._spec.check_keys`; reading
example params files under :func:`~migration_kit._spec.recording_keys` shows, for every spec
class, the keys it accepts and requires. Each key gets its description from the class's numpy
docstring (``Parameters``) and an example value from the first example file that sets it. Names
that specs look up in a registry (comparison level tests, quality checks, scoping predicates,
engines, synthetic shapes) are listed from the registries. ``scripts/params_reference.py`` writes
the result to ``docs/params.md``; a test regenerates it and fails when the committed copy differs
or a key has no example, so the reference cannot drift from the code.

Example
-------
>>> sections = collect(["params/rehearsal.yaml"])                      # doctest: +SKIP
>>> sections["Deal"].allowed                                            # doctest: +SKIP
('recipient', 'seller', 'type')
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ._spec import recording_keys
from .params import Params, load_params

__all__ = ["Section", "collect", "missing_examples", "render"]

_INDEX = re.compile(r"\[\d+\]")
_DEFAULT = re.compile(r" \(default [^)]*\)")


@dataclass
class Section:
    """The keys one spec class accepts, where it appears, and an example of each key."""

    name: str
    doc: str = ""
    paths: list[str] = field(default_factory=list)
    allowed: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    described: dict[str, str] = field(default_factory=dict)
    examples: dict[str, tuple[str, Any]] = field(default_factory=dict)


def _docstring_parameters(owner: type | None) -> tuple[str, dict[str, str]]:
    """The class's summary line and its numpy ``Parameters`` descriptions."""
    doc = inspect.getdoc(owner) or "" if owner is not None else ""
    summary = doc.strip().split("\n\n", 1)[0].replace("\n", " ") if doc else ""
    out: dict[str, str] = {}
    match = re.search(r"^Parameters\n-+\n(.*?)(?:\n\n[A-Z][a-z]+\n-+\n|\Z)", doc, re.S | re.M)
    if not match:
        return summary, out
    names: list[str] = []
    for line in match.group(1).splitlines():
        head = re.match(r"^(\w+(?:, \w+)*)\s*:", line)
        if head and not line.startswith(" "):
            names = head.group(1).split(", ")
            for n in names:
                out[n] = ""
        elif line.startswith("    ") and names:
            for n in names:
                out[n] = (out[n] + " " + line.strip()).strip()
    return summary, out


def _value_at(data: Any, where: str) -> Any:
    """The value at a dotted ``where`` (``sources[0].columns``) in a loaded YAML, or None."""
    node = data
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", where):
        if token.startswith("["):
            i = int(token[1:-1])
            if not isinstance(node, list) or i >= len(node):
                return None
            node = node[i]
        elif isinstance(node, Mapping) and token in node:
            node = node[token]
        else:
            return None
    return node


def collect(files: Sequence[str | Path]) -> dict[str, Section]:
    """Read each params file while recording its spec classes' key checks (see the module doc).

    Example
    -------
    >>> "Params" in collect(["params/rehearsal.yaml"])                   # doctest: +SKIP
    True
    """
    sections: dict[tuple[str, frozenset[str]], Section] = {}
    for file in files:
        path = Path(file)
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        with recording_keys() as seen:
            load_params(path)
        for call in seen:
            if call.owner is None and call.where:  # a registry entry's own parameters
                continue
            name = call.owner.__name__ if call.owner is not None else "Params"
            ident = (name, frozenset(call.allowed))
            section = sections.get(ident)
            if section is None:
                summary, described = _docstring_parameters(call.owner or Params)
                section = sections[ident] = Section(name, summary, described=described)
            section.allowed = tuple(sorted(set(section.allowed) | set(call.allowed)))
            section.required = tuple(sorted(set(section.required) | set(call.required)))
            shown = _DEFAULT.sub("[]", _INDEX.sub("[]", call.where)) or "(top level)"
            if shown not in section.paths:
                section.paths.append(shown)
            node = _value_at(data, call.where) if call.where else data
            if not isinstance(node, Mapping):
                continue
            for key in call.given:
                if key not in section.examples and key in node:
                    section.examples[key] = (path.name, node[key])
    merged: dict[tuple[str, ...], Section] = {}
    for section in sections.values():  # two classes reading one mapping: one table
        section.paths = _compact(section.paths)
        same = merged.get(tuple(section.paths))
        if same is None:
            merged[tuple(section.paths)] = section
            continue
        same.name = f"{same.name} and {section.name}"
        same.allowed = tuple(sorted(set(same.allowed) | set(section.allowed)))
        same.required = tuple(sorted(set(same.required) | set(section.required)))
        same.described = {**section.described, **same.described}
        same.examples = {**section.examples, **same.examples}
    out: dict[str, Section] = {}
    for section in merged.values():
        label = section.name if section.name not in {s.name for s in out.values()} else (
            f"{section.name}, {section.paths[0]}"
        )  # fmt: skip
        out[label] = section
    return out


def _compact(paths: list[str]) -> list[str]:
    """``golden.rules.phone``, ``golden.rules.email`` -> ``golden.rules.<name>``."""
    parents: dict[str, list[str]] = {}
    for p in paths:
        parents.setdefault(p.rsplit(".", 1)[0] if "." in p else p, []).append(p)
    out = []
    for parent, children in parents.items():
        dynamic = len(children) > 2 and all(not c.endswith("]") for c in children)
        for shown in [f"{parent}.<name>"] if dynamic else children:
            if shown not in out:
                out.append(shown)
    return out


def missing_examples(sections: Mapping[str, Section]) -> list[str]:
    """``Class.key`` of every accepted key that no example file sets (should be none).

    Example
    -------
    >>> missing_examples({"Deal": Section("Deal", allowed=("type",))})
    ['Deal.type']
    """
    return [f"{s.name}.{k}" for s in sections.values() for k in s.allowed if k not in s.examples]


def _shown(value: Any, most: int = 70) -> str:
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
    text = text.strip().removesuffix("...").strip().replace("|", "\\|")
    return text if len(text) <= most else text[: most - 3] + "..."


def _registries() -> list[tuple[str, list[dict[str, Any]]]]:
    from .linkage.engine import ENGINES, get_engine
    from .linkage.levels import CONFLICT_TESTS, LEVEL_TESTS
    from .quality.checks import REGISTRY as CHECKS
    from .scoping.rules import PREDICATES
    from .synthetic.shapes import SHAPES

    get_engine("local")  # imports every built-in engine module
    return [
        ("level tests (`linkage.comparisons[].levels[].test`)", LEVEL_TESTS.describe()),
        ("conflict tests (`linkage.conflict_rules[].test`)", CONFLICT_TESTS.describe()),
        ("linkage engines (`linkage.engine`)", ENGINES.describe()),
        ("quality checks (`quality.checks[].check`)", CHECKS.describe()),
        ("scoping predicates (the scoping rules' conditions)", PREDICATES.describe()),
        ("synthetic shapes (`migration-kit synth --shape`)", SHAPES.describe()),
    ]


def _params_text(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={'REQUIRED' if repr(v) == 'REQUIRED' else _shown(v, 30)}"
                     for k, v in params.items()) or "-"  # fmt: skip


def render(sections: Mapping[str, Section], files: Iterable[str | Path] = ()) -> str:
    """The reference as Markdown (one table per spec class, then the registries).

    Example
    -------
    >>> render({"Deal": Section("Deal", "The deal.", ["deal"], ("type",), ("type",))})[:12]
    '# Params ref'
    """
    lines = [
        "# Params reference",
        "",
        "Generated by `python scripts/params_reference.py` from the spec classes that validate a "
        "params file (do not edit by hand; `tests/test_params_reference.py` fails when it drifts). "
        "Examples come from: " + ", ".join(f"`{Path(f).name}`" for f in files) + ".",
        "",
        "Every section rejects keys it does not know, naming the known ones. Paths in a params "
        "file are relative to the params file's folder.",
        "",
    ]
    for s in sections.values():
        lines += [f"## `{'`, `'.join(s.paths)}`", "", f"Read by `{s.name}`."]
        lines += [s.doc, ""] if s.doc else [""]
        lines += ["| key | required | what it is | example |", "|---|---|---|---|"]
        for key in s.allowed:
            example = s.examples.get(key)
            shown = f"`{_shown(example[1])}`" if example else "(none)"
            what = s.described.get(key, "").replace("|", "\\|")
            lines.append(f"| `{key}` | {'yes' if key in s.required else ''} | {what} | {shown} |")
        lines.append("")
    from .scoping.suppression import request_words

    lines += [
        "## Request words (`suppression[].request_column`)",
        "",
        "| request type | words that mean it (case and spaces ignored) |",
        "|---|---|",
    ]
    for kind, words in request_words().items():
        lines.append(f"| `{kind}` | {', '.join(words)} |")
    lines += ["", "## Names looked up in registries", ""]  # fmt: skip
    for title, rows in _registries():
        lines += [f"### {title}", "", "| name | parameters | what it does |", "|---|---|---|"]
        for row in rows:
            doc = str(row["doc"]).replace("|", "\\|")
            lines.append(f"| `{row['name']}` | {_params_text(row['params'])} | {doc} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
