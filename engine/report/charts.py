"""The report's charts: matplotlib figures (object API, no pyplot, no GUI backend) in the app's colours,
recorded as vector graphics by engine.report.vector. Each function takes numbers the engine computed and
measures nothing; it returns a RecordedFigure sized in points for the page's frame.
"""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager

import matplotlib as mpl
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, ListedColormap
from matplotlib.figure import Figure

from assay.engine.drift.distributions import cdf_at
from assay.engine.report import styles as S
from assay.engine.report.vector import RecordedFigure, record_figure

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 7,
    "axes.titlesize": 7.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 7,
    "axes.edgecolor": "#9aa0a6",
    "axes.linewidth": 0.6,
    "axes.labelcolor": S.TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e3e6ea",
    "grid.linewidth": 0.5,
    "xtick.color": S.MUTED,
    "ytick.color": S.MUTED,
    "xtick.labelcolor": S.TEXT,
    "ytick.labelcolor": S.TEXT,
    "xtick.major.width": 0.5,
    "ytick.major.width": 0.5,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "legend.fontsize": 6.5,
    "legend.frameon": False,
    "text.color": S.TEXT,
    "text.parse_math": False,  # column names with "$" stay text
    "svg.hashsalt": "assay",  # fixed, should a figure ever be written as SVG
    "figure.constrained_layout.h_pad": 0.04,
    "figure.constrained_layout.w_pad": 0.04,
}
LABEL_CHARS = 28


def short(name: str, limit: int = LABEL_CHARS) -> str:
    """A label of at most `limit` characters (an ellipsis ends a longer one), characters the font cannot draw
    written as code points (see styles.drawable), never cut inside one."""
    name = S.drawable(str(name))
    if len(name) <= limit:
        return name
    cut = limit - 1
    opening = name.rfind("[U+", 0, cut)
    if opening >= 0 and name.find("]", opening) >= cut:
        cut = opening
    return name[:cut] + "…"


@contextmanager
def _style():
    with mpl.rc_context(RC):
        yield


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width / 72, height / 72), dpi=72)


def text_width(labels: Sequence[str], size: float = 7.0) -> float:
    """The widest label in points, measured with the embedded font (fast: no matplotlib layout)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    S.register_fonts()
    return max((stringWidth(str(label), S.SANS, size) for label in labels), default=0.0)


def _panels(fig: Figure, ratios: Sequence[float], lefts: Sequence[float], bottom: float = 26, top: float = 16,
            right: float = 6) -> list:
    """Axes side by side in a row, positioned in points: `lefts[i]` is the room for panel i's y labels.

    A fixed layout (no constrained layout): measuring every artist's extent would cost most of a chart's time."""
    width, height = (float(v) * 72 for v in fig.get_size_inches())
    room = width - sum(lefts) - right
    total = float(sum(ratios))
    axes, x = [], 0.0
    for ratio, left in zip(ratios, lefts):
        x += left
        w = room * ratio / total
        axes.append(fig.add_axes((x / width, bottom / height, w / width, (height - bottom - top) / height)))
        x += w
    return axes


def _label_room(labels: Sequence[str], size: float = 7.0) -> float:
    return text_width(labels, size) + 10


def _record(fig: Figure) -> RecordedFigure:
    with _style():
        return record_figure(fig)


def _legend(ax, **kw) -> None:
    ax.legend(loc=kw.pop("loc", "best"), handlelength=1.2, borderaxespad=0.2, **kw)


def _legend_above(ax, align: str = "left") -> None:
    """The legend in one row above the axes, never over the data (the axes leave room for it)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc=f"lower {align}", bbox_to_anchor=(0.0 if align == "left" else 1.0, 1.0),
                  ncols=len(handles), handlelength=1.2, borderaxespad=0.3, columnspacing=1.2)


