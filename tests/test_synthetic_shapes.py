"""Tests of the synthetic client shapes besides retail_cn: webshop_en and membership."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import phonenumbers
import pytest
import yaml
from click.testing import CliRunner

from migration_kit.errors import ParamsError
from migration_kit.intake.readers import read_table
from migration_kit.params import load_params
from migration_kit.schema import CANONICAL_FIELDS
from migration_kit.synthetic import SHAPE_TRUTH_COLUMNS, SHAPES, SynthRates, generate
from migration_kit.synthetic.cli import synth_command
from migration_kit.synthetic.membership_people import TRAP_RATES as MEMBER_TRAPS
from migration_kit.synthetic.membership_people import make_members
from migration_kit.synthetic.membership_records import NAME_EDITS
from migration_kit.synthetic.membership_records import VARIANT_RATES as MEMBER_VARIANTS
from migration_kit.synthetic.webshop_people import TRAP_RATES as SHOP_TRAPS
from migration_kit.synthetic.webshop_people import make_webshop_entities
from migration_kit.synthetic.webshop_records import VARIANT_RATES as SHOP_VARIANTS

N, SEED, N_RATES = 200, 11, 2000
SHAPE_NAMES = ["webshop_en", "membership"]
FILES = {
    "webshop_en": [
        "shop_accounts.csv",
        "orders.csv",
        "newsletter.xlsx",
        "truth.csv",
        "params.yaml",
    ],
    "membership": ["mitglieder.csv", "rueckmeldungen.xlsx", "truth.csv", "params.yaml"],
}
COUNTRY_OF = {"United Kingdom": "GB", "United States": "US", "Australia": "AU"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("shapes")
    out = {}
    for shape in SHAPE_NAMES:
        out[shape] = {
            "a": (base / shape / "a", generate(N, SEED, base / shape / "a", shape=shape)),
            "b": (base / shape / "b", generate(N, SEED, base / shape / "b", shape=shape)),
            "c": (base / shape / "c", generate(N, SEED + 1, base / shape / "c", shape=shape)),
        }
    return out


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    base = tmp_path_factory.mktemp("shapes_large")
    return {s: generate(N_RATES, SEED, base / s, shape=s) for s in SHAPE_NAMES}


def _sources(folder: Path) -> dict[str, pd.DataFrame]:
    """Each source read the way intake reads it (the params file's format, encoding, sheet)."""
    params = load_params(folder / "params.yaml")
    out = {}
    for s in params.sources:
        df, _ = read_table(
            s.path, format=s.format, encoding=s.encoding, sheet=s.sheet, delimiter=s.delimiter
        )
        out[s.name] = df.rename(columns={s.id_column: "_rid"})
    return out


def _truth(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "truth.csv", dtype=str, keep_default_na=False)


# -- the registry and the entry points -----------------------------------------------------------
def test_registry_lists_every_shape_default_first():
    assert SHAPES.names() == ["retail_cn", "webshop_en", "membership"]
    assert all(SHAPES[n].doc for n in SHAPES)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"shape": "webshop"}, r"shape: received 'webshop' \(did you mean 'webshop_en'\?\)"),
        ({"shape": "membership", "rates": SynthRates()}, "rates apply to the retail_cn shape only"),
        ({"shape": "webshop_en", "entities": 5}, "at least 20 entities"),
        ({"shape": "membership", "seed": -1}, "non-negative"),
    ],
)
def test_bad_arguments_are_refused(tmp_path, kwargs, match):
    args = {"entities": 30, "seed": 1, **kwargs}
    with pytest.raises(ParamsError, match=match):
        generate(args.pop("entities"), args.pop("seed"), tmp_path, **args)


