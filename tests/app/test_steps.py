"""GUI work in small steps (app/steps.py) and how the window uses it: the pages build their plots ahead of any
result and show a report a step at a time, so the window never freezes (issue #9, item 6). The stall itself is
measured by bench/ui_stall.py, not here."""
from __future__ import annotations

import gc
import sys

import pytest

from assay.app.steps import Once, StepRunner, drain


def counting(log: list, name: str, n: int):
    for i in range(n):
        log.append((name, i))
        yield


def test_the_runner_runs_every_step_in_order_and_says_when_each_key_is_done(qtbot):
    runner = StepRunner(budget_ms=0)  # one step per turn of the event loop
    log: list = []
    done: list = []
    runner.finished.connect(done.append)
    runner.add("a", counting(log, "a", 3))
    runner.add("b", counting(log, "b", 2))
    with qtbot.waitSignal(runner.idle, timeout=5000):
        pass
    assert log == [("a", 0), ("a", 1), ("a", 2), ("b", 0), ("b", 1)]
    assert done == ["a", "b"] and not runner.pending()


def test_a_turn_of_the_event_loop_runs_one_step_when_the_budget_is_spent(qtbot):
    runner = StepRunner(budget_ms=0)
    log: list = []
    runner.add("a", counting(log, "a", 5))
    runner._turn()
    assert log == [("a", 0)]  # then it gives way: the next step waits for the next turn
    runner._turn()
    assert log == [("a", 0), ("a", 1)]
    runner.discard()


def test_urgent_steps_go_first_and_replacing_a_key_closes_its_old_steps(qtbot):
    runner = StepRunner(budget_ms=0)
    log: list = []
    closed: list = []

    def old():
        try:
            while True:
                log.append(("old", 0))
                yield
        finally:
            closed.append("old")

    runner.add("page", old())
    runner.add("other", counting(log, "other", 1))
    runner._turn()  # the old report is half shown
    runner.add("page", counting(log, "page", 1), urgent=True)  # a new report for the same page
    assert closed == ["old"] and runner.keys() == ["page", "other"]
    with qtbot.waitSignal(runner.idle, timeout=5000):
        pass
    assert log == [("old", 0), ("page", 0), ("other", 0)]


def test_finish_runs_a_key_to_its_end_now_and_discard_drops_it(qtbot):
    runner = StepRunner(budget_ms=0)
    log: list = []
    runner.add("a", counting(log, "a", 3))
    runner.add("b", counting(log, "b", 3))
    runner.finish("a")
    assert log == [("a", 0), ("a", 1), ("a", 2)] and runner.keys() == ["b"]
    runner.discard("b")
    assert not runner.pending()
    runner.finish("nothing queued")  # no error


def test_start_runs_the_first_step_at_once_and_queues_the_rest_first(qtbot):
    runner = StepRunner(budget_ms=0)
    log: list = []
    runner.add("later", counting(log, "later", 1))
    runner.start("now", counting(log, "now", 2))
    assert log == [("now", 0)] and runner.keys() == ["now", "later"]
    with qtbot.waitSignal(runner.idle, timeout=5000):
        pass
    assert log == [("now", 0), ("now", 1), ("later", 0)]


def test_a_failing_step_is_dropped_and_the_others_still_run(qtbot):
    runner = StepRunner(budget_ms=0)
    log: list = []

    def failing():
        yield
        raise ValueError("a page could not show the report")

    runner.add("bad", failing())
    runner.add("good", counting(log, "good", 2))
    runner._turn()
    with pytest.raises(ValueError, match="could not show"):
        runner._turn()
    assert runner.keys() == ["good"]
    with qtbot.waitSignal(runner.idle, timeout=5000):
        pass
    assert log == [("good", 0), ("good", 1)]


def test_once_builds_a_single_time_whoever_advances_it():
    built: list = []

    def build():
        for i in range(3):
            built.append(i)
            yield

    once = Once(build)
    ahead = once.steps()
    next(ahead)  # the runner built the first part ahead of time...
    drain(once.steps())  # ...then a report arrived and needed the rest at once
    assert built == [0, 1, 2] and once.done
    drain(ahead)  # the runner's iterator finds nothing left to do
    once.run()
    assert built == [0, 1, 2]


def test_the_window_builds_its_plots_ahead_and_imports_the_plotting_modules_off_the_gui_thread(qtbot, window):
    qtbot.waitUntil(window.is_warmed_up, timeout=60_000)
    assert "pyqtgraph" in sys.modules and "assay.engine.report.pdf" in sys.modules
    assert window.pages["performance"].over_time is not None and window.pages["drift"].heat_map is not None
    assert window.pages["explanations"].importance is not None
    assert window.pages["quality"].plot is not None and window.pages["fairness"].plot is not None
    assert gc.get_freeze_count() > 0  # the start-up objects are out of the GUI thread's collections


def test_pages_show_the_report_a_step_at_a_time_and_a_page_opened_early_shows_it_at_once(qtbot, window, small_demo):
    assert window.open_audit(small_demo)
    with qtbot.waitSignal(window.session.audit_finished, timeout=60_000):
        window.run_action.trigger()
    report = window.session.report
    # at once: the verdict, the findings and the Report page; the other pages are still to come
    assert window.current_page() == "overview" and window.overview_page.report is report
    assert window.report_page.report is report
    assert window.result_pages_pending()
    assert window.pages["drift"].report is not report
    window.go_to("drift")  # opened before its turn: it shows the report before it is drawn
    assert window.pages["drift"].drift is report.drift and window.pages["drift"].visible_columns()
    qtbot.waitUntil(lambda: not window.result_pages_pending(), timeout=10_000)
    for key in ("quality", "performance", "fairness", "explanations"):
        assert window.pages[key].report is report, key
    assert window.pages["explanations"].beeswarm.point_count() > 0


def test_opening_another_audit_drops_what_the_pages_were_still_to_show(qtbot, window, small_demo):
    assert window.open_audit(small_demo)
    with qtbot.waitSignal(window.session.audit_finished, timeout=60_000):
        window.run_action.trigger()
    assert window.result_pages_pending()
    assert window.open_audit(small_demo, confirm=False)
    assert not window.result_pages_pending()
    assert window.pages["drift"].report is None and window.pages["explanations"].explanations is None
