"""The demo audit: a synthetic credit-lending data set, a model trained on it and an audit file.

`write_demo(folder, seed)` writes, deterministically for a given seed (the data files, audit file
and README are byte-identical between runs; the model predicts identically):

    reference.parquet    applications of 2024 (12,000 rows); the model was trained on these
    production.parquet   applications of 2025 (12,000 rows), labels included
    model.skops          a scikit-learn Pipeline (impute + one-hot + HistGradientBoosting)
    audit.toml           the audit file that opens all of the above
    README.txt           what is in the demo and what was planted in it

Planted in production, growing month by month (month 1..12 of 2025): applicants get younger,
income drifts down, loan_amount and debt_to_income up, the purpose mix moves to debt
consolidation; a new employment_type "gig_worker" appears from July; missing income and
credit_history_years rise from 1.5% to 15% (0.5% in 2024); the default risk rises in
ways the model did not learn, so its performance degrades. Throughout: women and the 18-25
age band carry a higher default rate in the labels, which the model learns from `sex` and
`age`, so it predicts default for them more often (approves them less often).

The skops file holds these types that skops does not trust by default; the demo's audit.toml
lists them in [model] trusted_types, so the demo opens without asking:

    numpy.dtype
    sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder
from threadpoolctl import threadpool_limits

from assay.engine.config import AuditConfig

ROWS_PER_YEAR = 12_000
TARGET = "default"
# The model's features. It sees `sex` and `age` (so the fairness audit has something to find);
# `age_band` is left out, as it only restates `age`, and serves as a sensitive column.
NUMERICAL = [
    "age", "income", "loan_amount", "loan_term_months", "credit_history_years",
    "num_open_accounts", "debt_to_income", "previous_defaults", "has_guarantor",
]
CATEGORICAL = ["sex", "employment_type", "housing", "purpose", "region"]
EMPLOYMENT = ["salaried", "self-employed", "contractor", "unemployed", "retired"]
HOUSING = ["own", "rent", "mortgage", "other"]
PURPOSES = ["car", "home_improvement", "debt_consolidation", "education", "business", "other"]
REGIONS = ["north", "south", "east", "west", "central"]
AGE_BANDS = ["18-25", "26-35", "36-50", "51-65", "65+"]
NEW_CATEGORY = "gig_worker"  # employment_type only seen in production


def write_demo(folder: str | Path, seed: int = 0) -> Path:
    """Write the demo data, model, audit file and README into `folder`; return the audit file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    reference = make_applications(rng, year=2024, first_id=1, drifted=False)
    production = make_applications(rng, year=2025, first_id=ROWS_PER_YEAR + 1, drifted=True)
    model = train_model(reference, seed)
    write_parquet(reference, folder / "reference.parquet")
    write_parquet(production, folder / "production.parquet")
    write_model(model, folder / "model.skops")
    (folder / "README.txt").write_text(README, encoding="utf-8", newline="\n")
    return write_audit_file(folder, seed, sio.get_untrusted_types(file=folder / "model.skops"))


