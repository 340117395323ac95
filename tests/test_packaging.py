"""The project's own files stay in step: environment.yml vs pyproject, public API pinned."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
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


def test_make_lab_starts_jupyterlab_as_whoever_runs_it(tmp_path):
    """``make lab`` serves the notebooks, as root too (a container, a CI box)."""
    import os
    import signal
    import subprocess
    import time

    repo = Path(__file__).resolve().parents[1]
    if not (repo / ".venv" / "bin" / "jupyter-lab").exists():
        pytest.skip("no .venv with the lab extra here (make venv)")
    args = (f"LAB_ARGS=--no-browser --ServerApp.port=0 --ServerApp.token=test --ServerApp.open_browser=False "
            f"--ServerApp.root_dir={repo / 'notebooks'} --ServerApp.runtime_dir={tmp_path}")
    proc = subprocess.Popen(["make", "-s", "lab", args], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True, env={**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path)})
    seen, deadline = [], time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if "is running at" in line or "http://127.0.0.1" in line:
                break
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    assert any("http://127.0.0.1" in s or "is running at" in s for s in seen), "".join(seen[-20:])
