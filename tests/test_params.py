"""Params validation: every failure names the key, the value received and what is allowed."""
from __future__ import annotations

import copy
import re

import pytest

from migration_kit.errors import ParamsError
from migration_kit.params import load_params
from tests.conftest import base_params, write_params


def test_valid_params_load(tiny_sources):
    p = load_params(write_params(tiny_sources, base_params()))
    assert p.client == "tiny"
    assert [s.name for s in p.sources] == ["pos", "web"]
    assert p.sources[0].format == "csv"
    assert p.sources[0].columns["phone"] == ("手机号码",)
    assert p.deal.recipient.country == "CN"
    assert len(p.sha256) == 64


def _set(data, dotted, value):
    keys = re.findall(r"[^.\[\]]+", dotted)
    node = data
    for k in keys[:-1]:
        node = node[int(k)] if k.isdigit() else node[k]
    last = keys[-1]
    if value is _DELETE:
        del node[last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value


_DELETE = object()

CASES = [
    # (dotted key to change, new value, exact message after "<file>: ")
    ("colour", "red", "colour: unknown key 'colour'; known keys: client, deal, golden, keys, linkage, policy, quality, sources, suppression"),
    ("sorces", [], "sorces: unknown key 'sorces' (did you mean 'sources'?); known keys: client, deal, golden, keys, linkage, policy, quality, sources, suppression"),
    ("deal.type", "takeover", "deal.type: received 'takeover'; allowed values: merger, division, dissolution, bankruptcy, asset_sale, share_sale"),
    ("deal.recipient.country", _DELETE, "deal.recipient.country: required key is missing (ISO 3166 alpha-2, e.g. CN)"),
    ("sources.0.columns.phonee", "x", "sources[0].columns.phonee: unknown canonical field 'phonee' (did you mean 'phone'?); known fields: full_name, given_name, family_name, gender, birth_date, phone, email, id_number, address, province, city, district, postcode, country, organization, created_at, last_activity_at, total_spent, order_count, marketing_consent"),
    ("sources.1.name", "pos", "sources[1].name: duplicate source name 'pos' (also sources[0]); give each source a unique name"),
    ("sources.0.date_order", "DDMM", "sources[0].date_order: received 'DDMM'; allowed values: YMD, MDY, DMY"),
    ("sources.0.format", "json", "sources[0].format: received 'json'; allowed values: csv, xlsx, parquet"),
    ("sources.0.extra", 1, "sources[0].extra: unknown key 'extra'; known keys: columns, date_order, default_country, delimiter, encoding, format, id_column, merged_cells, name, path, ragged_rows, sheet, transfer_unmapped"),
    ("sources.0.ragged_rows", "skip", "sources[0].ragged_rows: received 'skip'; allowed values: flag, error"),
    ("sources.0.merged_cells", "unmerge", "sources[0].merged_cells: received 'unmerge'; allowed values: error, fill"),
    ("client", "Acme Sports", "client: received 'Acme Sports'; expected a slug (lowercase letters, digits, - or _), e.g. acme-sports"),
    ("sources", [], "sources: no sources listed; add one entry per seller export"),
]


@pytest.mark.parametrize("key, value, message", CASES, ids=[c[0] for c in CASES])
def test_params_errors_name_key_value_and_allowed(tiny_sources, key, value, message):
    data = copy.deepcopy(base_params())
    _set(data, key, value)
    path = write_params(tiny_sources, data)
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value) == f"{path.resolve()}: {message}"


def test_missing_source_file_names_the_resolved_path(tiny_sources):
    data = base_params()
    data["sources"][0]["path"] = "nope.csv"
    path = write_params(tiny_sources, data)
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value) == (f"{path.resolve()}: sources[0].path: file not found: {(tiny_sources / 'nope.csv').resolve()} "
                               f"(paths are relative to the params file's folder {tiny_sources.resolve()})")


def test_missing_params_file(tmp_path):
    with pytest.raises(ParamsError, match="file not found"):
        load_params(tmp_path / "absent.yaml")


def test_not_yaml_mapping(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="expected a mapping at the top level, received list"):
        load_params(path)


def test_column_lists_are_joined_fields(tiny_sources):
    data = base_params()
    data["sources"][0]["columns"]["address"] = ["姓名", "手机号码"]
    p = load_params(write_params(tiny_sources, data))
    assert p.sources[0].columns["address"] == ("姓名", "手机号码")


def test_a_run_without_keys_stops_before_any_work(tiny_sources, tmp_path):
    from migration_kit.errors import KeyMaterialError
    from migration_kit.pipeline import open_run, step_backup
    from tests.conftest import base_params, write_params

    data = base_params()
    del data["keys"]
    ctx = open_run(write_params(tiny_sources, data), run_id="k", runs_dir=tmp_path / "runs")
    with pytest.raises(KeyMaterialError, match=r"no keys: section; a real run names recipient_certificates"):
        step_backup(ctx)
    assert not ctx.run.path("secrets", "keys").exists() or not any(ctx.run.path("secrets", "keys").iterdir())


@pytest.mark.parametrize("keys,match", [({"rehearsal": False}, "keys.rehearsal"),
                                        ({"rehearsal": True, "signer_key": "s.key"}, "keys.rehearsal")])
def test_rehearsal_keys_are_said_plainly(tiny_sources, keys, match):
    from tests.conftest import base_params, write_params

    data = {**base_params(), "keys": keys}
    with pytest.raises(ParamsError, match=match):
        load_params(write_params(tiny_sources, data))
