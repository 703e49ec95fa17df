"""Every run of one audit over time (app/history.py's Run records): the run's date on the x axis, each headline
metric as a line with its interval where the history stored one, and each run's marker filled with the colour of
its verdict. Draws; computes nothing."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette

from assay.app.history import Run
from assay.app.plots.comparison import model_colour
from assay.app.plots.hover import HoverPlot
from assay.app.plots.themed import NAN, cosmetic_pen, drawn_data, escape, short
from assay.app.theme import severity_colour
from assay.engine.results import SEVERITIES

DAY_S = 86_400.0


def run_time(run: Run) -> float | None:
    """When the run finished, in POSIX seconds (a date without a zone is UTC, as the pipeline writes it)."""
    try:
        moment = datetime.fromisoformat(run.finished_at)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


class RunHistoryPlot(HoverPlot):
    def __init__(self, parent=None) -> None:
        super().__init__("No run to draw yet.", parent, {"bottom": pg.DateAxisItem(orientation="bottom")})
        self.png_name = "audit_history"
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.set_axis_label("bottom", "run finished")
        self.runs: list[Run] = []
        self.metrics: list[str] = []
        self.lines: list[pg.PlotDataItem] = []
        self.bars: list[pg.ErrorBarItem] = []
        self.markers: list[pg.ScatterPlotItem] = []
        self.apply_palette()

    def set_runs(self, runs: Sequence[Run], metrics: Sequence[str]) -> None:
        """`metrics`: the headline metrics to draw, by name; a run without one has no point on its line."""
        self.clear_hover()
        timed = [(t, run) for run in runs if (t := run_time(run)) is not None]
        self.runs = [run for _, run in timed]
        self.metrics = list(metrics)
        self._ensure(len(self.metrics))
        x = np.array([t for t, _ in timed], dtype=float)
        extent: list[np.ndarray] = []
        any_interval = False
        for i, item in enumerate(self.lines):
            if i >= len(self.metrics):
                item.setData([], [])
                self.bars[i].setVisible(False)
                self.markers[i].setData([], [])
                continue
            name = self.metrics[i]
            values = np.array([run.metrics.get(name, NAN) for run in self.runs], dtype=float)
            low = np.array([run.intervals.get(name, (NAN, NAN))[0] for run in self.runs], dtype=float)
            high = np.array([run.intervals.get(name, (NAN, NAN))[1] for run in self.runs], dtype=float)
            item.setData(x, values)
            has = np.isfinite(values)
            spots = [{"pos": (x[j], values[j]), "brush": pg.mkBrush(severity_colour(self.runs[j].verdict))}
                     for j in np.flatnonzero(has)]
            self.markers[i].setData(spots)
            shown = has & np.isfinite(low) & np.isfinite(high)
            any_interval |= bool(shown.any())
            self.bars[i].setData(x=x[shown], y=values[shown], top=high[shown] - values[shown],
                                 bottom=values[shown] - low[shown], beam=0.0)
            self.bars[i].setVisible(bool(shown.any()))
            extent += [values, low, high]
            self.set_hover(name, x, values, lambda j, name=name: self._tip(j, name))
        drawn = np.concatenate(extent) if extent else np.array([])
        drawn = drawn[np.isfinite(drawn)]
        if not self.runs or not drawn.size:
            self.set_legend([])
            self.show_empty("No run to draw yet." if not self.runs else
                            "These runs have no headline metric (the performance analysis needs labelled "
                            "production data); the table below lists their verdicts.")
            return
        bottom, top = float(drawn.min()), float(drawn.max())
        span = max(top - bottom, abs(top) * 0.05, 1e-9)
        self.item.setYRange(bottom - 0.12 * span, top + 0.12 * span, padding=0)
        first, last = float(x.min()), float(x.max())
        pad = max((last - first) * 0.06, DAY_S / 24)
        self.item.setXRange(first - pad, last + pad, padding=0)
        self.set_axis_label("left", "headline metric" if len(self.metrics) > 1 else self.metrics[0])
        self._legend(any_interval)
        self.show_plot()

    def _tip(self, j: int, name: str) -> str:
        run = self.runs[j]
        value = run.metrics.get(name)
        interval = run.intervals.get(name)
        text = "—" if value is None else f"{value:.4f}"
        if interval is not None:
            text += f" [{interval[0]:.4f}, {interval[1]:.4f}]"
        return (f"{run.finished_at[:19].replace('T', ' ')} · verdict {run.verdict.upper()}\n{name}: {text}\n"
                f"{run.failed} failed, {run.warnings} warnings")

    def _legend(self, any_interval: bool) -> None:
        entries = [(f"metric{i}", "━", escape(short(name))) for i, name in enumerate(self.metrics)]
        if any_interval:
            entries.append(("muted", "┃", "interval"))
        verdicts = {run.verdict for run in self.runs}
        entries += [(v, "●", f"verdict {v}") for v in reversed(SEVERITIES) if v in verdicts]
        self.set_legend(entries)

    def _ensure(self, n: int) -> None:
        while len(self.lines) < n:
            line = pg.PlotDataItem(connect="finite")
            bars = pg.ErrorBarItem(x=np.array([]), y=np.array([]))
            markers = pg.ScatterPlotItem(size=12, symbol="o")
            markers.setZValue(10)
            for item in (bars, line, markers):
                self.plot.addItem(item)
            self.lines.append(line)
            self.bars.append(bars)
            self.markers.append(markers)
        self.restyle()

    def named_colour(self, name: str) -> QColor | None:
        if name.startswith("metric"):
            return model_colour(int(name[6:]))
        return super().named_colour(name)

    def restyle(self) -> None:
        ring = pg.mkPen(self.palette().color(QPalette.ColorRole.Base), width=1.5)  # the verdict's fill stands out
        for i, (line, bars, markers) in enumerate(zip(self.lines, self.bars, self.markers)):
            colour = model_colour(i)
            line.setPen(cosmetic_pen(colour, 1.8))
            bars.setData(pen=cosmetic_pen(colour, 1.4))
            markers.setPen(ring)

    # for tests
    def series(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        return drawn_data(self.lines[self.metrics.index(name)])

    def marker_colours(self, name: str) -> list[str]:
        return [spot.brush().color().name() for spot in self.markers[self.metrics.index(name)].points()]

    def interval_count(self, name: str) -> int:
        bars = self.bars[self.metrics.index(name)]
        return len(bars.opts["x"]) if bars.isVisible() and bars.opts["x"] is not None else 0
