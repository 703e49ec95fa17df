"""What the estimate assumes and how it was made, in plain words: one text for the app's page and the PDF."""
from __future__ import annotations

from assay.engine.estimation.results import EstimationResult
from assay.engine.performance.metric_specs import label

SUMMARY_METRICS = ("accuracy", "roc_auc", "mae", "rmse")  # the CLI's summary line, those the result has


def assumptions(result: EstimationResult) -> list[str]:
    """What must hold for the estimate to be right (always said), before what looks broken in this audit."""
    if result.method == "dle":
        return ["The model's errors depend on its inputs and its prediction as they did in the reference: a model "
                "learnt from the reference's errors predicts production's. A change in how the target follows the "
                "inputs (concept shift) is invisible without labels.",
                "Production's inputs lie where the reference's did: where they do not, the error model "
                "extrapolates."]
    return ["For rows like the reference's, the chance of each outcome given the model's score is unchanged: the "
            "scores, once calibrated on the reference, are the probabilities of the outcomes in production too. A "
            "change in how the outcome follows the inputs (concept shift) is invisible without labels.",
            "Production's scores lie where the reference's did: the calibration is not known outside them.",
            "Every production row's outcome is decided independently of the others."]


def methods(result: EstimationResult) -> list[str]:
    c = result.calibration
    lines = []
    if result.method == "dle":
        lines.append("Direct loss estimation: gradient-boosting models learn each reference row's absolute and "
                     "squared error from its inputs and the model's prediction (cross-fitted over two halves); "
                     "production's MAE is the mean predicted absolute error, its RMSE the root of the mean "
                     "predicted squared error.")
    else:
        lines.append("Confidence-based performance estimation (CBPE): each production row predicted as class j "
                     "adds its calibrated probability of class i to cell (i, j) of an expected confusion matrix; "
                     "accuracy, balanced accuracy, precision, recall and F1 follow from it, ROC-AUC and average "
                     "precision from the expected positives at each score.")
        if c.calibrated:
            lines.append(f"The scores were calibrated on the reference by isotonic regression "
                         f"({'one class against the rest, ' if result.task == 'multiclass' else ''}cross-fitted over "
                         f"five folds to measure it): the calibration error (ECE) went from {c.ece_before:.3f} to "
                         f"{c.ece_after:.3f}.")
        else:
            lines.append(c.reason[:1].upper() + c.reason[1:] + ".")
        if c.weighted:
            lines.append("The calibration was weighted by the density ratio production / reference of each "
                         "reference row, from a gradient-boosting classifier that tells the two apart (its "
                         "probabilities, cross-fitted, as odds): it learns the scores' meaning where production "
                         "lies.")
        if result.alternative_method:
            other = ("weighted by the density ratio" if result.alternative_method == "cbpe_weighted"
                     else "not weighted")
            lines.append(f"Beside it, the estimate with the calibration {other} is kept "
                         f"({result.alternative_method}).")
    if result.shift is not None:
        lines.append(f"A classifier learnt to tell production from the reference on {result.shift.rows:,} rows of "
                     f"each: out-of-fold ROC-AUC {result.shift.auc:.2f} (0.5: indistinguishable).")
    lines.append(f"Intervals ({result.confidence:.0%}) from {result.resamples:,} resamples: each draws the "
                 f"reference's rows again and refits "
                 f"{'the calibration' if result.method != 'dle' else 'nothing: the loss model is kept, and its mean error over the drawn rows is taken'}, "
                 f"and draws production's rows again with their outcomes drawn from the estimate, so that an "
                 f"interval holds the calibration's own error as well as sampling. The change from the reference "
                 f"pairs the reference's realised metric with production's estimate on the same resample.")
    if result.method != "dle" and result.shift is not None:
        lines.append("Each interval of a classification estimate also spans the estimate from the calibration given "
                     "the inputs as well as the score: a gradient-boosting model learns on the reference where the "
                     "calibrated scores are over- or under-confident, so a chunk holding more of such rows moves "
                     "that estimate, and the interval holds both.")
    lines.append(f"Chunks: {result.chunking}. Where a chunk has labels for every row, its realised metrics are "
                 f"shown beside the estimate, which never uses them (the backtest).")
    lines.append("The policy is [performance]'s: max_drop (and [performance.max_drop_metrics]) on the estimated "
                 "change, [performance.minimum] on the estimate; every finding says it is estimated.")
    return lines


def summary_line(result: EstimationResult) -> str:
    """The CLI's one line: 'Estimated performance (cbpe, without production labels): accuracy 0.778 (0.767-0.789),
    ...', with the backtest when production had labels."""
    parts = []
    for name in SUMMARY_METRICS:
        e = result.metrics.get(name)
        if e is None or e.value is None:
            continue
        interval = f" ({e.ci_low:.3g}-{e.ci_high:.3g})" if e.ci_low is not None else ""
        reference = result.reference.get(name)
        parts.append(f"{label(name)} {e.value:.3g}{interval}" + (f", reference {reference:.3g}"
                                                                 if reference is not None else ""))
    line = f"Estimated performance ({result.method}, without production labels): " + "; ".join(parts)
    backtest = [f"{label(n)} error {b.mae:.3g}, interval held {b.coverage:.0%} of {b.chunks} chunks"
                for n, b in result.backtest.items() if n in SUMMARY_METRICS and b.coverage is not None]
    return line + (f". Backtest: {'; '.join(backtest)}" if backtest else "")