def _compact(value: float, _position=None) -> str:
    """Axis numbers without an offset or exponent: 25k, 1.5M, 0.25."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:g}M"
    if size >= 1e4:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def _numeric_axis(axis, ticks: int = 5) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(ticks))
    axis.set_major_formatter(FuncFormatter(_compact))


# -- data quality ----------------------------------------------------------------------------------------


def missing_bars(names: Sequence[str], reference: Sequence[float | None], production: Sequence[float | None],
                 width: float) -> RecordedFigure:
    """Share of missing values per column, reference vs production (horizontal pairs)."""
    with _style():
        n = len(names)
        fig = _figure(width, 40 + 13 * n)
        ax, = _panels(fig, [1], [_label_room([short(n) for n in names])], top=16)
        y = np.arange(n)[::-1]
        ref = np.array([v or 0.0 for v in reference]) * 100
        prod = np.array([v or 0.0 for v in production]) * 100
        ax.barh(y + 0.2, ref, height=0.38, color=S.REFERENCE, label="reference")
        ax.barh(y - 0.2, prod, height=0.38, color=S.PRODUCTION, label="production")
        ax.set_yticks(y, [short(n) for n in names])
        ax.set_xlabel("missing values (% of rows)")
        ax.grid(axis="y", visible=False)
        ax.set_ylim(-0.7, n - 0.3)
        _legend_above(ax)
        return _record(fig)


# -- drift -----------------------------------------------------------------------------------------------


def drift_column(feature, chunk_labels: Sequence[str], width: float) -> RecordedFigure:
    """One column: its distributions (histogram or category shares), the ECDFs with the KS gap (numerical),
    and its effect size per production chunk against the reference band."""
    d = feature.distribution
    numerical = d is not None and d.kind == "numerical" and len(d.edges) > 1
    with _style():
        fig = _figure(width, 150)
        if numerical:
            axes = _panels(fig, [1.15, 1, 1.25], [14, 30, 30], bottom=34, top=34)
        else:
            categories = [short(c, 22) + " (new)" for c in d.categories[:12]] if d is not None else [""]
            axes = _panels(fig, [1.2, 1], [_label_room(categories), 30], bottom=34, top=34)
        fig.text(2 / width, 1 - 3 / 150, short(feature.feature, 70), fontsize=8, fontweight="bold", ha="left",
                 va="top")
        if d is None:
            axes[0].text(0.5, 0.5, "no distribution recorded", ha="center", va="center", transform=axes[0].transAxes)
            axes[0].set_axis_off()
        elif numerical:
            _histogram(axes[0], d)
            _ecdf(axes[1], d)
        else:
            _category_bars(axes[0], d)
        _chunk_effects(axes[-1], feature, chunk_labels)
        handles: dict = {}
        for ax in axes:
            for handle, label in zip(*ax.get_legend_handles_labels()):
                handles.setdefault(label, handle)
        if handles:
            fig.legend(list(handles.values()), list(handles), loc="upper right", bbox_to_anchor=(1.0, 1.0),
                       ncols=len(handles), handlelength=1.2, borderaxespad=0.2, columnspacing=1.0, fontsize=6.5)
        return _record(fig)


def _histogram(ax, d) -> None:
    edges = np.asarray(d.edges, dtype=float)
    for which, values in (("reference", d.reference_density), ("production", d.production_density)):
        values = np.asarray(values, dtype=float)
        if len(values) != len(edges) - 1:
            continue
        ax.stairs(values, edges, fill=True, color=S.SERIES[which], alpha=0.28, linewidth=0)
        ax.stairs(values, edges, color=S.SERIES[which], linewidth=1.1, label=which)
    ax.set_title("distribution (density)", loc="left")
    ax.set_ylim(bottom=0)
    ax.set_yticks([])
    ax.grid(axis="y", visible=False)
    _numeric_axis(ax.xaxis, 4)


def _ecdf(ax, d) -> None:
    """The ECDFs as the app draws them: a polyline through (quantile, level) at evenly spaced levels."""
    curves = {}
    for which, values in (("reference", d.reference_quantiles), ("production", d.production_quantiles)):
        values = np.asarray(values, dtype=float)
        if len(values) > 1:
            curves[which] = values
            ax.plot(values, np.linspace(0.0, 1.0, len(values)), color=S.SERIES[which], linewidth=1.1, label=which)
    if d.ks_location is not None and len(curves) == 2:
        x = float(d.ks_location)
        low, high = sorted((cdf_at(curves["reference"], x), cdf_at(curves["production"], x)))
        ax.plot([x, x], [low, high], color=S.SEVERITY_FILL["warn"], linewidth=2.2, solid_capstyle="butt",
                label="largest gap")
    ax.set_title("cumulative share (ECDF)", loc="left")
    ax.set_ylim(0, 1.02)
    _numeric_axis(ax.xaxis, 4)


def _category_bars(ax, d) -> None:
    categories = list(d.categories)[:12]
    n = len(categories)
    y = np.arange(n)[::-1]
    ref = np.asarray(d.reference_share[:n], dtype=float)
    prod = np.asarray(d.production_share[:n], dtype=float)
    new = list(d.new_in_production[:n]) if d.new_in_production else [False] * n
    ax.barh(y + 0.2, ref, height=0.38, color=S.REFERENCE, label="reference")
    ax.barh(y - 0.2, prod, height=0.38, color=[S.SEVERITY_FILL["warn"] if is_new else S.PRODUCTION for is_new in new],
            label="production")
    ax.set_yticks(y, [short(c, 22) + (" (new)" if is_new else "") for c, is_new in zip(categories, new)])
    ax.grid(axis="y", visible=False)
    ax.set_ylim(-0.7, n - 0.3)
    more = len(d.categories) - n
    ax.set_title("share of rows per category" + (f" (top {n}; {more} more)" if more > 0 else ""), loc="left")


def _chunk_effects(ax, feature, chunk_labels: Sequence[str]) -> None:
    values = np.array([np.nan if v is None else v for v in feature.chunk_effect_sizes], dtype=float)
    x = np.arange(len(values))
    if feature.band is not None and len(values):
        ax.axhspan(feature.band[0], feature.band[1], color=S.REFERENCE, alpha=0.18, linewidth=0,
                   label="reference band")
    if len(values):
        ax.plot(x, values, color=S.PRODUCTION, linewidth=1.1, marker="o", markersize=3.2, markerfacecolor="white",
                markeredgewidth=0.9, label="chunk effect size")
        drifted = np.array([bool(v) for v in feature.chunk_drifted], dtype=bool)[: len(values)]
        if drifted.any():
            ax.plot(x[drifted], values[drifted], linestyle="none", marker="o", markersize=4.4,
                    markerfacecolor=S.SEVERITY_FILL["fail"], markeredgecolor="white", markeredgewidth=0.6,
                    label="drifted chunk")
        _chunk_ticks(ax, chunk_labels[: len(values)])
    ax.set_title("effect size per chunk", loc="left")
    ax.set_ylim(bottom=0)


def _chunk_ticks(ax, labels: Sequence[str], max_ticks: int = 8) -> None:
    n = len(labels)
    step = max(1, int(np.ceil(n / max_ticks)))
    ticks = list(range(0, n, step))
    ax.set_xticks(ticks, [short(labels[i], 10) for i in ticks], rotation=45 if n > 4 else 0,
                  ha="right" if n > 4 else "center")
    ax.set_xlim(-0.5, n - 0.5)


def drift_heat_map(names: Sequence[str], chunk_labels: Sequence[str], values: Sequence[Sequence[float | None]],
                   drifted: Sequence[Sequence[bool | None]], width: float) -> RecordedFigure:
    """Effect size per column (rows) and production chunk (columns); dots mark drifted cells."""
    n, m = len(names), len(chunk_labels)
    grid = np.full((n, m), np.nan)
    marks = np.zeros((n, m), dtype=bool)
    for i, row in enumerate(values):
        for j, v in enumerate(row[:m]):
            grid[i, j] = np.nan if v is None else float(v)
    for i, row in enumerate(drifted):
        for j, v in enumerate(row[:m]):
            marks[i, j] = bool(v)
    with _style():
        height = 50 + 11 * n
        fig = _figure(width, height)
        ax, cax = _panels(fig, [1, 0.025], [_label_room([short(name) for name in names]), 8], bottom=40, top=6,
                          right=40)
        finite = grid[np.isfinite(grid)]
        top = max(float(finite.max()) if finite.size else 0.0, 0.05)
        cmap = LinearSegmentedColormap.from_list("assay_heat", S.HEATMAP).with_extremes(bad=S.UNTESTED)
        mesh = ax.pcolormesh(np.ma.masked_invalid(grid), cmap=cmap, vmin=0.0, vmax=top, edgecolors="white",
                             linewidth=0.3)
        rows, cols = np.nonzero(marks)
        if len(rows):
            ax.plot(cols + 0.5, rows + 0.5, linestyle="none", marker="o", markersize=2.2, color=S.TEXT)
        ax.set_yticks(np.arange(n) + 0.5, [short(name) for name in names])
        ax.set_ylim(n, 0)
        step = max(1, int(np.ceil(m / 16)))
        ax.set_xticks(np.arange(0, m, step) + 0.5, [short(chunk_labels[j], 10) for j in range(0, m, step)],
                      rotation=45, ha="right")
        ax.grid(False)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        bar = fig.colorbar(mesh, cax=cax)
        bar.solids.set_edgecolor("face")
        bar.set_label("effect size")
        bar.outline.set_linewidth(0.4)
        return _record(fig)


def chunk_series(labels: Sequence[str], values: Sequence[float | None], band: tuple[float, float] | None,
                 reference_value: float | None, title: str, y_label: str, width: float) -> RecordedFigure:
    """A statistic per production chunk with the reference band (e.g. the PCA reconstruction error)."""
    with _style():
        fig = _figure(width, 130)
        ax, = _panels(fig, [1], [44], bottom=34, top=18)
        y = np.array([np.nan if v is None else v for v in values], dtype=float)
        x = np.arange(len(y))
        if band is not None:
            ax.axhspan(band[0], band[1], color=S.REFERENCE, alpha=0.18, linewidth=0, label="reference band")
        if reference_value is not None:
            ax.axhline(reference_value, color=S.REFERENCE, linewidth=1, linestyle="--", label="reference")
        ax.plot(x, y, color=S.PRODUCTION, linewidth=1.2, marker="o", markersize=2.6, label="production chunk")
        _chunk_ticks(ax, labels)
        ax.set_title(title, loc="left")
        ax.set_ylabel(y_label)
        _legend_above(ax, "right")
        return _record(fig)


def importance_bars(names: Sequence[str], series: dict[str, Sequence[float]], x_label: str, width: float,
                    colours: dict[str, str] | None = None) -> RecordedFigure:
    """Horizontal bars per column for one or two series (e.g. mean |SHAP| reference vs production)."""
    colours = colours or S.SERIES
    with _style():
        n = len(names)
        k = max(len(series), 1)
        fig = _figure(width, 40 + 12 * n * (1 if k == 1 else 1.4))
        ax, = _panels(fig, [1], [_label_room([short(name) for name in names])], top=16 if k > 1 else 6)
        y = np.arange(n)[::-1]
        height = 0.8 / k
        for i, (label, values) in enumerate(series.items()):
            offset = (k - 1) / 2 * height - i * height
            ax.barh(y + offset, [0.0 if v is None else v for v in values], height=height * 0.95,
                    color=colours.get(label, S.MUTED), label=label)
        ax.set_yticks(y, [short(name) for name in names])
        ax.set_xlabel(x_label)
        ax.grid(axis="y", visible=False)
        ax.set_ylim(-0.7, n - 0.3)
        if k > 1:
            _legend_above(ax)
        return _record(fig)


# -- fairness --------------------------------------------------------------------------------------------


def group_bars(groups: Sequence[str], series: dict[str, Sequence[tuple[float | None, float | None, float | None]]],
               title: str, reference_line: float | None, line_label: str, width: float,
               small: Sequence[bool] = ()) -> RecordedFigure:
    """A rate per group with its interval, reference vs production; a dashed line at `reference_line`."""
    with _style():
        n = len(groups)
        fig = _figure(width, 50 + 14 * n * max(len(series), 1) * 0.8)
        ax, = _panels(fig, [1], [_label_room([short(g, 24) for g in groups])], bottom=20, top=18)
        y = np.arange(n)[::-1].astype(float)
        k = max(len(series), 1)
        height = 0.8 / k
        for i, (label, triples) in enumerate(series.items()):
            offset = (k - 1) / 2 * height - i * height
            values = np.array([np.nan if t[0] is None else t[0] for t in triples], dtype=float)
            colour = S.SERIES.get(label, S.MUTED)
            faded = [S.MISSING if (i_small < len(small) and small[i_small]) else colour for i_small in range(n)]
            ax.barh(y + offset, np.nan_to_num(values), height=height * 0.92, color=faded, label=label)
            low = np.array([np.nan if t[1] is None else t[1] for t in triples], dtype=float)
            high = np.array([np.nan if t[2] is None else t[2] for t in triples], dtype=float)
            ok = np.isfinite(low) & np.isfinite(high) & np.isfinite(values)
            if ok.any():
                ax.errorbar(values[ok], (y + offset)[ok],
                            xerr=[values[ok] - low[ok], high[ok] - values[ok]], fmt="none", ecolor=S.TEXT,
                            elinewidth=0.8, capsize=1.8, capthick=0.8)
        if reference_line is not None:
            ax.axvline(reference_line, color=S.TEXT, linewidth=0.9, linestyle="--", label=line_label)
        ax.set_yticks(y, [short(g, 24) for g in groups])
        ax.set_title(title, loc="left")
        ax.grid(axis="y", visible=False)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlim(left=0)
        _legend_above(ax, "right")
        return _record(fig)


def ratio_chart(groups: Sequence[str], triples: Sequence[tuple[float | None, float | None, float | None]],
                limit: float, small: Sequence[bool], width: float) -> RecordedFigure:
    """Each group's ratio to the reference group with its interval, on a log scale so that r and 1/r are
    equally far from 1; the band [limit, 1/limit] passes the four-fifths rule."""
    with _style():
        n = len(groups)
        fig = _figure(width, max(110, 44 + 18 * n))
        ax, = _panels(fig, [1], [_label_room([short(g, 24) for g in groups])], bottom=26, top=18)
        y = np.arange(n)[::-1].astype(float)
        values = np.array([np.nan if t[0] is None or t[0] <= 0 else t[0] for t in triples], dtype=float)
        low = np.array([np.nan if t[1] is None or t[1] <= 0 else t[1] for t in triples], dtype=float)
        high = np.array([np.nan if t[2] is None or t[2] <= 0 else t[2] for t in triples], dtype=float)
        ax.axvspan(limit, 1 / limit, color=S.SEVERITY_FILL["pass"], alpha=0.10, linewidth=0,
                   label=f"four-fifths band ({limit:g} to {1 / limit:.3g})")
        ax.axvline(1.0, color=S.TEXT, linewidth=0.7)
        ok = np.isfinite(low) & np.isfinite(high) & np.isfinite(values)
        if ok.any():
            ax.errorbar(values[ok], y[ok], xerr=[values[ok] - low[ok], high[ok] - values[ok]], fmt="none",
                        ecolor=S.MUTED, elinewidth=0.9, capsize=2)
        inside = (values >= limit) & (values <= 1 / limit)
        colours = [S.MISSING if (i < len(small) and small[i]) else (S.SEVERITY_FILL["pass"] if inside[i] else
                                                                    S.SEVERITY_FILL["fail"]) for i in range(n)]
        ax.scatter(values, y, c=colours, s=22, zorder=3, linewidths=0)
        ax.set_xscale("log")
        finite = np.concatenate([v[np.isfinite(v)] for v in (values, low, high)] + [np.array([limit, 1 / limit])])
        ax.set_xlim(min(finite.min(), limit) / 1.3, max(finite.max(), 1 / limit) * 1.3)
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_yticks(y, [short(g, 24) for g in groups])
        ax.grid(axis="y", visible=False)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlabel("selection rate ÷ the reference group's (log scale)")
        _legend_above(ax, "right")
        return _record(fig)


def change_intervals(names: Sequence[str], changes: Sequence[float], lows: Sequence[float | None],
                     highs: Sequence[float | None], flagged: Sequence[bool], x_label: str,
                     width: float) -> RecordedFigure:
    """A change per column with its interval around zero (attribution drift)."""
    with _style():
        n = len(names)
        fig = _figure(width, 40 + 12 * n)
        ax, = _panels(fig, [1], [_label_room([short(name) for name in names])], top=6)
        y = np.arange(n)[::-1]
        values = np.asarray(changes, dtype=float)
        low = np.array([np.nan if v is None else v for v in lows], dtype=float)
        high = np.array([np.nan if v is None else v for v in highs], dtype=float)
        colour = [S.SEVERITY_FILL["warn"] if f else S.MUTED for f in flagged]
        ok = np.isfinite(low) & np.isfinite(high)
        if ok.any():
            ax.errorbar(values[ok], y[ok], xerr=[values[ok] - low[ok], high[ok] - values[ok]], fmt="none",
                        ecolor=S.MUTED, elinewidth=0.9, capsize=1.8)
        ax.scatter(values, y, c=colour, s=14, zorder=3, linewidths=0)
        ax.axvline(0, color=S.TEXT, linewidth=0.7)
        ax.set_yticks(y, [short(name) for name in names])
        ax.set_xlabel(x_label)
        ax.grid(axis="y", visible=False)
        ax.set_ylim(-0.7, n - 0.3)
        return _record(fig)


# -- explanations ----------------------------------------------------------------------------------------


def beeswarm(names: Sequence[str], shap_columns: Sequence[np.ndarray], level_columns: Sequence[np.ndarray],
             x_label: str, width: float, seed: int = 0) -> RecordedFigure:
    """Every explained row's SHAP value per column (rows jittered by density), coloured by the row's value
    of that column on the low -> high ramp (grey: missing or not orderable)."""
    ramp = LinearSegmentedColormap.from_list("assay_ramp", S.RAMP)
    colours = ListedColormap(ramp(np.linspace(0, 1, S.RAMP_SIZE)))
    rng = np.random.default_rng(seed)
    with _style():
        n = len(names)
        fig = _figure(width, 40 + 20 * n)
        ax, cax = _panels(fig, [1, 0.02], [_label_room([short(name) for name in names]), 8], top=6, right=48)
        xs, ys, index = [], [], []
        for i, (values, levels) in enumerate(zip(shap_columns, level_columns)):
            values = np.asarray(values, dtype=float)
            levels = np.asarray(levels, dtype=float)
            keep = np.isfinite(values)
            values, levels = values[keep], levels[keep]
            xs.append(values)
            ys.append(n - 1 - i + _jitter(values, rng))
            index.append(np.where(np.isfinite(levels), np.clip(np.rint(levels * (S.RAMP_SIZE - 1)), 0,
                                                                 S.RAMP_SIZE - 1), -1).astype(int))
        x, y, index = np.concatenate(xs), np.concatenate(ys), np.concatenate(index)
        for level in range(-1, S.RAMP_SIZE):  # one marker path per colour: small and quick to draw
            mask = index == level
            if mask.any():
                ax.plot(x[mask], y[mask], linestyle="none", marker="o", markersize=1.9, markeredgewidth=0,
                        color=S.MISSING if level < 0 else colours(level))
        ax.axvline(0, color=S.MUTED, linewidth=0.6)
        ax.set_yticks(np.arange(n)[::-1], [short(name) for name in names])
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_xlabel(x_label)
        ax.grid(axis="y", visible=False)
        bar = fig.colorbar(mpl.cm.ScalarMappable(cmap=colours), cax=cax, ticks=[0, 1])
        bar.solids.set_edgecolor("face")
        bar.ax.set_yticklabels(["low", "high"])
        bar.set_label("value of the column")
        bar.outline.set_linewidth(0.4)
        return _record(fig)


def _jitter(values: np.ndarray, rng: np.random.Generator, bins: int = 60, spread: float = 0.38) -> np.ndarray:
    """Vertical offsets proportional to how many points share a value's neighbourhood."""
    if len(values) < 2 or np.ptp(values) == 0:
        return rng.uniform(-spread / 3, spread / 3, len(values))
    counts, edges = np.histogram(values, bins=bins)
    which = np.clip(np.digitize(values, edges) - 1, 0, bins - 1)
    density = counts[which] / counts.max()
    return rng.uniform(-1, 1, len(values)) * spread * density


