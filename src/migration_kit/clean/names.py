"""Person names: display form, family/given split, match key and order-insensitive pinyin key.

Per distinct value (names repeat a lot): NFKC (full-width -> half-width), traditional ->
simplified with ``opencc`` (``t2s``), spaces between CJK characters removed (``王 伟`` ->
``王伟``), honorifics and titles stripped (``老师 教练 先生 女士 小姐 经理 主任 校长`` after a
Chinese name; ``Mr Mrs Ms Miss Dr Prof`` with or without dot before a Latin one).

* Chinese names split after the surname; compound surnames (欧阳, 司马, 诸葛 ...) are recognised.
  ``name_key`` is the name without spaces; ``pinyin_key`` joins the surname syllables and the given
  syllables (``pypinyin.lazy_pinyin`` per character, cached; surname readings such as 单 -> shan),
  sorts the two tokens and joins them with a space: 王鹏磊 -> ``"penglei wang"``.
* Latin names: tokens that are all upper or all lower case are title-cased for display. The family
  name is the token before a comma (``Wang, Penglei``), else an all-caps token among mixed-case ones
  (``WANG Penglei``), else for 2-3 tokens a known pinyin surname in first then last position
  (``Wang Peng Lei``, ``Penglei Wang``), else the last token. ``name_key`` is ``"family given"``
  case- and accent-folded (``José Müller`` -> ``"muller jose"``); ``pinyin_key`` sorts the folded
  family token and the joined given tokens, so ``Penglei Wang``, ``WANG Penglei`` and ``Wang Peng
  Lei`` all give ``"penglei wang"``.

Reason code ``NAME_INVALID``: the value holds digits or ``@`` (a phone or e-mail in the name
column) or nothing is left after removing the title.

Example
-------
>>> import pandas as pd
>>> out = clean_name(pd.Series(["歐陽 娜娜 女士"]))
>>> out[["full_name", "family_name", "pinyin_key"]].values.tolist()
[['欧阳娜娜', '欧阳', 'nana ouyang']]
"""

from __future__ import annotations

import functools
import re
import unicodedata

import opencc
import pandas as pd
from pypinyin import lazy_pinyin

from ._common import map_unique, normalize_text

__all__ = ["COMPOUND_SURNAMES", "NAME_COLUMNS", "clean_name", "fold_latin", "pinyin_surnames"]

NAME_COLUMNS = ["full_name", "family_name", "given_name", "name_key", "pinyin_key", "reason"]
#: One cleaned name, in the order of :data:`NAME_COLUMNS` (None: absent or invalid).
_NameRow = tuple[str | None, str | None, str | None, str | None, str | None, str | None]

#: Two-character surnames recognised when splitting Chinese names.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "宇文",
        "长孙",
        "夏侯",
        "轩辕",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "司徒",
        "司空",
        "澹台",
        "公冶",
        "宗政",
        "濮阳",
        "淳于",
        "单于",
        "太叔",
        "申屠",
        "仲孙",
        "钟离",
        "闻人",
        "万俟",
        "呼延",
        "赫连",
        "百里",
        "东郭",
        "拓跋",
        "第五",
    ]
)
_SINGLE = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆"
    "乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平"
    "计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公"
    "哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
# Surname readings that differ from the common reading pypinyin picks.
_SURNAME_PINYIN = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "翟": "zhai",
    "缪": "miao",
    "尉迟": "yuchi",
    "万俟": "moqi",
    "长孙": "zhangsun",
    "单于": "chanyu",
    "燕": "yan",
    "种": "chong",
}
_CJK = re.compile(r"[\u3400-\u9fff]")
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_CN_TITLE = re.compile(r"(?:老师|教练|先生|女士|小姐|经理|主任|校长)+$")
_LATIN_TITLE = re.compile(r"^(?:(?:mrs|mr|ms|miss|mx|dr|prof)\.?(?:\s+|$))+", re.IGNORECASE)
_INVALID = re.compile(r"[\d@]")
_T2S = opencc.OpenCC("t2s")


