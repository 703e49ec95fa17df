"""The building blocks every section uses: headings that become bookmarks and TOC entries, paragraphs
with escaped text, tables that wrap long names and repeat their header across pages, charts.
"""
from __future__ import annotations

from collections.abc import Sequence
import re
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, Spacer, Table,
                                TableStyle)
from reportlab.platypus.flowables import _listWrapOn

from assay.engine.report import styles as S
from assay.engine.report.vector import FigureFlowable, RecordedFigure


def esc(text: Any, mono: bool = False) -> str:
    """Text for a Paragraph: markup characters escaped, characters the font cannot draw as code points."""
    return escape(S.drawable(str(text), S.MONO if mono else S.SANS))


class Heading(Paragraph):
    """A section heading: a PDF outline entry and a link target named `key`, and a TOC line."""

    def __init__(self, text: str, style, level: int, key: str, toc: bool = True) -> None:
        super().__init__(esc(text), style)
        self.plain, self.level, self.key, self.toc = text, level, key, toc

    def draw(self) -> None:
        super().draw()
        canvas = self.canv
        canvas.bookmarkHorizontal(self.key, 0, self.height + 4)
        canvas.addOutlineEntry(self.plain, self.key, level=self.level, closed=self.level > 0)


@dataclass
class Column:
    title: str
    width: float  # share of the frame's width
    align: str = "left"  # "left" | "right"
    mono: bool = False


class Blocks:
    """Flowables in the report's styles, for a frame `width` points wide."""

    def __init__(self, styles: S.Styles, width: float) -> None:
        self.styles = styles
        self.width = width
        self._keys: dict[str, int] = {}

    # -- text -------------------------------------------------------------------------------------------
    def key(self, base: str) -> str:
        """A unique destination name from `base`."""
        slug = "".join(c if c.isalnum() else "-" for c in base.lower()).strip("-") or "section"
        n = self._keys.get(slug, 0)
        self._keys[slug] = n + 1
        return slug if n == 0 else f"{slug}-{n}"

    def h1(self, text: str, key: str) -> list[Flowable]:
        """A section: it starts a page."""
        return [PageBreak(), Heading(text, self.styles.h1, 0, key)]

    def h2(self, text: str, key: str | None = None, toc: bool = True) -> list[Flowable]:
        return [CondPageBreak(90), Heading(text, self.styles.h2, 1, key or self.key(text), toc)]

    def h3(self, text: str) -> list[Flowable]:
        return [CondPageBreak(60), Paragraph(esc(text), self.styles.h3)]

    def p(self, text: str, style=None, keep: bool = False) -> Paragraph:
        """A paragraph; `keep`: kept on the page of what follows it (the introduction to a chart)."""
        return Paragraph(esc(text), self.styles.body_keep if keep and style is None else style or self.styles.body)

    def markup(self, markup: str, style=None) -> Paragraph:
        """A paragraph whose markup the caller built (and escaped)."""
        return Paragraph(markup, style or self.styles.body)

    def small(self, text: str) -> Paragraph:
        return self.p(text, self.styles.small)

    def caption(self, text: str) -> Paragraph:
        return self.p(text, self.styles.caption)

    def bullets(self, lines: Sequence[str], markup: bool = False) -> list[Flowable]:
        return [Paragraph(line if markup else esc(line), self.styles.bullet, bulletText="•") for line in lines]

    def spacer(self, height: float = 6) -> Spacer:
        return Spacer(1, height)

    def status(self, severity: str, text: str) -> str:
        """Coloured bold severity word, for markup."""
        return f'<font color="{S.SEVERITY_TEXT.get(severity, S.MUTED)}"><b>{esc(text)}</b></font>'

    def not_run(self, what: str, reason: str) -> Paragraph:
        reason = reason or "no reason was recorded"
        return self.markup(f'<font color="{S.SEVERITY_TEXT["warn"]}"><b>Not run.</b></font> {esc(what)} '
                           f'was not run: {esc(reason)}.'.replace("..", "."))

    # -- tables ------------------------------------------------------------------------------------------
    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[Any]], *, highlight: Sequence[str | None] = (),
              font_size: float | None = None) -> Table:
        """A table the width of the frame; cells are text (escaped) or ready Paragraph/markup objects.
        The header repeats on every page the table runs onto. `highlight[i]`: a severity colouring row i."""
        st = self.styles
        size = font_size or S.TABLE_SIZE
        widths = [c.width * self.width for c in columns]
        header = [Paragraph(esc(c.title), st.cell_head_right if c.align == "right" else st.cell_head) for c in columns]
        body = []
        for row in rows:
            cells = []
            for value, column in zip(row, columns):
                if isinstance(value, Flowable):
                    cells.append(value)
                    continue
                style = st.mono if column.mono else (st.cell_right if column.align == "right" else st.cell)
                if size != S.TABLE_SIZE and not column.mono:
                    style = _sized(style, size)
                cells.append(Paragraph(value.markup if isinstance(value, Markup) else esc(value, column.mono), style))
            body.append(cells)
        widths = fit_widths(columns, [[c for c in row] for row in rows], self.width, size)
        table = ReportTable([header] + body, colWidths=widths, repeatRows=1, hAlign="LEFT", splitByRow=1)
        commands = [
            ("FONT", (0, 0), (-1, -1), S.SANS, S.TABLE_SIZE),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(S.HEADER_FILL)),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor(S.RULE)),
            ("LINEBELOW", (0, -1), (-1, -1), 0.4, colors.HexColor(S.RULE)),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
        if len(body) > 3:
            commands.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor(S.STRIPE)]))
        for i, severity in enumerate(highlight):
            if severity in ("warn", "fail"):
                commands.append(("LINEBEFORE", (0, i + 1), (0, i + 1), 2, colors.HexColor(S.SEVERITY_FILL[severity])))
        table.setStyle(TableStyle(commands))
        return table

    def pairs(self, rows: Sequence[tuple[str, Any]], key_width: float = 0.26, mono_keys: Sequence[str] = (),
              size: float | None = None) -> Table:
        """A two-column key/value table without a header row (values wrap; `mono_keys` values in monospace)."""
        st = self.styles
        cell, head, mono = st.cell, st.cell_head, st.mono
        if size:
            cell, head, mono = _sized(cell, size), _sized(head, size), _sized(mono, size * 0.9)
        data = []
        for key, value in rows:
            if isinstance(value, Flowable):
                value_cell = value
            elif key in mono_keys:
                value_cell = Paragraph(esc(value, mono=True), mono)
            else:
                value_cell = Paragraph(value.markup if isinstance(value, Markup) else esc(value), cell)
            data.append([Paragraph(esc(key), head), value_cell])
        table = ReportTable(data, colWidths=[key_width * self.width, (1 - key_width) * self.width], hAlign="LEFT",
                            splitByRow=1, repeatRows=0)
        padding = 2.2 if not size else 3.5
        table.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, -1), S.SANS, S.TABLE_SIZE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.HexColor(S.RULE)),
            ("TOPPADDING", (0, 0), (-1, -1), padding),
            ("BOTTOMPADDING", (0, 0), (-1, -1), padding),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]))
        return table

    def chart(self, figure: RecordedFigure, caption: str | None = None) -> Flowable:
        return Captioned(FigureFlowable(figure), self.caption(caption) if caption else None)


