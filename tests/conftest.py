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
    }
