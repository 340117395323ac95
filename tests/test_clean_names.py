"""Name cleaning as data tables: display form, split, name_key and pinyin_key."""
from __future__ import annotations

import pandas as pd
import pytest

from migration_kit.clean.names import clean_name, fold_latin, pinyin_surnames

CASES = [
    # raw full name, full_name, family_name, given_name, name_key, pinyin_key
    ("王鹏磊", "王鹏磊", "王", "鹏磊", "王鹏磊", "penglei wang"),
    ("Penglei Wang", "Penglei Wang", "Wang", "Penglei", "wang penglei", "penglei wang"),
    ("WANG Penglei", "Wang Penglei", "Wang", "Penglei", "wang penglei", "penglei wang"),
    ("Wang Peng Lei", "Wang Peng Lei", "Wang", "Peng Lei", "wang peng lei", "penglei wang"),
    ("Wang, Penglei", "Wang Penglei", "Wang", "Penglei", "wang penglei", "penglei wang"),
    ("penglei wang", "Penglei Wang", "Wang", "Penglei", "wang penglei", "penglei wang"),
    ("José Müller", "José Müller", "Müller", "José", "muller jose", "jose muller"),
    ("王 伟", "王伟", "王", "伟", "王伟", "wang wei"),  # spaced CJK collapsed
    ("張偉", "张伟", "张", "伟", "张伟", "wei zhang"),  # traditional -> simplified
    ("歐陽娜娜", "欧阳娜娜", "欧阳", "娜娜", "欧阳娜娜", "nana ouyang"),
    ("司马光", "司马光", "司马", "光", "司马光", "guang sima"),
    ("诸葛亮", "诸葛亮", "诸葛", "亮", "诸葛亮", "liang zhuge"),
    ("上官婉儿", "上官婉儿", "上官", "婉儿", "上官婉儿", "shangguan waner"),
    ("慕容复", "慕容复", "慕容", "复", "慕容复", "fu murong"),
    ("单雄信", "单雄信", "单", "雄信", "单雄信", "shan xiongxin"),  # surname reading
    ("曾国藩", "曾国藩", "曾", "国藩", "曾国藩", "guofan zeng"),
    ("ＬＩ　Ｎａ", "Li Na", "Li", "Na", "li na", "li na"),  # full-width Latin
    ("王老师", "王", "王", None, "王", "wang"),
    ("李娜女士", "李娜", "李", "娜", "李娜", "li na"),
    ("张经理", "张", "张", None, "张", "zhang"),
    ("刘校长", "刘", "刘", None, "刘", "liu"),
    ("陈教练", "陈", "陈", None, "陈", "chen"),
    ("Mr. John Smith", "John Smith", "Smith", "John", "smith john", "john smith"),
    ("mrs jane doe", "Jane Doe", "Doe", "Jane", "doe jane", "doe jane"),
    ("Dr Anna Maria Schmidt", "Anna Maria Schmidt", "Schmidt", "Anna Maria", "schmidt anna maria",
     "annamaria schmidt"),
    ("Prof. Zoë O'Neil", "Zoë O'Neil", "O'Neil", "Zoë", "o'neil zoe", "o'neil zoe"),
    ("约翰·史密斯", "约翰·史密斯", "史密斯", "约翰", "约翰史密斯", "shimisi yuehan"),
    ("Drew Prescott", "Drew Prescott", "Prescott", "Drew", "prescott drew", "drew prescott"),  # not "Dr"
]


@pytest.mark.parametrize("raw, full, family, given, key, pinyin", CASES)
def test_name_cases(raw, full, family, given, key, pinyin):
    out = clean_name(pd.Series([raw], dtype=object))
    assert out.iloc[0].tolist() == [full, family, given, key, pinyin, None]


@pytest.mark.parametrize("raw", ["13812345678", "wang@qq.com", "老师", "Mr.", "王伟2"])
def test_invalid_names(raw):
    out = clean_name(pd.Series([raw], dtype=object))
    assert out.iloc[0].tolist() == [None, None, None, None, None, "NAME_INVALID"]


GIVEN_FAMILY = [
    # given, family, full_name, pinyin_key
    ("伟", "王", "王伟", "wang wei"),
    ("Penglei", "WANG", "Penglei Wang", "penglei wang"),
    ("José", "Müller", "José Müller", "jose muller"),
]


@pytest.mark.parametrize("given, family, full, pinyin", GIVEN_FAMILY)
def test_built_from_given_and_family(given, family, full, pinyin):
    out = clean_name(None, pd.Series([given], dtype=object), pd.Series([family], dtype=object))
    assert out.loc[0, "full_name"] == full
    assert out.loc[0, "pinyin_key"] == pinyin


def test_full_name_kept_beside_the_parts_and_nulls_pass_through():
    out = clean_name(pd.Series(["李娜", None], dtype=object), pd.Series(["伟", None], dtype=object),
                     pd.Series(["王", None], dtype=object))
    assert out["full_name"].tolist() == ["李娜", None]
    assert out["family_name"].tolist() == ["王", None]
    assert out["given_name"].tolist() == ["伟", None]
    assert out["reason"].tolist() == [None, None]


PARTS = [
    # full, given, family -> family_name, given_name, name_key, pinyin_key, full_name
    ("roger of howden", "roger", "howden", "Howden", "Roger", "howden roger", "howden roger",
     "Roger Of Howden"),
    (None, "joseph arthur", "bennett", "Bennett", "Joseph Arthur", "bennett joseph arthur",
     "bennett josepharthur", "Joseph Arthur Bennett"),
    ("bennett", "bennett", None, None, "Bennett", "bennett", "bennett", "Bennett"),
    (None, None, "Bennett", "Bennett", None, "bennett", "bennett", "Bennett"),
    (None, "Li", "Wang", "Wang", "Li", "wang li", "li wang", "Li Wang"),  # no re-splitting
    (None, "伟 老师", "王", "王", "伟", "王伟", "wang wei", "王伟"),
    ("Wang Li", "W1", "Wang", "Li", "Wang", "li wang", "li wang", "Wang Li"),  # bad part: full
]


@pytest.mark.parametrize("full, given, family, fam, giv, key, pinyin, shown", PARTS)
def test_parts_kept_as_the_source_split_them(full, given, family, fam, giv, key, pinyin, shown):
    out = clean_name(pd.Series([full], dtype=object), pd.Series([given], dtype=object),
                     pd.Series([family], dtype=object)).iloc[0]
    assert [out.family_name, out.given_name, out.name_key, out.pinyin_key, out.full_name] == [
        fam, giv, key, pinyin, shown]


@pytest.mark.parametrize("text, folded", [("José", "jose"), ("MÜLLER", "muller"), ("Ørsted", "ørsted"),
                                          ("Ångström", "angstrom")])
def test_fold_latin(text, folded):
    assert fold_latin(text) == folded


@pytest.mark.parametrize("surname", ["wang", "ouyang", "zhuge", "shan", "li"])
def test_pinyin_surnames(surname):
    assert surname in pinyin_surnames()
