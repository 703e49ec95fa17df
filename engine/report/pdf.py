"""build_pdf / iter_build_pdf: the audit report as a PDF a compliance reviewer can file.

`iter_build_pdf(report, path)` is a generator of ProgressEvents (stage "pdf") that returns the Path
written, like `iter_audit`: the GUI's worker shows its progress and cancels by closing it. Nothing is
written until the whole document is laid out; then it goes to a temporary file in the target folder
and is renamed, so a cancelled or failed build leaves no half-written file.

Layout: reportlab platypus, in two passes (the first finds the page of every heading and the page
count; the second prints them in the table of contents and the footers). Reproducible: reportlab's
invariant mode, the PDF's dates set to the audit's date (which SOURCE_DATE_EPOCH fixes), charts
recorded as vector drawing operations, no dictionary or set order left to chance: the same report
gives the same bytes.
"""
from __future__ import annotations

import dataclasses
import io
import os
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from assay.engine.atomic import write_atomic
from assay.engine.config import ReportConfig
from assay.engine.errors import ConfigError
from assay.engine.progress import ProgressEvent, drain
from assay.engine.report import styles as S
from assay.engine.report.blocks import Blocks, Heading, KeepWithTable
from assay.engine.report.identity import SHORT
from assay.engine.report.output_path import check_output_path

if TYPE_CHECKING:
    from assay.engine.results import AuditReport

PAGE_SIZES = {"A4": A4, "letter": LETTER}
MARGIN = 18 * mm
MAX_PASSES = 4
STAGE = "pdf"


@dataclass
class ReportContext:
    """What every section builder reads: the report, the settings, the styles and the frame width."""

    report: AuditReport
    settings: ReportConfig
    blocks: Blocks
    report_id: str
    width: float
    page_size: tuple[float, float]
    document_sha256: str = ""  # the JSON's integrity.document_sha256 (timing fields included)
    # filled by the layout: heading key -> page, for the table of contents
    pages: dict[str, int] = field(default_factory=dict)
    headings: list[Heading] = field(default_factory=list)

    @property
    def styles(self) -> S.Styles:
        return self.blocks.styles

    @property
    def config(self) -> dict[str, Any]:
        return self.report.provenance.config or {}

    def section_config(self, name: str) -> dict[str, Any]:
        return dict(self.config.get(name) or {})


def report_settings(report: AuditReport, settings: ReportConfig | None = None) -> ReportConfig:
    """The [report] settings: given, else read from the report's configuration, else the defaults."""
    if settings is not None:
        return settings
    raw = dict((getattr(report.provenance, "config", None) or {}).get("report") or {})
    names = {f.name for f in dataclasses.fields(ReportConfig)}
    values = {k: v for k, v in raw.items() if k in names}
    result = ReportConfig(**values)
    if result.page_size not in PAGE_SIZES:
        raise ConfigError(f"[report] page_size = {result.page_size!r}: use \"A4\" or \"letter\"", key="report.page_size")
    return result


def build_pdf(report: AuditReport, path: str | os.PathLike[str], settings: ReportConfig | None = None,
              on_progress: Callable[[ProgressEvent], None] | None = None) -> Path:
    """Write the PDF audit report of `report` to `path`; returns the path. See `iter_build_pdf`."""
    return drain(iter_build_pdf(report, path, settings), on_progress)


def iter_build_pdf(report: AuditReport, path: str | os.PathLike[str],
                   settings: ReportConfig | None = None) -> Generator[ProgressEvent, None, Path]:
    """Yield ProgressEvent("pdf", fraction, message) while building; return the Path written.

    Closing the generator cancels the build; nothing is written before the last step.
    """
    target = check_output_path(path)
    yield ProgressEvent(STAGE, 0.0, "Preparing the report")
    context = make_context(report, settings)
    story = yield from iter_story(context)
    data = yield from _layout(story, context)
    yield ProgressEvent(STAGE, 0.98, f"Writing {target.name}")
    write_atomic(target, data)
    yield ProgressEvent(STAGE, 1.0, f"Report written to {target}")
    return target


def make_context(report: AuditReport, settings: ReportConfig | None = None) -> ReportContext:
    """What the section builders read: the report, its [report] settings, the styles and the frame's width."""
    settings = report_settings(report, settings)
    styles = S.Styles()
    page_size = PAGE_SIZES[settings.page_size]
    width = page_size[0] - 2 * MARGIN
    integrity = report.to_dict()["integrity"]  # the JSON's own block: the PDF prints the same digests
    return ReportContext(report=report, settings=settings, blocks=Blocks(styles, width),
                         report_id=integrity["results_sha256"], width=width, page_size=page_size,
                         document_sha256=integrity["document_sha256"])


def iter_story(context: ReportContext) -> Generator[ProgressEvent, None, list]:
    """Run every section's builder (progress 0.05 to 0.70); return the flowables of the whole document."""
    from assay.engine.report.sections import sections

    story: list = []
    parts = sections()
    done, total = 0.0, float(sum(section.weight for section in parts))
    for section in parts:
        start, span = 0.05 + 0.65 * done / total, 0.65 * section.weight / total
        steps = section.build(context)
        try:
            while True:
                fraction, message = next(steps)
                yield ProgressEvent(STAGE, start + span * min(max(fraction, 0.0), 1.0), message)
        except StopIteration as stop:
            story.extend(stop.value or [])
        finally:
            steps.close()
        done += section.weight
    context.headings = [f for f in story if isinstance(f, Heading)]
    return story