class ReportTable(Table):
    """A table that never leaves a lone body row at the foot of a page or at the head of the next."""

    def _getFirstPossibleSplitRowPosition(self, availHeight, ignoreSpans=0):  # noqa: N802,N803
        n = super()._getFirstPossibleSplitRowPosition(availHeight, ignoreSpans)
        rows = len(self._rowHeights)
        head = self.repeatRows if isinstance(self.repeatRows, int) else max(self.repeatRows) + 1
        if 0 < n < rows and rows - n < 2 and n - 1 > head + 1:
            n -= 1
        if 0 < n < rows and n - head < 2:
            return 0
        return n


class KeepWithTable(KeepTogether):
    """The document's keep-with-next group (a heading and what follows it). When what follows is a table that does
    not fit in the rest of the page, the table starts here below its heading and runs on to the next page, rather
    than leaving the rest of this page empty; ReportTable still refuses to start with fewer than two rows."""

    def split(self, available_width, available_height):  # noqa: D102
        content = self._content
        last = content[-1] if content else None
        if isinstance(last, Table) and len(content) > 1:
            if getattr(self, "_wrapInfo", None) != (available_width, available_height):
                self.wrap(available_width, available_height)
            if self._H > available_height:
                dims: list = []
                _, above = _listWrapOn(content[:-1], available_width, self.canv, dims=dims)
                # _listWrapOn leaves out the first item's space before and the last one's space after: count them
                # (more than the frame will, at the top of a frame), so that the table's first part surely fits
                spacing = content[0].getSpaceBefore() + content[-2].getSpaceAfter() + last.getSpaceBefore()
                room = available_height - above - spacing - 2
                parts = last.split(available_width, room) if room > 0 else []
                if len(parts) > 1:
                    return content[:-1] + parts
        return super().split(available_width, available_height)


class Captioned(Flowable):
    """A chart and its caption as one unsplittable flowable (so a heading's keepWithNext holds it)."""

    def __init__(self, figure: Flowable, caption: Flowable | None) -> None:
        super().__init__()
        self.figure, self.caption = figure, caption

    def wrap(self, available_width, available_height):
        w, h = self.figure.wrap(available_width, available_height)
        self._figure_height = h
        self._caption_height = 0.0
        if self.caption is not None:
            _, ch = self.caption.wrap(available_width, available_height)
            self._caption_height = ch + self.caption.getSpaceBefore()
        self.width = available_width
        self.height = h + self._caption_height
        return self.width, self.height

    def getSpaceAfter(self):  # noqa: N802
        return 8.0

    def getSpaceBefore(self):  # noqa: N802
        return 6.0

    def draw(self) -> None:
        self.figure.drawOn(self.canv, 0, self._caption_height)
        if self.caption is not None:
            self.caption.drawOn(self.canv, 0, 0)


