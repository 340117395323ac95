"""The sign-off checklist: the source brief's twenty sections, each answered from run evidence.

Each item is data: the brief's section (Chinese title as in the brief), what the kit did, and the
run artefact that proves it. ``evidence`` keys are filled from the run folder by :func:`answer`.

Example
-------
>>> len(CHECKLIST)
20
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CHECKLIST", "ChecklistItem", "answer"]


@dataclass(frozen=True)
class ChecklistItem:
    """One section of the brief and how this run answers it."""

    section: str
    title: str
    answer: str
    evidence: str  # a key of the facts dict, or "" when the answer is organisational


CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "一",
        "客户资料的保护 / protection, lawful collection, classification",
        "Every column classified (category, PIPL sensitivity); sensitive fields leave only for a "
        "listed purpose.",
        "classified_columns",
    ),
    ChecklistItem(
        "二",
        "存储与备份 / storage and backup",
        "Raw exports backed up encrypted (CMS, seller's certificate) before processing; restore "
        "gives identical bytes; purge destroys the backup, or keeps it to a stated date and says "
        "so in the certificate.",
        "backup_files",
    ),
    ChecklistItem(
        "三",
        "更新与维护 / cleaning",
        "Phones, e-mails, IDs, names, dates and addresses standardized; every failure in one "
        "table.",
        "failures",
    ),
    ChecklistItem(
        "四",
        "合规使用 / compliant use",
        "Buyer purposes listed; fields not needed are dropped (minimisation); new purposes flag "
        "re-consent.",
        "exported_fields",
    ),
    ChecklistItem(
        "五",
        "销毁与注销 / destruction and records",
        "Excluded records logged by keyed hash with reason, date and method; destruction "
        "scheduled (destruction_schedule.md); `migration-kit purge` destroys and then issues the "
        "signed certificate.",
        "destroyed",
    ),
    ChecklistItem(
        "六",
        "国际化处理 / international customers",
        "Cross-border counts and the PIPL mechanism; EU residents flagged with GDPR Art. 14 notice "
        "duty.",
        "crossborder_mechanism",
    ),
    ChecklistItem(
        "七",
        "伦理考量 / respect for privacy",
        "Withdrawn consent and erasure requests honoured across every duplicate of a customer.",
        "suppressed",
    ),
    ChecklistItem(
        "八",
        "培训与教育 / training",
        "Everyone handling the data signs the confidentiality annex; staff briefed (sign below).",
        "annexes",
    ),
    ChecklistItem(
        "九",
        "审计与监督 / audit",
        "Hash-chained audit log of every step; `migration-kit verify` checks it with the manifest.",
        "audit_entries",
    ),
    ChecklistItem(
        "十",
        "应急处理 / incident response",
        "Incident plan with roles, steps and breach-notice templates (zh, en) drafted from the "
        "run; the parties fill the names.",
        "incident_plan",
    ),
    ChecklistItem(
        "十一",
        "透明度 / transparency",
        "Notices per deal type, region and language (PIPL Art. 22/23/39, GDPR Art. 14); customers "
        "without a channel get a public notice; `migration-kit lookup` answers a person, also "
        "after purge.",
        "roster",
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
        "annexes",
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
        "params_hash",
    ),
    ChecklistItem(
        "十六",
        "审查 / review",
        "Quality gates enforced; uncertain duplicate pairs sent to clerical review.",
        "review_pairs",
    ),
    ChecklistItem(
        "十七",
        "持续改进 / continuous improvement",
        "Quality before/after measured per dimension and source.",
        "quality_after",
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
        "incident_plan",
    ),
    ChecklistItem(
        "二十",
        "长期价值 / long-term value",
        "The buyer gets golden records with lineage and quality scores, every value accounted "
        "for; new uses wait for consent, so the data keeps its lawful value.",
        "long_term_value",
    ),
)


def answer(facts: dict[str, Any]) -> list[dict[str, str]]:
    """Rows for the report: section, title, what was done, evidence from this run."""
    rows = []
    for item in CHECKLIST:
        value = (
            facts.get(item.evidence, "") if item.evidence else "organisational: confirm at sign-off"
        )
        rows.append(
            {
                "section": item.section,
                "title": item.title,
                "answer": item.answer,
                "evidence": str(value),
            }
        )
    return rows