def make_applications(rng: np.random.Generator, year: int, first_id: int, drifted: bool) -> pd.DataFrame:
    """One calendar year of loan applications with their default labels, sorted by date."""
    n = ROWS_PER_YEAR
    days = np.sort(rng.integers(0, 365, n))
    dates = pd.Timestamp(f"{year}-01-01") + pd.to_timedelta(days, unit="D")
    dates = dates + pd.to_timedelta(rng.integers(8 * 60, 20 * 60, n), unit="min")
    month = dates.month.to_numpy()
    t = month / 12.0 if drifted else np.zeros(n)  # drift strength: 1/12 in January .. 1 in December

    age = np.clip(np.round(18 + rng.gamma(3.0, 8.0, n) - 3 * t), 18, 85).astype(np.int64)
    sex = rng.choice(["female", "male"], n, p=[0.48, 0.52])
    employment = np.where(
        (age >= 66) & (rng.random(n) < 0.8),
        "retired",
        rng.choice(EMPLOYMENT[:4], n, p=[0.66, 0.16, 0.12, 0.06]),
    ).astype(object)
    if drifted:  # the new category: from July, growing to about 12% of December's applicants
        gig_share = np.clip((month - 6) / 6.0, 0.0, 1.0) * 0.14
        employment[(rng.random(n) < gig_share) & (age < 66)] = NEW_CATEGORY
    housing = pick_housing(rng, age)
    purpose = draw_purposes(rng, t)
    region = rng.choice(REGIONS, n, p=[0.22, 0.20, 0.18, 0.18, 0.22])

    employment_income = {"salaried": 0.0, "self-employed": 0.15, "contractor": 0.05, "unemployed": -0.9,
                         "retired": -0.35, NEW_CATEGORY: -0.3}
    log_income = (np.log(42_000) + 0.012 * np.clip(age - 18, 0, 35) + np.vectorize(employment_income.get)(employment)
                  + rng.normal(0, 0.45, n))
    income = np.round(np.exp(log_income - 0.25 * t), 2)
    loan_amount = np.round(np.exp(log_income - 1.1 + rng.normal(0, 0.5, n) + 0.30 * t), -1).clip(500, 150_000)
    term = np.where(loan_amount > 20_000, rng.choice([36, 48, 60], n), rng.choice([12, 24, 36, 48, 60], n))
    history = np.round(np.minimum(age - 18, rng.gamma(2.0, 4.0, n)), 1)
    accounts = rng.poisson(2.0 + 0.03 * np.minimum(age - 18, 30) + 1.5 * t)
    dti = np.round(np.clip(0.12 + 0.6 * loan_amount / income / (term / 12) + rng.normal(0, 0.07, n) + 0.08 * t,
                           0.0, 1.5), 3)
    previous = np.minimum(rng.poisson(0.25 + 0.2 * t), 3)
    guarantor = rng.random(n) < 0.18

    # The latent default risk; the planted disparity is the `female` and `age <= 25` terms.
    logit = (-1.75 + 3.0 * (dti - 0.2) - 0.6 * (np.log(income) - np.log(42_000)) + 0.6 * previous
             - 0.06 * history + 0.08 * (accounts - 3) - 0.7 * guarantor + 0.004 * (loan_amount / 1000)
             + 1.0 * (employment == "unemployed") + 0.3 * (employment == "contractor")
             + 0.75 * (sex == "female") + 0.8 * (age <= 25) + 0.2 * (purpose == "business"))
    # What the model never saw: risk from the new category, from self-employment and renting,
    # guarantors that stop helping and unobserved shocks, all growing with `t`.
    logit += (1.2 * (employment == NEW_CATEGORY) + t * (0.5 * (employment == "self-employed")
              + 0.3 * (housing == "rent") + 0.5 * guarantor + rng.normal(0, 1.3, n)))
    default = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)

    missing = 0.015 + 0.135 * (month - 1) / 11 if drifted else 0.005  # 0.5% in 2024; 1.5% .. 15% in 2025
    income = with_missing(rng, income, missing)
    history = with_missing(rng, history, missing)
    band = pd.cut(age, [17, 25, 35, 50, 65, 200], labels=AGE_BANDS).astype(str)
    return pd.DataFrame({
        "application_id": [f"A{i:06d}" for i in range(first_id, first_id + n)],
        "application_date": dates.astype("datetime64[us]"),
        "age": age, "age_band": band, "sex": sex, "income": income, "loan_amount": loan_amount,
        "loan_term_months": term.astype(np.int64), "employment_type": employment, "housing": housing,
        "purpose": purpose, "credit_history_years": history, "num_open_accounts": accounts.astype(np.int64),
        "debt_to_income": dti, "previous_defaults": previous.astype(np.int64), "region": region,
        "has_guarantor": guarantor, TARGET: default,
    })


