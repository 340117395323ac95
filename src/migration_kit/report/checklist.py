"""The sign-off checklist: the source brief's twenty sections, each answered from run evidence.

Each item is data: the brief's section (Chinese title as in the brief), what the kit did, and the
run's evidence as a sentence with its figure (``"{failures} values failed a check"``), filled from
the facts of :func:`~migration_kit.report.collect_facts` by :func:`answer`: numbers grouped and
rounded, a figure the run did not produce shown as ``n/a``. Answers may hold `` `code` `` spans;
the report renders them as ``<code>``.

Example
-------
>>> len(CHECKLIST)
20
>>> answer({"failures": 1810.0})[2]["evidence"]
'1,810 values failed a check, each with its reason code (failure_counts.csv)'
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from .format import number

__all__ = ["CHECKLIST", "ChecklistItem", "answer", "evidence_keys"]


@dataclass(frozen=True)
class ChecklistItem:
    """One section of the brief and how this run answers it."""

    section: str
    title: str
    answer: str
    #: a sentence with ``{fact}`` placeholders, or "" when the answer is organisational
    evidence: str


CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "一",
        "客户资料的保护 / protection, lawful collection, classification",
        "Every column classified (category, PIPL sensitivity); sensitive fields leave only for a "
        "listed purpose.",
        "{classified_columns} source columns classified (classification.csv)",
    ),
    ChecklistItem(
        "二",
        "存储与备份 / storage and backup",
        "Raw exports backed up encrypted (CMS, seller's certificate) before processing; restore "
        "gives identical bytes; purge destroys the backup, or keeps it to a stated date and says "
        "so in the certificate.",
        "{backup_files} raw exports backed up, encrypted to the seller's certificate",
    ),
    ChecklistItem(
        "三",
        "更新与维护 / cleaning",
        "Phones, e-mails, IDs, names, dates and addresses standardized; every failure in one "
        "table.",
        "{failures} values failed a check, each with its reason code (failure_counts.csv)",
    ),
    ChecklistItem(
        "四",
        "合规使用 / compliant use",
        "Buyer purposes listed; fields not needed are dropped (minimisation); new purposes flag "
        "re-consent.",
        "{exported_count} fields exported ({exported_fields}); {dropped_count} dropped",
    ),
    ChecklistItem(
        "五",
        "销毁与注销 / destruction and records",
        "Excluded records logged by keyed hash with reason, date and method; destruction "
        "scheduled (destruction_schedule.md); `migration-kit purge` destroys and then issues the "
        "signed certificate.",
        "{destroyed}",
    ),
    ChecklistItem(
        "六",
        "国际化处理 / international customers",
        "Cross-border counts and the PIPL mechanism; EU residents flagged with GDPR Art. 14 notice "
        "duty.",
        "{crossborder}",
    ),
    ChecklistItem(
        "七",
        "伦理考量 / respect for privacy",
        "Withdrawn consent and erasure requests honoured across every duplicate of a customer.",
        "{suppressed} records excluded on {requests} consent withdrawals and erasure requests",
    ),
    ChecklistItem(
        "八",
        "培训与教育 / training",
        "Everyone handling the data signs the confidentiality annex; staff briefed (sign below).",
        "{annexes} drafted",
    ),
    ChecklistItem(
        "九",
        "审计与监督 / audit",
        "Hash-chained audit log of every step; `migration-kit verify` checks it with the manifest.",
        "{audit_entries} hash-chained audit-log entries",
    ),
    ChecklistItem(
        "十",
        "应急处理 / incident response",
        "Incident plan with roles, steps and breach-notice templates (zh, en) drafted from the "
        "run; the parties fill the names.",
        "{incident_plan}",
    ),
    ChecklistItem(
        "十一",
        "透明度 / transparency",
        "Notices per deal type, region and language (PIPL Art. 22/23/39, GDPR Art. 14); customers "
        "without a channel get a public notice; `migration-kit lookup` answers a person, also "
        "after purge.",
        "{roster}",
    ),
    ChecklistItem(
        "十二",
        "可持续发展 / sustainability",
        "Working copies purged after sign-off (runs/ purge with destruction record).",
        "",
    ),
    ChecklistItem(
        "十三",
        "国际化合作 / international cooperation",
        "Recipient named with country; transfer basis and mechanism recorded; data-transfer and "
        "confidentiality annexes drafted.",
        "{annexes} drafted",
    ),
    ChecklistItem(
        "十四",
        "隐私保护意识 / privacy awareness",
        "Outputs show masked values only; no plaintext personal data outside encrypted files.",
        "",
    ),
    ChecklistItem(
        "十五",
        "法律法规更新 / legal updates",
        "Policy (retention, minors, purposes) declared in the params file, reviewed per run.",
        "params file SHA-256 {params_sha256}",
    ),
    ChecklistItem(
        "十六",
        "审查 / review",
        "Quality gates enforced; uncertain duplicate pairs sent to clerical review.",
        "{gates_passed} of {gates} quality gates passed; {review_pairs} uncertain pairs sent to "
        "clerical review, {decisions} decided",
    ),
    ChecklistItem(
        "十七",
        "持续改进 / continuous improvement",
        "Quality before/after measured per dimension and source.",
        "overall quality {quality_before} before, {quality_after} after (0-100)",
    ),
    ChecklistItem(
        "十八",
        "跨部门协作 / cross-department",
        "Organisational: seller IT, legal and buyer IT sign below.",
        "",
    ),
    ChecklistItem(
        "十九",
        "危机公关 / crisis communication",
        "Breach-notice templates for the authority and the customers (zh, en) in the incident "
        "plan.",
        "{incident_plan}",
    ),
    ChecklistItem(
        "二十",
        "长期价值 / long-term value",
        "The buyer gets golden records with lineage and quality scores, every value accounted "
        "for; new uses wait for consent, so the data keeps its lawful value.",
        "{long_term_value}",
    ),
)


def evidence_keys(item: ChecklistItem) -> list[str]:
    """The fact names an item's evidence sentence uses.

    Example
    -------
    >>> evidence_keys(CHECKLIST[3])
    ['exported_count', 'exported_fields', 'dropped_count']
    """
    return [f for _, f, _, _ in string.Formatter().parse(item.evidence) if f]


class _Facts(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "n/a"


def _text(value: object) -> str:
    if value is None or value == "":
        return "n/a"
    return (
        number(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else str(value)
    )


def answer(facts: Mapping[str, object]) -> list[dict[str, str]]:
    """Rows for the report: section, title, what was done, and the evidence sentence from this
    run (see the module docstring).

    Example
    -------
    >>> answer({})[11]["evidence"]
    'organisational: confirm at sign-off'
    """
    values = _Facts({k: _text(v) for k, v in facts.items()})
    rows = []
    for item in CHECKLIST:
        evidence = (
            item.evidence.format_map(values)
            if item.evidence
            else "organisational: confirm at sign-off"
        )
        rows.append(
            {
                "section": item.section,
                "title": item.title,
                "answer": item.answer,
                "evidence": evidence,
            }
        )
    return rows
