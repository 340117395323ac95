"""Charts: PNGs are written, deterministic byte for byte, and carry no software/timestamp metadata."""
from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.quality import QualitySpec, score
from migration_kit.quality.charts import plot_dimensions, plot_failures_by_source

STD = pd.DataFrame({"source": ["pos", "pos", "web"], "record_id": ["1", "2", "3"],
                    "raw__phone": ["138", "x", "139"], "phone": ["+8613800000001", None, "+8613800000001"]})
FAILS = pd.DataFrame([{"stage": "clean", "source": "pos", "record_id": "2", "field": "phone", "check": "phone",
                       "value_masked": "*", "reason_code": "PHONE_INVALID"},
                      {"stage": "clean", "source": "web", "record_id": "3", "field": "email", "check": "email",
                       "value_masked": "*", "reason_code": "EMAIL_SYNTAX"}])
GOLDEN = pd.DataFrame({"entity_id": ["E1", "E2"], "phone": ["+8613800000001", None]})


def _before_after():
    spec = QualitySpec.default()
    return (score(STD, spec, stage="before", reference_date=None, failures=FAILS),
            score(GOLDEN, spec, stage="after", reference_date=None))


CHARTS = [
    ("dimensions", lambda p: plot_dimensions(*_before_after(), p)),
    ("failures", lambda p: plot_failures_by_source(FAILS, p)),
    ("failures_from_scores", lambda p: plot_failures_by_source(_before_after()[0].by_source_check, p)),
    ("no_failures", lambda p: plot_failures_by_source(FAILS.iloc[:0], p)),
]


@pytest.mark.parametrize("name,draw", CHARTS, ids=[c[0] for c in CHARTS])
def test_chart_is_deterministic_png(tmp_path, name, draw):
    a = draw(tmp_path / "a" / f"{name}.png").read_bytes()
    b = draw(tmp_path / "b" / f"{name}.png").read_bytes()
    assert a[:8] == b"\x89PNG\r\n\x1a\n"
    assert a == b
    assert b"matplotlib" not in a.lower() and b"tIME" not in a