def pick_housing(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Young applicants rent; older ones own or pay a mortgage."""
    young = age < 30
    return np.where(young, rng.choice(HOUSING, len(age), p=[0.08, 0.62, 0.20, 0.10]),
                    rng.choice(HOUSING, len(age), p=[0.35, 0.22, 0.38, 0.05]))


def draw_purposes(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Loan purposes; with drift `t`, debt consolidation takes share from car and home loans."""
    base = np.array([0.22, 0.18, 0.25, 0.10, 0.12, 0.13])
    shift = np.array([-0.08, -0.08, 0.20, 0.0, -0.02, -0.02])
    p = base + t[:, None] * shift  # one probability row per application
    cumulative = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    index = (rng.random(len(t))[:, None] > cumulative).sum(axis=1)
    return np.array(PURPOSES, dtype=object)[np.minimum(index, len(PURPOSES) - 1)]


def with_missing(rng: np.random.Generator, values: np.ndarray, share: float | np.ndarray) -> np.ndarray:
    """A float copy of `values` with about `share` of them (per row, if an array) set to NaN."""
    out = values.astype(np.float64)
    out[rng.random(len(out)) < share] = np.nan
    return out


def train_model(reference: pd.DataFrame, seed: int) -> Pipeline:
    """Impute, one-hot encode and fit gradient-boosted trees on the reference year."""
    columns = ColumnTransformer([
        ("numerical", SimpleImputer(strategy="median"), NUMERICAL),
        ("categorical", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                      OneHotEncoder(handle_unknown="ignore", sparse_output=False)), CATEGORICAL),
    ])
    classifier = HistGradientBoostingClassifier(max_iter=120, learning_rate=0.06, max_leaf_nodes=8,
                                                min_samples_leaf=40, early_stopping=False, random_state=seed)
    model = Pipeline([("columns", columns), ("classifier", classifier)])
    # One thread: the fit takes half a second anyway, and OpenMP threads that spin-wait on a
    # busy machine can make it many times slower. The model is the same either way.
    with threadpool_limits(limits=1, user_api="openmp"):
        return model.fit(reference[NUMERICAL + CATEGORICAL], reference[TARGET])


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Parquet with nothing time-dependent in it, so equal frames give equal bytes."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path, compression="zstd")


def write_model(model: Pipeline, path: Path) -> None:
    """skops. Its bytes differ between runs (skops names entries by object id); its predictions do not."""
    sio.dump(model, path)


def write_audit_file(folder: Path, seed: int, trusted_types: list[str]) -> Path:
    """audit.toml with relative paths, the roles of the demo's columns and the model's types."""
    config = AuditConfig.from_dict({
        "audit": {"title": "Demo credit-lending model audit", "auditor": "Demo Analyst",
                  "organisation": "Assay demo bank", "seed": seed},
        "data": {"reference": "reference.parquet", "production": "production.parquet"},
        "model": {"path": "model.skops", "trusted_types": sorted(trusted_types)},
        "columns": {"target": TARGET, "positive_label": 1, "sensitive": ["sex", "age_band"],
                    "timestamp": "application_date"},
    }, base_dir=folder.resolve())
    path = folder / "audit.toml"
    config.to_toml(path)
    return path


README = """\
Assay demo: a credit-lending model audit
========================================

Open audit.toml in Assay (`assay gui audit.toml`) or run it headless
(`assay audit audit.toml --json report.json`). Everything here is synthetic and was
written by `assay demo`; the same seed writes the same data files.

reference.parquet   12,000 loan applications from 2024; the model was trained on them.
production.parquet  12,000 applications from 2025, with their outcomes (`default`, 1 = defaulted).
model.skops         a scikit-learn Pipeline: median / most-frequent imputation, one-hot
                    encoding, HistGradientBoostingClassifier. It predicts `default`.
audit.toml          the audit: data, model, target, sensitive columns (sex, age_band) and the
                    timestamp column (application_date) for month-by-month views.

Planted in production, each growing month by month through 2025:

- Drift: applicants get younger, income falls (about -25% by the last quarter), loan_amount
  rises (+25%), debt_to_income rises (from 0.20 to 0.31 on average), open accounts and
  previous defaults rise, and debt consolidation takes share from car and home-improvement
  loans (25% of loans in 2024, 43% in the last quarter).
- A new category: employment_type "gig_worker", never seen in 2024, appears in July and
  reaches about 12% of December's applications.
- Missing values: income and credit_history_years are missing for about 0.5% of 2024 and
  1.5% of January 2025, rising to about 15% by December.
- Performance decay: defaults rise faster than the model expects (new risks it never
  learned), so its discrimination (AUC) and calibration worsen quarter by quarter.
- A fairness problem: women and applicants aged 18-25 default more often in the labels, and
  the model, which uses sex and age as features, predicts default for them far more often,
  so they would be approved less often.
"""
