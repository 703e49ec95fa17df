"""The baseline: a plain scipy/numpy script computing KS and Wasserstein (numerical columns) and
chi-square and PSI (categorical columns), one column after another.

    python plain_scipy.py REFERENCE.parquet PRODUCTION.parquet OUT.json

Numerical columns are the float ones, categorical the others. The Wasserstein distance is divided by
the reference standard deviation (the normed Wasserstein of Evidently and Assay); PSI smooths empty
categories with 1e-4 (Assay's default). Writes seconds, peak memory and every value to OUT.json.
"""
import sys

import numpy as np
import pandas as pd
from scipy import stats

from measure import Phase, read_parquet_pair, write_result

EPS = 1e-4


def psi(p: np.ndarray, q: np.ndarray) -> float:
    p = np.where(p == 0, EPS, p)
    q = np.where(q == 0, EPS, q)
    p, q = p / p.sum(), q / q.sum()
    return float(np.sum((q - p) * np.log(q / p)))


def compute(reference: pd.DataFrame, production: pd.DataFrame) -> dict:
    values = {}
    for name in reference.columns:
        ref, prod = reference[name], production[name]
        if pd.api.types.is_float_dtype(ref):
            r, p = ref.dropna().to_numpy(), prod.dropna().to_numpy()
            ks = stats.ks_2samp(r, p)
            w = stats.wasserstein_distance(r, p) / np.std(r)
            values[name] = dict(ks=float(ks.statistic), ks_p=float(ks.pvalue), wasserstein=float(w))
        else:
            ref_counts, prod_counts = ref.value_counts(), prod.value_counts()
            keys = ref_counts.index.union(prod_counts.index)
            a = ref_counts.reindex(keys, fill_value=0).to_numpy(dtype=float)
            b = prod_counts.reindex(keys, fill_value=0).to_numpy(dtype=float)
            chi2 = stats.chi2_contingency(np.vstack([a, b]), correction=False)
            values[name] = dict(chi2=float(chi2.statistic), chi2_p=float(chi2.pvalue),
                                psi=psi(a / a.sum(), b / b.sum()))
    return values


def main() -> None:
    reference, production = read_parquet_pair(sys.argv[1], sys.argv[2])
    with Phase() as phase:
        values = compute(reference, production)
    write_result(sys.argv[3], dict(tool="plain scipy/numpy script", **phase.as_dict(), values=values))


if __name__ == "__main__":
    main()
