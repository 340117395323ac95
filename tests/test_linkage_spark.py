"""The Spark engine in local mode (local[2]): the local engine's results, stage by stage.

Skipped only where pyspark or Java is missing (.ci/run installs Java when it is). One SparkSession
for the whole file (4 shuffle partitions, no UI).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):  # pragma: no cover - CI installs it
    pytest.skip(
        "the Spark engine needs Java (apt-get install default-jre-headless)",
        allow_module_level=True,
    )

from migration_kit.cli import main
from migration_kit.errors import LinkageError, ParamsError
from migration_kit.linkage.blocking import block_pairs
from migration_kit.linkage.cluster import cluster_pairs
from migration_kit.linkage.metrics import pairwise_metrics
from migration_kit.linkage.model import FellegiSunter
from migration_kit.linkage.section import LinkageSection
from migration_kit.linkage.spark import SparkEngine, resolve_master
from migration_kit.linkage.spark.cluster import connected_components, spark_cluster
from migration_kit.linkage.spark.em import order_patterns, pattern_counts
from migration_kit.linkage.spark.index import spark_block_pairs
from migration_kit.linkage.spark.session import get_session
from migration_kit.linkage.spec import BlockingRule, ConflictRule

REPO = Path(__file__).resolve().parents[1]
PARAMS = REPO / "params" / "rehearsal.yaml"
TRUTH = REPO / "synthetic_data" / "rehearsal" / "truth.csv"
#: Tables of the run folder that must not depend on the engine.
SAME_TABLES = ["entities", "golden", "pairs", "match_parameters", "blocking_report", "review_queue"]


@pytest.fixture(scope="session")
def spark():
    session = get_session("local[2]", {"spark.sql.shuffle.partitions": "4"})
    yield session
    session.stop()


def _dedupe(tmp: Path, engine: str) -> Path:
    out = tmp / f"{engine}.csv"
    code = main(
        [
            "dedupe",
            str(PARAMS),
            "--out",
            str(out),
            "--runs-dir",
            str(tmp),
            "--run-id",
            engine,
            "--engine",
            engine,
        ]
    )
    assert code == 0
    return tmp / "rehearsal" / engine


@pytest.fixture(scope="session")
def runs(spark, tmp_path_factory):
    """The rehearsal set deduplicated by `migration-kit dedupe --engine local|spark`."""
    tmp = tmp_path_factory.mktemp("spark_runs")
    return {engine: _dedupe(tmp, engine) for engine in ("local", "spark")}


def _table(run: Path, name: str) -> pd.DataFrame:
    from migration_kit.artifacts import ARTIFACTS

    return (
        pd.read_parquet(run / ARTIFACTS[name].path)
        if ARTIFACTS[name].path.endswith(".parquet")
        else pd.read_csv(run / ARTIFACTS[name].path, dtype=str, keep_default_na=False)
    )


def test_spark_gives_the_local_engines_entities_on_the_rehearsal_set(runs, record_property):
    local = pd.read_csv(runs["local"].parent.parent / "local.csv", dtype=str)
    spark = pd.read_csv(runs["local"].parent.parent / "spark.csv", dtype=str)
    truth = pd.read_csv(TRUTH, dtype=str, keep_default_na=False)
    key = ["source", "record_id"]
    both = local.merge(spark, on=key, suffixes=("_local", "_spark")).merge(
        truth[[*key, "entity_id"]], on=key
    )
    assert len(both) == len(local) == len(spark)
    between = pairwise_metrics(both["entity_id_spark"], both["entity_id_local"])
    vs_truth = {
        e: pairwise_metrics(both[f"entity_id_{e}"], both["entity_id"])["f1"]
        for e in ("local", "spark")
    }
    record_property("f1_between", between["f1"])
    record_property("f1_truth", vs_truth)
    assert between["f1"] >= 0.999
    assert abs(vs_truth["spark"] - vs_truth["local"]) <= 0.001
    assert vs_truth["local"] > 0.9  # the linkage worked at all


@pytest.mark.parametrize("name", SAME_TABLES)
def test_the_run_folder_tables_do_not_depend_on_the_engine(runs, name):
    local, spark = _table(runs["local"], name), _table(runs["spark"], name)
    pd.testing.assert_frame_equal(spark, local)


def test_the_run_folders_hold_the_same_files_and_the_same_plan(runs):
    def files(run: Path) -> set[str]:
        return {p.relative_to(run).as_posix() for p in run.rglob("*") if p.is_file()}

    assert files(runs["spark"]) == files(runs["local"])
    plan = "reports/linkage_plan.yaml"
    assert (runs["spark"] / plan).read_text() == (runs["local"] / plan).read_text()


def _levels(seed: int, n: int, n_levels: list[int]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    match = rng.random(n) < 0.3
    cols = []
    for k in n_levels:
        good = rng.integers(0, k, n) if k > 1 else np.zeros(n, int)
        best = np.where(rng.random(n) < 0.85, k - 1, good)
        col = np.where(match, best, rng.integers(0, k, n))
        cols.append(np.where(rng.random(n) < 0.1, -1, col))
    return np.stack(cols, axis=1).astype(np.int8)


EM_CASES = [
    # (seed, pairs, levels per comparison, neutral levels per comparison)
    (1, 5000, [2, 3, 4], None),
    (2, 20000, [3, 3, 2, 5], [[], [1], [], []]),
    (3, 800, [2], None),
]


@pytest.mark.parametrize("seed,n,n_levels,neutral", EM_CASES)
def test_em_from_counts_on_spark_equals_em_from_the_pairs(spark, seed, n, n_levels, neutral):
    levels = _levels(seed, n, n_levels)
    names = [f"g{c}" for c in range(len(n_levels))]
    frame = spark.createDataFrame(pd.DataFrame(levels, columns=names))
    pats, counts = order_patterns(pattern_counts(frame, names), n_levels)
    assert counts.sum() == n and len(pats) < n
    u0 = [np.full(k, 1.0 / k) for k in n_levels]
    a = FellegiSunter(n_levels, neutral=neutral).fit(levels, u_init=u0)
    b = FellegiSunter(n_levels, neutral=neutral).fit_counts(pats, counts, u_init=u0)
    assert (a.n_iter, a.lam) == (b.n_iter, b.lam)
    for x, y in zip(a.m + a.u, b.m + b.u, strict=True):
        np.testing.assert_array_equal(x, y)


def test_em_from_counts_equals_em_from_pairs_on_the_rehearsal_pairs(runs, spark):
    pairs = _table(runs["spark"], "pairs")
    gammas = [c for c in pairs.columns if c.startswith("gamma_")]
    levels = pairs[gammas].to_numpy(np.int8)
    n_levels = [int(max(levels[:, c].max(), 1)) + 1 for c in range(len(gammas))]
    frame = spark.createDataFrame(pairs[gammas])
    pats, counts = order_patterns(pattern_counts(frame, gammas), n_levels)
    a = FellegiSunter(n_levels).fit(levels)
    b = FellegiSunter(n_levels).fit_counts(pats, counts)
    assert a.n_iter == b.n_iter and a.lam == b.lam
    assert all(np.array_equal(x, y) for x, y in zip(a.m + a.u, b.m + b.u, strict=True))


def _brute_components(nodes: set[int], edges: list[tuple[int, int]]) -> dict[int, int]:
    """Smallest node of each node's component, by repeated relaxation (no cleverness)."""
    root = {v: v for v in nodes}
    changed = True
    while changed:
        changed = False
        for a, b in (e for e in edges if e[0] != e[1]):  # a self loop joins nothing
            m = min(root[a], root[b])
            if root[a] != m or root[b] != m:
                root[a] = root[b] = m
                changed = True
    return root


