"""The pair card: every compared field side by side (masked), the level and weight bar of each
comparison, escaped; a rendered page screenshotted in headless Chromium (kept in test-artifacts/)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from migration_kit.linkage.review_card import (
    KEY_HELP,
    card_document,
    comparisons_of,
    pair_card_html,
    pair_card_text,
)

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"

# a row as the rehearsal's review queue holds it (values already masked by review_queue)
ROW = {
    "pair_id": "778eccfa1b0c3d7c", "source_a": "pos", "record_id_a": "M10001145", "source_b": "web",
    "record_id_b": "WU3000400", "request_on": "b", "match_probability": "0.9006", "match_weight": "3.18",
    "name_a": "宋**", "name_b": "宋*", "phone_a": "153****1150", "phone_b": "153****1150",
    "email_a": "", "email_b": "6***@qq.com", "id_number_a": "310104********7327", "id_number_b": "",
    "birth_year_a": "1988", "birth_year_b": "", "gender_a": "F", "gender_b": "",
    "address_a": "", "address_b": "上********", "postcode_a": "", "postcode_b": "2*****",
    "district_a": "", "district_b": "徐汇区", "city_a": "上海市", "city_b": "上海市",
    "country_a": "CN", "country_b": "CN", "organization_a": "", "organization_b": "",
    "level_name": "else", "w_name": "-6.14", "level_birth_date": "", "w_birth_date": "0.0",
    "level_phone": "exact", "w_phone": "17.12", "level_email": "", "w_email": "0.0",
    "level_id_number": "", "w_id_number": "0.0", "level_location": "city", "w_location": "4.38",
    "level_gender": "", "w_gender": "0.0", "decision": "",
}


def _cells(html: str) -> list[str]:
    """The text of every table cell, tags stripped."""
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)]


def test_card_shows_position_request_and_probability():
    html = pair_card_html(ROW, position=3, total=1533, decided_count=2, band=(0.5, 0.95))
    for text in ("Pair 3 of 1,533", "2 decided", "withdrawal or erasure request on record B",
                 "match probability <b>0.90</b> · review band 0.50–0.95", "undecided"):
        assert text in html


def test_card_has_one_row_per_comparison_with_both_values_and_its_level():
    cells = _cells(pair_card_html(ROW, position=1, total=1))
    rows = [cells[i:i + 5] for i in range(0, len(cells), 5)]
    by_name = {r[0]: r for r in rows}
    assert comparisons_of(list(ROW)) == ["name", "birth_date", "phone", "email", "id_number", "location",
                                         "gender"]
    assert [r[0] for r in rows[:7]] == ["name", "birth date", "phone", "email", "id number", "location",
                                        "gender"]
    assert by_name["name"][:4] == ["name", "else", "宋**", "宋*"]
    assert by_name["phone"][:4] == ["phone", "exact", "153****1150", "153****1150"]
    assert by_name["email"][1:4] == ["missing value", "—", "6***@qq.com"]
    # the location comparison shows all its fields, labelled, on both sides
    assert by_name["location"][3] == "Address 上******** Postcode 2***** District 徐汇区 City 上海市 Country CN"
    assert by_name["phone"][4] == "+17.1" and by_name["name"][4] == "-6.1"
    assert rows[-1][0] == "model" and "total weight +3.2 → p = 0.90" in rows[-1][3]
    assert rows[-1][4] == "-12.2"  # prior and term-frequency adjustment: the rest of the total


@pytest.mark.parametrize("weight, scale, width, side", [
    ("17.12", 20.0, "42.8%", "left:50%"),               # for a match: right of the middle, green
    ("-6.14", 20.0, "15.3%", "left:calc(50% - 15.3%)"),  # against: left of the middle
    ("40", 20.0, "50.0%", "left:50%"),                   # capped at the scale
])
def test_weight_bars_are_scaled_and_diverge_from_the_middle(weight, scale, width, side):
    html = pair_card_html({**ROW, "w_phone": weight}, position=1, total=1, scale=scale)
    assert f"{side};width:{width};" in html


@pytest.mark.parametrize("decided, chip", [("match", ">match<"), ("non_match", ">non-match<"), ("", ">undecided<")])
def test_card_shows_the_saved_decision(decided, chip):
    assert chip in pair_card_html(ROW, position=1, total=1, decided=decided)


def test_card_escapes_every_value():
    html = pair_card_html({**ROW, "name_a": "<script>x</script>", "record_id_b": "\"&'"},
                          position=1, total=1, note="<i>")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&quot;&amp;&#x27;" in html
    assert "<i>" not in html


def test_fields_no_comparison_uses_are_shown_as_not_compared():
    cells = _cells(pair_card_html({**ROW, "organization_a": "北*****"}, position=1, total=1))
    i = cells.index("Organization")
    assert cells[i:i + 3] == ["Organization", "not compared", "北*****"]


def test_text_card_for_the_terminal():
    lines = pair_card_text(ROW, position=1, total=2, decided="non_match").splitlines()
    assert lines[0] == ("Pair 1 of 2 · withdrawal or erasure request on record B · p=0.90 · weight +3.2 · "
                        "non-match")
    phone = next(line for line in lines if line.split()[0] == "phone")
    assert phone.split() == ["phone", "exact", "153****1150", "153****1150", "+17.1"]
    location = next(line for line in lines if line.split()[0] == "location")
    assert "上******** / 2***** / 徐汇区 / 上海市 / CN" in location


def test_keys_are_listed_on_the_card():
    html = pair_card_html(ROW, position=1, total=1)
    for key, what in KEY_HELP:
        assert f">{key}</kbd> {what}" in html


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no /usr/bin/chromium here")
def test_card_page_screenshot(tmp_path):
    cards = [pair_card_html(ROW, position=1, total=1533, decided_count=0, scale=20.0, band=(0.5, 0.95)),
             pair_card_html({**ROW, "request_on": "", "match_probability": "0.9470", "match_weight": "4.16",
                             "level_gender": "exact", "w_gender": "0.98", "gender_b": "F"},
                            position=2, total=1533, decided="non_match", decided_count=1, scale=20.0,
                            band=(0.5, 0.95), note="pair 1: non-match, saved to rehearsal.csv")]
    page = tmp_path / "review_card.html"
    page.write_text(card_document('<div style="height:16px"></div>'.join(cards)), encoding="utf-8")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "review_card.png"
    shot.unlink(missing_ok=True)
    profile = tmp_path / "profile"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", f"--screenshot={shot}", "--window-size=1280,900",
                    page.as_uri()], check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000
    shutil.copy(page, ARTIFACTS / "review_card.html")
