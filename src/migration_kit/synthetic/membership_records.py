"""Records of the ``membership`` shape: the register and the yearly renewal forms, re-keyed by hand.

Half the members have one record; the others 2-8 (a register row and a renewal form per year,
or forms only). Register rows are typed carefully; renewal forms are re-keyed from paper, with
heavy variation: 1-3 keying edits in the names (:data:`NAME_EDITS`), OCR-like confusions,
truncations, umlauts spelled out, day and month of the birth date swapped or a year digit wrong,
changed or mistyped contact data, moves. :data:`VARIANT_RATES` gives each variant's chance on a
renewal form and on a register row; every variant applied is a boolean label column.

Example
-------
>>> from migration_kit.synthetic.membership_people import make_members
>>> rng = np.random.default_rng(0)
>>> r, labels = make_member_records(make_members(200, rng), rng)
>>> sorted(set(r["source"])), int(r.groupby("eid").size().max()) <= 8
(['register', 'renewals'], True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .membership_people import STREET_TYPES
from .variation import digit_typo, edit, ocr, truncate

__all__ = ["NAME_EDITS", "PRESENCE", "SOURCES", "VARIANT_RATES", "make_member_records"]

SOURCES: tuple[str, ...] = ("register", "renewals")
#: Variant -> (chance on a renewal form, chance on a register row). UMLAUT applies to names with
#: ä ö ü ß, DOB_SWAP to birth dates whose day is at most 12, ADDR_ABBREV to -straße streets,
#: HOUSE_FORMAT to house numbers with a letter; *_CHANGED and ADDR_MOVED are the
#: chance of a change on a member's later record, which then stays on the records after it.
VARIANT_RATES: dict[str, tuple[float, float]] = {
    "UMLAUT": (0.30, 0.05),
    "NAME_OCR": (0.12, 0.01),
    "NAME_TRUNC": (0.05, 0.005),
    "NAME_SWAP": (0.04, 0.01),
    "NAME_CASE": (0.08, 0.01),
    "DOB_SWAP": (0.08, 0.01),
    "DOB_YEAR": (0.05, 0.01),
    "EMAIL_CHANGED": (0.08, 0.0),
    "EMAIL_TYPO": (0.06, 0.01),
    "PHONE_CHANGED": (0.06, 0.0),
    "PHONE_TYPO": (0.05, 0.01),
    "ADDR_MOVED": (0.07, 0.0),
    "ADDR_ABBREV": (0.40, 0.10),
    "HOUSE_FORMAT": (0.20, 0.05),
    "POSTCODE_TYPO": (0.04, 0.01),
    "CITY_TYPO": (0.03, 0.005),
}
#: Chances of 0, 1, 2, 3 keying edits in a name: (renewal form, register row).
NAME_EDITS: tuple[tuple[float, ...], tuple[float, ...]] = (
    (0.55, 0.22, 0.15, 0.08),
    (0.95, 0.04, 0.01, 0.0),
)
#: Share of records showing a field the member has (phone 55%, e-mail 75% of members have one):
#: about 30% of records with a phone, 50% with an e-mail, 70% with a birth date.
PRESENCE: dict[str, float] = {"phone": 0.545, "email": 0.667, "birth": 0.70}
_EXTRA_RECORDS = (0.35, 0.25, 0.15, 0.10, 0.07, 0.05, 0.03)  # 2..8 records
_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


def _plan(e: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(e)
    k = np.where(
        rng.random(n) < 0.5, 1, 2 + rng.choice(len(_EXTRA_RECORDS), size=n, p=_EXTRA_RECORDS)
    )
    eid = np.repeat(np.arange(n), k)
    first = e["first_date"].to_numpy().astype("datetime64[D]")[eid]
    last = e["last_date"].to_numpy().astype("datetime64[D]")[eid]
    day = first + (rng.random(len(eid)) * ((last - first).astype(np.int64) + 1)).astype(
        "timedelta64[D]"
    )
    day = np.where(pd.Series(eid).duplicated().to_numpy(), day, first)  # the first is the join
    order = np.lexsort((rng.random(len(eid)), day, eid))
    r = pd.DataFrame({"eid": eid[order], "day": day[order]})
    r["rank"] = r.groupby("eid").cumcount()
    rank = r["rank"].to_numpy()
    in_register = (rng.random(n) < 0.85)[r["eid"].to_numpy()]
    rejoined = (rank == 1) & (rng.random(n) < 0.08)[r["eid"].to_numpy()]
    r["source"] = np.where(((rank == 0) & in_register) | rejoined, "register", "renewals")
    r["rejoined"] = rejoined
    return r


def _birth_variants(
    rng: np.random.Generator, birth: np.ndarray, swap: np.ndarray, year: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day/month swapped (day <= 12) and year digit typos; returns dates and the two masks."""
    d = pd.DatetimeIndex(birth)
    y, mo, dy = d.year.to_numpy(), d.month.to_numpy(), d.day.to_numpy()
    swap = swap & (dy <= 12) & (dy != mo)
    mo, dy = np.where(swap, dy, mo), np.where(swap, mo, dy)
    last2 = y % 100
    flipped = (last2 % 10) * 10 + last2 // 10
    other = (last2 // 10) * 10 + (last2 % 10 + rng.integers(1, 10, size=len(y))) % 10
    new2 = np.where((rng.random(len(y)) < 0.4) & (flipped != last2), flipped, other)
    y = np.where(year, y - last2 + new2, y)
    dy = np.where(
        (mo == 2) & (dy == 29) & ~((y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))), 28, dy
    )
    out = pd.to_datetime(pd.DataFrame({"year": y, "month": mo, "day": dy})).to_numpy()
    return out.astype("datetime64[D]"), swap, year


