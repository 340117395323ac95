"""Shared fixtures: small, hand-written sources and params files in a temp folder."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

REHEARSAL_PARAMS = Path(__file__).resolve().parents[1] / "params" / "rehearsal.yaml"

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny_sources(tmp_path: Path) -> Path:
    """Two small exports (UTF-8 with BOM Chinese headers; GBK) in tmp_path."""
    (tmp_path / "pos.csv").write_bytes(
        "会员编号, 姓名 ,手机号码,出生日期\n"
        "M1,王伟,+86 138-1234-5678,1990年3月5日\n"
        "M2,李娜,0086 139 1234 5678,19851212\n".encode("utf-8-sig"))
    (tmp_path / "web.csv").write_bytes(
        "用户ID,收货人,联系电话,收货地址\n"
        "W1,張偉,13812345678,北京朝阳区建国路1号\n".encode("gbk"))
    return tmp_path


def write_params(folder: Path, data: dict, name: str = "params.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def base_params() -> dict:
    return {
        "client": "tiny",
        "deal": {"type": "merger", "seller": {"name": "S", "contact": "s@example.com"},
                 "recipient": {"name": "B", "contact": "b@example.com", "country": "CN"}},
        "sources": [
            {"name": "pos", "path": "pos.csv", "id_column": "会员编号",
             "columns": {"full_name": "姓名", "phone": "手机号码", "birth_date": "出生日期"}},
            {"name": "web", "path": "web.csv", "id_column": "用户ID",
             "columns": {"full_name": "收货人", "phone": "联系电话", "address": "收货地址"}},
        ],
        "keys": {"rehearsal": True},
    }


def personal_values(run_root: Path) -> set[str]:
    """Every phone, e-mail, ID number and full name of a run's input (raw and standardized forms)."""
    import pandas as pd

    std = pd.read_parquet(run_root / "work" / "std.parquet")
    raw = pd.read_parquet(run_root / "work" / "raw.parquet")
    values: set[str] = set()
    for col in ("phone", "email", "id_number", "full_name"):
        values |= set(std[col].dropna().astype(str))
    for col in ("raw__phone", "raw__email", "raw__id_number", "raw__full_name"):
        if col in raw:
            values |= set(raw[col].dropna().astype(str))
    values |= {p[3:] for p in std["phone"].dropna() if str(p).startswith("+86")}
    return {v.strip() for v in values if len(v.strip()) >= 2}


def plaintext_hits(run_root: Path) -> dict[str, int]:
    """Files of a run folder that the artifact registry declares shown to people (masked or
    aggregate), mapped to the number of the input's personal values they contain (an empty dict is
    the only good answer). Every file must be declared: an undeclared one is a hit too."""
    from migration_kit.artifacts import artifact_for

    needles = personal_values(run_root)
    assert len(needles) > 1000  # the scan would see them
    hits = {}
    for path in sorted(run_root.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(run_root).as_posix()
        art = artifact_for(rel)
        if art is None:
            hits[rel] = -1  # undeclared: nobody said what it holds
            continue
        if art.privacy not in ("masked", "aggregate") or path.suffix == ".png":
            continue
        text = path.read_text(encoding="utf-8")
        found = [n for n in needles if n in text]
        if found:
            hits[rel] = len(found)
    return hits


def _pg_bin(name: str) -> str | None:
    import glob
    import shutil as _shutil

    found = _shutil.which(name)
    if found:
        return found
    hits = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return hits[-1] if hits else None


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """A real PostgreSQL server for the buyer's loader: ``$MK_PG_URL``, else one started here
    (initdb in a temporary folder, a Unix socket only, stopped at the end). Under CI a server
    that cannot start fails the tests instead of skipping them."""
    import os
    import subprocess

    if os.environ.get("MK_PG_URL"):
        yield os.environ["MK_PG_URL"]
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL (initdb, pg_ctl) is not installed; .ci/run installs it")
        pytest.skip("PostgreSQL is not installed here")
    import shutil
    import tempfile

    # not under pytest's own temporary folder: the server's user must be able to reach it
    base = Path(tempfile.mkdtemp(prefix="mk-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres user
        import pwd

        pw = pwd.getpwnam("postgres")
        for p in (base, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        os.chmod(base, 0o755)
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*run_as, initdb, "-D", str(data), "-A", "trust", "-U", "mk", "-E", "UTF8"],
                   check=True, capture_output=True)
    log = base / "server.log"
    subprocess.run([*run_as, pg_ctl, "-D", str(data), "-l", str(log), "-w", "-o",
                    f"-k {sock} -c listen_addresses=''", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://mk@/postgres?host={sock}"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def rehearsal_run(tmp_path_factory):
    """The whole pipeline once per test session on the committed rehearsal set (run id ``test``)."""
    from migration_kit.pipeline import open_run, run_all

    runs = tmp_path_factory.mktemp("runs")
    # the analyst's saved decisions (params/reviews/) never reach the tests: a file of none
    ctx = open_run(REHEARSAL_PARAMS, run_id="test", runs_dir=runs, decisions_file=runs / "no_decisions.csv")
    results = run_all(ctx, echo=lambda s: None)
    return ctx, results
