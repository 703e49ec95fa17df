"""Choosing a SHAP explainer for a model, and mapping derived columns back to the input columns.

- Tree ensembles (also at the end of a scikit-learn Pipeline): shap's TreeExplainer on the
  transformed inputs, in the model's raw output (log-odds for gradient boosting classifiers);
  the attributions of one-hot and other derived columns are summed back to their input column.
- Linear models: shap's LinearExplainer with a reference background, on the decision function.
- Anything else: shap's PermutationExplainer on the original columns, explaining the
  positive class's probability (or the prediction, for regression), with a reference background.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from assay.engine.errors import CalculationError

PERMUTATIONS = 10  # feature orderings per explained row (shap's default spends 500 model calls)
TREE_MODULES = ("sklearn.ensemble", "sklearn.tree", "xgboost", "lightgbm", "catboost")
LINEAR_MODULES = ("sklearn.linear_model", "sklearn.svm._classes")


@dataclass
class Explainer:
    method: str
    reason: str
    output_scale: str
    explain: Callable[[pd.DataFrame], tuple[np.ndarray, np.ndarray]]  # rows -> (attributions, outputs)
    base_value: float
    columns: list[str]  # original input columns, in the attribution order


def split_pipeline(model: Any) -> tuple[Any | None, Any]:
    steps = getattr(model, "steps", None)
    if steps and len(steps) > 1:
        return model[:-1], steps[-1][1]
    return None, (steps[-1][1] if steps else model)


def kind_of(estimator: Any) -> str:
    module = type(estimator).__module__
    name = type(estimator).__name__
    if module.startswith(TREE_MODULES) and any(k in name for k in ("Tree", "Forest", "Boosting", "XGB", "LGBM",
                                                                      "CatBoost")):
        return "tree"
    if module.startswith(LINEAR_MODULES) and hasattr(estimator, "coef_"):
        return "linear"
    return "permutation"


def derived_to_input(names: list[str], inputs: list[str]) -> np.ndarray:
    """For each derived column (as `get_feature_names_out` names it), the index of its input column."""
    by_length = sorted(range(len(inputs)), key=lambda i: -len(inputs[i]))
    out = np.full(len(names), -1)
    for j, name in enumerate(names):
        stem = name.split("__", 1)[1] if "__" in name else name
        for i in by_length:
            if stem == inputs[i] or stem.startswith(inputs[i] + "_"):
                out[j] = i
                break
    if (out < 0).any():
        missing = [names[j] for j in np.flatnonzero(out < 0)][:5]
        raise CalculationError(f"cannot tell which input column the derived columns {missing} come from; "
                               f"set [explain] method = \"permutation\" to explain on the input columns")
    return out


def build_explainer(model: Any, inputs: list[str], background: pd.DataFrame, method: str, task: str,
                    positive_index: int | None) -> Explainer:
    import shap

    preprocess, estimator = split_pipeline(model)
    kind = kind_of(estimator) if method == "auto" else method
    reason = {"tree": "tree ensemble: exact TreeExplainer", "linear": "linear model: LinearExplainer",
              "permutation": "no exact explainer for this model: model-agnostic PermutationExplainer"}[kind]
    reason = reason if method == "auto" else f"set in [explain] method ({reason.split(':')[0]})"
    if kind in ("tree", "linear"):
        try:
            return _exact(shap, kind, reason, preprocess, estimator, inputs, background, task, positive_index)
        except Exception as exc:  # names or transforms shap cannot follow: explain on the inputs instead
            if method != "auto":
                raise
            reason = (f"the pipeline's derived columns cannot be traced back to its inputs ({exc}): "
                      f"model-agnostic PermutationExplainer")
    return _permutation(shap, reason, model, inputs, background, task, positive_index)


def permutation_sizes(rows: int, background: int) -> tuple[int, int]:
    """The model-agnostic explainer costs rows x background x 2 x columns model calls: smaller samples."""
    return min(rows, 200), min(background, 50)


def _exact(shap, kind: str, reason: str, preprocess, estimator, inputs: list[str], background: pd.DataFrame,
           task: str, positive_index: int | None) -> Explainer:
    transform = (lambda frame: _dense(preprocess.transform(frame))) if preprocess is not None else (
        lambda frame: frame.to_numpy(dtype=float))
    names = list(preprocess.get_feature_names_out()) if preprocess is not None else inputs
    mapping = derived_to_input(names, inputs) if preprocess is not None else np.arange(len(inputs))
    if kind == "tree":
        explainer = shap.TreeExplainer(estimator)
        expected = explainer.expected_value
    else:
        explainer = shap.LinearExplainer(estimator, transform(background))
        expected = explainer.expected_value
    expected = np.atleast_1d(np.asarray(expected, dtype=float))
    column = _output_column(expected.size, positive_index)

    def explain(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        x = transform(frame)
        values = np.asarray(explainer.shap_values(x, **({"check_additivity": False} if kind == "tree" else {})))
        values = _pick(values, column)
        summed = np.zeros((values.shape[0], len(inputs)))
        np.add.at(summed.T, mapping, values.T)
        return summed, _raw_output(estimator, x, column)

    scale = _scale(estimator, task)
    return Explainer(kind, reason, scale, explain, float(expected[column]), list(inputs))


def _permutation(shap, reason: str, model, inputs: list[str], background: pd.DataFrame, task: str,
                 positive_index: int | None) -> Explainer:
    predict = _predict_function(model, task, positive_index)
    codec = _Codec(background)  # shap's maskers need numbers: text columns travel as codes
    frame = background.reset_index(drop=True)
    masker = shap.maskers.Independent(codec.encode(frame), max_samples=len(frame))
    explainer = shap.PermutationExplainer(lambda x: predict(codec.decode(x)), masker)
    evaluations = PERMUTATIONS * (2 * len(inputs) + 1)

    def explain_permutation(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        result = explainer(codec.encode(rows.reset_index(drop=True)), max_evals=evaluations, silent=True)
        values = np.asarray(result.values, dtype=float)
        return values, np.asarray(result.base_values, dtype=float) + values.sum(axis=1)

    base = float(np.mean(predict(frame)))
    return Explainer("permutation", reason, "probability" if task != "regression" else "prediction",
                     explain_permutation, base, list(inputs))


class _Codec:
    """Text columns as integer codes and back, so that model-agnostic explainers see numbers only."""

    def __init__(self, sample: pd.DataFrame) -> None:
        self.columns = list(sample.columns)
        self.text = [c for c in self.columns if not pd.api.types.is_numeric_dtype(sample[c])
                     or pd.api.types.is_bool_dtype(sample[c])]
        self.values: dict[str, list[Any]] = {c: [] for c in self.text}
        self.codes: dict[str, dict[Any, int]] = {c: {} for c in self.text}

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(frame), len(self.columns)))
        for j, column in enumerate(self.columns):
            if column in self.codes:
                codes = self.codes[column]
                for value in frame[column].unique():
                    key = None if pd.isna(value) else value
                    if key not in codes:
                        codes[key] = len(codes)
                        self.values[column].append(key)
                out[:, j] = [codes[None if pd.isna(v) else v] for v in frame[column]]
            else:
                out[:, j] = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return out

    def decode(self, matrix: np.ndarray) -> pd.DataFrame:
        data = {}
        for j, column in enumerate(self.columns):
            if column in self.values:
                lookup = np.array(self.values[column], dtype=object)
                data[column] = lookup[matrix[:, j].astype(int)]
            else:
                data[column] = matrix[:, j]
        return pd.DataFrame(data, columns=self.columns)


def _dense(x: Any) -> np.ndarray:
    return np.asarray(x.toarray() if hasattr(x, "toarray") else x, dtype=float)


def _output_column(outputs: int, positive_index: int | None) -> int:
    if outputs == 1:
        return 0
    return positive_index if positive_index is not None else outputs - 1


def _pick(values: np.ndarray, column: int) -> np.ndarray:
    """(rows, columns) from shap's outputs: a list per class or a (rows, columns, classes) array."""
    if values.ndim == 3:
        return values[:, :, column] if values.shape[2] > 1 else values[:, :, 0]
    return values


