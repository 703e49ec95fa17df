"""Alibi Detect's TabularDrift (KS for numerical, chi-square for categorical columns) on the benchmark
data (run inside .venv/alibi-detect).

    python run_alibi.py REFERENCE.parquet PRODUCTION.parquet OUT.json

Categorical columns are encoded as integer codes over the union of categories (TabularDrift takes one
numeric array). Timed: encoding, building the detector on the reference and predicting on production.
"""
import sys

import numpy as np
import pandas as pd
from alibi_detect.cd import TabularDrift

from measure import Phase, read_parquet_pair, write_result


def main() -> None:
    reference, production = read_parquet_pair(sys.argv[1], sys.argv[2])
    numerical = [c for c in reference.columns if pd.api.types.is_float_dtype(reference[c])]
    categorical = [c for c in reference.columns if c not in numerical]
    with Phase() as phase:
        columns_ref, columns_prod = [reference[c].to_numpy() for c in numerical], [production[c].to_numpy()
                                                                                 for c in numerical]
        for c in categorical:
            categories = pd.Index(reference[c].unique()).union(pd.Index(production[c].unique()))
            columns_ref.append(categories.get_indexer(reference[c]).astype(float))
            columns_prod.append(categories.get_indexer(production[c]).astype(float))
        x_ref, x_prod = np.column_stack(columns_ref), np.column_stack(columns_prod)
        categories_per_feature = {i: None for i in range(len(numerical), len(numerical) + len(categorical))}
        detector = TabularDrift(x_ref, p_val=0.05, categories_per_feature=categories_per_feature)
        prediction = detector.predict(x_prod, drift_type="feature", return_p_val=True, return_distance=True)
    flags = np.asarray(prediction["data"]["is_drift"]).astype(bool)
    names = numerical + categorical
    write_result(sys.argv[3], dict(tool="Alibi Detect TabularDrift (KS + chi-square)", **phase.as_dict(),
                                   drifted=[n for n, f in zip(names, flags) if f]))


if __name__ == "__main__":
    main()
