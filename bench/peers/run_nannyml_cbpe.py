"""NannyML's CBPE on the benchmark data (run inside .venv/nannyml), for bench/estimation_accuracy.py.

    python run_nannyml_cbpe.py REFERENCE.parquet PRODUCTION.parquet OUT.json CHUNK_SIZE

Both files hold `y` (0/1), `pred` (0/1) and `proba` (the positive-class score); production's `y` is dropped
before the estimate. Binary classification, metrics ROC-AUC and accuracy, size-based chunks of CHUNK_SIZE
rows in file order (the benchmark gives production a whole number of chunks). Written per chunk: the
estimate and NannyML's band (its lower and upper confidence boundaries: +-3 standard errors of sampling).
"""
import sys

import nannyml as nml

from measure import Phase, read_parquet_pair, write_result


def main() -> None:
    reference, production = read_parquet_pair(sys.argv[1], sys.argv[2])
    chunk_size = int(sys.argv[4])
    with Phase() as phase:
        estimator = nml.CBPE(y_pred_proba="proba", y_pred="pred", y_true="y", metrics=["roc_auc", "accuracy"],
                             chunk_size=chunk_size, problem_type="classification_binary")
        estimator.fit(reference)
        result = estimator.estimate(production.drop(columns=["y"]))
    table = result.filter(period="analysis").to_df()
    chunks = []
    for _, row in table.iterrows():
        entry = {}
        for metric in ("roc_auc", "accuracy"):
            entry[metric] = {"value": float(row[(metric, "value")]),
                             "low": float(row[(metric, "lower_confidence_boundary")]),
                             "high": float(row[(metric, "upper_confidence_boundary")])}
        entry["rows"] = int(row[("chunk", "end_index")] - row[("chunk", "start_index")] + 1)
        chunks.append(entry)
    write_result(sys.argv[3], dict(tool=f"NannyML {nml.__version__} CBPE", **phase.as_dict(), chunks=chunks))


if __name__ == "__main__":
    main()
