"""Both parties of the committed rehearsal walked through the three steps (notebook 08)."""
from __future__ import annotations

import pytest

from migration_kit.overlap import steps
from migration_kit.overlap.estimate import SUBSET_NAMES
from tests.conftest import REPO

SELLER = REPO / "params" / "rehearsal.yaml"


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    parties = steps.rehearsal_parties(SELLER, runs_dir=tmp_path_factory.mktemp("runs"),
                                      run_id="nb")
    return parties, steps.request_step(parties), steps.answer_step(parties), \
        steps.result_step(parties)


def test_the_rehearsal_buyer_is_found_beside_the_seller(walked):
    parties = walked[0]
    assert parties.buyer is not None and parties.buyer.params.client == "rehearsal-buyer"
    assert parties.truth is not None and parties.truth.name == "overlap_truth.json"
    assert parties.buyer.run.run_id == parties.seller.run.run_id


def test_the_result_equals_the_committed_truth(walked):
    check = steps.truth_check(walked[0])
    assert len(check) == 5 and check["truth"].min() > 0
    assert check["difference"].tolist() == [0, 0, 0, 0, 0]


def test_what_each_step_reports(walked):
    parties, req, ans, table = walked
    assert {k for k in req if k != "customers"} == {f"buyer.{n}" for n in SUBSET_NAMES}
    assert ans["buyer_customers"] == req["customers"]
    assert table["buyer_set"].iloc[-1] == req["customers"]
    assert table["seller_set"].iloc[-1] == ans["customers"]
    assert steps.steps_table(parties)[["party", "step"]].values.tolist() == [
        ["buyer", "overlap_request"], ["seller", "overlap_answer"], ["buyer", "overlap_result"]]
    assert steps.parties_table(parties)["golden_customers"].tolist() == [
        ans["customers"], req["customers"]]


def test_a_client_without_a_buyer_set_skips(tmp_path):
    parties = steps.rehearsal_parties(REPO / "params" / "client_b.yaml", runs_dir=tmp_path)
    assert parties.buyer is None
    assert steps.request_step(parties) == steps.answer_step(parties) == {
        "skipped": "no buyer rehearsal set for this client"}
    assert steps.result_step(parties).empty and steps.truth_check(parties).empty


def test_a_result_without_a_request_is_refused(walked):
    from migration_kit.errors import OverlapMessageError

    seller = walked[0].seller
    with pytest.raises(OverlapMessageError, match="made no overlap request"):
        steps.result(seller, walked[0].answer_file)
