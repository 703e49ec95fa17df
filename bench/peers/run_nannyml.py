"""NannyML's univariate drift calculator on the benchmark data (run inside .venv/nannyml).

    python run_nannyml.py REFERENCE.parquet PRODUCTION.parquet OUT.json [binned|exact]

Methods: Kolmogorov-Smirnov and Wasserstein for continuous columns, chi-square and Jensen-Shannon for
categorical ones (the statistics of the plain scipy script, plus NannyML's default Jensen-Shannon),
NannyML's default chunking. "binned": NannyML's default calculation (KS and Wasserstein estimated on
10,000 bins above 10,000 reference rows); "exact": calculation_method="exact".
Timed: fit on the reference and calculate on production.
"""
import sys

import nannyml as nml
import pandas as pd

from measure import Phase, read_parquet_pair, write_result


def main() -> None:
    reference, production = read_parquet_pair(sys.argv[1], sys.argv[2])
    variant = sys.argv[4] if len(sys.argv) > 4 else "binned"
    numerical = [c for c in reference.columns if pd.api.types.is_float_dtype(reference[c])]
    categorical = [c for c in reference.columns if c not in numerical]
    params = None
    if variant == "exact":  # NannyML looks for the method's key, then reads calculation_method from the top level
        params = {"kolmogorov_smirnov": {}, "wasserstein": {}, "calculation_method": "exact"}
    with Phase() as phase:
        calc = nml.UnivariateDriftCalculator(
            column_names=numerical + categorical, treat_as_categorical=categorical,
            continuous_methods=["kolmogorov_smirnov", "wasserstein"], categorical_methods=["chi2", "jensen_shannon"],
            computation_params=params)
        calc.fit(reference)
        result = calc.calculate(production)
    used = sorted({m.calculation_method for ms in calc._column_to_models_mapping.values()  # KS / Wasserstein
                   for m in ms if hasattr(m, "calculation_method")})
    table = result.filter(period="analysis").to_df()
    alerts = [c for c in table.columns if c[-1] == "alert"]
    drifted = sorted({c[0] for c in alerts if table[c].any()})
    write_result(sys.argv[3], dict(tool=f"NannyML UnivariateDriftCalculator ({variant})", variant=variant,  # drifted: alert in any chunk
                                   **phase.as_dict(), chunks=int(len(table)), calculation_methods=used,
                                   drifted=drifted))


if __name__ == "__main__":
    main()