def fold_latin(text: str) -> str:
    """Case- and accent-fold a Latin string (NFKD, combining marks dropped, casefolded).

    Example
    -------
    >>> fold_latin("José MÜLLER")
    'jose muller'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.lru_cache(maxsize=1)
def pinyin_surnames() -> frozenset[str]:
    """Pinyin spellings of the embedded surnames (for spotting the family name in Latin names)."""
    return frozenset(_surname_pinyin(s) for s in [*_SINGLE, *COMPOUND_SURNAMES])


@functools.cache
def _char_pinyin(char: str) -> str:
    """Pinyin of one character (cached: names reuse a few thousand characters)."""
    return "".join(lazy_pinyin(char))


def _pinyin(text: str) -> str:
    return "".join(_char_pinyin(c) for c in text)


def _surname_pinyin(family: str) -> str:
    return _SURNAME_PINYIN.get(family) or _pinyin(family)


def _chinese(name: str) -> _NameRow:
    name = _CJK_SPACE.sub("", name)
    name = _CN_TITLE.sub("", name).strip()
    if not name or _INVALID.search(name):
        return (None, None, None, None, None, "NAME_INVALID")
    if "·" in name or " " in name:  # transliterated foreign name (约翰·史密斯): given·family
        given, _, family = name.replace(" ", "·").partition("·")
    elif len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        family, given = name[:2], name[2:]
    else:
        family, given = name[0], name[1:]
    tokens = sorted(t for t in (_surname_pinyin(family), _pinyin(given)) if t)
    return (name, family or None, given or None, name.replace("·", ""), " ".join(tokens), None)


def _latin(name: str) -> _NameRow:
    name = _LATIN_TITLE.sub("", name).strip(" ,.")
    if not name or _INVALID.search(name):
        return (None, None, None, None, None, "NAME_INVALID")
    comma = "," in name
    if comma:
        fam_part, _, given_part = name.partition(",")
        raw_tokens = fam_part.split() + given_part.split()
        fam_i = len(fam_part.split()) - 1
    else:
        raw_tokens = name.split()
    shown = [t.title() if (t.isupper() or t.islower()) else t for t in raw_tokens]
    folded = [re.sub(r"[^\w'-]", "", fold_latin(t)) for t in raw_tokens]
    if len(raw_tokens) == 1:
        return (shown[0], None, shown[0], folded[0], folded[0], None)
    if not comma:
        caps = [i for i, t in enumerate(raw_tokens) if t.isupper() and len(t) > 1]
        known = pinyin_surnames()
        if len(caps) == 1 and len(caps) < len(raw_tokens):
            fam_i = caps[0]
        elif (
            len(raw_tokens) <= 3
            and folded[0] in known
            and (len(raw_tokens) == 3 or folded[-1] not in known)
        ):
            fam_i = 0
        else:
            fam_i = len(raw_tokens) - 1
    given_shown = " ".join(t for i, t in enumerate(shown) if i != fam_i)
    given_folded = [t for i, t in enumerate(folded) if i != fam_i]
    name_key = " ".join([folded[fam_i], *given_folded])
    pinyin_key = " ".join(sorted([folded[fam_i], "".join(given_folded)]))
    display = " ".join([*shown[fam_i : fam_i + 1], given_shown]) if comma else " ".join(shown)
    return (display, shown[fam_i], given_shown, name_key, pinyin_key, None)


def _parts(value: str) -> _NameRow:
    """A name the source gave as ``given`` and ``family`` (joined by ``\x1f``): kept as split.

    Example
    -------
    >>> _parts("joseph arthur\x1fbennett")[:3]
    ('Joseph Arthur Bennett', 'Bennett', 'Joseph Arthur')
    >>> _parts("joseph arthur\x1fbennett")[3:]
    ('bennett joseph arthur', 'bennett josepharthur', None)
    """
    given, _, family = value.partition("\x1f")
    if not family:
        return _one(given)
    if not given:
        row = _one(family)
        return (row[0], row[2], None, *row[3:]) if row[5] is None else row
    if _CJK.search(given + family):
        g, f = (_CJK_SPACE.sub("", _T2S.convert(x)).strip() for x in (given, family))
        g = _CN_TITLE.sub("", g).strip()
        if not (g and f) or _INVALID.search(g + f):
            return (None, None, None, None, None, "NAME_INVALID")
        tokens = sorted(t for t in (_surname_pinyin(f), _pinyin(g)) if t)
        return (f + g, f, g, (f + g).replace("·", ""), " ".join(tokens), None)
    g = _LATIN_TITLE.sub("", given).strip(" ,.")
    f = family.strip(" ,.")
    if not (g and f) or _INVALID.search(g + f):
        return (None, None, None, None, None, "NAME_INVALID")

    def shown(text: str) -> list[str]:
        return [t.title() if (t.isupper() or t.islower()) else t for t in text.split()]

    def folded(text: str) -> list[str]:
        return [re.sub(r"[^\w'-]", "", fold_latin(t)) for t in text.split()]

    g_shown, f_shown = " ".join(shown(g)), " ".join(shown(f))
    name_key = " ".join([*folded(f), *folded(g)])
    pinyin_key = " ".join(sorted(["".join(folded(f)), "".join(folded(g))]))
    return (f"{g_shown} {f_shown}", f_shown, g_shown, name_key, pinyin_key, None)


def _one(value: str) -> _NameRow:
    name = _T2S.convert(value) if _CJK.search(value) else value
    return _chinese(name) if _CJK.search(name) else _latin(name)


def clean_name(
    full: pd.Series | None, given: pd.Series | None = None, family: pd.Series | None = None
) -> pd.DataFrame:
    """Clean person names, computing once per distinct value.

    Parameters
    ----------
    full : Series or None
        Raw full names. Where missing, the name is built from ``given``/``family``: Chinese
        ``family + given``, Latin ``given + " " + family``.
    given, family : Series, optional
        Raw given and family names (aligned with ``full``). When both are given, a record holding
        either keeps them as the source split them (``family_name``, ``given_name`` and the match
        keys come from the parts; ``full_name`` stays the source's full name where it has one):
        re-splitting a full name would turn given ``roger`` and family ``howden`` of
        ``roger of howden`` into ``Roger Of`` / ``Howden``.

    Returns
    -------
    DataFrame
        Columns :data:`NAME_COLUMNS`, same index as the input.

    Example
    -------
    >>> import pandas as pd
    >>> clean_name(None, pd.Series(["Penglei"]), pd.Series(["WANG"]))["pinyin_key"].tolist()
    ['penglei wang']
    """
    ref = next(s for s in (full, given, family) if s is not None)
    text = (
        normalize_text(full) if full is not None else pd.Series(None, index=ref.index, dtype=object)
    )
    if given is not None or family is not None:
        g = (
            normalize_text(given)
            if given is not None
            else pd.Series(None, index=ref.index, dtype=object)
        )
        f = (
            normalize_text(family)
            if family is not None
            else pd.Series(None, index=ref.index, dtype=object)
        )
        cjk = f.fillna("").str.contains(_CJK.pattern) | g.fillna("").str.contains(_CJK.pattern)
        built = (f.fillna("") + g.fillna("")).where(cjk, g.fillna("") + " " + f.fillna(""))
        built = built.str.strip()
        text = text.where(text.notna(), built.where(built != "", None))
    out = map_unique(text, _one, NAME_COLUMNS)
    if given is None or family is None:
        return out
    has_part = g.notna() | f.notna()
    joined = (g.fillna("") + "\x1f" + f.fillna("")).where(has_part, None)
    parts = map_unique(joined, _parts, NAME_COLUMNS)
    take = has_part & (parts["reason"].isna() | out["full_name"].isna())
    for col in NAME_COLUMNS:
        if col != "full_name":
            out[col] = parts[col].where(take, out[col])
    out["full_name"] = out["full_name"].where(out["full_name"].notna(), parts["full_name"])
    return out
