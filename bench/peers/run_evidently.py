"""Evidently's data-drift preset on the benchmark data (run inside .venv/evidently).

    python run_evidently.py REFERENCE.parquet PRODUCTION.parquet OUT.json [default|ks]

"default": DataDriftPreset() with its automatic choice (normed Wasserstein for numerical columns and
Jensen-Shannon for categorical ones above 1,000 rows); "ks": DataDriftPreset(num_method="ks").
Column kinds are declared (float columns numerical, the others categorical), so no time goes to
type inference. Timed: building the two Datasets and running the report.
"""
import sys

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

from measure import Phase, read_parquet_pair, write_result

P_VALUE_METHODS = {"ks", "chisquare", "z", "anderson", "cramer_von_mises", "fisher_exact", "g_test", "mannw",
                   "t_test", "epps_singleton", "empirical_mmd"}


def main() -> None:
    reference, production = read_parquet_pair(sys.argv[1], sys.argv[2])
    variant = sys.argv[4] if len(sys.argv) > 4 else "default"
    numerical = [c for c in reference.columns if pd.api.types.is_float_dtype(reference[c])]
    categorical = [c for c in reference.columns if c not in numerical]
    with Phase() as phase:
        definition = DataDefinition(numerical_columns=numerical, categorical_columns=categorical)
        ref = Dataset.from_pandas(reference, data_definition=definition)
        cur = Dataset.from_pandas(production, data_definition=definition)
        preset = DataDriftPreset(num_method="ks") if variant == "ks" else DataDriftPreset()
        snapshot = Report([preset]).run(cur, ref)
    drifted, count = [], None
    for metric in snapshot.dict()["metrics"]:
        config, value = metric.get("config", {}), metric.get("value")
        if config.get("type", "").endswith("DriftedColumnsCount"):
            count = int(value["count"])
        elif config.get("type", "").endswith("ValueDrift"):
            is_p_value = config.get("method") in P_VALUE_METHODS  # a p-value drifts below its threshold
            if (value < config["threshold"]) if is_p_value else (value >= config["threshold"]):
                drifted.append(config["column"])
    write_result(sys.argv[3], dict(tool=f"Evidently DataDriftPreset ({variant})", variant=variant,
                                   **phase.as_dict(), drifted=drifted, drifted_count=count))


if __name__ == "__main__":
    main()