def _street(addr: pd.DataFrame, abbrev: np.ndarray, pick: np.ndarray) -> np.ndarray:
    """``Lindenstraße 12a``; abbreviated (``abbrev``, street types with an abbreviation only)
    ``Lindenstr. 12a``, ``Lindenstrasse 12a`` or ``Linden Str. 12a``."""
    full = np.array([t[0] for t in STREET_TYPES], dtype=object)
    short = np.array([t[1] for t in STREET_TYPES], dtype=object)
    st = addr["street_type"].to_numpy()
    root = pd.Series(addr["root"].to_numpy(dtype=object), dtype=object)
    kind = (pick * 3).astype(np.int64)
    name = np.where(
        abbrev & (kind == 0),
        root + short[st],
        np.where(
            abbrev & (kind == 1),
            root + pd.Series(full[st]).str.replace("ß", "ss", regex=False),
            np.where(
                abbrev & (kind == 2),
                root + " " + pd.Series(short[st]).str.capitalize(),
                root + full[st],
            ),
        ),
    )
    house = pd.Series(addr["house_text"].to_numpy(dtype=object), dtype=object)
    return (pd.Series(name, dtype=object) + " " + house).to_numpy(dtype=object)


def make_member_records(
    e: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plan every record and its values.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Records (``eid, source, rank, day, given, family, birth, email, phone, street, postcode,
        city, consent``) and their boolean labels (one column per variant), row-aligned.

    Example
    -------
    >>> from migration_kit.synthetic.membership_people import make_members
    >>> rng = np.random.default_rng(3)
    >>> r, labels = make_member_records(make_members(100, rng), rng)
    >>> bool((r.loc[r["rank"] == 0, "source"] == "register").mean() > 0.7), len(labels) == len(r)
    (True, True)
    """
    r = _plan(e, rng)
    m = len(r)
    eid = r["eid"].to_numpy()
    later = r["rank"].to_numpy() > 0
    renewal = r["source"].to_numpy() == "renewals"
    ent = e.iloc[eid].reset_index(drop=True)
    labels: dict[str, np.ndarray] = {"REJOINED": r["rejoined"].to_numpy()}

    def chance(name: str, only_later: bool = False) -> np.ndarray:
        form, register = VARIANT_RATES[name]
        hit = rng.random(m) < np.where(renewal, form, register)
        return hit & later if only_later else hit

    def from_then_on(hit: np.ndarray) -> np.ndarray:
        """A change (move, new e-mail) stays on the member's later records (rank order)."""
        return pd.Series(hit).groupby(eid).cummax().to_numpy()

    def shown(field: str) -> np.ndarray:
        return rng.random(m) < PRESENCE[field]

    # names
    given = ent["given"].to_numpy(dtype=object).copy()
    family = ent["family"].to_numpy(dtype=object).copy()
    has_umlaut = pd.Series(given + family).str.contains("[äöüßÄÖÜ]", regex=True).to_numpy()
    sel = has_umlaut & chance("UMLAUT")
    given[sel] = pd.Series(given[sel], dtype=object).str.translate(_UMLAUTS).to_numpy(dtype=object)
    family[sel] = (
        pd.Series(family[sel], dtype=object).str.translate(_UMLAUTS).to_numpy(dtype=object)
    )
    labels["UMLAUT"] = sel
    k = np.where(
        renewal,
        rng.choice(4, size=m, p=NAME_EDITS[0]),
        rng.choice(4, size=m, p=NAME_EDITS[1]),
    )
    on_given = rng.binomial(k, 0.45)
    given, ch_g = edit(rng, given, on_given)
    family, ch_f = edit(rng, family, k - on_given)
    for j in (1, 2, 3):
        labels[f"NAME_EDIT{j}"] = (ch_g | ch_f) & (k == j)
    which = rng.random(m) < 0.5
    sel = chance("NAME_OCR")
    new_g, hit_g = ocr(rng, given[sel & which])
    new_f, hit_f = ocr(rng, family[sel & ~which])
    given[sel & which], family[sel & ~which] = new_g, new_f
    hit = np.zeros(m, dtype=bool)
    hit[np.flatnonzero(sel & which)[hit_g]] = True
    hit[np.flatnonzero(sel & ~which)[hit_f]] = True
    labels["NAME_OCR"] = hit
    sel = chance("NAME_TRUNC")
    initial = sel & which & (rng.random(m) < 0.3)
    given[initial] = pd.Series(given[initial], dtype=object).str[:1].to_numpy(dtype=object) + "."
    cut_g, hit_g = truncate(rng, given[sel & which & ~initial], keep=3)
    cut_f, hit_f = truncate(rng, family[sel & ~which], keep=4)
    given[sel & which & ~initial], family[sel & ~which] = cut_g, cut_f
    hit = initial.copy()
    hit[np.flatnonzero(sel & which & ~initial)[hit_g]] = True
    hit[np.flatnonzero(sel & ~which)[hit_f]] = True
    labels["NAME_TRUNC"] = hit
    sel = chance("NAME_SWAP")
    given[sel], family[sel] = family[sel], given[sel].copy()
    labels["NAME_SWAP"] = sel
    sel = chance("NAME_CASE")
    family[sel] = pd.Series(family[sel], dtype=object).str.upper().to_numpy(dtype=object)
    given[sel & which] = (
        pd.Series(given[sel & which], dtype=object).str.upper().to_numpy(dtype=object)
    )
    labels["NAME_CASE"] = sel

    # birth date
    birth, swap, year = _birth_variants(
        rng, ent["birth"].to_numpy(), chance("DOB_SWAP"), chance("DOB_YEAR")
    )
    has_birth = shown("birth")
    labels["DOB_SWAP"], labels["DOB_YEAR"] = swap & has_birth, year & has_birth

    # contacts
    contact: dict[str, np.ndarray] = {}
    for field, typo_fn in (("email", "EMAIL"), ("phone", "PHONE")):
        value = ent[field].to_numpy(dtype=object).copy()
        changed = from_then_on(chance(f"{typo_fn}_CHANGED", only_later=True)) & (value != "")
        value[changed] = ent[f"{field}_alt"].to_numpy(dtype=object)[changed]
        typo = chance(f"{typo_fn}_TYPO") & (value != "")
        if field == "email":
            parts = pd.Series(value[typo], dtype=object).str.split("@", n=1)
            local, _ = edit(rng, parts.str[0].to_numpy(dtype=object))
            value[typo] = local + "@" + parts.str[1].to_numpy(dtype=object)
        else:
            value[typo] = digit_typo(rng, value[typo], skip=3)
        has = (value != "") & shown(field)
        value[~has] = ""
        contact[field] = value
        labels[f"{typo_fn}_CHANGED"], labels[f"{typo_fn}_TYPO"] = changed & has, typo & has
    labels["SHARED_CONTACT"] = ent["shared_contact"].to_numpy() & (
        (contact["phone"] != "") | (contact["email"] != "")
    )

    # address
    moved = from_then_on(chance("ADDR_MOVED", only_later=True))
    addr = pd.DataFrame(index=range(m))
    for c in ("root", "street_type", "house", "house_letter", "city", "postcode"):
        addr[c] = np.where(moved, ent["alt_" + c].to_numpy(), ent[c].to_numpy())
    letter = pd.Series(addr["house_letter"].to_numpy(dtype=object), dtype=object)
    house = pd.Series(addr["house"].to_numpy()).astype(str)
    fmt = chance("HOUSE_FORMAT") & (letter != "").to_numpy()
    alt = np.where(rng.random(m) < 0.5, house + " " + letter, house + letter.str.upper())
    addr["house_text"] = np.where(fmt, alt, house + letter)
    abbrev = chance("ADDR_ABBREV") & (addr["street_type"].to_numpy() == 0)
    street = _street(addr, abbrev, rng.random(m))
    post = addr["postcode"].to_numpy(dtype=object).copy()
    typo = chance("POSTCODE_TYPO")
    post[typo] = digit_typo(rng, post[typo], skip=1)
    city = addr["city"].to_numpy(dtype=object).copy()
    ctypo = chance("CITY_TYPO")
    city[ctypo], hit = edit(rng, city[ctypo], 1)
    city_typo = np.zeros(m, dtype=bool)
    city_typo[np.flatnonzero(ctypo)[hit]] = True
    labels["ADDR_MOVED"], labels["ADDR_ABBREV"], labels["HOUSE_FORMAT"] = moved, abbrev, fmt
    labels["POSTCODE_TYPO"], labels["CITY_TYPO"] = typo, city_typo
    out = pd.DataFrame(
        {
            "eid": eid,
            "source": r["source"].to_numpy(dtype=object),
            "rank": r["rank"].to_numpy(),
            "day": r["day"].to_numpy(),
            "given": given,
            "family": family,
            "gender": ent["gender"].to_numpy(dtype=object),
            "birth": np.where(has_birth, birth, np.datetime64("NaT")),
            "email": contact["email"],
            "phone": contact["phone"],
            "street": street,
            "postcode": post,
            "city": city,
            "department": ent["department"].to_numpy(dtype=object),
            "minor": ent["minor"].to_numpy(),
            "consent": rng.random(m) < 0.4,
        }
    )
    return out, pd.DataFrame(labels)
