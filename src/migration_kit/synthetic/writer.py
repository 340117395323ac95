"""Write the rehearsal files byte-for-byte reproducibly: CSV in declared encodings, xlsx, params.yaml.

An xlsx written by openpyxl carries the save time twice (``docProps/core.xml`` modified stamp and
each zip entry's date); :func:`write_xlsx` pins both so the same data gives the same bytes.

Example
-------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> p = write_csv(pd.DataFrame({"a": ["x"]}), d / "t.csv", "utf-8-sig")
>>> p.read_bytes()[:3] == b"\\xef\\xbb\\xbf"
True
"""
from __future__ import annotations

import datetime as _dt
import io
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .rates import TRANSFER_DATE
from .sources import COLUMNS, ID_COLUMN

__all__ = ["write_csv", "write_xlsx", "write_params", "SOURCE_FILES", "XLSX_SHEET", "FIXED_TIME"]

#: Source name -> (file name, format, encoding, date order, default country).
SOURCE_FILES: dict[str, tuple[str, str, str | None, str, str]] = {
    "pos": ("pos_members.csv", "csv", "utf-8-sig", "YMD", "CN"),
    "web": ("web_orders.csv", "csv", "gbk", "YMD", "CN"),
    "school": ("school_club.xlsx", "xlsx", None, "YMD", "CN"),
    "overseas": ("overseas_shop.csv", "csv", "utf-8", "MDY", "US"),
}
XLSX_SHEET = "客户"
#: Timestamp written into the xlsx properties and zip entries.
FIXED_TIME = _dt.datetime(2026, 1, 1, 0, 0, 0)


def write_csv(table: pd.DataFrame, path: Path, encoding: str) -> Path:
    """Write ``table`` as CSV (LF line ends, strict encoding).

    Raises
    ------
    UnicodeEncodeError
        When a value cannot be encoded (e.g. a character outside GBK).

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = write_csv(pd.DataFrame({"姓名": ["王伟"]}), pathlib.Path(tempfile.mkdtemp()) / "g.csv", "gbk")
    >>> p.read_bytes().decode("gbk").splitlines()
    ['姓名', '王伟']
    """
    text = table.to_csv(index=False, lineterminator="\n")
    path.write_bytes(text.encode(encoding, errors="strict"))
    return path


def _pin_zip(path: Path) -> None:
    """Rewrite a zip with fixed entry dates and a fixed core.xml modified stamp."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            out.writestr(info, data)
    path.write_bytes(buf.getvalue())


def write_xlsx(table: pd.DataFrame, path: Path, sheet: str = XLSX_SHEET) -> Path:
    """Write ``table`` to one sheet with openpyxl (write-only), with reproducible bytes.

    Cells keep their Python types: floats stay numbers (a phone written as ``13812345678.0`` shows
    as a number in Excel), datetimes become date cells.

    Example
    -------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> a = write_xlsx(pd.DataFrame({"x": [1.0]}), d / "a.xlsx").read_bytes()
    >>> a == write_xlsx(pd.DataFrame({"x": [1.0]}), d / "b.xlsx").read_bytes()
    True
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "migration_kit synth"
    ws = wb.create_sheet(sheet)
    ws.append([str(c) for c in table.columns])
    for row in table.itertuples(index=False, name=None):
        ws.append([None if (v is None or v == "") else v for v in row])
    wb.save(path)
    _pin_zip(path)
    return path


def write_params(path: Path, files: dict[str, Path], suppression: Path, client: str = "rehearsal") -> Path:
    """Write the params file describing the rehearsal sources (paths relative to its folder).

    Example
    -------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> p = write_params(d / "params.yaml", {k: d / v[0] for k, v in SOURCE_FILES.items()}, d / "suppression.csv")
    >>> yaml.safe_load(p.read_text(encoding="utf-8"))["sources"][0]["path"]
    'pos_members.csv'
    """
    base = path.parent.resolve()

    def rel(p: Path) -> str:
        return Path(os.path.relpath(Path(p).resolve(), base)).as_posix()

    sources: list[dict[str, Any]] = []
    for name, (_, fmt, enc, order, country) in SOURCE_FILES.items():
        entry: dict[str, Any] = {"name": name, "path": rel(files[name]), "format": fmt}
        if enc:
            entry["encoding"] = enc
        if fmt == "xlsx":
            entry["sheet"] = XLSX_SHEET
        entry.update(date_order=order, default_country=country, id_column=ID_COLUMN[name], columns=dict(COLUMNS[name]))
        sources.append(entry)
    params = {
        "client": client,
        "deal": {
            "type": "merger",
            "seller": {"name": "远航文体用品有限公司", "contact": "privacy@seller.example"},
            "recipient": {"name": "启明体育集团有限公司", "contact": "dpo@buyer.example", "country": "CN"},
        },
        "sources": sources,
        "suppression": [{"path": rel(suppression), "encoding": "utf-8", "id_column": "请求编号", "request_column": "类型",
                         "columns": {"phone": "手机号码", "email": "电子邮箱", "id_number": "身份证号"}}],
        "policy": {"transfer_date": _dt.date.fromisoformat(TRANSFER_DATE), "retention_years": 3, "minors": "exclude"},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(params, allow_unicode=True, sort_keys=False, default_flow_style=False, width=120)
    path.write_text("# Rehearsal params written by `migration-kit synth` (synthetic data, no real person).\n" + text,
                    encoding="utf-8")
    return path
