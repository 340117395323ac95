"""Records of the ``webshop_en`` shape: who is in which source how often, and how they differ.

Sources: ``accounts`` (registered customers; some opened a second account), ``orders`` (one row
per guest checkout; guests who order again appear again) and ``newsletter`` (sign-ups). A
customer's records are ranked by date; the first one is written mostly as the customer is, the
later ones carry the variants of :data:`VARIANT_RATES` (each a chance on a later record and on
the first record). Every variant applied is a boolean label column, joined into ``variants`` in
``truth.csv``.

Example
-------
>>> from migration_kit.synthetic.webshop_people import make_webshop_entities
>>> rng = np.random.default_rng(0)
>>> r, labels = make_webshop_records(make_webshop_entities(200, rng), rng)
>>> sorted(set(r["source"])), len(r) == len(labels)
(['accounts', 'newsletter', 'orders'], True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .latin import NICKNAMES
from .variation import digit_typo, edit, nickname
from .webshop_people import address_lines

__all__ = ["PRESENCE", "SOURCES", "VARIANT_RATES", "make_webshop_records"]

SOURCES: tuple[str, ...] = ("accounts", "orders", "newsletter")
#: Variant -> (chance on a customer's later record, chance on the first record). NICKNAME applies
#: to given names with a nickname, FLAT_DROPPED to addresses with a flat, POSTCODE_FORMAT to GB;
#: ADDR_MOVED is the chance of a move, after which the customer's later records keep the address.
VARIANT_RATES: dict[str, tuple[float, float]] = {
    "NICKNAME": (0.30, 0.08),
    "NAME_TYPO": (0.05, 0.015),
    "NAME_TRANSPOSE": (0.025, 0.008),
    "NAME_SWAP": (0.025, 0.005),
    "NAME_CASE": (0.05, 0.03),
    "EMAIL_CHANGED": (0.15, 0.0),
    "EMAIL_CASE": (0.10, 0.02),
    "EMAIL_TYPO": (0.015, 0.005),
    "PHONE_TYPO": (0.03, 0.0),
    "ADDR_MOVED": (0.06, 0.0),
    "ADDR_ABBREV": (0.30, 0.05),
    "FLAT_DROPPED": (0.30, 0.05),
    "POSTCODE_TYPO": (0.03, 0.01),
    "POSTCODE_FORMAT": (0.12, 0.05),
}
#: Field -> source -> share of that source's records showing it (when the customer has one).
PRESENCE: dict[str, dict[str, float]] = {
    "phone": {"accounts": 0.55, "orders": 0.7, "newsletter": 0.0},
    "birth": {"accounts": 0.65, "orders": 0.2, "newsletter": 0.45},
    "postcode": {"accounts": 1.0, "orders": 1.0, "newsletter": 0.5},
}
_DOMAIN_TYPOS = {
    "gmail.com": "gmial.com",
    "hotmail.com": "hotmial.com",
    "hotmail.co.uk": "hotmail.co.uk.",
    "yahoo.com": "yaho.com",
    "yahoo.co.uk": "yahoo.co.uk.",
    "outlook.com": "outlok.com",
    "btinternet.com": "btinternet.co",
    "bigpond.com": "bigpond.com.au",
}


def _plan(e: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Which source holds each customer how often; records ranked by date per customer."""
    n = len(e)
    has_acc = rng.random(n) < 0.6
    n_acc = has_acc.astype(np.int64) + (has_acc & (rng.random(n) < 0.07))
    extra = (rng.random(n) < 0.22) * (1 + (rng.random(n) < 0.35))
    n_guest = np.where(has_acc, extra, 1 + rng.poisson(0.45, size=n))
    n_news = (rng.random(n) < 0.3).astype(np.int64)
    counts = (n_acc, n_guest, n_news)
    eid = np.concatenate([np.repeat(np.arange(n), k) for k in counts])
    src = np.concatenate(
        [np.full(int(k.sum()), s, dtype=object) for s, k in zip(SOURCES, counts, strict=True)]
    )
    first = e["first_date"].to_numpy().astype("datetime64[D]")[eid]
    last = e["last_date"].to_numpy().astype("datetime64[D]")[eid]
    span = (last - first).astype(np.int64)
    day = first + (rng.random(len(eid)) * (span + 1)).astype("timedelta64[D]")
    order = np.lexsort((rng.random(len(eid)), day, eid))
    r = pd.DataFrame({"eid": eid[order], "source": src[order], "day": day[order]})
    r["rank"] = r.groupby("eid").cumcount()
    r["second_account"] = (r["source"] == "accounts") & (
        r.groupby(["eid", "source"]).cumcount() > 0
    )
    return r