class PageRef(Flowable):
    """A heading's page number, as a link, read when the table is laid out (the previous pass's page)."""

    def __init__(self, pages: dict[str, int], key: str, style) -> None:
        super().__init__()
        self.pages, self.key, self.style = pages, key, style
        self._para: Paragraph | None = None

    def wrap(self, available_width, available_height):
        page = self.pages.get(self.key)
        self._para = Paragraph(f'<a href="#{self.key}">{page if page else "…"}</a>', self.style)
        self.width, self.height = self._para.wrap(available_width, available_height)
        return self.width, self.height

    def draw(self) -> None:
        self._para.drawOn(self.canv, 0, 0)


class Markup:
    """A table cell or pair value already written as Paragraph markup (escaped by the caller)."""

    __slots__ = ("markup",)

    def __init__(self, markup: str) -> None:
        self.markup = markup


_SIZED: dict[tuple[str, float], Any] = {}


def _sized(style, size: float):
    key = (style.name, size)
    if key not in _SIZED:
        from reportlab.lib.styles import ParagraphStyle

        _SIZED[key] = ParagraphStyle(f"{style.name}_{size}", parent=style, fontSize=size, leading=size * 1.25)
    return _SIZED[key]


_TAGS = re.compile(r"<[^>]+>")
PADDING = 6.5  # left + right cell padding, and a little air


def _words(value: Any) -> list[str]:
    if isinstance(value, Markup):
        text = _TAGS.sub(" ", value.markup.replace("<br/>", " "))
    elif isinstance(value, Flowable):
        return []
    else:
        text = str(value)
    return text.split()


def fit_widths(columns: Sequence[Column], rows: Sequence[Sequence[Any]], total: float, size: float) -> list[float]:
    """Column widths that fill `total`: each column's share, but
    - never narrower than its widest short word (header or cell): "categorical" or "0.123" never breaks; the
      flexible columns give up the room;
    - a long word (over a sixth of the table: a very long column name) wraps inside its column, unless other
      columns have room their text does not use (or a column's text wraps anyway: a quarter of its width),
      which it then takes, up to the word's width.
    Only when even the short words do not fit side by side are they capped too (the widest first)."""
    needs, naturals = [], []
    for i, column in enumerate(columns):
        font = S.MONO if column.mono else S.SANS
        font_size = 7 if column.mono else size
        need = max((stringWidth(w, S.SANS_BOLD, size) for w in column.title.split()), default=0.0)
        natural = need
        seen: set[str] = set()
        for row in rows[:400]:  # enough to see every kind of value; long tables repeat themselves
            words = _words(row[i]) if i < len(row) else []
            if words:
                natural = max(natural, stringWidth(" ".join(words), font, font_size))
            for word in words:
                if word not in seen:
                    seen.add(word)
                    need = max(need, stringWidth(word, font, font_size))
        needs.append(need + PADDING)
        naturals.append(natural + PADDING)
    cap = _word_cap(needs, total, total / 6)
    mins = [min(n, cap) for n in needs]
    widths = [max(c.width * total, m) for c, m in zip(columns, mins)]
    excess = sum(widths) - total
    if excess > 0:
        slack = [w - m for w, m in zip(widths, mins)]
        room = sum(slack)
        if room >= excess:
            widths = [w - excess * s / room for w, s in zip(widths, slack)]
        else:  # the words alone are wider than the page: shrink every column in proportion
            widths = [w * total / sum(widths) for w in widths]
    # long words take the room other columns do not use, or a quarter of a column whose text wraps anyway
    free = [max(0.0, w - max(m, min(n, 0.75 * w))) for w, n, m in zip(widths, naturals, mins)]
    for i in sorted(range(len(widths)), key=lambda k: needs[k] - widths[k], reverse=True):
        want = needs[i] - widths[i]
        spare = sum(f for k, f in enumerate(free) if k != i)
        if want <= 0 or spare <= 0:
            continue
        take = min(want, spare)
        for k in range(len(widths)):
            if k != i and free[k] > 0:
                share = take * free[k] / spare
                widths[k] -= share
                free[k] -= share
        widths[i] += take
    return widths


def _word_cap(needs: Sequence[float], total: float, cap: float) -> float:
    """The widest a column's longest word may make it: `cap`, less if the columns' words would not fit side by
    side otherwise (the largest cap that fits, by bisection)."""
    if sum(min(n, cap) for n in needs) <= total:
        return cap
    low, high = 0.0, cap
    for _ in range(30):
        middle = (low + high) / 2
        if sum(min(n, middle) for n in needs) > total:
            high = middle
        else:
            low = middle
    return low
