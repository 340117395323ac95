"""The project's own files stay in step: environment.yml vs pyproject, public API pinned."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]

_CONDA_NAMES = {"pyyaml": "pyyaml"}  # pip name -> conda name where they differ


def _norm(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    name, spec = m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")
    return _CONDA_NAMES.get(name, name), spec


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *[d for extra in project["optional-dependencies"].values() for d in extra]]
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str) and _norm(d)[0] not in ("python", "pip")]
    conda += [d for extra in env["dependencies"] if isinstance(extra, dict) for d in extra.get("pip", [])
              if not d.startswith("-e")]
    assert sorted(map(_norm, conda)) == sorted(set(map(_norm, wanted)))  # an extra may repeat one


def test_runtime_dependencies_stay_lean():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = {_norm(d)[0] for d in project["dependencies"]}
    assert "jupyterlab" not in names  # importing papermill costs ~4 s with jupyterlab installed
    assert any(d.startswith("cryptography>=50") for d in project["dependencies"])
    assert any(d.startswith("pandas>=2.2,<3") for d in project["dependencies"])


def test_gitignore_keeps_runs_out():
    assert "runs/" in (REPO / ".gitignore").read_text().split()