def _email_typo(rng: np.random.Generator, email: np.ndarray) -> np.ndarray:
    parts = pd.Series(email, dtype=object).str.split("@", n=1)
    local, dom = parts.str[0].to_numpy(dtype=object), parts.str[1].to_numpy(dtype=object)
    mapped = pd.Series(dom, dtype=object).map(_DOMAIN_TYPOS).to_numpy(dtype=object)
    use_dom = pd.notna(mapped) & (rng.random(len(email)) < 0.6)
    new_local, _ = edit(rng, local)
    out = np.where(use_dom, local + "@" + np.where(use_dom, mapped, ""), new_local + "@" + dom)
    return out.astype(object)


def make_webshop_records(
    e: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plan every record and its values.

    Parameters
    ----------
    e : pandas.DataFrame
        Customers from :func:`~migration_kit.synthetic.webshop_people.make_webshop_entities`.
    rng : numpy.random.Generator

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Records (``eid, source, rank, given, family, email, phone, birth, birth_mdy, line, city,
        county, postcode, country, created, last, cents, orders, consent, title``) and their
        boolean labels (one column per variant), row-aligned.

    Example
    -------
    >>> from migration_kit.synthetic.webshop_people import make_webshop_entities
    >>> rng = np.random.default_rng(3)
    >>> r, labels = make_webshop_records(make_webshop_entities(100, rng), rng)
    >>> bool((r.groupby("eid")["rank"].min() == 0).all()), bool(labels["NAME_SWAP"].any())
    (True, True)
    """
    r = _plan(e, rng)
    m = len(r)
    eid, src = r["eid"].to_numpy(), r["source"].to_numpy(dtype=object)
    dup = r["rank"].to_numpy() > 0
    ent = e.iloc[eid].reset_index(drop=True)
    country = ent["country"].to_numpy(dtype=object)
    labels: dict[str, np.ndarray] = {}

    def chance(name: str) -> np.ndarray:
        later, first = VARIANT_RATES[name]
        return rng.random(m) < np.where(dup, later, first)

    # names
    given = ent["given"].to_numpy(dtype=object).copy()
    family = ent["family"].to_numpy(dtype=object).copy()
    sel = np.isin(given, list(NICKNAMES)) & chance("NICKNAME")
    given[sel], labels["NICKNAME"] = nickname(rng, given[sel], NICKNAMES)[0], sel
    for name, kinds in (("NAME_TYPO", (0, 1, 2)), ("NAME_TRANSPOSE", (3,))):
        sel = chance(name)
        on_given = rng.random(m) < 0.5
        new_g, ch_g = edit(rng, given[sel & on_given], 1, kinds)
        new_f, ch_f = edit(rng, family[sel & ~on_given], 1, kinds)
        given[sel & on_given], family[sel & ~on_given] = new_g, new_f
        changed = np.zeros(m, dtype=bool)
        changed[np.flatnonzero(sel & on_given)[ch_g]] = True
        changed[np.flatnonzero(sel & ~on_given)[ch_f]] = True
        labels[name] = changed
    sel = chance("NAME_SWAP")
    given[sel], family[sel] = family[sel], given[sel].copy()
    labels["NAME_SWAP"] = sel
    sel = chance("NAME_CASE")
    upper = rng.random(m) < 0.6
    for arr in (given, family):
        s = pd.Series(arr[sel], dtype=object)
        arr[sel] = np.where(upper[sel], s.str.upper(), s.str.lower())
    labels["NAME_CASE"] = sel
    news = src == "newsletter"
    no_name = news & (rng.random(m) < 0.3)
    given_only = news & ~no_name & (rng.random(m) < 0.2)
    given[no_name], family[no_name | given_only] = "", ""
    for k in ("NICKNAME", "NAME_TYPO", "NAME_TRANSPOSE", "NAME_SWAP", "NAME_CASE"):
        labels[k] = labels[k] & ~no_name
    labels["NAME_MISSING"], labels["GIVEN_ONLY"] = no_name, given_only

    # e-mail
    email = ent["email"].to_numpy(dtype=object).copy()
    later = VARIANT_RATES["EMAIL_CHANGED"][0]
    changed = rng.random(m) < np.where(r["second_account"], 0.6, np.where(dup, later, 0.0))
    email[changed] = ent["email_alt"].to_numpy(dtype=object)[changed]
    sel = chance("EMAIL_CASE")
    s = pd.Series(email[sel], dtype=object)
    email[sel] = np.where(rng.random(int(sel.sum())) < 0.7, s.str.title(), s.str.upper())
    typo = chance("EMAIL_TYPO")
    email[typo] = _email_typo(rng, email[typo])
    missing = (src == "accounts") & (rng.random(m) < 0.02)
    email[missing] = ""
    labels["EMAIL_CHANGED"], labels["EMAIL_CASE"] = changed & ~missing, sel & ~missing
    labels["EMAIL_TYPO"], labels["EMAIL_MISSING"] = typo & ~missing, missing
    labels["SHARED_EMAIL"] = ent["shared_email"].to_numpy() & ~changed & ~missing

    # phone and birth date
    def shown(field: str) -> np.ndarray:
        p = pd.Series(src).map(PRESENCE[field]).to_numpy(dtype=float)
        return rng.random(m) < p

    phone = ent["phone"].to_numpy(dtype=object).copy()
    has_phone = (phone != "") & shown("phone")
    typo = has_phone & chance("PHONE_TYPO")
    phone[typo] = digit_typo(rng, phone[typo], skip=4)
    phone[~has_phone] = ""
    labels["PHONE_TYPO"] = typo
    birth = ent["birth"].to_numpy().astype("datetime64[D]")
    has_birth = shown("birth")
    bd = pd.DatetimeIndex(birth)
    mdy = (  # a US customer typing month/day into the shop's day/month field
        has_birth
        & (src == "accounts")
        & (country == "US")
        & (bd.day <= 12)
        & (bd.day != bd.month)
        & (rng.random(m) < 0.35)
    )
    labels["BIRTH_MDY"] = mdy

    # address
    moved = pd.Series(chance("ADDR_MOVED")).groupby(eid).cummax().to_numpy()  # stays moved
    addr = pd.DataFrame(index=range(m))
    for c in ("root", "suffix", "house", "unit", "city", "county", "postcode"):
        addr[c] = np.where(moved, ent["alt_" + c].to_numpy(), ent[c].to_numpy())
    base_abbrev = (rng.random(len(e)) < 0.2)[eid]
    flip = chance("ADDR_ABBREV")
    drop = (addr["unit"].to_numpy() > 0) & chance("FLAT_DROPPED")
    line = address_lines(country, addr, base_abbrev ^ flip, drop)
    post = addr["postcode"].to_numpy(dtype=object).copy()
    typo = chance("POSTCODE_TYPO")
    post[typo] = digit_typo(rng, post[typo], skip=1)
    fmt = (country == "GB") & chance("POSTCODE_FORMAT")
    ps = pd.Series(post[fmt], dtype=object)
    post[fmt] = np.where(rng.random(int(fmt.sum())) < 0.5, ps.str.lower(), ps.str.replace(" ", ""))
    acc = src == "accounts"
    county_missing = acc & (rng.random(m) < 0.25)
    no_addr = acc & (rng.random(m) < 0.04)
    post_shown = shown("postcode") & ~no_addr
    street = ~news & ~no_addr
    labels["ADDR_MOVED"] = moved & (street | post_shown)
    labels["ADDR_ABBREV"], labels["FLAT_DROPPED"] = flip & street, drop & street
    labels["POSTCODE_TYPO"] = typo & post_shown & (post != addr["postcode"].to_numpy(dtype=object))
    labels["POSTCODE_FORMAT"], labels["POSTCODE_MISSING"] = fmt & post_shown, news & ~post_shown
    labels["COUNTY_MISSING"], labels["ADDR_MISSING"] = county_missing & ~no_addr, no_addr

    # activity
    day = r["day"].to_numpy().astype("datetime64[D]")
    ent_last = ent["last_date"].to_numpy().astype("datetime64[D]")
    gap = (ent_last - day).astype(np.int64)
    last = np.where(
        src == "accounts", day + (rng.random(m) * (gap + 1)).astype("timedelta64[D]"), day
    )
    secs = rng.integers(7 * 3600, 23 * 3600, size=m).astype("timedelta64[s]")
    cents = np.where(
        acc, rng.lognormal(5.2, 1.0, size=m) * 100, rng.lognormal(3.8, 0.6, size=m) * 100
    ).astype(np.int64)
    gender = ent["gender"].to_numpy(dtype=object)
    title_f = np.array(["Mrs", "Ms", "Miss", "Ms", "Mrs"], dtype=object)[rng.integers(0, 5, size=m)]
    out = pd.DataFrame(
        {
            "eid": eid,
            "source": src,
            "rank": r["rank"].to_numpy(),
            "given": given,
            "family": family,
            "email": email,
            "phone": phone,
            "birth": np.where(has_birth, birth, np.datetime64("NaT")),
            "birth_mdy": mdy,
            "line": np.where(street, line, ""),
            "city": np.where(street, addr["city"], ""),
            "county": np.where(street & ~county_missing, addr["county"], ""),
            "postcode": np.where(post_shown, post, ""),
            "country": country,
            "created": day.astype("datetime64[s]") + secs,
            "last": last.astype("datetime64[s]") + secs,
            "cents": cents,
            "orders": 1 + rng.poisson(3, size=m),
            "consent": rng.random(m) < np.where(news, 0.88, 0.5),
            "title": np.where(gender == "M", np.where(rng.random(m) < 0.97, "Mr", "Dr"), title_f),
        }
    )
    return out, pd.DataFrame(labels)
