"""Customer notices: each law's required content, per deal type, region and language, as data."""
from __future__ import annotations

import pytest

from migration_kit.scoping.notices import NOTICE_LANGUAGES, NOTICE_TEXT, NoticeContext, language_of, notice

BASE = dict(deal="merger", seller="Seller Sports", recipient="Buyer Retail", contact="dpo@buyer.example",
            date="2026-12-01", purposes=("membership",), methods=("member service",),
            categories=("contact", "transaction"), new_purposes=(), country="CN", abroad=False,
            basis="art22", safeguard="scc", retention_years=3)

# (what the law requires, changes to BASE, eea, language, phrases the notice must hold)
REQUIRED = [
    ("PIPL Art. 22: recipient's name and contact", {}, False, "zh", ["Buyer Retail", "dpo@buyer.example", "合并"]),
    ("PIPL Art. 22: recipient continues the obligations", {}, False, "en", ["takes over the seller's obligations"]),
    ("event named per deal type: division", {"deal": "division"}, False, "zh", ["分立"]),
    ("event named per deal type: bankruptcy", {"deal": "bankruptcy"}, False, "en", ["declared bankruptcy"]),
    ("a merger is not called a business transfer", {}, False, "zh", ["合并"]),
    ("PIPL Art. 23: separate consent, purpose, method, categories", {"deal": "asset_sale", "basis": "consent"},
     False, "en", ["separate consent", "membership", "member service", "contact details", "purchase history"]),
    ("PIPL Art. 39: abroad, and the rights there", {"abroad": True, "country": "SG"}, False, "zh", ["SG", "境外"]),
    ("PIPL Art. 22: a new purpose needs consent", {"new_purposes": ("profiling",)}, False, "en",
     ["profiling", "ask for your consent"]),
    ("GDPR Art. 14: basis and legitimate interest", {}, True, "en", ["legal basis", "legitimate interest"]),
    ("GDPR Art. 14: categories and their source", {}, True, "en", ["Categories", "Seller Sports's customer records"]),
    ("GDPR Art. 14: retention and safeguards", {}, True, "en", ["Retention: 3 years", "standard contractual clauses"]),
    ("retention and safeguards in the customer's language", {}, True, "de", ["3 Jahre", "Standardvertragsklauseln"]),
    ("adequacy as the safeguard", {"safeguard": "adequacy"}, True, "fr", ["décision d'adéquation"]),
    ("GDPR Art. 14: rights to object and to complain", {}, True, "en", ["object", "lodge a complaint"]),
    ("GDPR Art. 14 in German", {}, True, "de", ["Widerspruch", "Beschwerde", "berechtigte Interesse"]),
    ("GDPR Art. 14 in French", {}, True, "fr", ["opposition", "réclamation", "intérêt légitime"]),
    ("GDPR Art. 14 in Spanish", {}, True, "es", ["oposición", "reclamación", "interés legítimo"]),
    ("GDPR Art. 14 in Italian", {}, True, "it", ["opposizione", "reclamo", "legittimo interesse"]),
    ("GDPR Art. 14 in Dutch", {}, True, "nl", ["bezwaar", "klacht", "gerechtvaardigd belang"]),
    ("consent basis under GDPR", {"deal": "asset_sale", "basis": "consent"}, True, "en", ["your consent (GDPR Art. 6(1)(a))"]),
]


@pytest.mark.parametrize("what,changes,eea,lang,phrases", REQUIRED, ids=[r[0] for r in REQUIRED])
def test_notice_holds_what_the_law_requires(what, changes, eea, lang, phrases):
    text = notice(NoticeContext(**{**BASE, **changes}), lang, eea=eea)
    assert [p for p in phrases if p not in text] == []


@pytest.mark.parametrize("lang", NOTICE_LANGUAGES)
def test_every_language_has_every_sentence(lang):
    assert set(NOTICE_TEXT[lang]) == set(NOTICE_TEXT["en"])
    for deal in ("merger", "division", "dissolution", "bankruptcy", "asset_sale"):
        for eea in (False, True):
            text = notice(NoticeContext(**{**BASE, "deal": deal, "abroad": True, "country": "SG"}), lang, eea=eea)
            assert "{" not in text and "Buyer Retail" in text


def test_no_original_purposes_claim_when_consent_is_the_basis():
    text = notice(NoticeContext(**{**BASE, "deal": "asset_sale", "basis": "consent"}), "en", eea=False)
    assert "original purposes" not in text


@pytest.mark.parametrize("country,lang", [("DE", "de"), ("AT", "de"), ("BE", "nl"), ("CN", "zh"), ("JP", "en")])
def test_language_of(country, lang):
    assert language_of(country) == lang


SEND_LOG_CASES = [  # log text, expected counts or error
    ("entity_id,channel,sent_at,status\nE1,sms,2026-11-30,sent\nE2,email,,failed\n",
     {"sent": 1, "failed": 1, "pending": 1}),
    ("entity_id,channel,sent_at,status\nE1,sms,2026-11-30,delivered\n", "status 'delivered' on row 2"),
    ("entity_id,status\nE1,sent\n", "missing column\\(s\\) channel, sent_at"),
]


@pytest.mark.parametrize("text,expected", SEND_LOG_CASES)
def test_send_log_is_read_back(tmp_path, text, expected):
    import pandas as pd

    from migration_kit.errors import ScopingError
    from migration_kit.scoping.notices import read_send_log

    (tmp_path / "log.csv").write_text(text, encoding="utf-8")
    roster = pd.DataFrame({"entity_id": ["E1", "E2", "E3"]})
    if isinstance(expected, dict):
        assert read_send_log(tmp_path / "log.csv", roster) == expected
    else:
        with pytest.raises(ScopingError, match=expected):
            read_send_log(tmp_path / "log.csv", roster)
