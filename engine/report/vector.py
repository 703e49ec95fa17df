"""Matplotlib figures as vector graphics in the PDF: a small matplotlib renderer that records what a
figure draws (paths, markers, text, images) and a platypus Flowable that replays it on the page.

The figure is drawn once, at 72 dpi so that display units are PDF points; the recording is replayed on
every layout pass. Text stays text, set in the same embedded DejaVu faces as the page, so `pdftotext`
reads a chart's labels and the PDF needs no other font. If a figure cannot be recorded (an artist this
renderer does not support), it is rasterised by Agg at 200 dpi instead, and `RecordedFigure.raster` says so.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable

from assay.engine.report.styles import chart_font, drawable

DPI = 72  # display units are points
RASTER_DPI = 200
_CAPS = {"butt": 0, "round": 1, "projecting": 2}
_JOINS = {"miter": 0, "round": 1, "bevel": 2}


@dataclass
class RecordedFigure:
    width: float  # points
    height: float
    ops: list = field(default_factory=list)
    raster: bool = False  # True: the Agg fallback was used


class _Code:
    """A path already written as PDF operators, in the shape Canvas.drawPath / clipPath expect."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def getCode(self) -> str:  # noqa: N802 (reportlab's name)
        return self.code


def _num(value: float) -> str:
    return f"{value:.2f}"


def path_code(vertices: np.ndarray, codes: np.ndarray | None) -> str:
    """PDF path-construction operators for matplotlib vertices and codes (quadratic curves made cubic)."""
    points = np.asarray(vertices, dtype=float).tolist()  # Python floats: far faster to format than numpy scalars
    if codes is None:
        return " ".join(f"{x:.2f} {y:.2f} {'l' if i else 'm'}" for i, (x, y) in enumerate(points))
    codes = codes.tolist()
    parts: list[str] = []
    last = (0.0, 0.0)
    i, n = 0, len(codes)
    while i < n:
        code = codes[i]
        if code == 1 or code == 2:  # MOVETO, LINETO
            x, y = last = points[i]
            parts.append(f"{x:.2f} {y:.2f} {'m' if code == 1 else 'l'}")
            i += 1
        elif code == 4:  # CURVE4: two control points and the end point
            (x1, y1), (x2, y2), (x, y) = points[i:i + 3]
            parts.append(f"{x1:.2f} {y1:.2f} {x2:.2f} {y2:.2f} {x:.2f} {y:.2f} c")
            last = (x, y)
            i += 3
        elif code == 3:  # CURVE3: one control point, made cubic
            (cx, cy), (x, y) = points[i:i + 2]
            x0, y0 = last
            x1, y1 = x0 + 2 / 3 * (cx - x0), y0 + 2 / 3 * (cy - y0)
            x2, y2 = x + 2 / 3 * (cx - x), y + 2 / 3 * (cy - y)
            parts.append(f"{x1:.2f} {y1:.2f} {x2:.2f} {y2:.2f} {x:.2f} {y:.2f} c")
            last = (x, y)
            i += 2
        elif code == 79:  # CLOSEPOLY
            parts.append("h")
            i += 1
        else:  # STOP (cleaned paths end with one)
            i += 1
    return " ".join(parts)


