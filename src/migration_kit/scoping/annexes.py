"""The documents a transfer agreement attaches, drafted in zh and en from the run's facts:
the incident plan with breach-notice templates (PIPL Art. 57; GDPR Art. 33-34), the
data-transfer annex (what moves, on which basis, how it is protected, kept and passed on) and the
confidentiality annex. Aggregate facts only; the blanks (``____``) are for the parties.

Example
-------
>>> from migration_kit.params import Deal
>>> deal = Deal.from_dict({"type": "merger", "seller": {"name": "S Co", "contact": "s@s"},
...                        "recipient": {"name": "R Co", "contact": "r@r", "country": "CN"}})
>>> "72 hours" in incident_plan(deal) and "个人信息保护法》第五十七条" in incident_plan(deal)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..deals import deal_type
from .policy import PolicySpec

if TYPE_CHECKING:  # pragma: no cover
    from ..params import Deal

__all__ = ["confidentiality_annex", "incident_plan", "transfer_annex"]


def incident_plan(deal: Deal) -> str:
    """The incident response plan and the breach-notice templates (zh and en)."""
    s, r = deal.seller, deal.recipient
    return "\n".join(
        [
            "# Incident response plan / 个人信息安全事件应急预案",
            "",
            f"Parties: {s.name} (seller, {s.contact}); {r.name} (recipient, {r.contact}).",
            "",
            "## 1. Roles / 职责",
            "",
            "- Incident lead (each party) / 事件负责人: ____ ; deputy / 替补: ____",
            "- Data protection officer / 个人信息保护负责人: ____",
            "- Until the handover is confirmed, the seller leads; afterwards the recipient.",
            "",
            "## 2. Steps / 处置步骤",
            "",
            "1. Detect and record (time, source, what data, how many customers) / 发现并记录",
            "2. Contain: revoke access, rotate keys, stop transfers / 控制：撤销访问、轮换密钥、"
            "停止传输",
            "3. Assess: categories, volumes, sensitive data, minors, harm / 评估影响",
            "4. Notify (below) and remedy / 通知并补救",
            "5. Review and record the lessons / 复盘并存档",
            "",
            "## 3. Deadlines / 时限",
            "",
            "- PIPL Art. 57 / 《个人信息保护法》第五十七条: take remedial measures at once "
            "and notify the authority and the individuals (unless measures avoid the harm) / "
            "立即采取补救措施，并通知履行个人信息保护职责的部门和个人。",
            "- GDPR Art. 33: the supervisory authority within 72 hours of becoming aware; Art. 34: "
            "the individuals without undue delay where the risk is high.",
            "",
            "## 4. Notice to the authority / 向主管部门的报告",
            "",
            "> 事件发生时间：____；涉及个人信息种类：____；人数：____；原因与可能的危害：____；"
            "已采取的补救措施：____；联系人：____。",
            "> Time of the incident: ____; categories of data: ____; number of people: ____; cause "
            "and likely harm: ____; measures taken: ____; contact: ____.",
            "",
            "## 5. Notice to the customers / 向个人的通知",
            "",
            f"> 尊敬的客户：____（时间）发生了个人信息安全事件，可能涉及您的____。我们已____。"
            f"您可以____以降低风险。如有疑问，请联系{r.contact}。",
            f"> Dear customer, on ____ an incident affected your ____. We have ____. You can ____ "
            f"to reduce the risk. Questions: {r.contact}.",
            "",
        ]
    )


def transfer_annex(result: Any, golden: pd.DataFrame, policy: PolicySpec, deal: Deal) -> str:
    """The data-transfer annex: what moves, on which basis, its security, retention and onward
    transfer (zh and en headings)."""
    ent = result.entity_dispositions
    moved = int((ent["disposition"] == "transferred").sum())
    fields = result.fields
    exported = ", ".join(fields.loc[fields["exported"], "field"])
    sens = ", ".join(fields.loc[fields["exported"] & fields["sensitive"], "field"]) or "none"
    cb = result.crossborder
    return "\n".join(
        [
            "# Data-transfer annex / 数据转移附件",
            "",
            f"Between {deal.seller.name} and {deal.recipient.name}; deal: {deal.type}.",
            "",
            "## 1. What is transferred / 转移内容",
            "",
            f"- Customers / 客户: {moved}; fields / 字段: {exported}",
            f"- Sensitive personal information / 敏感个人信息: {sens}",
            "",
            "## 2. Basis / 法律依据",
            "",
            f"- {deal_type(deal.type).basis_text}",
            f"- Cross-border / 跨境: {cb.get('pipl_mechanism', 'none')}"
            + (f" ({policy.crossborder_reference})" if policy.crossborder_reference else ""),
            "",
            "## 3. Security / 安全措施",
            "",
            "- CMS EnvelopedData, AES-256, to the recipient's certificate; manifest signed by the "
            "seller; the recipient verifies every part before loading.",
            "- Access limited to named staff; keys never sent with the data.",
            "",
            "## 4. Retention and deletion / 保存与删除",
            "",
            f"- The recipient keeps the data for the stated purposes only, at most "
            f"{policy.retention_years or '____'} years after the customer's last activity, and "
            "honours erasure and withdrawal requests it receives.",
            "- The seller destroys its copies by purge after the recipient confirms receipt.",
            "",
            "## 5. Onward transfer / 再转移",
            "",
            "- No onward transfer to a third party without the customer's separate consent (PIPL "
            "Art. 23) and a written agreement with equal protection.",
            "",
            "## 6. Signatures / 签署",
            "",
            "- Seller / 转让方: ____ date ____   Recipient / 接收方: ____ date ____",
            "",
        ]
    )


def confidentiality_annex(deal: Deal) -> str:
    """The confidentiality (NDA) annex for everyone who handles the data (zh and en)."""
    return "\n".join(
        [
            "# Confidentiality annex / 保密附件",
            "",
            f"Parties: {deal.seller.name}, {deal.recipient.name}, and every person either "
            "engages on the migration.",
            "",
            "1. Personal information of the customers is confidential; it is used only for the "
            "migration and the stated purposes / "
            "客户个人信息属保密信息，仅用于本次迁移及约定目的。",
            "2. Access only for named staff who need it, each bound by this annex / "
            "仅限确有需要的指定人员接触，每人均受本附件约束。",
            "3. No copies outside the agreed systems; working copies destroyed after the "
            "handover / 不得在约定系统之外留存副本；交接后销毁工作副本。",
            "4. Any incident is reported at once under the incident plan / "
            "发生事件须立即按应急预案报告。",
            "5. The duty survives the end of the agreement / 保密义务在协议终止后继续有效。",
            "",
            "Signed / 签署: ____  Name / 姓名: ____  Date / 日期: ____",
            "",
        ]
    )
