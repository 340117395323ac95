"""The ``membership`` shape: the member list of a German sports club federation.

Two exports with German headers:

* ``mitglieder.csv``: the register (Windows-1252, semicolons, ``Vorname`` / ``Nachname`` /
  ``Geburtsdatum`` as DD.MM.YYYY, ``Straße`` with the house number, ``PLZ``, ``Ort``);
* ``rueckmeldungen.xlsx``: the yearly renewal forms, re-keyed by hand: one ``Name`` column
  (``Nachname, Vorname`` or ``Vorname Nachname``), birth dates typed as text, a received date.

Members come from :mod:`.membership_people` (traps: households, twins, namesakes), records and
their heavy variation from :mod:`.membership_records`. The params file only maps columns.

Example
-------
>>> import tempfile, pathlib
>>> res = generate_membership(60, 1, pathlib.Path(tempfile.mkdtemp()))
>>> sorted(res.paths)
['params', 'register', 'renewals', 'truth']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .membership_people import TRAP_RATES, make_members
from .membership_records import SOURCES, make_member_records
from .rates import SynthResult
from .shapes import SourceFile, check_size, ordered_ids, source_tables, write_shape

__all__ = ["DEAL", "SOURCE_FILES", "generate_membership"]

SOURCE_FILES: tuple[SourceFile, ...] = (
    SourceFile(
        "register",
        "mitglieder.csv",
        "Mitgliedsnr.",
        {
            "given_name": "Vorname",
            "family_name": "Nachname",
            "birth_date": "Geburtsdatum",
            "address": "Straße",
            "postcode": "PLZ",
            "city": "Ort",
            "phone": "Telefon",
            "email": "E-Mail",
            "created_at": "Eintritt",
            "marketing_consent": "Newsletter",
        },
        encoding="cp1252",
        delimiter=";",
        date_order="DMY",
        default_country="DE",
        extra=("Anrede", "Abteilung", "Beitrag"),
    ),
    SourceFile(
        "renewals",
        "rueckmeldungen.xlsx",
        "Formular-Nr.",
        {
            "full_name": "Name",
            "birth_date": "Geb.-Datum",
            "address": "Anschrift",
            "postcode": "PLZ",
            "city": "Ort",
            "phone": "Tel.",
            "email": "E-Mail",
            "last_activity_at": "Eingang",
        },
        fmt="xlsx",
        sheet="Rückmeldungen",
        date_order="DMY",
        default_country="DE",
        extra=("Jahr",),
    ),
)
#: The params ``deal:`` section.
DEAL: dict[str, object] = {
    "type": "merger",
    "seller": {"name": "Turnverband Mittelland e.V.", "contact": "datenschutz@seller.example"},
    "recipient": {
        "name": "Landessportbund Mittelland e.V.",
        "contact": "dsb@buyer.example",
        "country": "DE",
    },
}
_TWO_DIGIT_AREAS = ("30", "40", "69", "89")


def _dates(dates: np.ndarray, short: np.ndarray | None = None) -> pd.Series:
    """DD.MM.YYYY (``short``: D.M.YYYY, as typed), "" for NaT."""
    text = np.datetime_as_string(np.asarray(dates).astype("datetime64[D]"), unit="D")
    iso = pd.Series(text, dtype=object)
    d, m, y = iso.str[8:10], iso.str[5:7], iso.str[:4]
    out = d + "." + m + "." + y
    if short is not None:
        out = out.where(~short, d.str.lstrip("0") + "." + m.str.lstrip("0") + "." + y)
    return out.where(iso != "NaT", "")


def _phones(rng: np.random.Generator, phone: np.ndarray) -> np.ndarray:
    """German numbers as members write them: ``0151 12345678``, ``030/1234567``, ``+49 ...``."""
    p = pd.Series(phone, dtype=object)
    width = np.where(p.str[:2].isin(_TWO_DIGIT_AREAS).to_numpy(), 2, 3)
    out = np.full(len(p), "", dtype=object)
    style = rng.integers(0, 5, size=len(p))
    for w in (2, 3):
        area, rest = p.str[:w], p.str[w:]
        forms = [
            "0" + area + " " + rest,
            "0" + area + "/" + rest,
            "+49 " + area + " " + rest,
            "0" + p,
            "0049 " + area + " " + rest,
        ]
        for k, form in enumerate(forms):
            sel = (width == w) & (style == k) & (phone != "")
            out[sel] = form.to_numpy(dtype=object)[sel]
    return out


def _format(
    name: str, r: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    m = len(r)
    day = r["day"].to_numpy().astype("datetime64[D]")
    src = next(s for s in SOURCE_FILES if s.name == name)
    data: dict[str, object]
    if name == "register":
        rid, order = ordered_ids(rng, day, "", 6, 1)
        fee = np.where(r["minor"].to_numpy(), "60,00", "120,00")
        data = {
            "Anrede": np.where(r["gender"] == "M", "Herr", "Frau"),
            "given_name": r["given"],
            "family_name": r["family"],
            "birth_date": _dates(r["birth"].to_numpy()),
            "address": r["street"],
            "postcode": r["postcode"],
            "city": r["city"],
            "phone": _phones(rng, r["phone"].to_numpy(dtype=object)),
            "email": r["email"],
            "created_at": _dates(day),
            "Abteilung": r["department"],
            "Beitrag": fee,
            "marketing_consent": np.where(r["consent"], "ja", "nein"),
        }
    else:
        year = pd.DatetimeIndex(day).year.to_numpy()
        order = np.lexsort((rng.random(m), day))
        seq = pd.Series(year[order]).groupby(year[order]).cumcount().to_numpy() + 1
        rid = np.empty(m, dtype=object)
        rid[order] = (
            pd.Series(year[order]).astype(str) + "-" + pd.Series(seq).astype(str).str.zfill(5)
        ).to_numpy(dtype=object)
        given, family = r["given"], r["family"]
        comma = rng.random(m) < 0.7
        full = np.where(comma, family + ", " + given, given + " " + family)
        data = {
            "Jahr": year.astype(np.int64).tolist(),
            "full_name": full,
            "birth_date": _dates(r["birth"].to_numpy(), rng.random(m) < 0.5),
            "address": r["street"],
            "postcode": r["postcode"],
            "city": r["city"],
            "phone": _phones(rng, r["phone"].to_numpy(dtype=object)),
            "email": r["email"],
            "last_activity_at": pd.Series(pd.DatetimeIndex(day).to_pydatetime(), dtype=object),
        }
    table = pd.DataFrame({src.id_column: rid})
    for key, value in data.items():
        header = src.columns.get(key, key)
        assert isinstance(header, str)
        if isinstance(value, pd.Series):
            table[header] = value.to_numpy(dtype=object)
        elif isinstance(value, list):
            table[header] = pd.Series(value, dtype=object)
        else:
            table[header] = np.asarray(value)
    return table.iloc[order].reset_index(drop=True), rid, order


def _realised(e: pd.DataFrame, r: pd.DataFrame, labels: pd.DataFrame) -> dict[str, float]:
    n_rec = np.bincount(r["eid"].to_numpy(), minlength=len(e))
    renewal = (r["source"] == "renewals").to_numpy()
    out = {
        "records_per_entity": float(len(r) / len(e)),
        "multi": float((n_rec > 1).mean()),
        "max_records": float(n_rec.max()),
        "phone": float((r["phone"] != "").mean()),
        "email": float((r["email"] != "").mean()),
        "birth": float(r["birth"].notna().mean()),
    }
    for trap in TRAP_RATES:
        out[trap] = float((e["trap"] == trap).mean())
    for col in labels.columns:
        out[f"variant.{col}"] = (
            float(labels[col].to_numpy()[renewal].mean()) if renewal.any() else 0.0
        )
    return out


def generate_membership(
    entities: int, seed: int, out_dir: Path, *, params_path: Path | None = None
) -> SynthResult:
    """Write the ``membership`` data set of ``entities`` members into ``out_dir``.

    Parameters
    ----------
    entities : int
        Number of real-world members (records are ~2.3x that).
    seed : int
        Seed; the same seed gives byte-identical files.
    out_dir : Path
        Folder for the two exports and ``truth.csv``.
    params_path : Path, optional
        Where to write the params file (default ``out_dir/params.yaml``).

    Returns
    -------
    SynthResult
        Paths (``register, renewals, truth, params``), rows per source, realised rates
        (``variant.<LABEL>`` is the share of renewal forms with it).

    Example
    -------
    >>> import tempfile, pathlib
    >>> generate_membership(40, 3, pathlib.Path(tempfile.mkdtemp())).counts["entities"]
    40
    """
    check_size(entities, seed)
    rng = np.random.default_rng(seed)
    e = make_members(entities, rng)
    r, labels = make_member_records(e, rng)
    tables = source_tables(r, labels, SOURCES, _format, rng)
    return write_shape(
        out_dir,
        params_path,
        client="membership",
        deal=DEAL,
        sources=SOURCE_FILES,
        tables=tables,
        entities=e,
        realised=_realised(e, r, labels),
    )