def _random_edges(seed: int, n: int, m: int) -> list[tuple[int, int]]:
    rng = np.random.default_rng(seed)
    return [(int(a), int(b)) for a, b in rng.integers(0, n, (m, 2))]


CC_CASES = {
    "one edge": [(3, 7)],
    "path in reverse order": [(k, k + 1) for k in range(30, 0, -1)],
    "star on a large node": [(100, k) for k in range(5)],
    "cycle": [(0, 1), (1, 2), (2, 3), (3, 0)],
    "two components and a self loop": [(1, 2), (5, 6), (6, 9), (4, 4), (2, 3)],
    "repeated and reversed edges": [(2, 1), (1, 2), (8, 2), (2, 8)],
    "random sparse": _random_edges(7, 200, 150),
    "random dense": _random_edges(8, 60, 300),
}


@pytest.mark.parametrize("edges", CC_CASES.values(), ids=CC_CASES.keys())
def test_connected_components_match_a_brute_force(spark, edges):
    frame = spark.createDataFrame(pd.DataFrame(edges, columns=["u", "v"]), "u long, v long")
    got = connected_components(spark, frame).toPandas()
    nodes = {x for a, b in edges if a != b for x in (a, b)}
    want = _brute_components(nodes, edges)
    assert dict(zip(got["node"].tolist(), got["root"].tolist(), strict=True)) == {
        v: want[v] for v in nodes
    }


