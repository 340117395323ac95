"""The package's structure as a contract: import layers without cycles, notebooks that reach their
code in one hop, and run-folder file names said once (in :mod:`migration_kit.artifacts`)."""

from __future__ import annotations

import ast
import json
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PKG = REPO / "src" / "migration_kit"

#: Top to bottom: a module may import its own package or anything in a lower layer; packages that
#: share a layer are independent of each other (no import either way).
LAYERS: list[tuple[str, ...]] = [
    ("cli",),
    ("workbook", "purge", "overlap"),
    ("pipeline", "views", "preflight", "params_reference"),
    ("report", "<root>"),
    ("params",),
    ("handover", "scoping", "quality", "linkage", "synthetic"),
    ("intake", "clean"),
    ("artifacts", "runfolder", "chain", "codes", "parallel", "deals", "registry", "masking", "schema",
     "_spec", "errors", "_version"),
]
#: The bottom layer is one shared core: its modules may import each other (no cycles).
SHARED_CORE = LAYERS[-1]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for n in ast.walk(node)}
    return skip


def import_graph() -> dict[str, set[str]]:
    """Module -> modules of migration_kit it imports at run time (any depth in the file,
    ``if TYPE_CHECKING:`` blocks left out; ``from pkg import sub`` counts as importing ``pkg.sub``)."""
    modules = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("migration_kit")]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    mod = ".".join(base + ([node.module] if node.module else []))
                elif node.module and node.module.startswith("migration_kit"):
                    mod = node.module
                else:
                    continue
                subs = [f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in modules]
                targets = subs or [mod]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def _component(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "<root>"


def _layer(component: str) -> int:
    for i, layer in enumerate(LAYERS):
        if component in layer:
            return i
    raise AssertionError(f"{component!r} is in no layer of LAYERS; add it where it belongs")


def test_every_package_has_a_layer():
    for module in _modules():
        _layer(_component(module))


def test_imports_only_go_down_the_layers():
    bad = []
    for src, targets in import_graph().items():
        a = _component(src)
        for dst in targets:
            b = _component(dst)
            if a == b or (a in SHARED_CORE and b in SHARED_CORE):
                continue
            if _layer(b) <= _layer(a):
                bad.append(f"{src} -> {dst} ({a}: layer {_layer(a)}, {b}: layer {_layer(b)})")
    assert bad == [], "imports that climb or cross a layer:\n" + "\n".join(bad)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    assert _cycles(import_graph()) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_cycle_finder_finds_cycles(graph, expected):
    assert _cycles(graph) == expected


# -- notebooks: markdown plus calls into the package, one hop --------------------------------------
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
ALLOWED_IMPORTS = {"migration_kit", "migration_kit.pipeline", "migration_kit.views", "pandas",
                   "IPython.display"}


@pytest.mark.parametrize("book", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_reaches_its_code_in_one_hop(book):
    import migration_kit.pipeline as pipeline
    import migration_kit.views as views

    cells = [c for c in json.loads(book.read_text(encoding="utf-8"))["cells"]
             if c["cell_type"] == "code"]
    assert "parameters" in cells[0]["metadata"].get("tags", [])
    modules = {"pipeline": pipeline, "views": views}
    for cell in cells:
        tree = ast.parse("".join(cell["source"]))
        for node in ast.walk(tree):
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Lambda), (
                f"{book.name}: notebooks hold no logic (def/class/lambda)")
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [
                    a.name for a in node.names]
                assert set(names) <= ALLOWED_IMPORTS, f"{book.name}: imports {names}"
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in modules):
                assert hasattr(modules[node.value.id], node.attr), (
                    f"{book.name}: {node.value.id}.{node.attr} does not exist")


def test_notebooks_run_every_step_once_in_order():
    from migration_kit.pipeline import STEPS, step_name

    called = []
    for book in NOTEBOOKS:
        for cell in json.loads(book.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for node in ast.walk(ast.parse("".join(cell["source"]))):
                if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                        and node.value.id == "pipeline" and node.attr.startswith("step_")):
                    called.append(node.attr.removeprefix("step_"))
    assert called == [step_name(s) for s in STEPS]


# -- run-folder file names are said once --------------------------------------------------------
def _string_constants(tree: ast.AST) -> list[str]:
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_run_folder_file_names_are_declared_once():
    from migration_kit.artifacts import ARTIFACTS

    names = {a.filename for a in ARTIFACTS.values() if not a.is_pattern}
    repeated = []
    for module, path in _modules().items():
        if module == "migration_kit.artifacts":
            continue
        for value in _string_constants(ast.parse(path.read_text(encoding="utf-8"))):
            for name in names:
                if value == name or value.endswith("/" + name):
                    repeated.append(f"{module}: {value!r}")
    assert repeated == [], "use ARTIFACTS / RunFolder.file() instead of:\n" + "\n".join(repeated)