# -- performance -----------------------------------------------------------------------------------------


def curves(panels: Sequence[dict], width: float) -> RecordedFigure:
    """Up to three line panels side by side: each {"title", "x_label", "y_label", "series": {label: (x, y)}}, and
    optionally "diagonal" (a dashed y = x), "unit" (both axes 0-1), "vline"/"hline" (a reference line), "band"
    ((low, high) around the first series), "legend" (its location). Series named reference / production take
    their colours; others a fixed palette."""
    palette = ["#1f5fbf", "#e8793a", "#2e7d32", "#8e44d4", "#c62828", "#5f6368"]
    with _style():
        fig = _figure(width, 165)
        axes = _panels(fig, [1] * 3, [34] * 3, bottom=30, top=16)
        for ax, panel in zip(axes, panels):
            if panel.get("diagonal"):
                ax.plot([0, 1], [0, 1], color=S.MISSING, linewidth=0.7, linestyle="--")
            for i, (label, (x, y)) in enumerate(panel["series"].items()):
                colour = S.SERIES.get(label.split(" ")[0], palette[i % len(palette)])
                x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
                if i == 0 and panel.get("band") is not None:
                    low, high = (np.asarray(v, dtype=float) for v in panel["band"])
                    ax.fill_between(x, low, high, color=colour, alpha=0.15, linewidth=0)
                ax.plot(x, y, color=colour, linewidth=1.2, label=label, marker="o" if len(x) <= 20 else None,
                        markersize=2.4)
            if panel.get("vline") is not None:
                ax.axvline(panel["vline"], color=S.TEXT, linewidth=0.8, linestyle=":")
            if panel.get("hline") is not None:
                ax.axhline(panel["hline"], color=S.TEXT, linewidth=0.7)
            ax.set_title(panel["title"], loc="left")
            ax.set_xlabel(panel.get("x_label", ""))
            ax.set_ylabel(panel.get("y_label", ""))
            if panel.get("unit"):
                ax.set_xlim(0, 1)
                ax.set_ylim(0, 1.02)
            else:
                _numeric_axis(ax.xaxis, 5)
            if len(panels) < 3 and ax is axes[len(panels) - 1]:  # room on the right: the legend goes there
                _legend(ax, loc="center left", bbox_to_anchor=(1.04, 0.5))
            else:
                _legend(ax, loc=panel.get("legend", "lower right"))
        for ax in axes[len(panels):]:
            ax.set_visible(False)
        return _record(fig)