def test_cli_writes_a_shape(tmp_path):
    res = CliRunner().invoke(
        synth_command,
        [
            "--entities",
            "30",
            "--shape",
            "webshop_en",
            "--out",
            str(tmp_path / "d"),
            "--params-out",
            str(tmp_path / "p" / "shop.yaml"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "accounts=" in res.output and (tmp_path / "d" / "shop_accounts.csv").exists()
    # source paths are relative to the params file's folder
    assert (
        yaml.safe_load((tmp_path / "p" / "shop.yaml").read_text())["sources"][0]["path"]
        == "../d/shop_accounts.csv"
    )
    assert load_params(tmp_path / "p" / "shop.yaml").client == "webshop-en"


# -- determinism ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, fname", [(s, f) for s in SHAPE_NAMES for f in FILES[s]])
def test_same_seed_gives_identical_bytes(runs, shape, fname):
    a, b, c = (runs[shape][k][0] / fname for k in "abc")
    assert a.read_bytes() == b.read_bytes()
    if fname != "params.yaml":
        assert a.read_bytes() != c.read_bytes()


def test_same_bytes_in_another_process_with_another_hash_seed(runs, tmp_path):
    code = (
        "import sys; from pathlib import Path; from migration_kit.synthetic import generate; "
        f"[generate({N}, {SEED}, Path(sys.argv[1]) / s, shape=s) for s in {SHAPE_NAMES!r}]"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, env=env)
    for shape in SHAPE_NAMES:
        for fname in FILES[shape]:
            assert (tmp_path / shape / fname).read_bytes() == (
                runs[shape]["a"][0] / fname
            ).read_bytes(), (shape, fname)


# -- truth ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPE_NAMES)
def test_truth_covers_every_record_once(runs, shape):
    folder, res = runs[shape]["a"]
    truth = _truth(folder)
    assert tuple(truth.columns) == SHAPE_TRUTH_COLUMNS
    assert not truth.duplicated(["source", "record_id"]).any()
    tables = _sources(folder)
    assert set(truth["source"]) == set(tables)
    for name, df in tables.items():
        assert not df["_rid"].duplicated().any()
        assert df["_rid"].tolist() == truth.loc[truth["source"] == name, "record_id"].tolist()
        assert res.counts[name] == len(df)
    assert truth["entity_id"].nunique() == N  # every person has at least one record
    assert truth["entity_id"].str.fullmatch(r"T\d{7}").all()
    assert set(truth["minor"]) <= {"True", "False"} and set(truth["inactive"]) <= {"True", "False"}


@pytest.mark.parametrize("shape, region", [("webshop_en", {"OTHER"}), ("membership", {"EU"})])
def test_truth_region_and_traps(runs, shape, region):
    truth = _truth(runs[shape]["a"][0])
    assert set(truth["region"]) == region
    assert set(truth["trap"]) == {"", "namesake", "family", "twin"}
    per_entity = truth.groupby("entity_id")["trap"].nunique()
    assert (per_entity == 1).all()  # a trap belongs to the person, on every record


@pytest.mark.parametrize("shape", SHAPE_NAMES)
def test_file_headers_are_the_declared_ones(runs, shape):
    from migration_kit.synthetic.shape_membership import SOURCE_FILES as MEMBER_FILES
    from migration_kit.synthetic.shape_webshop import SOURCE_FILES as SHOP_FILES

    tables = _sources(runs[shape]["a"][0])
    for src in SHOP_FILES if shape == "webshop_en" else MEMBER_FILES:
        declared = {"_rid", *src.columns.values(), *src.extra}
        assert set(tables[src.name].columns) == declared, src.name


# -- params ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPE_NAMES)
def test_params_only_map_columns(runs, shape):
    path = runs[shape]["a"][1].paths["params"]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(data) == {"client", "deal", "sources", "policy", "keys"}
    assert data["keys"] == {"rehearsal": True}  # synthetic data: throw-away keys, said so
    assert set(data["policy"]) == {"transfer_date"}
    for src in data["sources"]:
        assert set(src) <= {
            "name",
            "path",
            "format",
            "encoding",
            "delimiter",
            "sheet",
            "date_order",
            "default_country",
            "id_column",
            "columns",
        }
        for header in src["columns"].values():  # the client's own headers, not canonical names
            assert header not in CANONICAL_FIELDS
    params = load_params(path)
    assert [s.name for s in params.sources] == list(runs[shape]["a"][1].counts)[1:]


# -- declared rates --------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, traps", [("webshop_en", SHOP_TRAPS), ("membership", MEMBER_TRAPS)])
def test_trap_shares_as_declared(large, shape, traps):
    for trap, rate in traps.items():
        assert 0.7 * rate <= large[shape].realised[trap] <= 1.3 * rate, trap


@pytest.mark.parametrize(
    "shape, field, low, high",
    [
        ("webshop_en", "records_per_entity", 1.5, 2.0),
        ("webshop_en", "phone", 0.12, 0.18),
        ("webshop_en", "email", 0.97, 1.0),
        ("webshop_en", "birth", 0.35, 0.45),
        ("membership", "records_per_entity", 2.1, 2.5),
        ("membership", "phone", 0.26, 0.34),
        ("membership", "email", 0.45, 0.55),
        ("membership", "birth", 0.66, 0.74),
        ("membership", "multi", 0.45, 0.55),
        ("membership", "max_records", 8, 8),
    ],
)
def test_field_presence_and_sizes_as_declared(large, shape, field, low, high):
    assert low <= large[shape].realised[field] <= high


SHOP_PLAIN = ["NAME_TYPO", "NAME_SWAP", "NAME_CASE", "EMAIL_CASE", "EMAIL_CHANGED"]
MEMBER_PLAIN = [
    "NAME_OCR",
    "NAME_TRUNC",
    "NAME_SWAP",
    "NAME_CASE",
    "POSTCODE_TYPO",
    "CITY_TYPO",
]


@pytest.mark.parametrize(
    "shape, label, declared",
    [
        *[("webshop_en", k, SHOP_VARIANTS[k][0]) for k in SHOP_PLAIN],
        *[("membership", k, MEMBER_VARIANTS[k][0]) for k in MEMBER_PLAIN],
        *[("membership", f"NAME_EDIT{k}", NAME_EDITS[0][k]) for k in (1, 2, 3)],
    ],
)
def test_variant_rates_as_declared(large, shape, label, declared):
    # webshop: share of a customer's later records; membership: share of renewal forms
    assert 0.6 * declared <= large[shape].realised[f"variant.{label}"] <= 1.4 * declared


SHOP_LABELS = {
    *SHOP_VARIANTS,
    "NAME_MISSING",
    "GIVEN_ONLY",
    "EMAIL_MISSING",
    "SHARED_EMAIL",
    "BIRTH_MDY",
    "POSTCODE_MISSING",
    "COUNTY_MISSING",
    "ADDR_MISSING",
}
MEMBER_LABELS = {
    *MEMBER_VARIANTS,
    "REJOINED",
    "NAME_EDIT1",
    "NAME_EDIT2",
    "NAME_EDIT3",
    "SHARED_CONTACT",
}


@pytest.mark.parametrize(
    "shape, known", [("webshop_en", SHOP_LABELS), ("membership", MEMBER_LABELS)]
)
def test_truth_labels_are_the_declared_ones(large, shape, known):
    truth = _truth(large[shape].paths["truth"].parent)
    labels = set(truth["variants"].str.split(";").explode()) - {""}
    assert labels == known


@pytest.mark.parametrize("label", ["NAME_OCR", "NAME_EDIT2", "DOB_SWAP", "ADDR_MOVED"])
def test_membership_truth_labels_match_the_realised_rates(large, label):
    truth = _truth(large["membership"].paths["truth"].parent)
    forms = truth.loc[truth["source"] == "renewals", "variants"].str.split(";")
    share = forms.map(lambda v: label in v).mean()
    assert share == pytest.approx(large["membership"].realised[f"variant.{label}"])


@pytest.mark.parametrize(
    "shape, records, label",
    [
        ("webshop_en", "webshop", "ADDR_MOVED"),
        ("membership", "membership", "ADDR_MOVED"),
        ("membership", "membership", "EMAIL_CHANGED"),
    ],
)
def test_changes_stay_on_the_later_records(shape, records, label):
    from migration_kit.synthetic.membership_records import make_member_records
    from migration_kit.synthetic.webshop_records import make_webshop_records

    rng = np.random.default_rng(SEED)
    if records == "webshop":
        r, labels = make_webshop_records(make_webshop_entities(N_RATES, rng), rng)
        declared = SHOP_VARIANTS[label][0]
    else:
        r, labels = make_member_records(make_members(N_RATES, rng), rng)
        declared = MEMBER_VARIANTS[label][0]
    hit = labels[label].astype(int)
    if label == "ADDR_MOVED":  # a move shows on every later record that shows the street
        street = (r["source"] != "newsletter").to_numpy()
        assert (hit[street].groupby(r["eid"][street]).diff().fillna(0) >= 0).all()
    assert not hit[r["rank"] == 0].any()
    assert hit[r["rank"] > 0].mean() >= 0.6 * declared


def test_membership_clusters_have_2_to_8_records(large):
    sizes = _truth(large["membership"].paths["truth"].parent).groupby("entity_id").size()
    assert sizes.max() == 8 and (sizes.between(2, 8).mean() > 0.45)


# -- traps in the hidden people -------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, address",
    [
        (make_webshop_entities, ["root", "suffix", "house", "unit", "city", "postcode"]),
        (make_members, ["root", "street_type", "house", "house_letter", "city", "postcode"]),
    ],
)
def test_traps_share_what_they_declare(make, address):
    e = make(N_RATES, np.random.default_rng(SEED))
    twins = e[e["trap"] == "twin"]
    keys = twins[["family", "birth", *address]].astype(str).agg("|".join, axis=1)
    assert (keys.value_counts() >= 2).all()  # each twin has a sibling with all of these
    assert (twins.groupby(keys)["given"].nunique() >= 2).all()  # ... and another given name
    names = e[e["trap"] == "namesake"]
    same = names.groupby(["given", "family", "city"]).size()
    assert (same >= 2).mean() > 0.9
    family = e[e["trap"] == "family"]
    house = family[["family", *address]].astype(str).agg("|".join, axis=1)
    assert (house.value_counts() >= 2).mean() > 0.9


# -- realistic values ------------------------------------------------------------------------------
def test_webshop_values(runs):
    folder = runs["webshop_en"]["a"][0]
    t = _sources(folder)
    truth = _truth(folder).set_index(["source", "record_id"])["variants"]
    for name, col in (("accounts", "Lifetime Value"), ("orders", "Order Total")):
        assert t[name][col].str.fullmatch(r"\d+\.\d{2}").all()
    phones = pd.concat(
        [
            pd.DataFrame(
                {
                    "src": "accounts",
                    "rid": t["accounts"]["_rid"],
                    "p": t["accounts"]["Phone"],
                    "c": t["accounts"]["Country"].map(COUNTRY_OF),
                }
            ),
            pd.DataFrame(
                {
                    "src": "orders",
                    "rid": t["orders"]["_rid"],
                    "p": t["orders"]["Billing Phone"],
                    "c": t["orders"]["Billing Country"],
                }
            ),
        ]
    )
    phones = phones[phones["p"] != ""]
    typo = [
        ("PHONE_TYPO" in truth[(s, r)]) for s, r in zip(phones["src"], phones["rid"], strict=True)
    ]
    valid = [
        phonenumbers.is_valid_number(phonenumbers.parse(p, c))
        for p, c in zip(phones["p"], phones["c"], strict=True)
    ]
    assert all(v for v, ty in zip(valid, typo, strict=True) if not ty)
    emails = pd.concat([t["accounts"]["E-mail address"], t["orders"]["Billing Email"]])
    assert (emails != "").mean() > 0.97
    assert t["accounts"]["Date of Birth"].str.fullmatch(r"(\d{2}/\d{2}/\d{4})?").all()


def test_membership_values(runs):
    t = _sources(runs["membership"]["a"][0])
    reg, ren = t["register"], t["renewals"]
    assert reg["Geburtsdatum"].str.fullmatch(r"(\d{2}\.\d{2}\.\d{4})?").all()
    assert ren["Geb.-Datum"].str.fullmatch(r"(\d{1,2}\.\d{1,2}\.\d{4})?").all()
    assert reg["PLZ"].str.fullmatch(r"\d{5}").all()
    assert ren["_rid"].str.fullmatch(r"\d{4}-\d{5}").all()  # form number: year-sequence
    assert ren["Name"].str.contains(", ").mean() > 0.5  # "Nachname, Vorname" mostly
    assert reg["Nachname"].str.contains("[äöüß]").any()  # cp1252 kept the umlauts
    raw = (runs["membership"]["a"][0] / "mitglieder.csv").read_bytes()
    assert raw.split(b"\n")[0].count(b";") == len(reg.columns) - 1
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


# -- the pipeline runs on them ---------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPE_NAMES)
def test_dedupe_runs_and_gives_every_record_an_entity(runs, tmp_path, shape):
    from migration_kit.pipeline import dedupe

    folder, res = runs[shape]["a"]
    out = tmp_path / "entities.csv"
    dedupe(res.paths["params"], out, runs_dir=tmp_path / "runs")
    ent = pd.read_csv(out, dtype=str, keep_default_na=False)
    truth = _truth(folder)
    assert len(ent) == len(truth)
    merged = truth.merge(ent, on=["source", "record_id"], how="left", validate="one_to_one")
    assert merged["entity_id_y"].ne("").all() and merged["entity_id_y"].notna().all()
    assert 1 < merged["entity_id_y"].nunique() < len(merged)  # some records were linked