class RecordingRenderer(RendererBase):
    """Records drawing operations in PDF points; see `replay`."""

    def __init__(self, width: float, height: float) -> None:
        super().__init__()
        self.width, self.height = width, height
        self.ops: list = []

    # -- what matplotlib asks of a renderer ------------------------------------------------------------
    def flipy(self) -> bool:
        return False

    def get_canvas_width_height(self) -> tuple[float, float]:
        return self.width, self.height

    def points_to_pixels(self, points):
        return points

    def new_gc(self) -> GraphicsContextBase:
        return GraphicsContextBase()

    def option_image_nocomposite(self) -> bool:
        return True

    def option_scale_image(self) -> bool:
        return False

    # -- state --------------------------------------------------------------------------------------
    def _clip(self, gc: GraphicsContextBase):
        rect = gc.get_clip_rectangle()
        clip_rect = tuple(float(v) for v in rect.bounds) if rect is not None else None
        clip_path, affine = gc.get_clip_path()
        clip_code = None
        if clip_path is not None:
            cleaned = clip_path.cleaned(transform=affine, remove_nans=True, curves=True)
            clip_code = path_code(cleaned.vertices, cleaned.codes)
        return clip_rect, clip_code

    @staticmethod
    def _stroke(gc: GraphicsContextBase):
        width = float(gc.get_linewidth())
        rgb = gc.get_rgb()
        if width <= 0 or rgb is None:
            return None
        alpha = float(gc.get_alpha()) if gc.get_forced_alpha() else float(rgb[3])
        if alpha <= 0:
            return None
        offset, dashes = gc.get_dashes()
        dash = tuple(round(float(d), 2) for d in dashes) if dashes is not None and len(dashes) else None
        return (round(float(rgb[0]), 4), round(float(rgb[1]), 4), round(float(rgb[2]), 4), round(alpha, 4),
                round(width, 3), dash, round(float(offset or 0), 2), _CAPS.get(gc.get_capstyle(), 0),
                _JOINS.get(gc.get_joinstyle(), 0))

    @staticmethod
    def _fill(gc: GraphicsContextBase, rgb_face):
        if rgb_face is None:
            return None
        if gc.get_forced_alpha():
            alpha = float(gc.get_alpha())
        else:
            alpha = float(rgb_face[3]) if len(rgb_face) > 3 else 1.0
        if alpha <= 0:
            return None
        return (round(float(rgb_face[0]), 4), round(float(rgb_face[1]), 4), round(float(rgb_face[2]), 4),
                round(alpha, 4))

    def _emit_path(self, code: str, stroke, fill, clip) -> None:
        if not code or (stroke is None and fill is None):
            return
        self.ops.append(("p", code, stroke, fill, clip))

    # -- drawing ------------------------------------------------------------------------------------
    def draw_path(self, gc, path, transform, rgbFace=None):  # noqa: N803 (matplotlib's name)
        fill = self._fill(gc, rgbFace)
        bounds = None if fill is not None else (0, 0, self.width, self.height)
        simplify = path.should_simplify and fill is None
        cleaned = path.cleaned(transform=transform, remove_nans=True, clip=bounds, simplify=simplify, curves=True)
        self._emit_path(path_code(cleaned.vertices, cleaned.codes), self._stroke(gc), fill, self._clip(gc))

    def draw_markers(self, gc, marker_path, marker_trans, path, trans, rgbFace=None):  # noqa: N803
        """All copies of the marker in one path operation."""
        marker = marker_path.cleaned(transform=marker_trans, remove_nans=True, curves=True)
        stroke, fill, clip = self._stroke(gc), self._fill(gc, rgbFace), self._clip(gc)
        points = path.cleaned(transform=trans, remove_nans=True)
        vertices = points.vertices
        if points.codes is not None:
            vertices = vertices[np.isin(points.codes, (MplPath.MOVETO, MplPath.LINETO))]
        vertices = vertices[np.isfinite(vertices).all(axis=1)]
        if not len(vertices):
            return
        if marker_path is MplPath.unit_circle() and fill is not None and (stroke is None or stroke[:4] == fill):
            # filled round dots: zero-length strokes with round caps (PDF paints those as discs), two points per
            # dot instead of a 26-point outline
            diameter = 2 * abs(float(marker_trans.get_matrix()[0, 0])) + (stroke[4] if stroke is not None else 0.0)
            dot = (*fill, round(diameter, 3), None, 0.0, 1, 1)
            code = " ".join(f"{x:.2f} {y:.2f} m {x:.2f} {y:.2f} l" for x, y in vertices.tolist())
            self.ops.append(("p", code, dot, None, clip))
            return
        shape = marker.vertices
        copies = (shape[None, :, :] + vertices[:, None, :]).reshape(-1, 2)
        codes = np.tile(marker.codes, len(vertices)) if marker.codes is not None else None
        if codes is None:  # a polyline marker: each copy starts with a move
            codes = np.tile(np.r_[MplPath.MOVETO, np.full(len(shape) - 1, MplPath.LINETO)], len(vertices))
        self.ops.append(("p", path_code(copies, codes), stroke, fill, clip))

    def draw_path_collection(self, gc, master_transform, paths, all_transforms, offsets, offset_trans, facecolors,
                             edgecolors, linewidths, linestyles, antialiaseds, urls, offset_position, *,
                             hatchcolors=None):
        """Each item recorded once; consecutive items of one style share one path operation."""
        path_ids = list(self._iter_collection_raw_paths(master_transform, paths, all_transforms))
        cleaned_cache: dict[int, MplPath] = {}
        run_style, run_parts = None, []

        def flush() -> None:
            if run_parts:
                self.ops.append(("p", " ".join(run_parts), *run_style))

        for xo, yo, path_id, gc0, rgb_face in self._iter_collection(
                gc, path_ids, offsets, offset_trans, facecolors, edgecolors, linewidths, linestyles, antialiaseds,
                urls, offset_position, hatchcolors=hatchcolors if hatchcolors is not None else []):
            path, transform = path_id
            key = id(path_id)
            if key not in cleaned_cache:
                cleaned_cache[key] = path.cleaned(transform=transform, remove_nans=True, curves=True)
            cleaned = cleaned_cache[key]
            style = (self._stroke(gc0), self._fill(gc0, rgb_face), self._clip(gc0))
            if style[0] is None and style[1] is None:
                continue
            code = path_code(cleaned.vertices + (xo, yo), cleaned.codes)
            if style != run_style:
                flush()
                run_style, run_parts = style, []
            run_parts.append(code)
        flush()

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:  # mathematical text: drawn as outlines (the report turns mathtext off; a safety net)
            self._draw_text_as_path(gc, x, y, s, prop, angle, ismath, mtext)
            return
        rgb = gc.get_rgb()
        alpha = float(gc.get_alpha()) if gc.get_forced_alpha() else float(rgb[3])
        family = [f.lower() for f in prop.get_family()]
        font = chart_font(prop.get_weight(), prop.get_style(), "monospace" in family or any("mono" in f for f in family))
        self.ops.append(("t", round(float(x), 2), round(float(y), 2), drawable(s, font), font,
                         float(prop.get_size_in_points()),
                         round(float(angle), 3), (float(rgb[0]), float(rgb[1]), float(rgb[2]), alpha),
                         self._clip(gc)))

    def draw_image(self, gc, x, y, im, transform=None):
        from PIL import Image

        height, width = im.shape[:2]
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(im, dtype=np.uint8), "RGBA").save(buffer, format="PNG")
        self.ops.append(("i", float(x), float(y), float(width), float(height), buffer.getvalue(), self._clip(gc)))


