"""Small pieces every results page uses: titles, the empty state, a filter box, a sortable table view."""
from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHeaderView, QLabel, QLineEdit, QPushButton,
                               QScrollArea, QSplitter, QTableView, QToolButton, QVBoxLayout, QWidget)


def title_label(text: str, name: str = "pageTitle") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    return label


def muted_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class Card(QFrame):
    """A framed box with a bold title: schema differences, duplicates, ..."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(14, 10, 14, 12)
        self.body.setSpacing(4)
        self.body.addWidget(title_label(title, "sectionTitle"))


class EmptyState(QWidget):
    """What a results page shows before any audit has run: a sentence and a Run button."""

    run_requested = Signal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(text)
        self.label.setObjectName("emptyState")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.button = QPushButton("Run audit (F5)")
        self.button.clicked.connect(self.run_requested)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.label)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)


class FilterBox(QLineEdit):
    """Filters a proxy model as the user types (any column, case-insensitive)."""

    def __init__(self, proxy: QSortFilterProxyModel, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self.setMaximumWidth(360)
        self.textChanged.connect(proxy.setFilterFixedString)


def table_view(proxy: QSortFilterProxyModel, stretch_column: int | None = None) -> QTableView:
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    if stretch_column is not None:
        header.setStretchLastSection(False)
        header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    return view


def fit_columns(view: QTableView, maximum: int = 260) -> None:
    """Size each column to its contents and its header's longest line (Qt's own hint reserves room
    for the whole header text on one line plus generous margins, which makes wide tables scroll)."""
    model = view.model()
    metrics = view.horizontalHeader().fontMetrics()
    for column in range(model.columnCount()):
        header = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
        text = max((metrics.horizontalAdvance(line) for line in header.split("\n")), default=0)
        view.setColumnWidth(column, min(max(view.sizeHintForColumn(column) + 12, text + 36), maximum))


def methods_fold(title: str, max_height: int) -> tuple[QToolButton, QLabel, QScrollArea]:
    """A fold-out "how this was computed" section: its button, the text label and the scrolling box.

    The button shows and hides the box; a long methods text scrolls rather than pushing the page away.
    """
    button = QToolButton()
    button.setText(title)
    button.setCheckable(True)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setArrowType(Qt.ArrowType.RightArrow)
    button.setAutoRaise(True)
    text = QLabel()
    text.setWordWrap(True)
    text.setTextFormat(Qt.TextFormat.RichText)
    text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    box = QScrollArea()
    box.setWidget(text)
    box.setWidgetResizable(True)
    box.setFrameShape(QFrame.Shape.NoFrame)
    box.setMaximumHeight(max_height)
    box.hide()

    def toggled(shown: bool) -> None:
        button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        box.setVisible(shown)

    button.toggled.connect(toggled)
    return button, text, box


def titled(title: str, plot: QWidget) -> QWidget:
    """A plot under a bold title, the plot taking the room."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(QLabel(f"<b>{title}</b>"))
    layout.addWidget(plot, 1)
    return box


def tab_layout() -> tuple[QWidget, QVBoxLayout]:
    """A tab's widget and its column layout, spaced as every results page's tabs."""
    tab = QWidget()
    layout = QVBoxLayout(tab)
    layout.setContentsMargins(0, 8, 0, 0)
    layout.setSpacing(6)
    return tab, layout


def vertical_split(top: QWidget, bottom: QWidget, top_stretch: int, bottom_stretch: int) -> QSplitter:
    """Two parts the user can resize against each other; neither collapses away."""
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.addWidget(top)
    splitter.addWidget(bottom)
    splitter.setChildrenCollapsible(False)
    splitter.setStretchFactor(0, top_stretch)
    splitter.setStretchFactor(1, bottom_stretch)
    return splitter
