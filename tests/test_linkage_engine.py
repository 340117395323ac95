"""The linkage engine seam: link() reaches the work only through a LinkageEngine; engines are
looked up by name in the project's registry; the local engine reproduces the reference output."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from migration_kit.errors import ParamsError
from migration_kit.linkage import ENGINES, LinkageEngine, LinkageSpec, LocalEngine, link
from migration_kit.linkage import local as local_module
from migration_kit.linkage import pipeline as pipeline_module
from migration_kit.linkage.engine import (
    CandidatePairs,
    Clusters,
    ComparisonVectors,
    Scores,
    TrainedModel,
    get_engine,
)

SPEC = LinkageSpec.from_dict({"u_sample_size": 20000})
FAM = np.array(list("王李张刘陈杨黄赵吴周"), dtype=object)
GIVEN = np.array(list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"), dtype=object)
STAGES = ["index", "compare", "train", "predict", "cluster"]


def _table(n: int = 30, seed: int = 5) -> pd.DataFrame:
    """n people in 1-3 sources (second copy: no email; third: phone typo, no birth date); every
    fourth person is a relative of the previous row (same family name and phone)."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for p in range(n):
        fam, given = FAM[rng.integers(0, 10)], "".join(GIVEN[rng.integers(0, 20, 2)])
        phone = f"+86138{rng.integers(10**7, 10**8)}"
        if p % 4 == 3:
            fam, phone = rows[-1]["family_name"], rows[-1]["phone"]
        person = {
            "name_key": fam + given,
            "pinyin_key": fam + given,
            "family_name": fam,
            "given_name": given,
            "birth_date": f"{1950 + rng.integers(0, 50)}-0{rng.integers(1, 10)}-1{p % 10}",
            "phone": phone,
            "email": f"u{p}@qq.com",
            "city": ["北京市", "上海市", "广州市"][p % 3],
        }
        for k, source in enumerate(["pos", "web", "club"][: 1 + p % 3]):
            rec = dict(person, source=source, record_id=f"{source[0]}{p:03d}")
            if k == 1:
                rec["email"] = None
            if k == 2:
                rec["phone"] = phone[:-1] + str((int(phone[-1]) + 1) % 10)
                rec["birth_date"] = None
            rows.append(rec)
    df = pd.DataFrame(rows)
    df["birth_date"] = pd.to_datetime(df["birth_date"])
    return df


