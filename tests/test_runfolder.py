"""Run-folder tables: a CSV written through Arrow's writer has pandas' exact bytes, else pandas
writes it (runfolder.write_table)."""
from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.runfolder import _plain_text_csv, escape_formulas

CSV_CASES = [  # columns, whether Arrow's writer may write it
    ({"a": ["x", "", None, " sp ", "中文"], "b": ["1", "2", "3", "4", "5"]}, True),
    ({"a": [None, None], "b": [None, None]}, True),
    ({"a": ["a,b", "x"], "b": ["1", "2"]}, False),      # needs quotes
    ({"a": ['q"t', "x"], "b": ["1", "2"]}, False),
    ({"a": ["l\nb", "x"], "b": ["1", "2"]}, False),
    ({"a": ["=SUM(1)", "x"], "b": ["1", "2"]}, False),  # a formula start: pandas escapes it
    ({"a": ["-1", "x"], "b": ["1", "2"]}, False),
    ({"a": ["x", None]}, False),                         # one column: pandas quotes an empty cell
    ({"a": [1, 2], "b": ["x", "y"]}, False),             # numbers stay pandas'
    ({"a b": ["x"], "c,d": ["y"]}, False),               # a header that needs quotes
]


@pytest.mark.parametrize("columns,fast", CSV_CASES)
def test_arrow_csv_gives_pandas_bytes_or_leaves_it_to_pandas(tmp_path, columns, fast):
    df = pd.DataFrame(columns)
    wrote = _plain_text_csv(df, tmp_path / "arrow.csv")
    assert wrote is fast
    escape_formulas(df).to_csv(tmp_path / "pandas.csv", index=False, encoding="utf-8")
    if wrote:
        assert (tmp_path / "arrow.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
