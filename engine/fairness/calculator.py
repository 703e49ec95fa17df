"""Fairness: group metrics (fairlearn's MetricFrame), disparities with bootstrap intervals and tests,
intersections, small groups, change since the reference, and proxies."""
from __future__ import annotations

import warnings
from collections.abc import Generator

import numpy as np
import pandas as pd

from assay.engine.analyses.base import Calculator
from assay.engine.config import FairnessConfig
from assay.engine.drift.corrections import adjust
from assay.engine.errors import AssayError, CalculationError, ConfigError
from assay.engine.fairness import groups as G
from assay.engine.fairness import metrics as M
from assay.engine.fairness.proxies import correlation_ratio, cramers_v, sample_rows
from assay.engine.fairness.tally import (GroupTally, confusion, tally_classification, tally_regression)
from assay.engine.fairness.results import (LABEL_FREE, RATES, AttributeFairness, DisparityChange, Estimate, FairnessResult,
                                     GroupMetrics, Proxy)
from assay.engine.predictions import PredictionSet
from assay.engine.schema import ColumnKind, ColumnRole, Schema

REGRESSION_RATES = ("mean_prediction", "mean_target", "mae")
ATTRIBUTE_STEPS = 4  # yields of `_attribute` for one attribute on one dataset


class FairnessCalculator(Calculator[FairnessResult]):
    name = "fairness"
    title = "Fairness"

    def __init__(self, schema: Schema, config: FairnessConfig, predictions: dict[str, PredictionSet],
                 model_inputs: list[str] | None, seed: int = 0) -> None:
        self.schema, self.config, self.predictions, self.model_inputs = schema, config, predictions, model_inputs
        self.seed = seed
        self.sensitive = schema.names(ColumnRole.SENSITIVE)
        self.attributes = [(c,) for c in self.sensitive] + [tuple(i) for i in config.intersections]
        for attribute in self.attributes:
            for column in attribute:
                if column not in {c.name for c in schema.columns}:
                    raise ConfigError(f"[fairness] intersections: no column {column!r} in the data",
                                      key="fairness.intersections")

    # -- lifecycle -----------------------------------------------------------------------

    def _fit(self, reference: pd.DataFrame) -> None:
        self.edges = {c: G.band_edges(reference[c], self.config.bands.get(c)) for c in self.numeric_sensitive()}
        self._reference_frame = reference

    def _calculate(self, production: pd.DataFrame) -> Generator[float, None, FairnessResult]:
        # The reference's groups are computed here rather than in `_fit`, so that they yield too: on a million
        # rows each attribute takes seconds, and a cancel must take effect within one.
        sides = {"reference": {}, "production": {}}
        steps = len(self.attributes) * 2 * ATTRIBUTE_STEPS
        done = 0
        for side, frame in (("reference", self._reference_frame), ("production", production)):
            for attribute in self.attributes:
                parts = self._attribute(frame, side, attribute)
                try:
                    while True:
                        next(parts)
                        done += 1
                        yield 0.8 * min(done / max(steps, 1), 1.0)
                except StopIteration as stop:
                    sides[side][G.attribute_name(attribute)] = stop.value
                except AssayError:
                    raise
                except Exception as exc:
                    if side == "production":
                        raise
                    raise CalculationError(f"{self.title} failed on the reference data: {exc}") from exc
        reference = self._reference_frame
        proxies = yield from self.proxies(reference.iloc[sample_rows(len(reference), self.seed)])
        yield 1.0
        return self.result(sides["reference"], sides["production"], proxies)

    def result(self, reference: dict[str, AttributeFairness], production: dict[str, AttributeFairness],
               proxies: list[Proxy]) -> FairnessResult:
        """The result from both datasets' attributes and the proxies."""
        self._reference = reference
        inputs = set(self.model_inputs or ())
        return FairnessResult(
            task=self.schema.task or "", reference=reference, production=production,
            changes=tuple(self._changes(reference, production)), proxies=tuple(proxies),
            sensitive_inputs=tuple(c for c in self.sensitive if c in inputs),
            policy={"max_demographic_parity_difference": self.config.max_demographic_parity_difference,
                    "min_disparate_impact_ratio": self.config.min_disparate_impact_ratio,
                    "max_equalized_odds_difference": self.config.max_equalized_odds_difference,
                    "min_group_size": self.config.min_group_size},
            methods=self._methods_text(),
        )

    # -- one attribute on one dataset ----------------------------------------------------

    def numeric_sensitive(self) -> list[str]:
        names = {c for a in self.attributes for c in a}
        return [c.name for c in self.schema.columns if c.name in names and c.kind == ColumnKind.NUMERICAL]

    def labels(self, frame: pd.DataFrame, attribute: tuple[str, ...]) -> np.ndarray | None:
        parts = []
        for column in attribute:
            if column not in frame.columns:
                return None
            parts.append(G.group_labels(frame[column], column in self.edges, self.edges.get(column, ())))
        return G.intersect(parts) if len(parts) > 1 else parts[0]

    def _attribute(self, frame: pd.DataFrame, side: str, attribute: tuple[str, ...]
                   ) -> Generator[None, None, AttributeFairness]:
        """One attribute's groups on one dataset; yields between its steps (ATTRIBUTE_STEPS at most)."""
        labels = self.labels(frame, attribute)
        yield
        tally = None if labels is None else self.tally(labels, frame, self.predictions.get(side))
        yield
        return (yield from self.judged(G.attribute_name(attribute), side, tally))

    def tally(self, labels: np.ndarray, frame: pd.DataFrame, preds: PredictionSet) -> GroupTally:
        """The attribute's group tally on `frame` (a dataset, or a batch of one), given its rows' group labels."""
        target = self.schema.first(ColumnRole.TARGET)
        y_true = frame[target] if target and target in frame.columns else None
        if self.schema.task == "regression":
            return tally_regression(labels, y_true, preds.labels)
        return tally_classification(labels, y_true, preds.labels, self.schema.positive_label)

    def judged(self, name: str, side: str, tally: GroupTally | None) -> Generator[None, None, AttributeFairness]:
        """One attribute's fairness on one dataset from its group tally (None: the attribute is not in the data)."""
        if tally is None:
            return AttributeFairness(name, None, "", (), {}, notes=(f"{name}: not in the {side} data",))
        if tally.regression:
            return self._regression(name, tally)
        found = confusion(tally)
        names, counts, has_labels, notes = found.names, found.counts, found.has_labels, list(found.notes)
        sizes = counts.sum(axis=1)
        small = sizes < self.config.min_group_size
        eligible = ~small
        reference, reason = self._reference_group(name, names, sizes, eligible)
        point = self._metric_frame(names, counts, has_labels)
        yield
        rates = M.rates(counts)
        boot = self._bootstrap(counts, eligible, reference)
        yield
        needs = () if has_labels else tuple(r for r in RATES if r not in LABEL_FREE)
        group_results = []
        group_disp = M.group_disparities(rates, reference) if reference is not None else {}
        tests = self._group_tests(counts, reference, eligible, has_labels)
        for g, group in enumerate(names):
            metrics = {r: Estimate(_num(point.loc[group, r]) if r in point.columns else None,
                                   *_ci(boot, "rates", r, g)) for r in RATES if r not in needs}
            versus = {}
            if reference is not None and g != reference:
                for d in M.GROUP_DISPARITIES:
                    if not has_labels and d not in ("selection_rate_difference", "disparate_impact_ratio"):
                        continue
                    p, p_adj = tests.get(d, {}).get(g, (None, None))
                    versus[d] = Estimate(_num(group_disp[d][g]), *_ci(boot, "groups", d, g), p, p_adj)
            group_results.append(GroupMetrics(group, int(sizes[g]), float(sizes[g] / max(sizes.sum(), 1)),
                                              bool(small[g]), metrics, versus))
        disparities = self._column_disparities(rates, counts, eligible, reference, boot, has_labels)
        if eligible.sum() < 2:
            notes.append("fewer than two groups large enough to judge: disparities not computed")
        if small.any():
            notes.append(f"{int(small.sum())} group(s) below {self.config.min_group_size} rows shown but kept out "
                         f"of verdicts: {', '.join(str(n) for n, s in zip(names, small) if s)}")
        return AttributeFairness(name, names[reference] if reference is not None else None, reason,
                                 tuple(group_results), disparities, needs, tuple(notes))

    def _reference_group(self, name: str, names: list[str], sizes: np.ndarray, eligible: np.ndarray
                         ) -> tuple[int | None, str]:
        chosen = self.config.reference_groups.get(name)
        if chosen is not None:
            if chosen not in names:
                raise ConfigError(f"[fairness.reference_groups] {name} = {chosen!r}: no such group; groups: "
                                  f"{', '.join(names)}", key=f"fairness.reference_groups.{name}")
            return names.index(chosen), "set in [fairness.reference_groups]"
        if not eligible.any():
            return None, "no group large enough to serve as reference"
        return int(np.argmax(np.where(eligible, sizes, -1))), "the largest group"

    def _metric_frame(self, names: list[str], counts: np.ndarray, has_labels: bool) -> pd.DataFrame:
        """Per-group point estimates from fairlearn's MetricFrame.

        It is given one row per (group, true label, predicted label) cell weighted by its count:
        the same numbers as one row per person, without fairlearn's per-row overhead (seconds
        per metric at 200,000 rows).
        """
        from fairlearn.metrics import (MetricFrame, false_negative_rate, false_positive_rate, selection_rate,
                                       true_positive_rate)
        from sklearn.metrics import accuracy_score, precision_score

        cells = [(g, k) for g in range(len(names)) for k in range(4) if counts[g, k] > 0]
        truth = np.array([k in (M.TP, M.FN) for _, k in cells], dtype=int)
        predicted = np.array([k in (M.TP, M.FP) for _, k in cells], dtype=int)
        weights = np.array([counts[g, k] for g, k in cells])
        groups = pd.Series([names[g] for g, _ in cells], name="group")
        metrics = {"selection_rate": selection_rate}
        if has_labels:
            metrics |= {
                "base_rate": lambda y_true, y_pred, sample_weight: float(np.average(y_true, weights=sample_weight)),
                "accuracy": accuracy_score, "tpr": true_positive_rate, "fpr": false_positive_rate,
                "fnr": false_negative_rate,
                "precision": lambda y_true, y_pred, sample_weight: precision_score(
                    y_true, y_pred, sample_weight=sample_weight, zero_division=np.nan),
            }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = MetricFrame(metrics=metrics, y_true=truth, y_pred=predicted, sensitive_features=groups,
                                sample_params={m: {"sample_weight": weights} for m in metrics})
        by_group = frame.by_group
        by_group.index = by_group.index.astype(str)
        return by_group

    def _bootstrap(self, counts: np.ndarray, eligible: np.ndarray, reference: int | None) -> dict:
        resamples = self.config.bootstrap_resamples
        if not resamples:
            return {}
        rng = np.random.default_rng(self.seed)
        boot = M.bootstrap_counts(counts, resamples, rng)
        rates = M.rates(boot)
        out = {"rates": rates, "columns": M.column_disparities(rates, eligible, reference),
               "groups": M.group_disparities(rates, reference) if reference is not None else {}}
        out["confidence"] = self.config.confidence
        return out

    def _column_disparities(self, rates, counts, eligible, reference, boot, has_labels) -> dict[str, Estimate]:
        if eligible.sum() < 2:
            return {}
        values = M.column_disparities(rates, eligible, reference)
        tp, fp, fn, tn = (counts[eligible, k] for k in range(4))
        p_selection = M.homogeneity_test(tp + fp, tp + fp + fn + tn)
        p_tpr = M.homogeneity_test(tp, tp + fn) if has_labels else None
        p_fpr = M.homogeneity_test(fp, fp + tn) if has_labels else None
        p_eo = min(1.0, 2 * min(p_tpr, p_fpr)) if p_tpr is not None and p_fpr is not None else None
        p_values = {"demographic_parity_difference": p_selection, "demographic_parity_ratio": p_selection,
                    "disparate_impact_ratio": p_selection, "equal_opportunity_difference": p_tpr,
                    "false_positive_rate_difference": p_fpr, "equalized_odds_difference": p_eo,
                    "equalized_odds_ratio": p_eo}
        out = {}
        for name in M.COLUMN_DISPARITIES:
            if not has_labels and name not in M.LABEL_FREE_DISPARITIES:
                continue
            out[name] = Estimate(_num(values[name]), *_ci(boot, "columns", name), p_values[name])
        return out

    def _group_tests(self, counts: np.ndarray, reference: int | None, eligible: np.ndarray, has_labels: bool
                     ) -> dict[str, dict[int, tuple[float | None, float | None]]]:
        """Two-proportion tests of each eligible group against the reference; Holm (etc.) across groups."""
        if reference is None:
            return {}
        tp, fp, fn, tn = (counts[:, k] for k in range(4))
        others = [g for g in range(len(counts)) if g != reference and eligible[g]]
        r = reference
        raw = {
            "selection_rate_difference": [M.proportion_test(tp[g] + fp[g], counts[g].sum(), tp[r] + fp[r],
                                                            counts[r].sum()) for g in others]}
        raw["disparate_impact_ratio"] = raw["selection_rate_difference"]
        if has_labels:
            raw["tpr_difference"] = [M.proportion_test(tp[g], tp[g] + fn[g], tp[r], tp[r] + fn[r]) for g in others]
            raw["fpr_difference"] = [M.proportion_test(fp[g], fp[g] + tn[g], fp[r], fp[r] + tn[r]) for g in others]
            raw["equalized_odds_difference"] = [
                None if a is None or b is None else min(1.0, 2 * min(a, b))
                for a, b in zip(raw["tpr_difference"], raw["fpr_difference"])]
        out = {}
        for name, values in raw.items():
            adjusted = adjust(values, self.config.correction)
            out[name] = {g: (p, q) for g, p, q in zip(others, values, adjusted)}
        return out

    def _regression(self, name: str, tally: GroupTally) -> AttributeFairness:
        """Group means of the predictions (and, when every row has a target, of the targets and the absolute
        errors), as fairlearn's MetricFrame gives them, from the tally's sums."""
        rows, missing = tally.counts[:, 0], tally.counts[:, 1]
        has_labels = tally.target and not missing.sum()
        columns = ("mean_prediction", "mean_target", "mae") if has_labels else ("mean_prediction",)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = tally.sums[:, :len(columns)] / rows[:, None]
        order = np.argsort(-rows, kind="stable")
        names = [str(tally.groups[g]) for g in order]
        sizes, means = rows[order], means[order]
        small = sizes < self.config.min_group_size
        groups = tuple(GroupMetrics(n, int(sizes[i]), float(sizes[i] / sizes.sum()), bool(small[i]),
                                    {m: Estimate(_num(means[i, j])) for j, m in enumerate(columns)}, {})
                       for i, n in enumerate(names))
        eligible = ~small
        disparities = {f"{m}_difference": Estimate(_num(means[eligible, j].max() - means[eligible, j].min()))
                       for j, m in enumerate(columns)} if eligible.sum() >= 2 else {}
        return AttributeFairness(name, None, "", groups, disparities,
                                 notes=("regression: differences between group means; no intervals",))

    # -- comparisons and proxies ----------------------------------------------------------

    def _changes(self, reference: dict[str, AttributeFairness], production: dict[str, AttributeFairness]):
        for name, prod in production.items():
            ref = reference.get(name)
            if ref is None:
                continue
            for disparity, estimate in prod.disparities.items():
                before = ref.disparities.get(disparity)
                if before is None or before.value is None or estimate.value is None:
                    continue
                worse = estimate.value < before.value if disparity in M.LOWER_IS_WORSE else estimate.value > before.value
                outside = (estimate.ci_low is not None and
                           (estimate.ci_high < before.value if disparity in M.LOWER_IS_WORSE
                            else estimate.ci_low > before.value))
                yield DisparityChange(name, disparity, before.value, estimate.value, bool(worse and outside))

    def proxies(self, sample: pd.DataFrame) -> Generator[float, None, list[Proxy]]:
        """Proxies on the reference's seeded sample of rows (proxies.sample_rows)."""
        inputs = set(self.model_inputs) if self.model_inputs is not None else None
        found = []
        for sensitive in self.sensitive:
            if sensitive not in sample.columns:
                continue
            groups = G.group_labels(sample[sensitive], sensitive in self.edges, self.edges.get(sensitive, ()))
            if inputs is not None and sensitive in inputs:
                found.append(Proxy(sensitive, sensitive, "the sensitive column itself", 1.0, True))
            for column in self.schema.columns:
                if column.role != ColumnRole.FEATURE or column.name == sensitive or column.name not in sample.columns:
                    continue
                if inputs is not None and column.name not in inputs:
                    continue
                if column.kind == ColumnKind.NUMERICAL:
                    values = pd.to_numeric(sample[column.name], errors="coerce").to_numpy(dtype=float,
                                                                                          na_value=np.nan)
                    strength, measure = correlation_ratio(groups, values), "correlation ratio"
                elif column.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
                    strength = cramers_v(groups, sample[column.name].astype(str).to_numpy())
                    measure = "Cramér's V"
                else:
                    continue
                if strength >= self.config.proxy_threshold:
                    found.append(Proxy(column.name, sensitive, measure, round(strength, 4)))
                yield 0.8
        return sorted(found, key=lambda p: (not p.is_sensitive_input, -p.strength))

    def _methods_text(self) -> tuple[str, ...]:
        c = self.config
        return (
            "Per-group metrics from fairlearn's MetricFrame on the model's predicted labels; groups below "
            f"{c.min_group_size} rows are shown but kept out of disparities and verdicts.",
            "Column-level disparities between groups as fairlearn defines them; the disparate impact ratio against "
            "the reference group (the largest group unless set), min(r, 1/r), judged by the four-fifths rule.",
            f"Intervals: {c.confidence:.0%} percentile bootstrap, {c.bootstrap_resamples:,} resamples of the rows "
            f"(drawn as multinomial counts over group x outcome cells), seeded.",
            f"Tests: chi-square for equal rates across groups; two-proportion z-tests of each group against the "
            f"reference group, corrected across groups with {c.correction}.",
            f"Proxies: inputs whose Cramér's V (categorical) or correlation ratio (numerical) with a sensitive "
            f"column reaches {c.proxy_threshold}, on up to 50,000 reference rows.",
        )


def _num(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def _ci(boot: dict, part: str, name: str, index: int | None = None) -> tuple[float | None, float | None]:
    if not boot or name not in boot[part]:
        return None, None
    samples = boot[part][name]
    if index is not None:
        samples = samples[:, index]
    low, high = M.interval(samples, boot["confidence"])
    return _num(low), _num(high)
