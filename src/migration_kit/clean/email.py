"""E-mail addresses: NFKC, trimmed, lowercased and syntax-checked, fully vectorized.

NFKC first turns full-width characters (``ｚｈａｎｇ＠ｑｑ．ｃｏｍ``) into ASCII. The syntax
rule is the usual ``local@domain.tld`` shape: dot-atom local part (no leading, trailing or double
dots), domain labels of letters/digits/hyphens not starting or ending with a hyphen, an alphabetic
TLD of 2+ letters, no spaces. Reason code ``EMAIL_SYNTAX``. The raw value stays in ``raw__email``.

Example
-------
>>> import pandas as pd
>>> clean_email(pd.Series([" Li.Na@QQ.com ", "a..b@qq.com"])).values.tolist()
[['li.na@qq.com', None], [None, 'EMAIL_SYNTAX']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ._common import NULL, fullmatch, normalized_uniques, spread, to_object

__all__ = ["EMAIL_COLUMNS", "EMAIL_PATTERN", "clean_email"]

EMAIL_COLUMNS = ["email", "reason"]

_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
#: The accepted shape (applied to the NFKC-normalized, lowercased value).
EMAIL_PATTERN = rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[a-z]{{2,63}}"


def clean_email(s: pd.Series) -> pd.DataFrame:
    """Standardize e-mail addresses.

    Parameters
    ----------
    s : Series
        Raw e-mail strings (None for missing).

    Returns
    -------
    DataFrame
        Columns ``email`` (lowercase, valid) and ``reason`` (``EMAIL_SYNTAX`` or None), same index.

    Example
    -------
    >>> import pandas as pd
    >>> clean_email(pd.Series(["ｗａｎｇ＠１６３．ｃｏｍ", "x@y"]))["reason"].tolist()
    [None, 'EMAIL_SYNTAX']
    """
    # normalized_uniques collapses inner whitespace to one space, which the pattern then rejects.
    codes, u = normalized_uniques(s)
    u = pc.utf8_lower(u)
    ok = fullmatch(u, EMAIL_PATTERN)
    present = ~pc.is_null(u).to_numpy(zero_copy_only=False)
    email = np.where(ok, to_object(u), NULL).astype(object)
    reason = np.where(present & ~ok, "EMAIL_SYNTAX", NULL).astype(object)
    return pd.DataFrame(
        {"email": spread(email, codes), "reason": spread(reason, codes)}, index=s.index
    )