# rows: 0 parent 1965, 1 child 1995 (same phone), 2 bridge (no dob), 3 stranger, 4-5 twins by id
CLUSTER_STD = pd.DataFrame(
    {
        "birth_date": pd.to_datetime(
            ["1965-03-01", "1995-07-12", None, "1980-01-01", "1990-01-01", "1990-01-01"]
        ),
        "id_number": [None, None, None, None, "110101199001010011", "110101199001010022"],
        "full_name": [
            "zhang jianguo",
            "zhang xiaoming",
            "zhang jianguo",
            "li na",
            "wang wei",
            "wang wei",
        ],
    }
)
CLUSTER_CASES = [
    # (edges (i, j, p), forced, forbidden)
    ([(0, 2, 0.99), (1, 2, 0.97)], [], []),  # the bridge joins the stronger side
    ([(1, 2, 0.99), (0, 2, 0.97)], [], []),
    ([(0, 1, 0.999)], [], []),  # a direct conflicting edge
    ([(0, 2, 0.99), (2, 3, 0.98), (1, 3, 0.97)], [], []),
    ([(4, 5, 0.99), (3, 4, 0.98)], [], []),  # id numbers differ
    ([(0, 2, 0.99), (2, 3, 0.98)], [], [(0, 3)]),  # a non_match keeps 0 and 3 apart
    ([(0, 3, 0.90)], [(0, 3)], []),  # a forced match below the threshold
    ([(0, 2, 0.99), (2, 3, 0.98), (3, 5, 0.97)], [(1, 2)], [(4, 5)]),
]


@pytest.mark.parametrize("edges,forced,forbidden", CLUSTER_CASES)
def test_spark_clusters_are_the_local_clusters(spark, edges, forced, forbidden):
    i, j, p = (np.array(x) for x in zip(*edges, strict=True))
    conflicts = ("id_number", "birth_date", ConflictRule("full_name", "full_name", "differ"))

    def as_pairs(x):
        return (
            (np.array([a for a, _ in x], np.int64), np.array([b for _, b in x], np.int64))
            if x
            else None
        )

    want = cluster_pairs(
        CLUSTER_STD, i, j, p, 0.95, conflicts, as_pairs(forced), as_pairs(forbidden)
    )
    got = spark_cluster(
        spark, CLUSTER_STD, i, j, p, 0.95, conflicts, as_pairs(forced), as_pairs(forbidden)
    )
    assert got.tolist() == want.tolist()


ORDER_CASES = [
    # names of records 0, 1, 2; the edge is (1, 2): the table's first value decides the verdict
    (["li juan yu", "li yujuan", "li juan yu"], [0, 1, 2]),
    (["li yujuan", "li juan yu", "li yujuan"], [0, 1, 1]),
]