# Output of link(_table(), SPEC) before the engine seam (pipeline.py at the parent commit): the
# entity id number per row; per candidate pair ``i j rule gamma_<FROZEN_GAMMAS>... match_weight``;
# the counts (lambda apart), keys in order.
FROZEN_ENTITIES = (
    "11 12 12 1 1 1 13 14 14 2 2 2 15 16 16 3 3 3 17 18 18 4 4 4 19 20 20 5 5 5 "
    "21 22 22 6 6 6 23 24 24 7 7 7 25 26 26 8 8 8 27 28 28 9 9 9 29 30 30 10 10 10"
)
FROZEN_GAMMAS = ["name", "birth_date", "phone", "email", "id_number", "location", "gender"]
FROZEN_PAIRS = """
 1  2 phone                5  4  4 -1 -1  2 -1  24.412925
 3  4 phone                5  4  4 -1 -1  2 -1  23.827963
 3  5 email                5 -1  2  3 -1  2 -1  23.711369
 3  6 family_phone_prefix  0  0  2  1 -1  0 -1 -16.718067
 4  5 pinyin_city          5 -1  2 -1 -1  2 -1  13.459675
 4  6 family_phone_prefix  0  0  2 -1 -1  0 -1 -14.037284
 5  6 phone                0 -1  4  1 -1  0 -1 -12.762363
 7  8 phone                5  4  4 -1 -1  2 -1  24.412925
 9 10 phone                5  4  4 -1 -1  2 -1  23.827963
 9 11 email                5 -1  2  3 -1  2 -1  23.711369
10 11 pinyin_city          5 -1  2 -1 -1  2 -1  13.459675
12 13 phone                0  0  4  1 -1  0 -1 -17.328308
12 14 phone                0  0  4 -1 -1  0 -1 -14.647526
13 14 phone                5  4  4 -1 -1  2 -1  24.412925
15 16 phone                5  4  4 -1 -1  2 -1  23.827963
15 17 email                5 -1  2  3 -1  2 -1  23.711369
16 17 pinyin_city          5 -1  2 -1 -1  2 -1  13.459675
19 20 phone                5  4  4 -1 -1  2 -1  24.412925
19 21 phone                0  0  4  1 -1  0 -1 -17.328308
19 22 phone                0  0  4 -1 -1  0 -1 -14.647526
19 23 family_phone_prefix  0 -1  2  1 -1  0 -1 -12.152122
20 21 phone                0  0  4 -1 -1  0 -1 -14.647526
20 22 phone                0  0  4 -1 -1  0 -1 -14.647526
20 23 family_phone_prefix  0 -1  2 -1 -1  0 -1  -9.471339
21 22 phone                5  4  4 -1 -1  2 -1  23.827963
21 23 email                5 -1  2  3 -1  2 -1  23.711369
22 23 pinyin_city          5 -1  2 -1 -1  2 -1  13.459675
25 26 phone                5  4  4 -1 -1  2 -1  24.412925
27 28 phone                5  4  4 -1 -1  2 -1  23.827963
27 29 email                5 -1  2  3 -1  2 -1  23.711369
27 30 family_phone_prefix  0  0  2  1 -1  0 -1 -16.718067
28 29 pinyin_city          5 -1  2 -1 -1  2 -1  13.459675
28 30 family_phone_prefix  0  0  2 -1 -1  0 -1 -14.037284
29 30 phone                0 -1  4  1 -1  0 -1 -12.762363
31 32 phone                5  4  4 -1 -1  2 -1  24.412925
33 34 phone                5  4  4 -1 -1  2 -1  23.827963
33 35 email                5 -1  2  3 -1  2 -1  23.711369
34 35 pinyin_city          5 -1  2 -1 -1  2 -1  13.459675
36 37 phone                0  0  4  1 -1  0 -1 -17.328308
36 38 phone                0  0  4 -1 -1  0 -1 -14.647526
37 38 phone                5  4  4 -1 -1  2 -1  24.412925
39 40 phone                5  4  4 -1 -1  2 -1  23.827963
39 41 email                5 -1  2  3 -1  2 -1  23.711369
40 41 pinyin_city          5 -1  2 -1 -1  2 -1  13.459675
43 44 phone                5  4  4 -1 -1  2 -1  24.412925
43 45 phone                0  1  4  1 -1  0 -1 -12.885799
43 46 phone                0  1  4 -1 -1  0 -1 -10.205016
43 47 family_phone_prefix  0 -1  2  1 -1  0 -1 -12.152122
44 45 phone                0  1  4 -1 -1  0 -1 -10.205016
44 46 phone                0  1  4 -1 -1  0 -1 -10.205016
44 47 family_phone_prefix  0 -1  2 -1 -1  0 -1  -9.471339
45 46 phone                5  4  4 -1 -1  2 -1  23.827963
45 47 email                5 -1  2  3 -1  2 -1  23.711369
46 47 pinyin_city          5 -1  2 -1 -1  2 -1  13.459675
49 50 phone                5  4  4 -1 -1  2 -1  24.412925
51 52 phone                5  4  4 -1 -1  2 -1  23.827963
51 53 email                5 -1  2  3 -1  2 -1  23.711369
51 54 family_phone_prefix  0  0  2  1 -1  0 -1 -16.718067
52 53 pinyin_city          5 -1  2 -1 -1  2 -1  13.459675
52 54 family_phone_prefix  0  0  2 -1 -1  0 -1 -14.037284
53 54 phone                0 -1  4  1 -1  0 -1 -12.762363
55 56 phone                5  4  4 -1 -1  2 -1  24.412925
57 58 phone                5  4  4 -1 -1  2 -1  23.827963
57 59 email                5 -1  2  3 -1  2 -1  23.711369
58 59 pinyin_city          5 -1  2 -1 -1  2 -1  13.459675
"""
FROZEN_COUNTS = {
    "records": 60,
    "pairs_phone": 35,
    "pairs_email": 10,
    "pairs_id_number": 0,
    "pairs_name_dob": 0,
    "pairs_pinyin_dob": 0,
    "pairs_pinyin_city": 10,
    "pairs_name_phone_prefix": 0,
    "pairs_pinyin_phone_prefix": 0,
    "pairs_family_phone_last4": 0,
    "pairs_family_phone_prefix": 10,
    "pairs_pinyin_phone_last4": 0,
    "pairs_email_name_city": 0,
    "pairs_family_address": 0,
    "candidate_pairs": 65,
    "blocks_skipped": 0,
    "em_iterations": 5,
    "em_converged": True,
    "pairs_above_upper": 40,
    "pairs_review": 0,
    "entities": 30,
    "multi_record_entities": 20,
    "largest_entity": 3,
}


