"""Notebook views: what a notebook shows of the run, read no more than it shows."""
from __future__ import annotations

import pandas as pd
import pytest

from migration_kit import views
from migration_kit.errors import MigrationKitError
from migration_kit.linkage.review_widget import queue_summary, read_queue


@pytest.mark.parametrize("name,head", [("review_queue", 10), ("review_queue", 1), ("failure_counts", 3),
                                       ("quality_compare", None)])
def test_a_shown_head_is_the_head_of_the_whole_table(rehearsal_run, name, head):
    ctx, _ = rehearsal_run
    whole = ctx.run.read_table(name).round(3)
    shown = views.report_csv(ctx, name, head=head)
    expected = whole.head(head) if head else whole
    pd.testing.assert_frame_equal(shown.astype(str), expected.astype(str))


def test_roster_summary_counts_every_customer_by_channel_and_language(rehearsal_run):
    ctx, _ = rehearsal_run
    roster = ctx.run.read_table("roster")
    summary = views.roster_summary(ctx)
    assert list(summary.columns) == ["channel", "language", "customers"]
    assert summary["customers"].sum() == len(roster)
    expected = roster.groupby(["channel", "language"], dropna=False).size()
    assert summary.set_index(["channel", "language"])["customers"].to_dict() == expected.to_dict()


def test_views_refuse_personal_tables(rehearsal_run):
    ctx, _ = rehearsal_run
    with pytest.raises(MigrationKitError, match="views show only masked or aggregate"):
        views.report_csv(ctx, "std")


def test_queue_summary_reads_only_the_keys_and_requests(rehearsal_run, tmp_path):
    ctx, _ = rehearsal_run
    path = ctx.run.file("review_queue")
    queue = read_queue(path)
    summary = queue_summary(path, tmp_path / "none.csv")
    assert summary.pairs == len(queue) > 0
    assert summary.with_request == int(queue["request_on"].isin(["a", "b"]).sum())
    assert summary.decided == 0
    assert list(read_queue(path, columns=("source_a", "request_on", "no_such")).columns) == [
        "source_a", "request_on"]
