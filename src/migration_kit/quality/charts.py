"""Quality charts (matplotlib, Agg backend), byte-for-byte deterministic PNGs.

PNGs are saved with ``metadata={"Software": None}`` (Agg writes no timestamp; the matplotlib
version is dropped too) and fixed size and dpi, so the same inputs give the same bytes. Only
aggregates are drawn (scores, counts per source and check), never values.

Example
-------
>>> import pandas as pd, tempfile, pathlib
>>> f = pd.DataFrame({"source": ["pos", "web"], "check": ["phone", "email"],
...                   "field": ["phone", "email"],
...                   "reason_code": ["PHONE_INVALID", "EMAIL_SYNTAX"]})
>>> p = plot_failures_by_source(f, pathlib.Path(tempfile.mkdtemp()) / "f.png")
>>> p.suffix
'.png'
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .score import QualityScores

__all__ = ["plot_dimensions", "plot_failures_by_source"]

_DPI = 100
_META = {"Software": None}


def _save(fig: plt.Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fig.savefig(path, format="png", dpi=_DPI, metadata=_META)
    plt.close(fig)
    return path


def plot_dimensions(before: QualityScores, after: QualityScores, path: str | Path) -> Path:
    """Grouped bars: score per dimension, before vs after. Returns ``path``.

    Example
    -------
    >>> # plot_dimensions(score(std, spec, stage="before", ...),
    >>> #                 score(golden, spec, stage="after", ...), "d.png")
    """
    b = before.by_dimension.set_index("dimension")["score"]
    a = after.by_dimension.set_index("dimension")["score"]
    dims = list(dict.fromkeys([*b.index, *a.index]))
    x = np.arange(len(dims))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for off, series, label, color in ((-0.2, b, "before", "#9e9e9e"), (0.2, a, "after", "#1f77b4")):
        vals = np.array([series.get(d, np.nan) for d in dims], dtype=float)
        bars = ax.bar(x + off, np.nan_to_num(vals), width=0.4, label=label, color=color)
        for rect, v in zip(bars, vals, strict=True):
            ax.annotate(
                "n/a" if np.isnan(v) else f"{v:.1f}",
                (rect.get_x() + rect.get_width() / 2, rect.get_height()),
                ha="center",
                va="bottom",
                fontsize=8,
            )
    ax.set_xticks(x, dims)
    ax.set_ylim(0, 110)
    ax.set_ylabel("score (0-100)")
    ax.set_title(
        f"Quality by dimension: overall {before.overall_score:.1f} -> {after.overall_score:.1f}"
    )
    ax.legend(loc="lower right")
    fig.tight_layout()
    return _save(fig, path)


def plot_failures_by_source(
    failures: pd.DataFrame, path: str | Path, *, top_checks: int = 8
) -> Path:
    """Stacked bars: failure rows per source, split by the ``top_checks`` most frequent ``field``
    (others grouped).

    Parameters
    ----------
    failures : DataFrame
        The failure table (``source, field, reason_code`` used), or
        ``QualityScores.by_source_check`` (``source, check, failing``).
    path : str or Path
    top_checks : int
    """
    if "failing" in failures.columns:  # by_source_check counts
        counts = (
            failures.groupby(["source", "check"], sort=True)["failing"].sum().unstack(fill_value=0)
        )
    else:
        counts = failures.groupby(["source", "field"], sort=True).size().unstack(fill_value=0)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if counts.empty or counts.to_numpy().sum() == 0:
        ax.text(0.5, 0.5, "no failing checks", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _save(fig, path)
    totals = counts.sum(axis=0)
    keep = sorted(totals.index, key=lambda c: (-int(totals[c]), str(c)))[:top_checks]
    others = [c for c in counts.columns if c not in keep]
    plot = counts[keep].copy()
    if others:
        plot["other"] = counts[others].sum(axis=1)
    plot = plot.loc[:, plot.sum(axis=0) > 0]
    x = np.arange(len(plot.index))
    bottom = np.zeros(len(plot.index))
    cmap = plt.get_cmap("tab10")
    for i, col in enumerate(plot.columns):
        ax.bar(x, plot[col].to_numpy(), bottom=bottom, label=str(col), color=cmap(i % 10))
        bottom += plot[col].to_numpy()
    ax.set_xticks(x, [str(s) for s in plot.index], rotation=30, ha="right")
    ax.set_ylabel("failing records")
    ax.set_title("Failing checks by source")
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return _save(fig, path)
