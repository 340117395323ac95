"""Fellegi-Sunter classification: m/u by EM without labels, term-frequency adjustment, charts.

EM runs on the distinct level patterns of the candidate pairs (a few hundred rows whatever the
number of pairs), with the pair counts as weights, so it is fast and deterministic: fixed
initialisation (u from random record pairs, m geometric towards the best level, lambda 0.3),
fixed iteration order, stop when no parameter moves more than ``tol`` or after ``max_iter``.
Null levels (-1) carry no evidence (weight 0); so do levels declared ``neutral`` (a landline
against a mobile: which kind of phone a record holds says which source it came from, not who it
is, so its marginal m/u would measure the source mix). EM treats them as null. lambda (the share
of matches among candidates) is estimated by EM too and clipped to ``[1e-6, 1 - 1e-6]``; it gives
the prior ``log2(l / (1 - l))``.

Smoothing (MAP-EM): the M-step adds ``pseudo_count`` to every level's expected count and floors
every m at ``m_floor`` (then renormalises). Without it, a level never seen among the matches that
EM found (a one-part birth date typo, a moved city) gets m ~ 1e-8 and a weight of -25 bits, so
one disagreement vetoes any amount of agreement; with the floor an unseen disagreement weighs at
most ``log2(m_floor / u)`` (about -10 bits for ``m_floor = 1e-3``).

Term frequency (Splink style): for an exact level on a ``tf_adjust`` column, the pair gets
``log2(u_level / tf(value))`` on top of the level weight ``log2(m / u_level)``, i.e. the level
weighs ``log2(m / tf(value))``. A common name (王伟) thus weighs less than a rare one.
``tf(value)`` is a Good-Turing (Katz) smoothed share: a value seen ``r <= 5`` times counts
``r* = (r + 1) N_{r+1} / N_r`` (``N_r`` = number of values seen r times, used only while
``r* < r``). Raw record counts overstate how common a rare value is, because duplicates of one
person inflate it: a rare full name seen twice is most often one person entered twice, and
Good-Turing measures exactly that from the data (few names are seen 3 times, so ``r*(2)`` is small).

Example
-------
>>> import numpy as np
>>> L = np.array([[1, 1]] * 30 + [[0, 0]] * 60 + [[1, 0]] * 5 + [[0, 1]] * 5, dtype=np.int8)
>>> fs = FellegiSunter([2, 2]).fit(L)
>>> bool(fs.predict(L)[1][0] > 0.9), bool(fs.predict(L)[1][40] < 0.1)
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .tfclass import agreement_pairs_per_value

__all__ = [
    "FellegiSunter",
    "exact_agreement_pairs",
    "floor_probabilities",
    "good_turing_counts",
    "level_frequencies",
    "nonmatch_u",
    "pattern_code",
    "plot_match_weights",
    "plot_weight_histogram",
    "tf_adjustment",
]

_EPS = 1e-6


def floor_probabilities(p: np.ndarray, floor: float) -> np.ndarray:
    """Raise every entry of the distribution ``p`` to at least ``floor`` and renormalise.

    Example
    -------
    >>> floor_probabilities(np.array([0.999999, 1e-6]), 0.01).round(4).tolist()
    [0.99, 0.01]
    """
    p = np.asarray(p, dtype=float)
    floor = min(float(floor), 1.0 / len(p))
    low = p < floor
    if not low.any():
        return p / p.sum()
    rest = max(float(p[~low].sum()), 1e-300)
    out = np.where(low, floor, p / rest * (1.0 - floor * low.sum()))
    return out / out.sum()


def nonmatch_u(
    level_pairs: Sequence[np.ndarray], match_pairs: Sequence[np.ndarray]
) -> list[np.ndarray]:
    """u per level from pair counts: (all pairs at the level - expected matches at it), normalised.

    ``level_pairs[c][k]`` is the number of record pairs (over ALL pairs with comparison ``c``
    non-null) at level ``k``; ``match_pairs[c][k]`` the matches EM expects there. Random pairs
    contain matches too; when records are often duplicated (a rare name is shared by two records
    mostly because they are one person), taking them out matters. Each level keeps at least half
    a pair.

    Example
    -------
    >>> u = nonmatch_u([np.array([900.0, 100.0])], [np.array([5.0, 95.0])])
    >>> [round(float(x), 4) for x in u[0]]
    [0.9944, 0.0056]
    """
    out = []
    for a, e in zip(level_pairs, match_pairs, strict=True):
        u = np.maximum(np.asarray(a, float) - np.asarray(e, float), 0.5)
        out.append(u / u.sum())
    return out


def exact_agreement_pairs(codes: np.ndarray, source: np.ndarray | None = None) -> int:
    """Number of record pairs holding the same non-null value (cross-source only with ``source``).

    Counted from value frequencies, so exact over all ``n (n - 1) / 2`` pairs, no sampling.

    Example
    -------
    >>> exact_agreement_pairs(np.array([0, 0, 0, 1, -1]))
    3
    """
    return int(agreement_pairs_per_value(codes, source)[1].sum())


def good_turing_counts(counts: np.ndarray, max_r: int = 5) -> np.ndarray:
    """Katz/Good-Turing adjusted counts ``r* = (r+1) N_{r+1} / N_r`` for ``r <= max_r``.

    An adjusted count replaces ``r`` only when it is smaller. Adjusted counts are kept
    non-decreasing in ``r``; counts above ``max_r`` are left as they are.

    Example
    -------
    >>> good_turing_counts(np.array([1, 1, 1, 1, 2, 2, 3, 9])).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.5, 1.5, 3.0, 9.0]
    """
    c = np.asarray(counts, dtype=np.int64)
    n_r = np.bincount(c, minlength=max_r + 2).astype(float)
    r = np.arange(1, max_r + 1)
    star = np.where(n_r[r] > 0, (r + 1) * n_r[r + 1] / np.maximum(n_r[r], 1), r)
    star = np.where((star > 0) & (star < r), star, r).astype(float)
    seen = n_r[r] > 0  # keep adjusted counts non-decreasing over the counts that occur
    star[seen] = np.maximum.accumulate(star[seen])
    table = np.r_[0.0, star]
    return np.where((c >= 1) & (c <= max_r), table[np.clip(c, 0, max_r)], c).astype(float)


def level_frequencies(levels: np.ndarray, n_levels: Sequence[int]) -> list[np.ndarray]:
    """Share of each level per comparison among non-null entries (add-0.5 smoothed)."""
    out = []
    for c, k in enumerate(n_levels):
        col = levels[:, c]
        cnt = np.bincount(col[col >= 0].astype(np.int64), minlength=k)[:k] + 0.5
        out.append(cnt / cnt.sum())
    return out


def pattern_code(levels: np.ndarray, n_levels: Sequence[int]) -> np.ndarray:
    """One int64 code per row of a level matrix (mixed radix ``k + 1`` per comparison); EM
    visits the distinct patterns in ascending code order.

    Example
    -------
    >>> pattern_code(np.array([[-1, -1], [0, 1], [1, 0]]), [2, 2]).tolist()
    [0, 7, 5]
    """
    base = np.cumprod([1] + [k + 1 for k in n_levels[:-1]]).astype(np.int64)
    return ((np.asarray(levels).astype(np.int64) + 1) * base).sum(axis=1)


def _patterns(
    levels: np.ndarray, n_levels: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    base = np.cumprod([1] + [k + 1 for k in n_levels[:-1]]).astype(np.int64)
    code = pattern_code(levels, n_levels)
    uniq, inverse, counts = np.unique(code, return_inverse=True, return_counts=True)
    pats = (uniq[:, None] // base) % np.array([k + 1 for k in n_levels]) - 1
    return pats.astype(np.int64), counts.astype(float), inverse


class FellegiSunter:
    """Fellegi-Sunter model over integer level matrices.

    Parameters
    ----------
    n_levels : sequence of int
        Non-null level count per comparison (codes ``0 .. n-1``).
    max_iter : int
    tol : float
    m_floor : float
        Smallest m of any level (bounds the weight of an unseen disagreement).
    pseudo_count : float
        Dirichlet pseudo-count added to every level's expected count in the M-step.
    names : sequence of (comparison name, level names), optional
        Labels for :meth:`params`.
    neutral : sequence of sequence of int, optional
        Per comparison, the level codes that carry no evidence (weight 0; null during EM).
    """

    def __init__(
        self,
        n_levels: Sequence[int],
        max_iter: int = 50,
        tol: float = 1e-6,
        names: Sequence[tuple[str, Sequence[str]]] | None = None,
        m_floor: float = 1e-3,
        pseudo_count: float = 1.0,
        neutral: Sequence[Sequence[int]] | None = None,
    ) -> None:
        self.n_levels = [int(k) for k in n_levels]
        self.neutral = [
            np.isin(np.arange(k), list(neutral[c]) if neutral else [])
            for c, k in enumerate(self.n_levels)
        ]
        self.m_floor, self.pseudo_count = float(m_floor), float(pseudo_count)
        self.max_iter, self.tol = int(max_iter), float(tol)
        self.names = names or [
            (f"c{c}", [str(x) for x in range(k)]) for c, k in enumerate(self.n_levels)
        ]
        self.m: list[np.ndarray] = []
        self.u: list[np.ndarray] = []
        self.lam = 0.3
        self.match_counts: list[np.ndarray] = [np.zeros(k) for k in self.n_levels]
        self.n_iter = 0
        self.converged = False

    def fit(
        self, levels: np.ndarray, u_init: list[np.ndarray] | None = None, lam_init: float = 0.3
    ) -> FellegiSunter:
        """Estimate m, u and lambda by EM on the candidate pairs' level matrix."""
        pats, w, _ = _patterns(levels, self.n_levels)
        return self.fit_counts(pats, w, u_init, lam_init)

    def fit_counts(
        self,
        patterns: np.ndarray,
        counts: np.ndarray,
        u_init: list[np.ndarray] | None = None,
        lam_init: float = 0.3,
    ) -> FellegiSunter:
        """EM on distinct level patterns and their pair counts (the sufficient statistics).

        :meth:`fit` is this on the patterns of a level matrix, so for the same patterns in the
        same order (:func:`pattern_code` ascending) both give the same model; a distributed
        engine aggregates the counts where the pairs are and fits here.

        Parameters
        ----------
        patterns : numpy.ndarray
            ``(n_patterns, n_comparisons)`` level codes (``-1`` null), distinct rows.
        counts : numpy.ndarray
            Pairs per pattern.

        Example
        -------
        >>> L = np.array([[1, 1]] * 30 + [[0, 0]] * 60 + [[1, 0]] * 5 + [[0, 1]] * 5)
        >>> a = FellegiSunter([2, 2]).fit(L)
        >>> b = FellegiSunter([2, 2]).fit_counts(np.array([[0, 0], [1, 0], [0, 1], [1, 1]]),
        ...                                      np.array([60, 5, 5, 30]))
        >>> bool(np.allclose(a.m[0], b.m[0])), a.n_iter == b.n_iter
        (True, True)
        """
        pats = np.asarray(patterns, dtype=np.int64).copy()
        w = np.asarray(counts, dtype=float)
        for c, neu in enumerate(self.neutral):
            if neu.any():
                col = pats[:, c]
                pats[(col >= 0) & neu[np.clip(col, 0, None)], c] = -1
        u = [x.copy() for x in u_init] if u_init else [np.full(k, 1.0 / k) for k in self.n_levels]
        m = []
        for k in self.n_levels:
            g = 4.0 ** np.arange(k)
            m.append(g / g.sum())
        lam = lam_init
        self.n_iter, self.converged = 0, False
        for it in range(self.max_iter):
            lm = np.zeros(len(pats))
            lu = np.zeros(len(pats))
            for c in range(len(self.n_levels)):
                p = pats[:, c]
                ok = p >= 0
                lm[ok] += np.log(m[c][p[ok]])
                lu[ok] += np.log(u[c][p[ok]])
            a = np.log(lam) + lm
            b = np.log1p(-lam) + lu
            g = 1.0 / (1.0 + np.exp(np.clip(b - a, -700, 700)))
            gw, hw = g * w, (1 - g) * w
            new_lam = float(np.clip(gw.sum() / w.sum(), _EPS, 1 - _EPS))
            new_m, new_u = [], []
            for c, k in enumerate(self.n_levels):
                p = pats[:, c]
                ok = p >= 0
                mm = np.bincount(p[ok], weights=gw[ok], minlength=k)[:k] + self.pseudo_count + _EPS
                uu = np.bincount(p[ok], weights=hw[ok], minlength=k)[:k] + _EPS
                new_m.append(floor_probabilities(mm / mm.sum(), self.m_floor))
                new_u.append(uu / uu.sum())
            delta = max(
                [abs(new_lam - lam)]
                + [float(np.abs(x - y).max()) for x, y in zip(new_m + new_u, m + u, strict=True)]
            )
            m, u, lam = new_m, new_u, new_lam
            self.match_counts = [
                np.bincount(pats[ok_c, c], weights=gw[ok_c], minlength=k)[:k]
                for c, k in enumerate(self.n_levels)
                for ok_c in [pats[:, c] >= 0]
            ]
            self.n_iter = it + 1
            if delta < self.tol:
                self.converged = True
                break
        self.m, self.u, self.lam = m, u, lam
        return self

    @property
    def weights(self) -> list[np.ndarray]:
        """log2(m/u) per comparison and level (0 for neutral levels)."""
        # strict=False: before fit, m and u are empty while neutral has one entry per comparison
        return [
            np.where(neu, 0.0, np.log2(m / u))
            for m, u, neu in zip(self.m, self.u, self.neutral, strict=False)
        ]

    @property
    def prior_weight(self) -> float:
        """log2(lambda / (1 - lambda))."""
        return float(np.log2(self.lam / (1 - self.lam)))

    def predict(
        self, levels: np.ndarray, adjust: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(match_weight, match_probability)`` per pair (``adjust`` adds TF weights)."""
        total = np.full(len(levels), self.prior_weight)
        for c, wts in enumerate(self.weights):
            col = levels[:, c].astype(np.int64)
            total += np.where(col >= 0, np.append(wts, 0.0)[col], 0.0)
        if adjust is not None:
            total += adjust
        prob = 1.0 / (1.0 + np.exp2(-np.clip(total, -1000, 1000)))
        return total, prob

    def params(self) -> pd.DataFrame:
        """Table ``comparison, level, level_code, m, u, weight`` (a ``(prior)`` row for lambda)."""
        rows = [("(prior)", "lambda", -1, self.lam, 1 - self.lam, self.prior_weight)]
        # strict=False: before fit only the prior row exists (m, u and weights are empty)
        for (cname, lnames), m, u, wts in zip(
            self.names, self.m, self.u, self.weights, strict=False
        ):
            for code in range(len(m) - 1, -1, -1):
                rows.append(
                    (cname, lnames[code], code, float(m[code]), float(u[code]), float(wts[code]))
                )
        return pd.DataFrame(rows, columns=["comparison", "level", "level_code", "m", "u", "weight"])


def tf_adjustment(
    codes_i: np.ndarray,
    value_codes: np.ndarray,
    at_level: np.ndarray,
    clip: float = 10.0,
    u_level: float | None = None,
    smooth: bool = True,
) -> np.ndarray:
    """TF weight for pairs agreeing exactly on a column.

    Parameters
    ----------
    codes_i : numpy.ndarray
        Value code (of the left record) per pair; -1 null.
    value_codes : numpy.ndarray
        Value code of every record (to count term frequencies).
    at_level : numpy.ndarray
        Boolean per pair: the pair is at the exact level of this column.
    clip : float
        Bound of the adjustment in bits.
    u_level : float, optional
        The level's u (so that level weight + adjustment = ``log2(m / tf)``); default
        ``sum(tf^2)``, the chance that two random records agree.
    smooth : bool
        Good-Turing smoothing of the counts (see module docstring).

    Example
    -------
    >>> vc = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    >>> adj = tf_adjustment(np.array([0, 2]), vc, np.array([True, True]))
    >>> bool(adj[0] < adj[1])
    True
    """
    ok = value_codes >= 0
    cnt = np.bincount(value_codes[ok], minlength=int(value_codes.max(initial=-1)) + 1).astype(float)
    total = max(cnt.sum(), 1.0)
    u_avg = float(((cnt / total) ** 2).sum()) if u_level is None else float(u_level)
    tf = (good_turing_counts(cnt.astype(np.int64)) if smooth else cnt) / total
    out = np.zeros(len(codes_i))
    use = at_level & (codes_i >= 0)
    if use.any() and u_avg > 0:
        out[use] = np.clip(np.log2(u_avg / tf[codes_i[use]]), -clip, clip)
    return out


def plot_match_weights(params_df: pd.DataFrame, path: str) -> str:
    """Bar chart of the weight of every comparison level (the match-weight chart); saves a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = params_df.reset_index(drop=True)
    labels = [f"{c}: {lv}" for c, lv in zip(df["comparison"], df["level"], strict=True)]
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.28 * len(df))))
    colors = ["tab:green" if w > 0 else "tab:red" for w in df["weight"]]
    ax.barh(range(len(df)), df["weight"], color=colors)
    ax.set_yticks(range(len(df)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("match weight log2(m/u)")
    ax.set_title("Comparison level weights")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)


def plot_weight_histogram(
    pairs: pd.DataFrame,
    path: str,
    bins: int = 60,
    *,
    lower: float | None = None,
    upper: float | None = None,
) -> str:
    """Histogram of ``match_weight`` over the candidate pairs (log count axis); saves a PNG.

    ``lower`` and ``upper`` are the spec's thresholds (match probabilities): each is drawn as a
    labelled vertical line at its weight ``log2(p / (1 - p))``, the clerical-review band between
    them is shaded, and the legend says how many pairs fall on each side.

    Example
    -------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "h.png"
    >>> p = plot_weight_histogram(pd.DataFrame({"match_weight": [-5.0, 1.0, 9.0]}), str(out),
    ...                           lower=0.5, upper=0.95)
    >>> pathlib.Path(p).read_bytes()[:4]
    b'\\x89PNG'
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w = pairs["match_weight"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(7, 3.5 if lower is None and upper is None else 4.2))
    ax.hist(w, bins=bins, color="tab:blue", log=True)
    ax.set_xlabel("match weight (log2 odds that the pair is one customer)")
    ax.set_ylabel("pairs (log)")
    ax.set_title(f"Match weight distribution ({len(pairs):,} candidate pairs)")
    if lower is not None or upper is not None:
        lo = float(np.log2(lower / (1 - lower))) if lower is not None else None
        up = float(np.log2(upper / (1 - upper))) if upper is not None else None
        if lo is not None:
            n = int((w < lo).sum())
            ax.axvspan(ax.get_xlim()[0], lo, color="0.6", alpha=0.12, lw=0)
            ax.axvline(
                lo,
                color="tab:orange",
                ls="--",
                lw=1.6,
                label=f"review from p ≥ {lower:g} (weight {lo:.1f}); {n:,} pairs below stay apart",
            )
        if up is not None:
            n = int((w >= up).sum())
            if lo is not None:
                n_review = int(((w >= lo) & (w < up)).sum())
                ax.axvspan(
                    lo,
                    up,
                    color="tab:orange",
                    alpha=0.25,
                    lw=0,
                    label=f"clerical review: {n_review:,} pairs",
                )
            ax.axvline(
                up,
                color="tab:green",
                lw=1.8,
                label=f"match at p ≥ {upper:g} (weight {up:.1f}); {n:,} pairs above are joined",
            )
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8, ncol=1, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)
