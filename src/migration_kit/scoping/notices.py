"""Customer notices: per deal type, region and language, with what each law requires them to say.

A notice is put together from sentences (:data:`NOTICE_TEXT`) in the customer's language
(:data:`COUNTRY_LANGUAGE`: zh, en, de, fr, es, it, nl; others get en):

- always: the event (merger, division, dissolution, declared bankruptcy, asset sale), the
  recipient's name and contact and the date (PIPL Art. 22), and how to exercise the rights;
- Art. 22 deals: the recipient continues the seller's obligations and original purposes;
- an asset sale: separate consent, and the purposes, methods and categories (PIPL Art. 23);
- new purposes: they need the customer's own consent first (PIPL Art. 22, 2nd sentence);
- a recipient abroad: where, and that the rights are exercised with the recipient (PIPL Art. 39);
- EEA residents (GDPR Art. 14): the controller and contact, purposes and legal basis (with the
  legitimate interest where that is the basis), categories and their source, retention, the
  transfer safeguard, the rights to access, rectify, erase, restrict, object and port, to
  withdraw consent, and to complain to a supervisory authority.

Every notice is due at the transfer date: PIPL wants the customer told before the move, which
also meets GDPR Art. 14(3)'s one month (:data:`DUE_RULE`).

Example
-------
>>> ctx = NoticeContext(deal="merger", seller="S Co", recipient="R Co", contact="400-1",
...                     date="2026-12-01", purposes=("shop",), methods=(), categories=("contact",),
...                     new_purposes=(), country="CN", abroad=False, basis="art22",
...                     safeguard="scc", retention_years=3)
>>> text = notice(ctx, "en", eea=False)
>>> "merger" in text and "R Co" in text and "400-1" in text
True
>>> "Beschwerde" in notice(ctx, "de", eea=True)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import ScopingError

__all__ = [
    "COUNTRY_LANGUAGE",
    "DUE_RULE",
    "NOTICE_LANGUAGES",
    "NOTICE_TEXT",
    "NoticeContext",
    "language_of",
    "notice",
    "public_notice",
    "read_send_log",
]

#: Languages a notice is written in.
NOTICE_LANGUAGES = ("zh", "en", "de", "fr", "es", "it", "nl")
#: Customer country -> notice language (others: en).
COUNTRY_LANGUAGE = {
    "CN": "zh", "HK": "zh", "MO": "zh", "TW": "zh",
    "DE": "de", "AT": "de", "LI": "de",
    "FR": "fr", "LU": "fr", "MC": "fr",
    "ES": "es",
    "IT": "it", "SM": "it",
    "NL": "nl", "BE": "nl",
}  # fmt: skip
#: When a notice is due, and why.
DUE_RULE = "at the transfer date (PIPL Art. 22: before the move; within GDPR Art. 14(3)(a))"


@dataclass(frozen=True)
class NoticeContext:
    """The facts a notice states (no personal data: one notice text per language and case)."""

    deal: str
    seller: str
    recipient: str
    contact: str
    date: str
    purposes: Sequence[str]
    methods: Sequence[str]
    categories: Sequence[str]
    new_purposes: Sequence[str]
    country: str
    abroad: bool
    basis: str  # "art22" | "consent" | "business_transfer"
    safeguard: str  # "scc" | "adequacy" | "none" (GDPR Art. 44-46, for EEA residents)
    retention_years: int | None


#: language -> sentence key -> template (``{seller}`` ... as in :class:`NoticeContext`).
NOTICE_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "retention_years": "最后一次活动后{years}年",
        "retention_law": "依法律规定的期限",
        "sg_scc": "标准合同条款（GDPR第46条第2款c项）",
        "sg_adequacy": "充分性认定（GDPR第45条）",
        "sg_none": "无需（接收方位于欧洲经济区内）",
        "merger": "合并", "division": "分立", "dissolution": "解散", "bankruptcy": "被宣告破产",
        "asset_sale": "出售业务资产",
        "intro": "尊敬的客户：因{seller}{event}，您的个人信息将于{date}转移至{recipient}"
        "（联系方式：{contact}）。",
        "art22": "接收方将继续履行个人信息处理者的义务，按原处理目的和处理方式处理您的个人信息"
        "（《个人信息保护法》第二十二条）。",
        "consent": "只有在取得您的单独同意后，我们才会向接收方提供您的个人信息（第二十三条）。"
        "处理目的：{purposes}；处理方式：{methods}；个人信息种类：{categories}。",
        "new_purpose": "接收方如将您的个人信息用于{new_purposes}（原处理目的以外），将事先另行取得"
        "您的同意。",
        "abroad": "接收方位于{country}，您的个人信息将在境外处理（第三十九条）；您可通过{contact}"
        "向接收方行使个人信息权利。",
        "rights": "如需查阅、复制、更正、删除您的个人信息或撤回同意，请联系{contact}。",
        "gdpr": "控制者：{recipient}（{contact}）。目的：{purposes}；"
        "法律依据：{legal_basis}。种类：{categories}，来源于{seller}的客户记录。"
        "保存期限：{retention}。向欧洲经济区以外传输的保障：{safeguard}。"
        "您有权访问、更正、删除、限制处理、反对处理及数据可携，可随时撤回同意，"
        "并有权向监管机构投诉。",
        "basis_art22": "接收方继续经营所收购业务的正当利益（GDPR第6条第1款f项）"
        "及履行现有合同（b项）",
        "basis_consent": "您的同意（GDPR第6条第1款a项）",
        "categories_sep": "、",
    },
    "en": {
        "retention_years": "{years} years after your last activity",
        "retention_law": "as the law requires",
        "sg_scc": "standard contractual clauses (GDPR Art. 46(2)(c))",
        "sg_adequacy": "an adequacy decision (GDPR Art. 45)",
        "sg_none": "none needed (the recipient is in the EEA)",
        "merger": "merger", "division": "division", "dissolution": "dissolution",
        "bankruptcy": "declared bankruptcy", "asset_sale": "sale of its business assets",
        "intro": "Dear customer, following the {event} of {seller}, your personal data will be "
        "transferred on {date} to {recipient} (contact: {contact}).",
        "art22": "The recipient takes over the seller's obligations and keeps processing your data "
        "for the original purposes and in the original way (PIPL Art. 22).",
        "consent": "We will pass your data to the recipient only with your separate consent (PIPL "
        "Art. 23). Purposes: {purposes}; methods: {methods}; categories: {categories}.",
        "new_purpose": "Before using your data for {new_purposes}, which go beyond the original "
        "purposes, the recipient will ask for your consent.",
        "abroad": "The recipient is in {country}: your data will be processed outside China (PIPL "
        "Art. 39); you exercise your rights with the recipient at {contact}.",
        "rights": "To access, copy, correct or erase your data, or to withdraw consent, contact "
        "{contact}.",
        "gdpr": "Controller: {recipient} ({contact}). Purposes: {purposes}; legal basis: "
        "{legal_basis}. Categories: {categories}, obtained from {seller}'s customer records. "
        "Retention: {retention}. Transfer outside the EEA: {safeguard}. You have the right to "
        "access, rectify and erase your data, to restrict or object to its processing, to data "
        "portability, to withdraw consent at any time, and to lodge a complaint with a "
        "supervisory authority.",
        "basis_art22": "the recipient's legitimate interest in continuing the business it "
        "acquired (GDPR Art. 6(1)(f)) and the performance of existing contracts (Art. 6(1)(b))",
        "basis_consent": "your consent (GDPR Art. 6(1)(a))",
        "categories_sep": ", ",
    },
    "de": {
        "retention_years": "{years} Jahre nach Ihrer letzten Aktivität",
        "retention_law": "wie gesetzlich vorgeschrieben",
        "sg_scc": "Standardvertragsklauseln (Art. 46 Abs. 2 lit. c DSGVO)",
        "sg_adequacy": "Angemessenheitsbeschluss (Art. 45 DSGVO)",
        "sg_none": "nicht erforderlich (Empfänger im EWR)",
        "merger": "Verschmelzung", "division": "Spaltung", "dissolution": "Auflösung",
        "bankruptcy": "Insolvenz", "asset_sale": "Veräußerung ihres Geschäftsbetriebs",
        "intro": "Sehr geehrte Kundin, sehr geehrter Kunde, im Zuge der {event} von {seller} "
        "werden Ihre personenbezogenen Daten am {date} an {recipient} (Kontakt: {contact}) "
        "übertragen.",
        "art22": "Der Empfänger übernimmt die Pflichten des Verkäufers und verarbeitet Ihre Daten "
        "weiter zu den ursprünglichen Zwecken und auf die ursprüngliche Weise.",
        "consent": "Wir geben Ihre Daten nur mit Ihrer gesonderten Einwilligung an den Empfänger "
        "weiter. Zwecke: {purposes}; Verarbeitungsweise: {methods}; Kategorien: {categories}.",
        "new_purpose": "Bevor der Empfänger Ihre Daten für {new_purposes} nutzt, die über die "
        "ursprünglichen Zwecke hinausgehen, holt er Ihre Einwilligung ein.",
        "abroad": "Der Empfänger sitzt in {country}; Ihre Rechte üben Sie gegenüber dem Empfänger "
        "unter {contact} aus.",
        "rights": "Für Auskunft, Kopie, Berichtigung oder Löschung Ihrer Daten oder den Widerruf "
        "einer Einwilligung wenden Sie sich an {contact}.",
        "gdpr": "Verantwortlicher: {recipient} ({contact}). Zwecke: {purposes}; Rechtsgrundlage: "
        "{legal_basis}. Kategorien: {categories}, aus den Kundendaten von {seller}. "
        "Speicherdauer: {retention}. Übermittlung außerhalb des EWR: {safeguard}. Sie haben das "
        "Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der Verarbeitung, Widerspruch "
        "und Datenübertragbarkeit, können eine Einwilligung jederzeit widerrufen und haben das "
        "Recht auf Beschwerde bei einer Aufsichtsbehörde.",
        "basis_art22": "das berechtigte Interesse des Empfängers an der Fortführung des erworbenen "
        "Geschäfts (Art. 6 Abs. 1 lit. f DSGVO) und die Erfüllung bestehender Verträge (lit. b)",
        "basis_consent": "Ihre Einwilligung (Art. 6 Abs. 1 lit. a DSGVO)",
        "categories_sep": ", ",
    },
    "fr": {
        "retention_years": "{years} ans après votre dernière activité",
        "retention_law": "selon la loi",
        "sg_scc": "clauses contractuelles types (art. 46, par. 2, point c) du RGPD)",
        "sg_adequacy": "décision d'adéquation (art. 45 du RGPD)",
        "sg_none": "aucune (destinataire dans l'EEE)",
        "merger": "fusion", "division": "scission", "dissolution": "dissolution",
        "bankruptcy": "faillite", "asset_sale": "cession de son fonds de commerce",
        "intro": "Chère cliente, cher client, à la suite de la {event} de {seller}, vos données "
        "personnelles seront transférées le {date} à {recipient} (contact : {contact}).",
        "art22": "Le destinataire reprend les obligations du vendeur et continue de traiter vos "
        "données pour les finalités et selon les modalités d'origine.",
        "consent": "Nous ne transmettrons vos données au destinataire qu'avec votre consentement "
        "distinct. Finalités : {purposes} ; modalités : {methods} ; catégories : {categories}.",
        "new_purpose": "Avant d'utiliser vos données pour {new_purposes}, au-delà des finalités "
        "d'origine, le destinataire vous demandera votre consentement.",
        "abroad": "Le destinataire est établi en {country} ; vous exercez vos droits auprès de "
        "lui à l'adresse {contact}.",
        "rights": "Pour accéder à vos données, en obtenir copie, les rectifier ou les effacer, ou "
        "retirer votre consentement, contactez {contact}.",
        "gdpr": "Responsable du traitement : {recipient} ({contact}). Finalités : {purposes} ; "
        "base juridique : {legal_basis}. Catégories : {categories}, issues des fichiers clients "
        "de {seller}. Durée de conservation : {retention}. Transfert hors de l'EEE : {safeguard}. "
        "Vous disposez des droits d'accès, de rectification, d'effacement, de limitation, "
        "d'opposition et de portabilité, pouvez retirer votre consentement à tout moment et "
        "avez le droit d'introduire une réclamation auprès d'une autorité de contrôle.",
        "basis_art22": "l'intérêt légitime du destinataire à poursuivre l'activité acquise (art. "
        "6, par. 1, point f) du RGPD) et l'exécution des contrats en cours (point b)",
        "basis_consent": "votre consentement (art. 6, par. 1, point a) du RGPD)",
        "categories_sep": ", ",
    },
    "es": {
        "retention_years": "{years} años después de su última actividad",
        "retention_law": "según exija la ley",
        "sg_scc": "cláusulas contractuales tipo (art. 46.2.c del RGPD)",
        "sg_adequacy": "decisión de adecuación (art. 45 del RGPD)",
        "sg_none": "ninguna (destinatario en el EEE)",
        "merger": "fusión", "division": "escisión", "dissolution": "disolución",
        "bankruptcy": "quiebra", "asset_sale": "venta de sus activos comerciales",
        "intro": "Estimado cliente: a raíz de la {event} de {seller}, sus datos personales se "
        "transferirán el {date} a {recipient} (contacto: {contact}).",
        "art22": "El destinatario asume las obligaciones del vendedor y seguirá tratando sus datos "
        "para los fines y de la manera originales.",
        "consent": "Solo cederemos sus datos al destinatario con su consentimiento específico. "
        "Fines: {purposes}; modo de tratamiento: {methods}; categorías: {categories}.",
        "new_purpose": "Antes de usar sus datos para {new_purposes}, más allá de los fines "
        "originales, el destinatario le pedirá su consentimiento.",
        "abroad": "El destinatario está en {country}; usted ejerce sus derechos ante él en "
        "{contact}.",
        "rights": "Para acceder, obtener copia, rectificar o suprimir sus datos, o retirar su "
        "consentimiento, diríjase a {contact}.",
        "gdpr": "Responsable: {recipient} ({contact}). Fines: {purposes}; base jurídica: "
        "{legal_basis}. Categorías: {categories}, procedentes de los registros de clientes de "
        "{seller}. Plazo de conservación: {retention}. Transferencia fuera del EEE: {safeguard}. "
        "Tiene derecho de acceso, rectificación, supresión, limitación, oposición y "
        "portabilidad, puede retirar su consentimiento en cualquier momento y tiene derecho a "
        "presentar una reclamación ante una autoridad de control.",
        "basis_art22": "el interés legítimo del destinatario en continuar el negocio adquirido "
        "(art. 6.1.f del RGPD) y la ejecución de los contratos vigentes (art. 6.1.b)",
        "basis_consent": "su consentimiento (art. 6.1.a del RGPD)",
        "categories_sep": ", ",
    },
    "it": {
        "retention_years": "{years} anni dopo la sua ultima attività",
        "retention_law": "secondo la legge",
        "sg_scc": "clausole contrattuali tipo (art. 46, par. 2, lett. c) GDPR)",
        "sg_adequacy": "decisione di adeguatezza (art. 45 GDPR)",
        "sg_none": "nessuna (destinatario nel SEE)",
        "merger": "fusione", "division": "scissione", "dissolution": "scioglimento",
        "bankruptcy": "fallimento", "asset_sale": "cessione del suo ramo d'azienda",
        "intro": "Gentile cliente, a seguito della {event} di {seller}, i suoi dati personali "
        "saranno trasferiti il {date} a {recipient} (contatto: {contact}).",
        "art22": "Il destinatario subentra negli obblighi del venditore e continuerà a trattare i "
        "suoi dati per le finalità e con le modalità originarie.",
        "consent": "Trasmetteremo i suoi dati al destinatario solo con il suo consenso specifico. "
        "Finalità: {purposes}; modalità: {methods}; categorie: {categories}.",
        "new_purpose": "Prima di usare i suoi dati per {new_purposes}, oltre le finalità "
        "originarie, il destinatario le chiederà il consenso.",
        "abroad": "Il destinatario ha sede in {country}; i suoi diritti si esercitano presso di "
        "lui all'indirizzo {contact}.",
        "rights": "Per accedere ai suoi dati, ottenerne copia, rettificarli o cancellarli, o "
        "revocare il consenso, contatti {contact}.",
        "gdpr": "Titolare del trattamento: {recipient} ({contact}). Finalità: {purposes}; base "
        "giuridica: {legal_basis}. Categorie: {categories}, provenienti dall'archivio clienti di "
        "{seller}. Conservazione: {retention}. Trasferimento fuori dal SEE: {safeguard}. Ha "
        "diritto di accesso, rettifica, cancellazione, limitazione, opposizione e portabilità, "
        "può revocare il consenso in qualsiasi momento e ha diritto di proporre reclamo a "
        "un'autorità di controllo.",
        "basis_art22": "il legittimo interesse del destinatario a proseguire l'attività acquisita "
        "(art. 6, par. 1, lett. f) GDPR) e l'esecuzione dei contratti in essere (lett. b)",
        "basis_consent": "il suo consenso (art. 6, par. 1, lett. a) GDPR)",
        "categories_sep": ", ",
    },
    "nl": {
        "retention_years": "{years} jaar na uw laatste activiteit",
        "retention_law": "zoals de wet voorschrijft",
        "sg_scc": "modelcontractbepalingen (art. 46, lid 2, onder c, AVG)",
        "sg_adequacy": "adequaatheidsbesluit (art. 45 AVG)",
        "sg_none": "niet nodig (ontvanger in de EER)",
        "merger": "fusie", "division": "splitsing", "dissolution": "ontbinding",
        "bankruptcy": "faillissement", "asset_sale": "verkoop van haar bedrijfsactiva",
        "intro": "Beste klant, in verband met de {event} van {seller} worden uw persoonsgegevens "
        "op {date} overgedragen aan {recipient} (contact: {contact}).",
        "art22": "De ontvanger neemt de verplichtingen van de verkoper over en verwerkt uw "
        "gegevens verder voor de oorspronkelijke doeleinden en op de oorspronkelijke wijze.",
        "consent": "Wij geven uw gegevens alleen met uw afzonderlijke toestemming door aan de "
        "ontvanger. Doeleinden: {purposes}; wijze: {methods}; categorieën: {categories}.",
        "new_purpose": "Voordat de ontvanger uw gegevens gebruikt voor {new_purposes}, buiten de "
        "oorspronkelijke doeleinden, vraagt hij uw toestemming.",
        "abroad": "De ontvanger is gevestigd in {country}; uw rechten oefent u uit bij de "
        "ontvanger via {contact}.",
        "rights": "Voor inzage, een kopie, correctie of verwijdering van uw gegevens, of het "
        "intrekken van toestemming, neemt u contact op met {contact}.",
        "gdpr": "Verwerkingsverantwoordelijke: {recipient} ({contact}). Doeleinden: {purposes}; "
        "rechtsgrond: {legal_basis}. Categorieën: {categories}, afkomstig uit het "
        "klantenbestand van {seller}. Bewaartermijn: {retention}. Doorgifte buiten de EER: "
        "{safeguard}. U hebt recht op inzage, rectificatie, wissing, beperking, bezwaar en "
        "overdraagbaarheid, kunt uw toestemming altijd intrekken en hebt het recht een klacht "
        "in te dienen bij een toezichthoudende autoriteit.",
        "basis_art22": "het gerechtvaardigd belang van de ontvanger bij voortzetting van het "
        "overgenomen bedrijf (art. 6, lid 1, onder f, AVG) en de uitvoering van lopende "
        "overeenkomsten (onder b)",
        "basis_consent": "uw toestemming (art. 6, lid 1, onder a, AVG)",
        "categories_sep": ", ",
    },
}  # fmt: skip

#: The category labels of exported fields, per language.
CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "zh": {"identity": "身份信息", "contact": "联系方式", "transaction": "交易记录",
           "preference": "营销偏好", "organisation": "单位信息"},
    "en": {"identity": "identity data", "contact": "contact details", "transaction":
           "purchase history", "preference": "marketing preferences", "organisation":
           "organisation"},
    "de": {"identity": "Identitätsdaten", "contact": "Kontaktdaten", "transaction":
           "Kaufhistorie", "preference": "Werbepräferenzen", "organisation": "Organisation"},
    "fr": {"identity": "données d'identité", "contact": "coordonnées", "transaction":
           "historique d'achats", "preference": "préférences marketing", "organisation":
           "organisation"},
    "es": {"identity": "datos de identidad", "contact": "datos de contacto", "transaction":
           "historial de compras", "preference": "preferencias de marketing", "organisation":
           "organización"},
    "it": {"identity": "dati identificativi", "contact": "dati di contatto", "transaction":
           "storico acquisti", "preference": "preferenze di marketing", "organisation":
           "organizzazione"},
    "nl": {"identity": "identiteitsgegevens", "contact": "contactgegevens", "transaction":
           "aankoopgeschiedenis", "preference": "marketingvoorkeuren", "organisation":
           "organisatie"},
}  # fmt: skip


def language_of(country: str | None, overrides: dict[str, str] | None = None) -> str:
    """The notice language for a customer country (``overrides``: ``policy.notification``).

    Example
    -------
    >>> language_of("DE"), language_of("US"), language_of(None)
    ('de', 'en', 'en')
    """
    table = {**COUNTRY_LANGUAGE, **(overrides or {})}
    lang = table.get(country or "", table.get("default", "en"))
    return lang if lang in NOTICE_TEXT else "en"


def notice(ctx: NoticeContext, language: str, *, eea: bool) -> str:
    """The notice text for one language and case (see the module docstring)."""
    t = NOTICE_TEXT[language]
    sep = t["categories_sep"]
    cats = sep.join(dict.fromkeys(CATEGORY_LABELS[language].get(c, c) for c in ctx.categories))
    values = {
        "seller": ctx.seller,
        "recipient": ctx.recipient,
        "contact": ctx.contact,
        "date": ctx.date,
        "event": t.get(ctx.deal, ctx.deal),
        "purposes": sep.join(ctx.purposes),
        "methods": sep.join(ctx.methods) or sep.join(ctx.purposes),
        "categories": cats,
        "new_purposes": sep.join(ctx.new_purposes),
        "country": ctx.country,
        "safeguard": t.get(f"sg_{ctx.safeguard}", "-"),
        "retention": t["retention_years"].format(years=ctx.retention_years)
        if ctx.retention_years
        else t["retention_law"],
        "legal_basis": t["basis_consent"] if ctx.basis == "consent" else t["basis_art22"],
    }
    parts = ["intro", "consent" if ctx.basis == "consent" else "art22"]
    if ctx.new_purposes:
        parts.append("new_purpose")
    if ctx.abroad:
        parts.append("abroad")
    parts.append("rights")
    if eea:
        parts.append("gdpr")
    return (
        "".join(t[p].format_map(values) for p in parts)
        if language == "zh"
        else " ".join(t[p].format_map(values) for p in parts)
    )


def public_notice(ctx: NoticeContext, customers_without_channel: int) -> str:
    """Markdown: the public notice for customers the seller cannot reach (zh and en)."""
    return "\n".join(
        [
            "# Public notice (customers without a phone, e-mail or address)",
            "",
            f"Customers without any channel: {customers_without_channel}. Publish this notice "
            "where the seller's customers see it (shops, the web shop's front page) before the "
            "transfer date, and record where and when in the send log.",
            "",
            "## 中文",
            "",
            notice(ctx, "zh", eea=False),
            "",
            "## English",
            "",
            notice(ctx, "en", eea=False),
            "",
        ]
    )


#: Statuses a send log may record.
SEND_STATUSES = ("sent", "failed", "bounced", "published")


def read_send_log(path: Path | None, roster: pd.DataFrame) -> dict[str, int]:
    """Counts of the seller's filled-in send log (``entity_id, channel, sent_at, status``) against
    this run's roster: ``sent`` (and published), ``failed`` (failed or bounced), ``pending`` (no
    status yet or not in the log). Empty without a log.

    Example
    -------
    >>> read_send_log(None, pd.DataFrame({"entity_id": ["E1"]}))
    {}
    """
    if path is None:
        return {}
    log = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("entity_id", "channel", "sent_at", "status") if c not in log.columns]
    if missing:
        raise ScopingError(
            f"{path}: missing column(s) {', '.join(missing)}; fill the send log "
            "this kit wrote (reports/notice_send_log.csv)"
        )
    status = log["status"].str.strip().str.lower()
    bad = status[(status != "") & ~status.isin(SEND_STATUSES)]
    if len(bad):
        raise ScopingError(
            f"{path}: status {bad.iloc[0]!r} on row {int(bad.index[0]) + 2}; "
            f"allowed: {', '.join(SEND_STATUSES)} (or empty: not sent yet)"
        )
    by = dict(zip(log["entity_id"], status, strict=False))
    done = [by.get(e, "") for e in roster["entity_id"]]
    return {
        "sent": sum(s in ("sent", "published") for s in done),
        "failed": sum(s in ("failed", "bounced") for s in done),
        "pending": sum(s == "" for s in done),
    }