@pytest.mark.parametrize("names,expected", ORDER_CASES)
def test_name_conflicts_follow_the_whole_tables_value_order(spark, names, expected):
    std = pd.DataFrame({"pinyin_key": names})
    rule = (ConflictRule("names", "pinyin_key", "tokens_differ", threshold=0.8),)
    i, j, p = np.array([1]), np.array([2]), np.array([0.99])
    assert cluster_pairs(std, i, j, p, 0.95, rule).tolist() == expected
    assert spark_cluster(spark, std, i, j, p, 0.95, rule).tolist() == expected


def _random_case(seed: int, n: int = 60, m: int = 90):
    """Records with a few birth dates (some unknown), random scored edges, non_match pairs."""
    rng = np.random.default_rng(seed)
    dob = pd.Series(
        pd.to_datetime("1960-01-01") + pd.to_timedelta(rng.integers(0, 3, n) * 3650, unit="D")
    )
    std = pd.DataFrame({"birth_date": dob.where(rng.random(n) > 0.4), "id_number": [None] * n})
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = a != b
    i, j = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    p = np.round(rng.uniform(0.9, 1.0, len(i)), 3)
    pick = rng.choice(len(i), 3, replace=False)  # reviewer non_match pairs (no forced ones)
    return std, i, j, p, (i[pick], j[pick])


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_spark_clusters_are_the_local_clusters_on_random_graphs(spark, seed):
    std, i, j, p, forbidden = _random_case(seed)
    want = cluster_pairs(std, i, j, p, 0.95, ("birth_date",), None, forbidden).tolist()
    got = spark_cluster(spark, std, i, j, p, 0.95, ("birth_date",), None, forbidden)
    assert got.tolist() == want
    assert len(set(want)) < len(want) - 3  # the graph did merge records


@pytest.mark.parametrize(
    "forced,forbidden",
    [
        ([(0, 2)], [(0, 2)]),  # one pair both match and non_match
        ([(0, 2), (2, 3)], [(0, 3)]),  # matches that would join a non_match pair
    ],
)
def test_contradicting_decisions_are_refused(spark, forced, forbidden):
    def as_pairs(x):
        return np.array([a for a, _ in x], np.int64), np.array([b for _, b in x], np.int64)

    i, j, p = np.array([0]), np.array([2]), np.array([0.99])
    with pytest.raises(LinkageError, match="non_match"):
        spark_cluster(spark, CLUSTER_STD, i, j, p, 0.95, (), as_pairs(forced), as_pairs(forbidden))


BLOCK_DF = pd.DataFrame(
    {
        "source": ["pos", "web", "pos", "web", "club", "pos", "web", "club"],
        "phone": ["+8613800000001"] * 4
        + ["+8613800000002", "+8613800000002", None, "+8613900000002"],
        "birth_date": pd.to_datetime(
            [
                "1990-01-01",
                "1990-01-01",
                "1991-01-01",
                None,
                "1990-01-01",
                "1990-02-02",
                "1990-02-02",
                "1990-02-02",
            ]
        ),
        "email": [
            "liuzhiying@qq.com",
            None,
            "a@x.cn",
            "zhiying.liu@163.com",
            None,
            None,
            "wangwei88@qq.com",
            None,
        ],
        "pinyin_key": [
            "liu zhiying",
            "zhiying liu",
            "liu zhiying",
            None,
            "wang wei",
            "wei wang",
            "wang wei",
            "li na",
        ],
        "address": [
            "melrose drive 1",
            "melrose rdive 1",
            "oak st",
            "oak street",
            None,
            "elm 2",
            "elm 3",
            "elm 22",
        ],
    }
)
BLOCK_CASES = {
    "one key": ([BlockingRule("phone", ("phone",))], "dedupe_and_link", 200),
    "two keys and a transform": (
        [BlockingRule("p4y", ("phone:last4", "birth_date:year"))],
        "dedupe_and_link",
        200,
    ),
    "oversized block reported": (
        [BlockingRule("phone", ("phone",), max_block_size=3), BlockingRule("dob", ("birth_date",))],
        "dedupe_and_link",
        2,
    ),
    "sorted neighbourhood": (
        [
            BlockingRule("sn", ("address",), window=3),
            BlockingRule("sn2", ("pinyin_key", "address"), window=2),
        ],
        "dedupe_and_link",
        200,
    ),
    "email spells the name": (
        [
            BlockingRule(
                "en",
                ("email:local_letters",),
                cross_keys=(("pinyin_key:concat",), ("pinyin_key:rconcat",)),
            )
        ],
        "dedupe_and_link",
        200,
    ),
    "link only, first rule wins": (
        [
            BlockingRule("dob", ("birth_date",)),
            BlockingRule("phone", ("phone",)),
            BlockingRule("name", ("pinyin_key",)),
        ],
        "link_only",
        200,
    ),
}


