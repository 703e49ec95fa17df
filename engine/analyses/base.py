"""The calculator lifecycle every analysis follows: fit on the reference, calculate on production.

Public `fit` / `iter_calculate` wrap private `_fit` / `_calculate`; an unexpected exception
becomes a CalculationError naming the analysis, so the user reads what failed, not a traceback.
`_calculate` is a generator: it yields fractions (0-1), or (fraction, message) pairs, between
columns or chunks and returns the result, which keeps a cancel within a second.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Generator
from typing import Generic, TypeVar

import pandas as pd

from assay.engine.errors import AssayError, CalculationError
from assay.engine.progress import ProgressEvent, drain

R = TypeVar("R")


class Calculator(ABC, Generic[R]):
    name = "analysis"
    title = "Analysis"

    def fit(self, reference: pd.DataFrame) -> "Calculator[R]":
        return drain(self.iter_fit(reference))

    def iter_fit(self, reference: pd.DataFrame) -> Generator[float, None, "Calculator[R]"]:
        """`fit` as a generator of the share done, for a calculator whose fit is long on wide data (`_iter_fit`);
        others fit in one step. Returns the calculator."""
        try:
            yield from self._iter_fit(reference)
        except AssayError:
            raise
        except Exception as exc:
            raise CalculationError(f"{self.title} failed on the reference data: {exc}") from exc
        return self

    def _iter_fit(self, reference: pd.DataFrame) -> Generator[float, None, None]:
        self._fit(reference)
        yield from ()

    def iter_calculate(self, production: pd.DataFrame) -> Generator[ProgressEvent, None, R]:
        steps = self._calculate(production)
        try:
            while True:
                step = next(steps)  # a fraction, or (fraction, message) to say what is being done
                fraction, message = step if isinstance(step, tuple) else (step, self.title)
                yield ProgressEvent(self.name, fraction, message)
        except StopIteration as stop:
            return stop.value
        except AssayError:
            raise
        except Exception as exc:
            raise CalculationError(f"{self.title} failed on the production data: {exc}") from exc
        finally:
            steps.close()

    def calculate(self, production: pd.DataFrame) -> R:
        return drain(self.iter_calculate(production))

    @abstractmethod
    def _fit(self, reference: pd.DataFrame) -> None: ...

    @abstractmethod
    def _calculate(self, production: pd.DataFrame) -> Generator[float, None, R]: ...
