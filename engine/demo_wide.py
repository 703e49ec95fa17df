"""A wide synthetic audit: many columns, some with unicode or very long names, for the PDF's scale checks.

`write_wide_demo(folder, columns=200, rows=4000, seed=0)` writes reference.parquet, production.parquet and
audit.toml (predictions-only: the label, a prediction and a score are columns of the data, so no model is
trained and the audit is quick). Deterministic for a given seed.

The columns: `columns` features, alternately numerical and categorical; every seventh drifts in production
(a mean shift or a moved category share), so the report has drifted columns to chart and many that did not
drift. Some names are not ASCII (accents, Greek, CJK, an emoji) and some are very long (over 80 characters,
one with no break opportunity at all), which the report must wrap rather than let overflow. Besides the
features: a timestamp (production split into months), a sensitive column `group`, the label `label`, the
prediction `prediction` and the score `score`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

UNICODE_NAMES = ("température_moyenne_°C", "revenu_net_€", "Größe_der_Straße", "σ_volatilité", "収入_月額",
                 "客户_年龄", "naïve_coöperation_score", "emoji_📈_trend")
LONG_NAMES = (
    "number_of_days_since_the_customer_last_contacted_the_service_centre_about_a_billing_dispute",
    "ratio_of_outstanding_revolving_credit_balance_to_total_approved_credit_limit_over_twelve_months",
    "averagemonthlytransactionvolumeacrossallaccountsheldbythecustomerinthepreviousfinancialyear",
)
CATEGORIES = ("alpha", "beta", "gamma", "delta", "epsilon")


def column_names(columns: int) -> list[str]:
    """`columns` distinct feature names: the unicode and long ones first, then f000, f001, ..."""
    special = list(UNICODE_NAMES + LONG_NAMES)[:columns]
    return special + [f"f{i:03d}" for i in range(columns - len(special))]


def make_frames(columns: int, rows: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    frames = []
    for year, drifted in ((2024, False), (2025, True)):
        start = pd.Timestamp(f"{year}-01-01")
        when = start + pd.to_timedelta(np.sort(rng.integers(0, 365 * 24 * 60, rows)), unit="min")
        t = (when - start).days.to_numpy() / 365.0  # 0..1 through the year
        data: dict[str, object] = {"when": when}
        signal = np.zeros(rows)
        for i, name in enumerate(column_names(columns)):
            drifts = drifted and i % 7 == 0
            if i % 2 == 0:
                values = rng.normal(0.0, 1.0, rows) + (0.6 * t if drifts else 0.0)
                signal += values * (0.3 if i < 10 else 0.02)
                data[name] = np.round(values, 4)
            else:
                weights = np.array([0.35, 0.25, 0.2, 0.12, 0.08])
                if drifts:
                    weights = np.array([0.2, 0.25, 0.2, 0.15, 0.2])
                data[name] = rng.choice(CATEGORIES, rows, p=weights)
        group = rng.choice(["a", "b", "c"], rows, p=[0.5, 0.3, 0.2])
        logit = signal + np.where(group == "c", 0.5, 0.0) - 0.4 + (0.4 * t if drifted else 0.0)
        label = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.int64)
        score = 1 / (1 + np.exp(-(0.8 * signal - 0.4 + rng.normal(0, 0.6, rows))))
        data.update(group=group, label=label, score=np.round(score, 6), prediction=(score >= 0.5).astype(np.int64))
        frames.append(pd.DataFrame(data))
    return frames[0], frames[1]


def write_wide_demo(folder: str | Path, columns: int = 200, rows: int = 4000, seed: int = 0) -> Path:
    """Write the wide audit into `folder`; returns the audit file's path."""
    import tomli_w

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    reference, production = make_frames(columns, rows, seed)
    reference.to_parquet(folder / "reference.parquet", index=False)
    production.to_parquet(folder / "production.parquet", index=False)
    audit = {
        "audit": {"title": f"Wide audit: {columns} columns", "auditor": "Scale check", "seed": seed},
        "data": {"reference": "reference.parquet", "production": "production.parquet"},
        "columns": {"target": "label", "prediction": "prediction", "probabilities": ["score"],
                    "positive_label": 1, "sensitive": ["group"], "timestamp": "when"},
    }
    path = folder / "audit.toml"
    path.write_text(tomli_w.dumps(audit), encoding="utf-8")
    return path
