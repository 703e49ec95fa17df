"""Non-inferiority verdicts. On each metric the challenger's gain is its difference from the champion, signed so
that positive is better (challenger - champion where higher is better, champion - challenger where lower is);
[lo, hi] is the interval of that gain and `margin` the loss allowed ([comparison] margin or margins).

- "worse": the whole interval lies below -margin (significantly worse beyond the margin);
- "challenger better": the interval lies above 0 and the Holm-adjusted p is below 1 - confidence;
- "non-inferior": the interval lies above -margin;
- "inconclusive": otherwise (or no interval).

Overall: "worse" if any metric is, else "inconclusive" if any is, else "challenger better" if any is, else
"non-inferior".
"""
from __future__ import annotations


def gain_interval(low: float, high: float, higher_is_better: bool) -> tuple[float, float]:
    return (low, high) if higher_is_better else (-high, -low)


def metric_verdict(ci_low: float | None, ci_high: float | None, p_adjusted: float | None, margin: float,
                   higher_is_better: bool, alpha: float) -> str:
    if ci_low is None or ci_high is None:
        return "inconclusive"
    low, high = gain_interval(ci_low, ci_high, higher_is_better)
    if high < -margin:
        return "worse"
    if low > 0 and p_adjusted is not None and p_adjusted < alpha:
        return "challenger better"
    if low > -margin:
        return "non-inferior"
    return "inconclusive"


def overall_verdict(verdicts: list[str]) -> str:
    for verdict in ("worse", "inconclusive", "challenger better"):
        if verdict in verdicts:
            return verdict
    return "non-inferior" if verdicts else "inconclusive"