class RecordingEngine:
    """Wraps the local engine and records every method called, with what it received."""

    def __init__(self) -> None:
        self.inner = LocalEngine()
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def index(self, df: pd.DataFrame, spec: LinkageSpec) -> CandidatePairs:
        self.calls.append(("index", {"df": df}))
        return self.inner.index(df, spec)

    def compare(
        self, df: pd.DataFrame, spec: LinkageSpec, pairs: CandidatePairs, *, progress: bool = False
    ) -> ComparisonVectors:
        self.calls.append(("compare", {"pairs": pairs, "progress": progress}))
        return self.inner.compare(df, spec, pairs, progress=progress)

    def train(
        self, df: pd.DataFrame, spec: LinkageSpec, vectors: ComparisonVectors
    ) -> TrainedModel:
        self.calls.append(("train", {"vectors": vectors}))
        return self.inner.train(df, spec, vectors)

    def predict(
        self,
        df: pd.DataFrame,
        spec: LinkageSpec,
        pairs: CandidatePairs,
        vectors: ComparisonVectors,
        trained: TrainedModel,
    ) -> Scores:
        self.calls.append(("predict", {"pairs": pairs, "vectors": vectors, "trained": trained}))
        return self.inner.predict(df, spec, pairs, vectors, trained)

    def cluster(
        self,
        df: pd.DataFrame,
        spec: LinkageSpec,
        pairs: CandidatePairs,
        scores: Scores,
        *,
        forced: Any = None,
        forbidden: Any = None,
    ) -> Clusters:
        self.calls.append(
            (
                "cluster",
                {"pairs": pairs, "scores": scores, "forced": forced, "forbidden": forbidden},
            )
        )
        return self.inner.cluster(df, spec, pairs, scores, forced=forced, forbidden=forbidden)


