"""The handover report for people: rounded numbers, wrapped hashes, flags, the DPO summary,
exclusions that add up, a checklist in words (report/format, attention, exclusions, summary,
checklist, and the report of a real rehearsal run)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from migration_kit.params import Deal
from migration_kit.report import collect_facts, excluded_by_reason
from migration_kit.report.attention import drop_notes, gate_flags, gate_notes, quality_drops
from migration_kit.report.checklist import CHECKLIST, answer, evidence_keys
from migration_kit.report.exclusions import (
    exclusion_breakdown,
    is_exclusion_code,
    transfer_breakdown,
)
from migration_kit.report.format import (
    column_formatter,
    count,
    html_table,
    inline,
    is_hash,
    number,
    percent,
    signed,
)
from migration_kit.report.summary import SummaryFacts, dpo_summary, signoff_items

HASH = "619071af3c1afdf44355fc1cc0662ca6a36c8cccc4e774f1cf22781753368f79"


# -- format ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1810.0, None, "1,810"),
        (1.0, None, "1"),
        (90.02801869916424, 1, "90.0"),
        (90.02801869916424, None, "90.0"),
        (2643, None, "2,643"),
        ("1810.0", None, "1,810"),
        (-48.66, 1, "\u221248.7"),
        (-0.01, 1, "0.0"),
        (None, None, ""),
        (float("nan"), None, ""),
        ("n/a", None, "n/a"),
        (True, None, "True"),
    ],
)
def test_number(value, decimals, expected):
    assert number(value, decimals) == expected


@pytest.mark.parametrize(
    ("fn", "value", "expected"),
    [
        (percent, 0.90051, "90.1 %"),
        (percent, 1, "100.0 %"),
        (percent, "", ""),
        (signed, 4.778, "+4.8"),
        (signed, -48.66, "\u221248.7"),
        (signed, 0.0, "0.0"),
        (signed, 0.04, "0.0"),
    ],
)
def test_percent_and_signed(fn, value, expected):
    assert fn(value) == expected


@pytest.mark.parametrize(
    ("n", "words", "expected"),
    [
        (1, ("record",), "1 record"),
        (1.0, ("record",), "1 record"),
        (0, ("record",), "0 records"),
        (1810, ("record",), "1,810 records"),
        (2, ("customer", "customers kept"), "2 customers kept"),
    ],
)
def test_count_puts_the_noun_in_the_right_number(n, words, expected):
    assert count(n, *words) == expected


@pytest.mark.parametrize(
    ("column", "shown"),
    [
        ([1.0, 1810.0, None], ["1", "1,810", ""]),  # manifest rows as floats
        (["90.02801869916424", "", "100.0"], ["90.0", "", "100.0"]),  # a CSV column with blanks
        ([0.5, 0.25], ["0.500", "0.250"]),  # fractions keep 3 decimals
        ([True, False], ["yes", "no"]),
        (["True", "False"], ["yes", "no"]),
        (["pos", "web"], ["pos", "web"]),
    ],
)
def test_column_formatter_keeps_one_format_per_column(column, shown):
    f = column_formatter(pd.Series(column))
    assert [f(v) for v in column] == shown


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (HASH, True),
        ("sha256:" + HASH[:32], True),
        ("R000001", False),
        ("1810", False),
        (HASH.upper(), False),
    ],
)
def test_is_hash(value, expected):
    assert is_hash(value) is expected


def test_html_table_wraps_hashes_escapes_text_and_says_how_many_rows_it_shows():
    df = pd.DataFrame(
        {"name": ["<b>a</b>", "b", "c"], "rows": [1810.0, 2.0, None], "sha256": [HASH, HASH, ""]}
    )
    out = html_table(df, max_rows=2, row_classes=["flag", "", ""])
    assert f'<code class="hash" title="{HASH}">{HASH}</code>' in out
    assert "&lt;b&gt;a&lt;/b&gt;" in out and "<b>a</b>" not in out
    assert '<td class="num">1,810</td>' in out and "1810.0" not in out
    assert '<tr class="flag">' in out and out.count("<tr>") == 2  # header + the unflagged row
    assert "First 2 of 3 rows." in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("run `migration-kit purge` now", "run <code>migration-kit purge</code> now"),
        ("a <b> `x<y>`", "a &lt;b&gt; <code>x&lt;y&gt;</code>"),
        ("no code", "no code"),
    ],
)
def test_inline_renders_backticks_as_code(text, expected):
    assert inline(text) == expected


# -- attention ------------------------------------------------------------------------------------
COMPARE = pd.DataFrame(
    {
        "metric": [
            "overall",
            "completeness",
            "completeness.city",
            "city.not_null",
            "validity",
            "source.web",
        ],
        "level": ["overall", "dimension", "dimension.field", "check", "dimension", "source"],
        "before": ["90.0", "86.0", "97.3", "97.3", "99.0", ""],
        "after": ["89.0", "81.0", "48.6", "48.6", "100.0", "93.8"],
    }
)


def test_quality_drops_flag_falls_of_five_points_or_more():
    assert quality_drops(COMPARE).tolist() == [False, True, True, True, False, False]


def test_drop_notes_list_the_worst_first_and_leave_check_rows_to_the_table():
    notes = drop_notes(COMPARE)
    assert len(notes) == 2
    assert notes[0].startswith("<code>completeness.city</code> fell by 48.7 points")
    assert notes[1].startswith("<code>completeness</code> fell by 5.0 points")


@pytest.mark.parametrize(
    ("gate", "score", "threshold", "status", "flag"),
    [
        ("overall.after", 90.8, 90.0, "pass", "near"),
        ("overall.after", 92.0, 90.0, "pass", ""),
        ("overall.after", 92.0001, 90.0, "pass", ""),
        ("overall.after", 90.0, 90.0, "pass", "near"),
        ("overall.after", 80.0, 90.0, "fail", "fail"),
        ("overall.after", 80.0, 90.0, "overridden", "overridden"),
        ("fidelity.unexplained_losses", 0.0, 0.0, "pass", ""),
        ("fidelity.unexplained_losses", 3.0, 0.0, "fail", "fail"),
    ],
)
def test_gate_flags(gate, score, threshold, status, flag):
    gates = pd.DataFrame(
        {"gate": [gate], "score": [score], "threshold": [threshold], "status": [status]}
    )
    assert gate_flags(gates) == [flag]
    assert len(gate_notes(gates)) == (1 if flag else 0)


def test_an_overridden_gate_names_who_approved_and_why():
    gates = pd.DataFrame(
        {
            "gate": ["overall.after"],
            "score": [88.1],
            "threshold": [90.0],
            "status": ["overridden"],
            "override_reason": ["city blanks accepted"],
            "approved_by": ["Li <DPO>"],
        }
    )
    assert gate_notes(gates) == [
        "gate <code>overall.after</code> failed (88.1, limit 90.0) and was overridden by "
        "Li &lt;DPO&gt;: city blanks accepted"
    ]


# -- exclusions -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("codes", "first"),
    [
        (["ERASURE_REQUEST;RETENTION_EXPIRED"], "ERASURE_REQUEST"),
        (["RETENTION_EXPIRED;WITHDRAWN_CONSENT"], "WITHDRAWN_CONSENT"),
        (["HELD_AGE_UNKNOWN;MINOR_UNDER_14"], "MINOR_UNDER_14"),
        (
            ["HELD_AGE_UNKNOWN;EU_NOTICE_ART14"],
            "HELD_AGE_UNKNOWN",
        ),  # a flag code is no exclusion reason
        ([""], "(no reason code)"),
    ],
)
def test_each_excluded_record_is_counted_once_under_its_first_reason(codes, first):
    t = exclusion_breakdown(pd.DataFrame({"reason_codes": codes}))
    assert t["reason_code"].tolist() == [first] and t["records"].tolist() == [1]


def test_exclusion_breakdown_adds_up_and_counts_every_reason():
    log = pd.DataFrame(
        {
            "reason_codes": [
                "ERASURE_REQUEST;RETENTION_EXPIRED",
                "RETENTION_EXPIRED",
                "HELD_AGE_UNKNOWN",
                "HELD_AGE_UNKNOWN;RETENTION_EXPIRED",
            ],
            "destroyed": ["True", "True", "False", "True"],
        }
    )
    t = exclusion_breakdown(log).set_index("reason_code")
    assert int(t["records"].sum()) == len(log)
    assert t.loc["RETENTION_EXPIRED", ["records", "records_with_reason"]].tolist() == [2, 3]
    assert t.loc["HELD_AGE_UNKNOWN", ["records", "records_with_reason", "kept"]].tolist() == [
        1,
        2,
        1,
    ]


@pytest.mark.parametrize(
    ("code", "excludes"),
    [
        ("ERASURE_REQUEST", True),
        ("SHARE_SALE_NO_TRANSFER", True),
        ("HELD_NO_CONSENT", True),
        ("TRANSFER_PIPL_ART22", False),
        ("TRANSFER_PIPL_ART23_CONSENT", False),
        ("MERGED_DUPLICATE", False),
        ("NOTIFY_RECIPIENT", False),
    ],
)
def test_is_exclusion_code(code, excludes):
    assert is_exclusion_code(code) is excludes


@pytest.mark.parametrize(
    ("deal", "code", "words"),
    [
        ("merger", "TRANSFER_PIPL_ART22", "PIPL Art. 22 (merger)"),
        ("bankruptcy", "TRANSFER_PIPL_ART22", "PIPL Art. 22 (declared bankruptcy)"),
        ("asset_sale", "TRANSFER_PIPL_ART23_CONSENT", "separate consent on record"),
        ("asset_sale", "TRANSFER_BUSINESS_TRANSFER_GBT35273_9_3", "GB/T 35273-2020 s. 9.3"),
    ],
)
def test_transfer_breakdown_keeps_transfer_and_merge_codes_apart(deal, code, words):
    by = pd.DataFrame(
        {"reason_code": ["ERASURE_REQUEST", "MERGED_DUPLICATE", code], "count": [3, 5, 9]}
    )
    t = transfer_breakdown(by, deal)
    assert t["reason_code"].tolist() == [code, "MERGED_DUPLICATE"]
    assert words in t["meaning"].iat[0]


# -- checklist ------------------------------------------------------------------------------------
def test_checklist_evidence_is_a_sentence_with_its_figure():
    facts = {
        "classified_columns": 46,
        "failures": 1810.0,
        "gates": 4,
        "gates_passed": 4,
        "review_pairs": 10,
        "decisions": 0,
    }
    rows = {r["section"]: r["evidence"] for r in answer(facts)}
    assert rows["一"] == "46 source columns classified (classification.csv)"
    assert rows["三"].startswith("1,810 values failed a check")
    assert (
        rows["十六"]
        == "4 of 4 quality gates passed; 10 uncertain pairs sent to clerical review, 0 decided"
    )
    assert rows["十二"] == "organisational: confirm at sign-off"


def test_every_checklist_figure_is_a_fact_the_report_collects(rehearsal_run):
    ctx, _ = rehearsal_run
    facts = collect_facts(ctx.run)
    missing = {k for item in CHECKLIST for k in evidence_keys(item)} - set(facts)
    assert missing == set()
    assert all("n/a" not in r["evidence"] for r in answer(facts)), answer(facts)


# -- summary --------------------------------------------------------------------------------------
DEAL = Deal.from_dict(
    {
        "type": "merger",
        "seller": {"name": "S <Ltd>", "contact": "s@example.com"},
        "recipient": {"name": "R", "contact": "r@example.com", "country": "CN"},
    }
)


def test_dpo_summary_tells_the_deal_the_balance_and_what_needs_signing():
    excluded = exclusion_breakdown(
        pd.DataFrame(
            {
                "reason_codes": ["ERASURE_REQUEST", "HELD_AGE_UNKNOWN"],
                "destroyed": ["True", "False"],
            }
        )
    )
    requests = pd.DataFrame(
        {
            "request_id": ["R1", "R2"],
            "request_type": ["erasure", "erasure"],
            "status": ["matched", "overridden"],
            "records": [1, 0],
        }
    )
    gates = pd.DataFrame(
        {"gate": ["overall.after"], "score": [90.5], "threshold": [90.0], "status": ["pass"]}
    )
    f = SummaryFacts(
        recon={"input": 10, "transferred": 6, "merged": 2, "excluded": 2},
        deal=DEAL,
        excluded=excluded,
        requests=requests,
        gates=gates,
        gate_flags=gate_flags(gates),
        attention=gate_notes(gates),
        review_pairs=3,
        cross={
            "cross_border": True,
            "individuals_leaving_cn": 4,
            "pipl_mechanism": "standard_contract",
            "pipl_reference": None,
            "eea_individuals": 2,
            "gdpr_notice_due_by": "2026-12-31",
        },
    )
    out = dpo_summary(f)
    assert "S &lt;Ltd&gt;" in out and "PIPL Art. 22 (merger)" in out
    assert "10 input records = 6 transferred + 2 merged + 2 excluded" in out and "adds up" in out
    assert "Needs attention" in out and "passed by only 0.5 points" in out
    assert "1 of 2 erasure requests honoured" in out
    assert "none on record" in out  # a mechanism that needs a filing, without its reference
    signs = signoff_items(f)
    assert "3 uncertain duplicate pairs in clerical review (0 decided)" in signs
    assert "1 excluded record kept by the seller" in signs
    assert "the cross-border filing or approval (no reference on record)" in signs


def test_dpo_summary_says_when_the_balance_does_not_add_up():
    out = dpo_summary(
        SummaryFacts(recon={"input": 10, "transferred": 6, "merged": 2, "excluded": 1})
    )
    assert "does not add up: the three make 9" in out and "Nothing flagged" in out


# -- the report of a real run ---------------------------------------------------------------------
def _section(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end)]


@pytest.fixture(scope="module")
def report_html(rehearsal_run) -> str:
    ctx, _ = rehearsal_run
    return ctx.run.path("report.html").read_text(encoding="utf-8")


def _text(html: str) -> str:
    html = re.sub(r'src="data:image/png;base64,[^"]*"', "", html)
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_exclusions_add_up_to_the_headline(rehearsal_run, report_html):
    ctx, _ = rehearsal_run
    recon = ctx.run.read_json("reconciliation")
    table = excluded_by_reason(ctx.run)
    assert int(table["records"].sum()) == recon["excluded"] > 0
    assert not table["reason_code"].str.startswith("TRANSFER_").any()
    assert "MERGED_DUPLICATE" not in set(table["reason_code"])
    section = _section(
        report_html, "<h2>6. Exclusions by reason</h2>", "<h3>Transferred and merged"
    )
    assert f"The rows add up to the headline: {number(recon['excluded'])} excluded." in section
    assert "TRANSFER_" not in section and "MERGED_DUPLICATE" not in section


def test_the_report_has_no_float_noise(report_html):
    text = _text(report_html)
    assert re.findall(r"\d\.\d{4,}", text) == []
    manifest = _text(_section(report_html, "<h2>10. Handover manifest</h2>", "<h2>11."))
    assert re.findall(r"\b\d+\.0\b", manifest) == []
    assert re.search(r"\b\d{1,3},\d{3}\b", manifest)  # row counts and bytes are grouped


def test_every_hash_in_a_table_is_wrapped(report_html):
    cells = re.findall(r"<td>([^<]*)</td>", report_html)
    assert [c for c in cells if re.fullmatch(r"[0-9a-f]{64}", c)] == []
    assert report_html.count('<code class="hash"') >= 4


def test_the_summary_comes_first_and_the_checklist_reads_as_words(report_html):
    assert report_html.index("Summary for the data protection officer") < report_html.index(
        "<h2>1. Deal"
    )
    checklist = _section(report_html, "<h2>11. Sign-off checklist", "<h2>12.")
    assert "`" not in checklist and "<code>migration-kit purge</code>" in checklist
    evidence = re.findall(
        r"<tr><td>[^<]*</td><td>.*?</td><td>.*?</td><td>(.*?)</td></tr>", checklist
    )
    assert len(evidence) == len(CHECKLIST)
    assert all(re.search(r"[a-z]{3}", e) for e in evidence), evidence
    assert not [e for e in evidence if re.fullmatch(r"[\d.,\s]+", e)]
