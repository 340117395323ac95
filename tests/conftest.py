"""Shared fixtures: small, hand-written sources and params files in a temp folder."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

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