class CannedEngine:
    """Returns stage results computed beforehand: link() must build its result from them alone."""

    def __init__(self, stages: dict[str, Any]) -> None:
        self.stages = stages

    def index(self, df: pd.DataFrame, spec: LinkageSpec) -> CandidatePairs:
        return self.stages["index"]

    def compare(
        self, df: pd.DataFrame, spec: LinkageSpec, pairs: CandidatePairs, *, progress: bool = False
    ) -> ComparisonVectors:
        return self.stages["compare"]

    def train(
        self, df: pd.DataFrame, spec: LinkageSpec, vectors: ComparisonVectors
    ) -> TrainedModel:
        return self.stages["train"]

    def predict(
        self,
        df: pd.DataFrame,
        spec: LinkageSpec,
        pairs: CandidatePairs,
        vectors: ComparisonVectors,
        trained: TrainedModel,
    ) -> Scores:
        return self.stages["predict"]

    def cluster(
        self,
        df: pd.DataFrame,
        spec: LinkageSpec,
        pairs: CandidatePairs,
        scores: Scores,
        *,
        forced: Any = None,
        forbidden: Any = None,
    ) -> Clusters:
        return self.stages["cluster"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return _table()


@pytest.fixture(scope="module")
def result(data):
    return link(data, SPEC)


def _assert_same(a, b) -> None:
    for name in ("entities", "pairs", "params", "blocking_report"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert list(a.counts.items()) == list(b.counts.items())
    assert list(a.timings) == list(b.timings)


def test_link_calls_each_stage_once_in_order(data, result):
    engine = RecordingEngine()
    assert isinstance(engine, LinkageEngine)
    _static: LinkageEngine = engine  # mypy: the stub satisfies the protocol
    res = link(data, SPEC, engine=engine)
    assert [name for name, _ in engine.calls] == STAGES
    _assert_same(res, result)
    seen = dict(engine.calls)
    # each stage receives the previous stages' results (not recomputed by link())
    assert seen["compare"]["pairs"] is seen["predict"]["pairs"] is seen["cluster"]["pairs"]
    assert seen["train"]["vectors"] is seen["predict"]["vectors"]
    assert res.model is seen["predict"]["trained"].model
    assert seen["cluster"]["forced"] is None and seen["cluster"]["forbidden"] is None
    assert len(seen["index"]["df"]) == len(data)


def test_review_decisions_reach_the_cluster_stage(data):
    dec = pd.DataFrame(
        [
            {
                "source_a": "pos",
                "record_id_a": "p001",
                "source_b": "web",
                "record_id_b": "w001",
                "decision": "non_match",
            },
            {
                "source_a": "pos",
                "record_id_a": "p000",
                "source_b": "pos",
                "record_id_b": "p003",
                "decision": "match",
            },
        ]
    )
    engine = RecordingEngine()
    res = link(data, SPEC, decisions=dec, engine=engine)
    cl = dict(engine.calls)["cluster"]
    assert [a.tolist() for a in cl["forced"]] == [[0], [6]]
    assert [a.tolist() for a in cl["forbidden"]] == [[1], [2]]
    ent = res.entities.set_index("record_id")["entity_id"]
    assert ent["p001"] != ent["w001"] and ent["p000"] == ent["p003"]
    assert res.pairs.loc[(res.pairs.i == 1) & (res.pairs.j == 2), "decision"].tolist() == [
        "non_match"
    ]


def test_link_uses_no_local_function_directly(data, result, monkeypatch):
    local = LocalEngine()
    df = data[[c for c in SPEC.used_columns() if c in data.columns]].reset_index(drop=True)
    pairs = local.index(df, SPEC)
    vectors = local.compare(df, SPEC, pairs)
    trained = local.train(df, SPEC, vectors)
    scores = local.predict(df, SPEC, pairs, vectors, trained)
    clusters = local.cluster(df, SPEC, pairs, scores)
    canned = {
        "index": pairs,
        "compare": vectors,
        "train": trained,
        "predict": scores,
        "cluster": clusters,
    }

    def boom(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("link() reached a local function past the engine")

    for name in (
        "block_pairs",
        "column_data",
        "compare_levels",
        "cluster_pairs",
        "entity_ids",
        "_random_pairs",
        "_nonmatch_u",
        "_score",
    ):
        monkeypatch.setattr(local_module, name, boom)
    for name in ("block_pairs", "column_data", "compare_levels", "cluster_pairs", "_score"):
        assert not hasattr(pipeline_module, name), name
    _assert_same(link(data, SPEC, engine=CannedEngine(canned)), result)
    # and the result is built from what the engine returned: other entity ids show up as given
    other = replace(clusters, entity_id=pd.Series(["E9999999"] * len(df), dtype=object))
    res = link(data, SPEC, engine=CannedEngine({**canned, "cluster": other}))
    assert set(res.entities["entity_id"]) == {"E9999999"}


def test_engines_registry():
    assert "local" in ENGINES
    assert ENGINES.names()[:2] == ["local", "spark"]
    assert isinstance(get_engine("local"), LocalEngine)
    assert type(get_engine("spark")).__name__ == "SparkEngine"  # built without starting Spark
    engine = LocalEngine()
    assert get_engine(engine) is engine
    with pytest.raises(ParamsError, match="allowed values: local, spark") as err:
        ENGINES.get("dask", where="engine")
    assert err.value.where == "engine"


def test_unknown_engine_name_lists_local(data):
    with pytest.raises(ParamsError, match=r"received 'dask'.*allowed values: local, spark") as err:
        link(data, SPEC, engine="dask")
    assert "link(engine=...)" in err.value.where
    with pytest.raises(ParamsError, match="did you mean 'local'"):
        link(data, SPEC, engine="locall")


def test_non_engine_rejected(data):
    with pytest.raises(ParamsError, match=r"expected an engine name .*local.* or an object"):
        link(data, SPEC, engine=object())


def test_local_engine_matches_frozen_output(result):
    assert " ".join(e[1:].lstrip("0") for e in result.entities["entity_id"]) == FROZEN_ENTITIES
    rows = [line.split() for line in FROZEN_PAIRS.strip().splitlines()]
    p = result.pairs
    assert p[["i", "j"]].to_numpy().tolist() == [[int(r[0]), int(r[1])] for r in rows]
    assert p["rule"].tolist() == [r[2] for r in rows]
    gammas = p[[f"gamma_{c}" for c in FROZEN_GAMMAS]].to_numpy().tolist()
    assert gammas == [[int(x) for x in r[3:10]] for r in rows]
    np.testing.assert_allclose(p["match_weight"], [float(r[10]) for r in rows], atol=2e-6)
    assert p["decision"].isna().all()
    counts = dict(result.counts)
    assert counts.pop("lambda") == pytest.approx(0.022600371841693136, rel=1e-9)
    assert list(counts.items()) == list(FROZEN_COUNTS.items())  # keys in the same order too
    assert list(result.timings) == ["index", "compare", "em", "score", "cluster"]


def test_package_exports():
    import migration_kit.linkage as lk
    from migration_kit.linkage import engine, local

    assert lk.LinkageEngine is engine.LinkageEngine
    assert lk.LocalEngine is local.LocalEngine
    assert lk.ENGINES is engine.ENGINES
    assert {"LinkageEngine", "LocalEngine", "ENGINES"} <= set(lk.__all__)
    assert pipeline_module.LinkageResult is lk.LinkageResult
    assert pipeline_module.entity_ids is lk.entity_ids
    assert pipeline_module.DECISION_COLUMNS == lk.DECISION_COLUMNS
