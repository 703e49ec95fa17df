"""A/B tests on live traffic: production rows carry the arm that served them ([comparison] arm), and each arm's
outcomes are compared with the first arm's (the control), unpaired: the two-proportion z-test (pooled), a
bootstrap interval of the difference (each arm's rows resampled on their own, as binomial draws), and the
smallest difference these row counts could have detected (two-sided 5% test, 80% power)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from assay.engine.comparison.results import AbResult, ArmSummary, ArmTest

POWER = 0.80
ALPHA = 0.05
MAX_ARMS = 10


def two_proportion_test(successes_a: int, n_a: int, successes_b: int, n_b: int) -> float | None:
    """Two-sided p of the pooled two-proportion z-test (None without rows or without variance)."""
    if n_a == 0 or n_b == 0:
        return None
    pooled = (successes_a + successes_b) / (n_a + n_b)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return 1.0
    z = (successes_b / n_b - successes_a / n_a) / se
    return float(2 * stats.norm.sf(abs(z)))


def detectable_difference(rate: float, n_a: int, n_b: int, alpha: float = ALPHA, power: float = POWER) -> float | None:
    """The minimum detectable difference of two proportions around `rate` with these row counts."""
    if n_a == 0 or n_b == 0:
        return None
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(z * np.sqrt(rate * (1 - rate) * (1 / n_a + 1 / n_b)))


def bootstrap_difference(successes_a: int, n_a: int, successes_b: int, n_b: int, resamples: int,
                         confidence: float, rng: np.random.Generator) -> tuple[float | None, float | None]:
    if resamples == 0 or n_a == 0 or n_b == 0:
        return None, None
    a = rng.binomial(n_a, successes_a / n_a, size=resamples) / n_a
    b = rng.binomial(n_b, successes_b / n_b, size=resamples) / n_b
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(b - a, [tail, 100 - tail])
    return float(low), float(high)


def ab_test(column: str, arms: pd.Series, correct: np.ndarray | None, positive: np.ndarray | None,
            resamples: int, confidence: float, rng: np.random.Generator) -> AbResult:
    """`correct`: each row's prediction was right (None without a target); `positive`: the row's outcome is the
    positive class (None unless binary). Rows without an arm are left out."""
    text = arms.astype("string")
    present = text.notna().to_numpy()
    names = list(text[present].value_counts().index[:MAX_ARMS])
    notes = []
    if text[present].nunique() > MAX_ARMS:
        notes.append(f"{text[present].nunique()} arms in {column!r}: the {MAX_ARMS} largest are compared")
    if (~present).any():
        notes.append(f"{int((~present).sum()):,} production rows have no arm and are left out")
    names.sort()
    values = text.to_numpy(dtype=object)
    summaries, per_arm = [], {}
    for name in names:
        mask = present & (values == name)
        measures = {}
        for measure, flags in (("accuracy", correct), ("positive_rate", positive)):
            if flags is not None:
                known = mask & ~pd.isna(flags)
                measures[measure] = (int(flags[known].astype(bool).sum()), int(known.sum()))
        per_arm[name] = measures
        summaries.append(ArmSummary(arm=name, rows=int(mask.sum()),
                                    **{m: (measures[m][0] / measures[m][1] if m in measures and measures[m][1]
                                           else None) for m in ("accuracy", "positive_rate")}))
    tests = []
    control = names[0] if names else None
    for name in names[1:]:
        for measure, (s_b, n_b) in per_arm[name].items():
            s_a, n_a = per_arm[control][measure]
            pooled = (s_a + s_b) / (n_a + n_b) if n_a + n_b else 0.0
            value_a, value_b = (s_a / n_a if n_a else None), (s_b / n_b if n_b else None)
            difference = None if value_a is None or value_b is None else value_b - value_a
            detectable = detectable_difference(pooled, n_a, n_b)
            tests.append(ArmTest(measure=measure, control=control, arm=name, control_value=value_a, arm_value=value_b,
                                 difference=difference, ci_low=None, ci_high=None,
                                 p_value=two_proportion_test(s_a, n_a, s_b, n_b), test="two-proportion z",
                                 detectable=detectable))
            low, high = bootstrap_difference(s_a, n_a, s_b, n_b, resamples, confidence, rng)
            tests.append(ArmTest(measure=measure, control=control, arm=name, control_value=value_a, arm_value=value_b,
                                 difference=difference, ci_low=low, ci_high=high,
                                 p_value=None, test="bootstrap", detectable=detectable))
    if len(names) < 2:
        notes.append(f"the arm column {column!r} has {len(names)} arm(s): nothing to compare")
    return AbResult(column=column, arms=tuple(summaries), tests=tuple(tests), notes=tuple(notes))
