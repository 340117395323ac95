"""Derive a differently shaped second client from the rehearsal set: English headers only, other
column names, other formats and encodings (Parquet, GB18030 with semicolons, xlsx, UTF-8 with CRLF),
names split into two columns, an asset sale to a buyer abroad.

It shows that a new client needs a params file, not code. Run from the repository root:
``python scripts/make_client_b.py`` (writes synthetic_data/client_b/ and params/client_b.yaml).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "synthetic_data" / "rehearsal"
OUT = REPO / "synthetic_data" / "client_b"

PARAMS = """# Second rehearsal client: same people as the rehearsal set, exported the way another retailer's
# systems would (English headers, Parquet / GB18030 / xlsx / CRLF CSV), sold as an asset deal abroad.
client: client-b
deal:
  type: asset_sale
  seller:    {name: Northwind Stationery Co., contact: privacy@northwind.example}
  recipient: {name: Harbour Sports Pte. Ltd., contact: dpo@harbour.example, country: SG}
sources:
  - name: members
    path: ../synthetic_data/client_b/members.parquet
    id_column: MemberNo
    date_order: YMD
    default_country: CN
    columns:
      family_name: Surname
      given_name: GivenName
      gender: Sex
      birth_date: DOB
      phone: Mobile
      id_number: NationalID
      city: City
      created_at: JoinedOn
      last_activity_at: LastPurchase
      total_spent: Spend
      order_count: Visits
      marketing_consent: OptIn
  - name: shop
    path: ../synthetic_data/client_b/shop_customers.csv
    encoding: gb18030
    delimiter: ";"
    id_column: CustomerRef
    columns:
      full_name: Consignee
      phone: Tel
      email: Mail
      address: [Province, Street]
      postcode: ZIP
      created_at: Registered
      last_activity_at: LastOrder
      order_count: Orders
      total_spent: Revenue
  - name: institutions
    path: ../synthetic_data/client_b/institutions.xlsx
    id_column: AccountNo
    columns:
      organization: Institution
      full_name: ContactPerson
      phone: ContactPhone
      email: ContactEmail
      address: PostalAddress
      created_at: Opened
      last_activity_at: LastInvoice
      total_spent: InvoicedTotal
  - name: export
    path: ../synthetic_data/client_b/export_customers.csv
    date_order: MDY
    default_country: US
    id_column: Account
    columns:
      full_name: [Given, Family]
      email: E-mail
      phone: Telephone
      address: Street
      city: Town
      province: State
      country: Country
      postcode: Postal
      marketing_consent: Newsletter
      total_spent: LifetimeValue
      order_count: OrderCount
      created_at: Since
      last_activity_at: LastSeen
suppression:
  - path: ../synthetic_data/client_b/optouts.csv
    id_column: Ticket
    request_column: Kind
    columns: {phone: Phone, email: Email, id_number: IDNo}
policy:
  transfer_date: 2026-12-01
  retention_years: 5
  minors: exclude
"""


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    pos = pd.read_csv(SRC / "pos_members.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    members = pd.DataFrame({
        "MemberNo": pos["会员编号"], "Surname": pos["姓名"].str[:1], "GivenName": pos["姓名"].str[1:],
        "Sex": pos["性别"].map({"男": "M", "女": "F"}).fillna(""), "DOB": pos["出生日期"], "Mobile": pos["手机号码"],
        "NationalID": pos["身份证号"], "City": pos["所在城市"], "JoinedOn": pos["注册日期"],
        "LastPurchase": pos["最近消费日期"], "Spend": pos["累计消费金额"], "Visits": pos["消费次数"],
        "OptIn": pos["营销同意"].map({"是": "Y", "否": "N"}).fillna(""),
    })
    members.to_parquet(OUT / "members.parquet", index=False)

    web = pd.read_csv(SRC / "web_orders.csv", dtype=str, keep_default_na=False, encoding="gbk")
    addr = web["收货地址"]
    split = addr.str.extract(r"^(?P<p>.+?(?:省|自治区|市))(?P<s>.*)$").fillna("")
    shop = pd.DataFrame({
        "CustomerRef": web["用户ID"], "Consignee": web["收货人"], "Tel": web["联系电话"], "Mail": web["电子邮箱"],
        "Province": split["p"].where(split["p"] != "", addr), "Street": split["s"], "ZIP": web["邮编"],
        "Registered": web["注册时间"], "LastOrder": web["最后下单时间"], "Orders": web["订单数"], "Revenue": web["消费总额"],
    })
    shop.to_csv(OUT / "shop_customers.csv", index=False, sep=";", encoding="gb18030")

    school = pd.read_excel(SRC / "school_club.xlsx", dtype=str, keep_default_na=False)
    inst = pd.DataFrame({
        "AccountNo": school["客户编号"], "Institution": school["单位名称"], "ContactPerson": school["联系人"],
        "ContactPhone": school["电话"], "ContactEmail": school["邮箱"], "PostalAddress": school["地址"],
        "Opened": school["建档日期"], "LastInvoice": school["最近采购日期"], "InvoicedTotal": school["采购总额"],
    })
    with pd.ExcelWriter(OUT / "institutions.xlsx", engine="openpyxl") as xl:
        inst.to_excel(xl, index=False, sheet_name="Accounts")

    ovs = pd.read_csv(SRC / "overseas_shop.csv", dtype=str, keep_default_na=False)
    export = pd.DataFrame({
        "Account": ovs["Customer ID"], "Given": ovs["First Name"], "Family": ovs["Last Name"], "E-mail": ovs["Email"],
        "Telephone": ovs["Phone"], "Street": ovs["Address1"], "Town": ovs["City"], "State": ovs["Province"],
        "Country": ovs["Country Code"], "Postal": ovs["Zip"], "Newsletter": ovs["Accepts Email Marketing"],
        "LifetimeValue": ovs["Total Spent"], "OrderCount": ovs["Total Orders"], "Since": ovs["Created At"],
        "LastSeen": ovs["Last Order Date"],
    })
    export.to_csv(OUT / "export_customers.csv", index=False, encoding="utf-8", lineterminator="\r\n")

    supp = pd.read_csv(SRC / "suppression.csv", dtype=str, keep_default_na=False)
    pd.DataFrame({
        "Ticket": supp["请求编号"], "Kind": supp["类型"].map({"撤回同意": "opt-out", "删除请求": "delete"}).fillna("delete"),
        "Phone": supp["手机号码"], "Email": supp["电子邮箱"], "IDNo": supp["身份证号"],
    }).to_csv(OUT / "optouts.csv", index=False, encoding="utf-8")
    truth = pd.read_csv(SRC / "truth.csv", dtype=str, keep_default_na=False)
    truth["source"] = truth["source"].map({"pos": "members", "web": "shop", "school": "institutions",
                                           "overseas": "export", "suppression": "suppression"})
    truth.to_csv(OUT / "truth.csv", index=False, encoding="utf-8")
    (REPO / "params" / "client_b.yaml").write_text(PARAMS, encoding="utf-8")


if __name__ == "__main__":
    main()