def _raw_output(estimator: Any, x: np.ndarray, column: int) -> np.ndarray:
    """The model output that base value + attributions add up to."""
    if _is_forest(estimator):  # the leaves hold class probabilities
        return np.asarray(estimator.predict_proba(x), dtype=float)[:, column]
    if hasattr(estimator, "decision_function"):
        output = np.asarray(estimator.decision_function(x), dtype=float)
        return output if output.ndim == 1 else output[:, column]
    return np.asarray(estimator.predict(x), dtype=float)


def _is_forest(estimator: Any) -> bool:
    name = type(estimator).__name__
    return any(k in name for k in ("Forest", "DecisionTree", "ExtraTree")) and hasattr(estimator, "predict_proba")


def _scale(estimator: Any, task: str) -> str:
    if task == "regression" or not hasattr(estimator, "predict_proba"):
        return "prediction" if not hasattr(estimator, "decision_function") else "decision function"
    if _is_forest(estimator):
        return "probability"
    return "log-odds"


def _predict_function(model: Any, task: str, positive_index: int | None) -> Callable[[pd.DataFrame], np.ndarray]:
    if task != "regression" and hasattr(model, "predict_proba"):
        column = positive_index if positive_index is not None else -1
        return lambda frame: np.asarray(model.predict_proba(frame), dtype=float)[:, column]
    return lambda frame: np.asarray(model.predict(frame), dtype=float)
