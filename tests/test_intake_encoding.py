"""Mis-encoded cells: what a wrong codec decodes without error is flagged, real text is not."""
from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.intake.encoding import is_gb_encoding, suspect_encoding


def _as_gbk(text: str, codec: str) -> str:
    """``text`` written in ``codec`` and read back as GBK (what intake sees in a GBK file)."""
    return text.encode(codec).decode("gbk")


CASES = [
    # (value as read, the file's codec, flagged)
    # every source: replacement characters, C1 controls, private use, UTF-8 read as Latin-1
    ("Jos\ufffd", "utf-8", True),
    ("M\x9fller", "utf-8", True),
    ("王\ue000", None, True),  # xlsx / Parquet: no codec, the same checks
    ("MÃ¼ller", "utf-8", True),
    ("donâ€™t", "utf-8", True),
    # ... and not ordinary accented Latin, Chinese, Japanese written correctly
    ("José Müller", "utf-8", False),
    ("Zoë Ångström", "utf-8", False),
    ("São Paulo", "utf-8", False),
    ("王伟", "utf-8", False),
    ("田中太郎", "utf-8", False),
    ("M黮ler", "utf-8", False),  # the GBK patterns apply to GBK files only
    # GBK files: bytes of another codec that GBK decodes without error
    ("傗杰偩伪尽偻", "gbk", True),  # Shift-JIS
    (_as_gbk("ご注文", "shift_jis"), "gb18030", True),
    (_as_gbk("すずき", "shift_jis"), "gb18030", True),
    ("M黮ler", "gbk", True),  # Latin-1 'Müller'
    (_as_gbk("Müller", "latin-1"), "gbk", True),
    (_as_gbk("Wohlgemutstraße 8", "latin-1"), "gb18030", True),
    (_as_gbk("Wähnerweg 50", "latin-1"), "gb18030", True),
    (_as_gbk("周军", "utf-8"), "gb18030", True),  # a UTF-8 row in a GBK file
    (_as_gbk("北京", "utf-8"), "gbk", True),
    (_as_gbk("王伟", "utf-8"), "gbk", True),
    (_as_gbk("广东深圳", "utf-8") + " 88", "gb18030", True),
    # ... and not real Chinese text, simplified or traditional, with rare characters of names
    ("王伟", "gbk", False),
    ("欧阳娜娜", "gb18030", False),
    ("張偉", "gbk", False),  # traditional: outside GB2312, inside GBK
    ("陳大文", "gb18030", False),
    ("鄔家瑋", "gb18030", False),  # traditional forms of GB2312 characters (邬, 玮)
    ("王喆", "gbk", False),  # one rare character of a name
    ("李堃", "gbk", False),
    ("朱镕基", "gbk", False),
    ("香港九龍深水埗福華街", "gb18030", False),
    ("鄠邑区", "gb18030", False),
    ("氹仔", "gb18030", False),
    ("北京市朝阳区建国路1号", "gbk", False),
    ("SOHO現代城", "gbk", False),  # a brand before a traditional character: no lowercase letter
    ("IFC國際金融中心", "gbk", False),
    ("路梅", "gb18030", False),  # its GBK bytes are valid UTF-8 ('·÷'), not UTF-8 of Chinese
    ("叶雪梅", "gb18030", False),
    ("John Smith", "gbk", False),
    ("", "gbk", False),
    (None, "gbk", False),
]


@pytest.mark.parametrize("value, codec, flagged", CASES)
def test_suspect_encoding(value, codec, flagged):
    assert suspect_encoding(pd.Series([value], dtype=object), codec).tolist() == [flagged]


def test_per_distinct_value_and_aligned():
    values = pd.Series(["王伟", "M黮ler", None, "王伟", "M黮ler"], index=[5, 6, 7, 8, 9], dtype=object)
    assert suspect_encoding(values, "gbk").tolist() == [False, True, False, False, True]


@pytest.mark.parametrize(
    "codec, gb",
    [("gbk", True), ("GB18030", True), ("gb_2312", True), ("cp936", True), ("utf-8", False),
     ("utf-8-sig", False), (None, False)],
)
def test_is_gb_encoding(codec, gb):
    assert is_gb_encoding(codec) is gb