@pytest.mark.parametrize("rules,link_type,cap", BLOCK_CASES.values(), ids=BLOCK_CASES.keys())
def test_spark_blocking_gives_the_local_pairs_rules_and_report(spark, rules, link_type, cap):
    want_counts: dict[str, int] = {}
    want, want_report = block_pairs(BLOCK_DF, rules, cap, link_type, counts=want_counts)
    frame, report, counts = spark_block_pairs(spark, BLOCK_DF, rules, cap, link_type)
    got = frame.toPandas().sort_values(["i", "j"]).reset_index(drop=True)
    names = np.array([r.name for r in rules], dtype=object)
    assert got[["i", "j"]].values.tolist() == want[["i", "j"]].values.tolist()
    assert names[got["rule_idx"].to_numpy()].tolist() == want["rule"].tolist()
    assert counts == want_counts
    pd.testing.assert_frame_equal(report, want_report)


def test_the_engine_links_like_the_local_one_without_the_cli(spark):
    from migration_kit.linkage import LinkageSpec, link

    df = BLOCK_DF.assign(
        record_id=[f"R{k}" for k in range(len(BLOCK_DF))], name_key=BLOCK_DF["pinyin_key"]
    )
    spec = LinkageSpec.from_dict({"u_sample_size": 500})
    local, remote = link(df, spec), link(df, spec, engine=SparkEngine())
    pd.testing.assert_frame_equal(remote.pairs, local.pairs)
    pd.testing.assert_frame_equal(remote.params, local.params)
    assert remote.entities["entity_id"].tolist() == local.entities["entity_id"].tolist()


SECTIONS = [
    ({"engine": "spark"}, "spark", None),
    (
        {
            "engine": "spark",
            "spark": {"master": "spark://h:7077", "conf": {"spark.executor.cores": 2}},
        },
        "spark",
        "spark://h:7077",
    ),
    ({}, "local", None),
]


@pytest.mark.parametrize("data,engine,master", SECTIONS)
def test_the_params_name_the_engine_and_its_master(data, engine, master):
    section = LinkageSection.from_dict(data)
    assert (section.engine, section.spark.master, section.planned) == (engine, master, True)


@pytest.mark.parametrize(
    "data,where",
    [
        ({"engine": "sprak"}, "linkage.engine"),
        ({"spark": {"masterr": "yarn"}}, "linkage.spark"),
        ({"spark": {"conf": {"executor.cores": 2}}}, "linkage.spark.conf.executor.cores"),
    ],
)
def test_bad_engine_settings_are_params_errors(data, where):
    with pytest.raises(ParamsError, match=where.replace(".", r"\.")):
        LinkageSection.from_dict(data)


@pytest.mark.parametrize(
    "given,env,want",
    [
        (None, {}, "local[2]"),
        (None, {"SPARK_MASTER": "yarn"}, "yarn"),
        (
            None,
            {"SPARK_MASTER": "yarn", "MIGRATION_KIT_SPARK_MASTER": "k8s://https://k:443"},
            "k8s://https://k:443",
        ),
        ("spark://h:7077", {"MIGRATION_KIT_SPARK_MASTER": "yarn"}, "spark://h:7077"),
    ],
)
def test_the_master_comes_from_the_params_then_the_environment(given, env, want):
    assert resolve_master(given, env) == want