# -- layout ----------------------------------------------------------------------------------------------


def _layout(story: list, context: ReportContext) -> Generator[ProgressEvent, None, bytes]:
    """Lay the story out until the table of contents and the page count are stable (two passes, normally).

    The first pass only measures (nothing is written out); later passes write, and the last one is kept."""
    total_pages = 0
    data = b""
    for number in range(1, MAX_PASSES + 1):
        yield ProgressEvent(STAGE, min(0.70 + 0.14 * (number - 1), 0.96), f"Laying out the pages (pass {number})")
        buffer = io.BytesIO()
        doc = AuditDocTemplate(buffer, context, total_pages)
        doc._doSave = int(number > 1)
        _build(doc, story)
        data = buffer.getvalue()
        pages = dict(doc.heading_pages)
        if number > 1 and pages == context.pages and doc.page == total_pages:
            break
        context.pages.clear()  # in place: PageRef cells hold this dict
        context.pages.update(pages)
        total_pages = doc.page
    return data


def _build(doc: BaseDocTemplate, story: list) -> None:
    """One layout pass. Streams are compressed but not ASCII85-encoded (binary PDF streams: smaller, and
    reportlab's encoder is pure Python without its optional accelerator)."""
    edits: list = []  # as multiBuild does: state platypus leaves on flowables, undone before the next pass
    doc._multiBuildEdits = edits.append
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        doc.build(list(story))
    finally:
        rl_config.useA85 = saved
        for edit in edits:
            edit[0](*edit[1:])


class AuditDocTemplate(BaseDocTemplate):
    def __init__(self, buffer: io.BytesIO, context: ReportContext, total_pages: int) -> None:
        report, settings = context.report, context.settings
        self.context = context
        self.total_pages = total_pages
        self.heading_pages: dict[str, int] = {}
        audit = context.section_config("audit")
        model = (report.provenance.model or {}).get("type", "no model")
        author = settings.prepared_by or audit.get("auditor") or audit.get("organisation") or "Assay"
        super().__init__(
            buffer, pagesize=context.page_size, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 4 * mm,
            bottomMargin=MARGIN + 2 * mm, title=report.title, author=author,
            subject=f"Model audit report: {model}; verdict {report.verdict.upper()}",
            keywords=", ".join(["model audit", "Assay", *[a.name for a in report.analyses if a.status == "ran"],
                                f"verdict {report.verdict}", f"report id {context.report_id}"]),
            creator=f"Assay {report.provenance.versions.get('assay', '')}".strip(), invariant=1,
            initialFontName=S.SANS, initialFontSize=9, pageCompression=1, keepTogetherClass=KeepWithTable,
        )
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body", leftPadding=0,
                      rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="cover", frames=[frame], onPage=self._decorate_cover),
                               PageTemplate(id="body", frames=[frame], onPage=self._decorate)])

    def beforeDocument(self) -> None:  # noqa: N802 (reportlab's name)
        stamp = _pdf_date(self.context.report)
        self.canv.setDateFormatter(lambda *_: stamp)
        self.canv.showOutline()

    def afterFlowable(self, flowable) -> None:  # noqa: N802
        if isinstance(flowable, Heading):
            self.heading_pages[flowable.key] = self.page

    # -- page furniture ------------------------------------------------------------------------------
    def _footer(self, canvas) -> None:
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor(S.RULE))
        canvas.setLineWidth(0.5)
        y = self.bottomMargin - 5 * mm
        canvas.line(self.leftMargin, y + 3.2 * mm, self.leftMargin + self.width, y + 3.2 * mm)
        canvas.setFont(S.SANS, 7)
        canvas.setFillColor(colors.HexColor(S.MUTED))
        canvas.drawString(self.leftMargin, y, f"Report id {self.context.report_id[:SHORT]}")
        total = self.total_pages or "?"
        canvas.drawRightString(self.leftMargin + self.width, y, f"page {canvas.getPageNumber()} of {total}")
        title = _short(S.drawable(self.context.report.title), 70)
        canvas.drawCentredString(self.leftMargin + self.width / 2, y, title)
        canvas.restoreState()

    def _decorate_cover(self, canvas, doc) -> None:
        self._footer(canvas)

    def _decorate(self, canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(S.SANS, 7)
        canvas.setFillColor(colors.HexColor(S.MUTED))
        top = self.bottomMargin + self.height + 4 * mm
        canvas.drawString(self.leftMargin, top, "Assay model audit report")
        verdict = self.context.report.verdict
        canvas.setFillColor(colors.HexColor(S.SEVERITY_TEXT.get(verdict, S.MUTED)))
        canvas.setFont(S.SANS_BOLD, 7)
        canvas.drawRightString(self.leftMargin + self.width, top, f"Verdict: {verdict.upper()}")
        canvas.restoreState()
        self._footer(canvas)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pdf_date(report: AuditReport) -> str:
    """The PDF's creation date: SOURCE_DATE_EPOCH when set, else the audit's date (so a report's PDF
    does not change with the time it is written)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = None
    if epoch.isdigit():
        from datetime import timezone

        moment = datetime.fromtimestamp(int(epoch), timezone.utc)
    else:
        text = report.provenance.finished_at or report.provenance.started_at
        try:
            moment = datetime.fromisoformat(text)
        except (TypeError, ValueError):
            moment = datetime(2000, 1, 1)
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return (f"D:{moment:%Y%m%d%H%M%S}{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'")