def metric_over_time(labels: Sequence[str], series: dict[str, Sequence[tuple[float | None, float | None,
                                                                             float | None]]],
                     reference: dict[str, float | None], width: float,
                     realised: dict[str, Sequence[float | None]] | None = None) -> RecordedFigure:
    """One or more metrics per production chunk with intervals; dashed lines at the reference values; `realised`:
    values measured from labels beside estimated ones (diamonds), per metric and chunk."""
    palette = ["#1f5fbf", "#e8793a", "#2e7d32", "#8e44d4", "#c62828", "#5f6368"]
    with _style():
        fig = _figure(width, 150)
        ax, = _panels(fig, [1], [40], bottom=34, top=18)
        x = np.arange(len(labels))
        for i, (name, triples) in enumerate(series.items()):
            colour = palette[i % len(palette)]
            y = np.array([np.nan if t[0] is None else t[0] for t in triples], dtype=float)
            low = np.array([np.nan if t[1] is None else t[1] for t in triples], dtype=float)
            high = np.array([np.nan if t[2] is None else t[2] for t in triples], dtype=float)
            ok = np.isfinite(low) & np.isfinite(high)
            if ok.any():
                ax.fill_between(x, np.where(ok, low, y), np.where(ok, high, y), color=colour, alpha=0.12,
                                linewidth=0)
            ax.plot(x, y, color=colour, linewidth=1.2, marker="o", markersize=2.6, label=name)
            if reference.get(name) is not None:
                ax.axhline(reference[name], color=colour, linewidth=0.8, linestyle="--")
            measured = np.array([np.nan if v is None else v for v in (realised or {}).get(name, ())], dtype=float)
            if np.isfinite(measured).any():
                ax.plot(x[:measured.size], measured, linestyle="none", marker="D", markersize=3, color=colour,
                        markeredgecolor="white", markeredgewidth=0.4, label="_nolegend_")
        _chunk_ticks(ax, labels)
        ax.set_title("per production chunk (band: interval; dashed: reference)", loc="left")
        _legend_above(ax, "right")
        return _record(fig)
