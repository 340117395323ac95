"""Mis-encoded text: cells a codec decoded without error into characters real text does not hold.

A wrong codec often decodes without any error: Shift-JIS or Latin-1 bytes are valid GBK, and a
GBK file with a few UTF-8 rows (two exports pasted together) decodes as GB18030 from end to end.
:func:`suspect_encoding` finds such cells so intake can give them ``ENCODING_SUSPECT`` in the
failure table (the value is kept as read: a person decides). It looks at each distinct value
once, with ``pyarrow.compute`` regular expressions (RE2, C++) over the whole column.

Every source
    U+FFFD (a replacement character: the text was already damaged when exported), C1 control
    characters U+0080-U+009F, private-use characters U+E000-U+F8FF (GBK's user-defined rows decode
    there), and UTF-8 read as Latin-1 / cp1252 once and written again (``MÃ¼ller``, ``â€``).

GBK / GB18030 files (the codec recorded at intake), three patterns of a wrong codec:
    * **UTF-8 rows**: the cell's bytes (encoded back with the file's codec) are valid UTF-8 of
      ASCII and East Asian characters only (``鍛ㄥ啗`` is the UTF-8 of ``周军``). Genuine GBK
      text is valid UTF-8 now and then (``路梅`` is the UTF-8 of ``·÷``), hardly ever UTF-8 of
      Chinese: no false positive among 140,000 distinct generated (Faker zh_CN, zh_TW) names and
      addresses, none missed among 6,000 UTF-8 ones.
    * **Latin-1 / cp1252 text**: an accented letter's byte swallows the ASCII letter after it into
      one GBK character (``Müller`` reads ``M黮ler``, ``Straße`` reads ``Stra遝``): a character
      whose GBK trail byte is an ASCII letter, next to a lowercase ASCII letter (inside a word;
      ``SOHO現代城`` is a brand name before a genuine traditional character).
    * **other codecs** (Shift-JIS ``ご注文`` reads ``偛拲暥``): at least two characters that are
      common in neither script, making up at least a third of the cell's CJK characters. Common
      means in GB2312 (simplified), in Big5 level 1 (frequent traditional) or the traditional form
      of a GB2312 character (``opencc`` t2s: ``鄔`` of ``邬``). Missed: 59 of 6,000 generated
      Japanese names and addresses.

Characters outside GB2312 alone are no evidence: GBK holds every traditional character (``張偉``)
and the rare ones of real names and places (``王喆``, ``深水埗``, ``朱镕基``); one of them in a
cell (not inside a Latin word), or a few in a long address, is not flagged. The limits: a short
cell mis-decoded into common characters only (a two-character Shift-JIS name) and EUC-KR text (it
decodes into GB2312 itself) pass unseen.

Example
-------
>>> import pandas as pd
>>> values = pd.Series(["王伟", "張偉", "M黮ler", "鍛ㄥ啗", "José", None])
>>> suspect_encoding(values, "gb18030").tolist()
[False, False, True, True, False, False]
>>> suspect_encoding(pd.Series(["Jos\\ufffd", "José", "MÃ¼ller"]), "utf-8").tolist()
[True, False, True]
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ENCODING_SUSPECT", "is_gb_encoding", "suspect_encoding"]

#: Reason code of a cell that looks decoded with the wrong codec.
ENCODING_SUSPECT = "ENCODING_SUSPECT"

#: Characters no correctly decoded text holds (RE2), and UTF-8 decoded as Latin-1 or cp1252.
_ANY_SOURCE = r"[\x{FFFD}\x{80}-\x{9F}\x{E000}-\x{F8FF}]|[\x{C2}\x{C3}][\x{A0}-\x{BF}]|â€"
_CJK = r"[\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{F900}-\x{FAFF}]"
#: Bytes (RE2 on binary: Latin-1) that are UTF-8 of ASCII and East Asian characters (U+3000-U+9FFF:
#: CJK punctuation, kana, ideographs; U+F000-U+FFFF: compatibility ideographs, full-width forms).
_UTF8_EAST_ASIAN = r"^(?:[\x00-\x7F]|[\xE3-\xE9\xEF][\x80-\xBF]{2})*$"
_BIG5_LEVEL1 = (0xA440, 0xC67E)  # Big5's frequently used characters (5,401)
_ASCII_LETTERS = frozenset(range(0x41, 0x5B)) | frozenset(range(0x61, 0x7B))


def is_gb_encoding(encoding: str | None) -> bool:
    """Whether ``encoding`` is GBK, GB2312, GB18030 or cp936 (any spelling)."""
    if not encoding:
        return False
    enc = encoding.lower().replace("_", "-")
    return enc.startswith("gb") or enc in ("cp936", "936", "ms936")


def _char_class(chars: set[str]) -> str:
    """An RE2 character class holding exactly ``chars``, as code-point ranges."""
    points = sorted(ord(c) for c in chars)
    ranges: list[str] = []
    start = prev = points[0]
    for p in [*points[1:], -1]:
        if p == prev + 1:
            prev = p
            continue
        ranges.append(f"\\x{{{start:X}}}" + (f"-\\x{{{prev:X}}}" if prev > start else ""))
        start = prev = p
    return "[" + "".join(ranges) + "]"


@functools.cache
def _gb_classes() -> tuple[str, str]:
    """RE2 classes of GBK characters: (uncommon in both scripts, swallowing an ASCII letter).

    Built once (about 50 ms) from the codecs: every two-byte GBK code is decoded; a character is
    *uncommon* when GB2312 cannot encode it, it is not in Big5 level 1 and it is not the
    traditional form of a GB2312 character (CJK Extension A is added: GB18030's four-byte codes
    reach it); it *swallows a letter* when its GBK trail byte is an ASCII letter.
    """
    import opencc  # only for GBK sources

    t2s = opencc.OpenCC("t2s")
    uncommon: set[str] = {chr(p) for p in range(0x3400, 0x4DC0)}
    swallow: set[str] = set()
    for lead in range(0x81, 0xFF):
        for trail in (*range(0x40, 0x7F), *range(0x80, 0xFF)):
            try:
                ch = bytes((lead, trail)).decode("gbk")
            except UnicodeDecodeError:
                continue
            if len(ch) != 1:
                continue
            if trail in _ASCII_LETTERS:
                swallow.add(ch)
            if _in_gb2312(ch):
                continue
            try:
                big5 = int.from_bytes(ch.encode("big5"), "big")
            except UnicodeEncodeError:
                big5 = 0
            if _BIG5_LEVEL1[0] <= big5 <= _BIG5_LEVEL1[1]:
                continue
            simplified = t2s.convert(ch)
            if simplified == ch or len(simplified) != 1 or not _in_gb2312(simplified):
                uncommon.add(ch)
    return _char_class(uncommon), _char_class(swallow)


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _mask(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _counts(arr: pa.Array, pattern: str) -> np.ndarray:
    return np.asarray(
        pc.count_substring_regex(arr, pattern).fill_null(0).to_numpy(zero_copy_only=False),
        dtype=np.int64,
    )


def _encoded(values: list[str], encoding: str) -> pa.Array:
    """``values`` encoded with ``encoding``, as an Arrow binary array.

    One encode of all values joined by NUL (no GB codec writes a zero byte for anything else);
    each value but the last keeps its separating NUL, which the patterns read as ASCII.
    """
    data = "\x00".join(values).encode(encoding, "replace")
    nul = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0)
    if len(nul) != len(values) - 1:  # a value holds NUL itself (not from a CSV): one by one
        return pa.array([v.encode(encoding, "replace") for v in values], type=pa.large_binary())
    offsets = np.concatenate([[0], nul + 1, [len(data)]]).astype(np.int64)
    return pa.Array.from_buffers(
        pa.large_binary(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def suspect_encoding(values: pd.Series, encoding: str | None) -> np.ndarray:
    """Flag the cells of ``values`` that look decoded with the wrong codec.

    Parameters
    ----------
    values : Series
        Cells as read (str or None).
    encoding : str or None
        The codec the file was decoded with (``FileInfo.encoding``); None for xlsx and Parquet.
        The GBK patterns apply to GBK / GB2312 / GB18030 / cp936 only.

    Returns
    -------
    ndarray of bool
        One entry per row of ``values`` (False for missing cells).

    Example
    -------
    >>> import pandas as pd
    >>> suspect_encoding(pd.Series(["傗杰偩伪尽偻", "深水埗福華街", "王喆"]), "gbk").tolist()
    [True, False, False]
    """
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    flagged = np.zeros(len(uniques) + 1, dtype=bool)  # last entry: missing cells (code -1)
    text = [v if isinstance(v, str) else str(v) for v in uniques]
    non_ascii = [i for i, v in enumerate(text) if not v.isascii()]
    if non_ascii:
        sub = [text[i] for i in non_ascii]
        arr = pa.array(sub, type=pa.string())
        hit = _mask(pc.match_substring_regex(arr, _ANY_SOURCE))
        if is_gb_encoding(encoding):
            uncommon, swallow = _gb_classes()
            rare = _counts(arr, uncommon)
            many = np.flatnonzero(rare >= 2)  # few: count their CJK characters only
            if len(many):
                cjk = _counts(arr.take(pa.array(many)), _CJK)
                hit[many] |= 3 * rare[many] >= cjk
            hit |= _mask(pc.match_substring_regex(arr, f"[a-z]{swallow}|{swallow}[a-z]"))
            hit |= _mask(pc.match_substring_regex(_encoded(sub, str(encoding)), _UTF8_EAST_ASIAN))
        flagged[np.asarray(non_ascii)] = hit
    return flagged[codes]