def record_figure(fig: Figure) -> RecordedFigure:
    """Draw `fig` (made at any dpi) once into a recording; Agg at 200 dpi if that fails."""
    fig.set_dpi(DPI)
    FigureCanvasAgg(fig)  # the layout engine measures text with it
    width, height = (float(v) for v in fig.get_size_inches() * DPI)
    renderer = RecordingRenderer(width, height)
    try:
        fig.draw(renderer)
        return RecordedFigure(width, height, renderer.ops)
    except Exception:  # noqa: BLE001 - any artist this renderer cannot draw: fall back to a raster
        return raster_figure(fig)


def raster_figure(fig: Figure) -> RecordedFigure:
    width, height = (float(v) for v in fig.get_size_inches() * DPI)
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_figure(buffer, format="png", dpi=RASTER_DPI, metadata={"Software": None})
    return RecordedFigure(width, height, [("i", 0.0, 0.0, width, height, buffer.getvalue(), (None, None))], True)


def replay(canvas, ops: list) -> None:
    """Draw recorded operations on a reportlab canvas whose origin is the figure's lower-left corner."""
    for op in ops:
        kind = op[0]
        canvas.saveState()
        clip_rect, clip_code = op[-1]
        if clip_rect is not None:
            x, y, w, h = clip_rect
            canvas.clipPath(_Code(f"{_num(x)} {_num(y)} {_num(w)} {_num(h)} re"), stroke=0, fill=0)
        if clip_code:
            canvas.clipPath(_Code(clip_code), stroke=0, fill=0)
        if kind == "p":
            _, code, stroke, fill, _clip = op
            if stroke is not None:
                r, g, b, a, width, dash, phase, cap, join = stroke
                canvas.setStrokeColorRGB(r, g, b)
                canvas.setStrokeAlpha(a)
                canvas.setLineWidth(width)
                canvas.setLineCap(cap)
                canvas.setLineJoin(join)
                if dash:
                    canvas.setDash(list(dash), phase)
            if fill is not None:
                canvas.setFillColorRGB(*fill[:3])
                canvas.setFillAlpha(fill[3])
            canvas.drawPath(_Code(code), stroke=int(stroke is not None), fill=int(fill is not None))
        elif kind == "t":
            _, x, y, text, font, size, angle, (r, g, b, a), _clip = op
            canvas.translate(x, y)
            if angle:
                canvas.rotate(angle)
            canvas.setFont(font, size)
            canvas.setFillColorRGB(r, g, b)
            canvas.setFillAlpha(a)
            canvas.drawString(0, 0, text)
        elif kind == "i":
            _, x, y, w, h, png, _clip = op
            canvas.drawImage(ImageReader(io.BytesIO(png)), x, y, w, h, mask="auto")
        canvas.restoreState()


class FigureFlowable(Flowable):
    """A recorded figure on the page, scaled down (never up) to the frame's width."""

    def __init__(self, figure: RecordedFigure) -> None:
        super().__init__()
        self.figure = figure
        self._scale = 1.0

    def wrap(self, available_width, available_height):
        self._scale = min(1.0, available_width / self.figure.width) if self.figure.width else 1.0
        self.width, self.height = self.figure.width * self._scale, self.figure.height * self._scale
        return self.width, self.height

    def draw(self) -> None:
        self.canv.saveState()
        if self._scale != 1.0:
            self.canv.scale(self._scale, self._scale)
        replay(self.canv, self.figure.ops)
        self.canv.restoreState()

