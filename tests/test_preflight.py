"""Pre-flight: every problem of a params file found before any work, all listed at once."""
from __future__ import annotations

import pytest

from migration_kit.errors import ParamsError, PreflightError
from migration_kit.preflight import preflight, source_headers
from tests.conftest import base_params, write_params

POLICY = {"transfer_date": "2026-12-31"}


def _params(tmp, edit=None):
    data = base_params() | {"policy": dict(POLICY)}
    if edit:
        edit(data)
    return write_params(tmp, data)


def _suppression(tmp, rows):
    (tmp / "requests.csv").write_text("申请编号,手机,类型\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return [{"path": "requests.csv", "id_column": "申请编号", "columns": {"phone": "手机"},
             "request_column": "类型"}]


CASES = [  # (case, edit of the params, fragments every one of which the error must name)
    ("a column that is not in the header",
     lambda d: d["sources"][0]["columns"].update(phone="手机"), ["sources.pos", "'手机' not found", "手机号码"]),
    ("a missing id column",
     lambda d: d["sources"][1].update(id_column="编号"), ["sources.web", "id column '编号'"]),
    ("no keys for a real client",
     lambda d: d.pop("keys"), ["keys:", "recipient_certificates", "rehearsal: true"]),
    ("no transfer date",
     lambda d: d.pop("policy"), ["policy.transfer_date", "required"]),
]


@pytest.mark.parametrize(("case", "edit", "fragments"), CASES, ids=[c[0] for c in CASES])
def test_each_problem_is_found_before_any_work(tiny_sources, case, edit, fragments):
    path = _params(tiny_sources, edit)
    before = sorted(p.name for p in tiny_sources.iterdir())
    with pytest.raises(PreflightError) as err:
        preflight(path)
    for fragment in fragments:
        assert fragment in str(err.value)
    assert len(err.value.problems) == 1
    assert sorted(p.name for p in tiny_sources.iterdir()) == before  # nothing written


def test_every_problem_is_listed_at_once(tiny_sources):
    def edit(d):
        d["sources"][0]["columns"]["phone"] = "手机"
        d["sources"][1]["id_column"] = "编号"
        d.pop("keys")
    with pytest.raises(PreflightError, match="3 problems before any work") as err:
        preflight(_params(tiny_sources, edit))
    assert [p.split(":")[0] for p in err.value.problems] == ["sources.pos", "sources.web", "keys"]


def test_a_bad_request_word_is_found_before_intake(tiny_sources):
    def edit(d):
        d["suppression"] = _suppression(tiny_sources, ["R1,13812345678,删除", "R2,13912345678,maybe later"])
    with pytest.raises(PreflightError, match=r"suppression\[0\]") as err:
        preflight(_params(tiny_sources, edit))
    assert "row 2" in str(err.value) and "'maybe later' is not recognized" in str(err.value)


def test_a_good_params_file_passes_and_says_what_was_checked(tiny_sources):
    def edit(d):
        d["suppression"] = _suppression(tiny_sources, ["R1,13812345678,删除"])
    params, checked = preflight(_params(tiny_sources, edit))
    assert params.client == "tiny"
    assert checked["sources"] == 2 and checked["requests"] == 1 and checked["keys"].startswith("rehearsal")


@pytest.mark.parametrize("edit", [lambda d: d.update(unknown_section=1),
                                  lambda d: d["sources"][1].update(path="gone.csv")],
                         ids=["unknown section", "missing source file"])
def test_a_params_file_that_does_not_parse_is_a_params_error(tiny_sources, edit):
    path = _params(tiny_sources, edit)
    with pytest.raises(ParamsError) as err:
        preflight(path)
    assert not isinstance(err.value, PreflightError)


HEADERS = [  # (format, writer, expected header)
    ("csv", lambda p: p.write_bytes("编号;姓名\n1;王\n".encode("gbk")), ["编号", "姓名"]),
    ("csv", lambda p: p.write_bytes("\ufeffid, name \n1,x\n".encode("utf-8")), ["id", "name"]),
    ("parquet", lambda p: __import__("pandas").DataFrame({"id": ["1"], "手机": ["1"]}).to_parquet(p), ["id", "手机"]),
    ("xlsx", lambda p: __import__("pandas").DataFrame({"id": ["1"], "城市": ["x"]}).to_excel(p, index=False), ["id", "城市"]),
]


@pytest.mark.parametrize(("fmt", "write", "expected"), HEADERS, ids=[f"{h[0]}-{i}" for i, h in enumerate(HEADERS)])
def test_source_headers_reads_only_the_header(tmp_path, fmt, write, expected):
    path = tmp_path / f"x.{fmt}"
    write(path)
    assert source_headers(path, fmt) == expected


def test_the_check_command_lists_every_problem(tiny_sources, capsys):
    from migration_kit.cli import main

    assert main(["check", str(_params(tiny_sources))]) == 0
    assert "ready for tiny" in capsys.readouterr().out
    assert main(["check", str(_params(tiny_sources, lambda d: d.pop("keys")))]) == 2
    assert "1 problem before any work" in capsys.readouterr().err


def test_a_run_stops_before_notebook_00_and_creates_no_run_folder(tiny_sources, tmp_path):
    from migration_kit.workbook import run_workbook

    with pytest.raises(PreflightError, match="keys"):
        run_workbook(_params(tiny_sources, lambda d: d.pop("keys")), run_id="r", runs_dir=tmp_path / "runs",
                     echo=lambda s: None)
    assert not (tmp_path / "runs").exists()
