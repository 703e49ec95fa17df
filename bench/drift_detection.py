"""Drift detection quality: does Assay's automatic drift table flag every planted drift and nothing else?

A seeded generator makes 25 columns (20 numerical, 5 categorical) for a reference and a production
dataset. Drift is planted in 9 of them:
- mean shifts of 0.1, 0.25 and 0.5 population standard deviations (a symmetric normal column and two
  skewed ones: lognormal and gamma);
- standard-deviation changes of x0.6, x1.5 and x2 about the population mean (normal, gamma, Student t);
- 6%, 7% and 8% of the probability mass moved between categories (total variation distance 0.06-0.08)
  in categorical columns of 5, 20 and 50 categories.
The other 16 columns are unchanged: production values are fresh draws from the reference
distribution. Three of them carry a negligible change that nobody would call drift but that an
uncorrected test notices at a million rows (a 0.01 SD mean shift, SD x1.02, TVD 0.005).

Three decision rules are scored on the same data, at 10k, 100k and 1M rows per dataset, over several
seeds:
- Assay: `DriftCalculator` with the default [drift] configuration (automatic methods, Holm correction,
  rule "both"); the multivariate checks are switched off because they do not change column verdicts.
- Evidently's default choice above 1,000 rows: normed Wasserstein >= 0.1 for numerical columns,
  Jensen-Shannon distance (natural log, category shares) >= 0.1 for categorical ones, computed with
  the formulas of evidently.legacy.calculations.stattests (wasserstein_distance_norm, jensenshannon).
- Uncorrected tests: scipy's ks_2samp and chi2_contingency at p < 0.05.

Run: python bench/drift_detection.py [--sizes 10000 100000 1000000] [--seeds N ...]
Writes bench/results/drift_detection.md and .json. ASSAY_BENCH_QUICK=1 runs a small version
(10k and 100k rows, 2 seeds each) into drift_detection_quick.md.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
RESULTS = Path(__file__).resolve().parent / "results"

# -- the generator -------------------------------------------------------------------------------

Sampler = Callable[[np.random.Generator, int], np.ndarray]


@dataclass(frozen=True)
class Plan:
    name: str
    kind: str  # numerical | categorical
    planted: str  # drift | none | negligible
    change: str  # what differs in production, in words
    reference: Sampler
    production: Sampler


def _lognormal(mu: float, sigma: float) -> tuple[Sampler, float, float]:
    mean = math.exp(mu + sigma ** 2 / 2)
    sd = mean * math.sqrt(math.exp(sigma ** 2) - 1)
    return (lambda rng, n: rng.lognormal(mu, sigma, n)), mean, sd


def _gamma(shape: float, scale: float) -> tuple[Sampler, float, float]:
    return (lambda rng, n: rng.gamma(shape, scale, n)), shape * scale, math.sqrt(shape) * scale


def _normal(mean: float, sd: float) -> tuple[Sampler, float, float]:
    return (lambda rng, n: rng.normal(mean, sd, n)), mean, sd


def _student(df: float, loc: float, scale: float) -> tuple[Sampler, float, float]:
    return (lambda rng, n: loc + scale * rng.standard_t(df, n)), loc, scale * math.sqrt(df / (df - 2))


def _shifted(base: tuple[Sampler, float, float], sds: float) -> Sampler:
    draw, _, sd = base
    return lambda rng, n: draw(rng, n) + sds * sd


def _scaled(base: tuple[Sampler, float, float], factor: float) -> Sampler:
    draw, mean, _ = base
    return lambda rng, n: mean + factor * (draw(rng, n) - mean)


def _numerical(name: str, planted: str, change: str, base: tuple[Sampler, float, float],
               production: Sampler | None = None) -> Plan:
    return Plan(name, "numerical", planted, change, base[0], production or base[0])


def zipf_shares(k: int, exponent: float = 1.0) -> np.ndarray:
    shares = 1.0 / np.arange(1, k + 1) ** exponent
    return shares / shares.sum()


def moved_shares(p: np.ndarray, tvd: float, donors: slice, receivers: slice) -> np.ndarray:
    """`tvd` of the mass taken from the donor categories (in proportion) and given to the receivers."""
    q = p.copy()
    q[donors] -= tvd * p[donors] / p[donors].sum()
    q[receivers] += tvd * p[receivers] / p[receivers].sum()
    assert (q > 0).all() and abs(0.5 * np.abs(q - p).sum() - tvd) < 1e-12
    return q


def _categorical(name: str, planted: str, change: str, p: np.ndarray, q: np.ndarray | None = None) -> Plan:
    labels = np.array([f"{name[:3]}_{i:02d}" for i in range(p.size)], dtype=object)
    q = p if q is None else q

    def sampler(shares: np.ndarray) -> Sampler:
        return lambda rng, n: labels[rng.choice(shares.size, size=n, p=shares)]

    return Plan(name, "categorical", planted, change, sampler(p), sampler(q))


def column_plans() -> list[Plan]:
    normal = _normal(50.0, 10.0)
    lognormal = _lognormal(3.0, 0.6)
    gamma2 = _gamma(2.0, 1000.0)
    gamma3 = _gamma(3.0, 2.0)
    student = _student(5.0, 0.0, 1.0)
    p5, p20, p50 = zipf_shares(5), zipf_shares(20), zipf_shares(50)
    p10, p35 = zipf_shares(10, 0.8), zipf_shares(35, 1.2)
    plans = [
        _numerical("normal_shift_0.1sd", "drift", "mean +0.1 SD (normal)", normal, _shifted(normal, 0.1)),
        _numerical("lognormal_shift_0.25sd", "drift", "mean +0.25 SD (lognormal, skewed)", lognormal,
                   _shifted(lognormal, 0.25)),
        _numerical("gamma_shift_0.5sd", "drift", "mean +0.5 SD (gamma k=2, skewed)", gamma2, _shifted(gamma2, 0.5)),
        _numerical("normal_sd_x0.6", "drift", "SD x0.6 about the mean (normal)", normal, _scaled(normal, 0.6)),
        _numerical("gamma_sd_x1.5", "drift", "SD x1.5 about the mean (gamma k=3, skewed)", gamma3,
                   _scaled(gamma3, 1.5)),
        _numerical("student_sd_x2", "drift", "SD x2 about the mean (Student t, 5 df)", student, _scaled(student, 2.0)),
        _categorical("cat5_tvd_0.06", "drift", "6% of the mass moved: largest category -> 4th (5 categories)",
                     p5, moved_shares(p5, 0.06, slice(0, 1), slice(3, 4))),
        _categorical("cat20_tvd_0.07", "drift", "7% of the mass moved: top 3 -> categories 6-10 (20 categories)",
                     p20, moved_shares(p20, 0.07, slice(0, 3), slice(5, 10))),
        _categorical("cat50_tvd_0.08", "drift", "8% of the mass moved: top 10 -> the 30 rarest (50 categories)",
                     p50, moved_shares(p50, 0.08, slice(0, 10), slice(20, 50))),
        # unchanged: same distribution, independent draws
        _numerical("normal_a", "none", "", _normal(0.0, 1.0)),
        _numerical("normal_b", "none", "", _normal(-3.0, 0.01)),
        _numerical("lognormal_wide", "none", "", _lognormal(0.0, 1.2)),
        _numerical("exponential", "none", "", ((lambda rng, n: rng.exponential(5.0, n)), 5.0, 5.0)),
        _numerical("uniform", "none", "", ((lambda rng, n: rng.uniform(0, 1, n)), 0.5, 0.289)),
        _numerical("poisson_counts", "none", "", ((lambda rng, n: rng.poisson(4.0, n).astype(float)), 4.0, 2.0)),
        _numerical("beta_skewed", "none", "", ((lambda rng, n: rng.beta(2.0, 5.0, n)), 2 / 7, 0.16)),
        _numerical("student_heavy", "none", "", _student(3.0, 10.0, 2.0)),
        _numerical("gamma_very_skewed", "none", "", _gamma(0.5, 3.0)),
        _numerical("rounded_ages", "none", "",
                   ((lambda rng, n: np.clip(np.round(rng.normal(42.0, 12.0, n)), 18, 90)), 42.0, 12.0)),
        _numerical("logistic", "none", "", ((lambda rng, n: rng.logistic(100.0, 15.0, n)), 100.0, 27.2)),
        _numerical("weibull", "none", "", ((lambda rng, n: 3.0 * rng.weibull(1.5, n)), 2.71, 1.84)),
        _categorical("cat10_same", "none", "", p10),
        _numerical("normal_shift_0.01sd", "negligible", "mean +0.01 SD (normal)", normal,
                   _shifted(normal, 0.01)),
        _numerical("normal_sd_x1.02", "negligible", "SD x1.02 about the mean (normal)", normal, _scaled(normal, 1.02)),
        _categorical("cat35_tvd_0.005", "negligible", "0.5% of the mass moved: top 2 -> categories 3-6 (35 categories)",
                     p35, moved_shares(p35, 0.005, slice(0, 2), slice(2, 6))),
    ]
    assert len(plans) == 25 and sum(p.kind == "numerical" for p in plans) == 20
    assert sum(p.planted == "drift" for p in plans) == 9
    return plans


def make_data(rows: int, seed: int, production_rows: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and production frames (column order interleaved so that the planted columns are not first)."""
    reference = make_frame("reference", rows, np.random.default_rng([seed, 0]))
    production = make_frame("production", production_rows or rows, np.random.default_rng([seed, 1]))
    return reference, production


def make_frame(role: str, rows: int, rng: np.random.Generator) -> pd.DataFrame:
    """One dataset's 25 columns ("reference" or "production" distributions), in the fixed interleaved order;
    bench/scale.py writes large ones a block at a time with one generator per block."""
    plans = column_plans()
    order = np.random.default_rng(12345).permutation(len(plans))  # fixed layout whatever the seed
    return pd.DataFrame({plans[i].name: getattr(plans[i], role)(rng, rows) for i in order})


# -- decision rules ------------------------------------------------------------------------------


def assay_flags(reference: pd.DataFrame, production: pd.DataFrame, seed: int) -> tuple[dict[str, bool], dict]:
    from assay.engine.config import AuditConfig
    from assay.engine.drift.univariate import DriftCalculator
    from assay.engine.schema import infer_schema

    config = AuditConfig().replace("drift", multivariate=False)
    schema = infer_schema(reference, production, config)
    result = DriftCalculator(schema, config.drift, seed=seed).fit(reference).calculate(production)
    flags, detail = {}, {}
    for f in result.features:
        flags[f.feature] = bool(f.drifted)
        detail[f.feature] = dict(method=f.method, kind=f.kind, effect=f.effect_size, p_adj=f.p_value_adjusted,
                                 tested=f.tested, reason=f.reason_not_tested)
    return flags, detail


def evidently_rule_flags(reference: pd.DataFrame, production: pd.DataFrame, plans: list[Plan]) -> dict[str, bool]:
    """Evidently's default choice above 1,000 rows, with its formulas (see the module docstring)."""
    flags = {}
    for plan in plans:
        ref, prod = reference[plan.name], production[plan.name]
        if plan.kind == "numerical":
            norm = max(float(np.std(ref.to_numpy())), 0.001)
            value = stats.wasserstein_distance(ref.to_numpy(), prod.to_numpy()) / norm
        else:
            keys = sorted(set(ref.unique()) | set(prod.unique()))
            p = ref.value_counts().reindex(keys, fill_value=0).to_numpy() / len(ref)
            q = prod.value_counts().reindex(keys, fill_value=0).to_numpy() / len(prod)
            value = float(jensenshannon(p, q))
        flags[plan.name] = bool(value >= 0.1)
    return flags


def uncorrected_flags(reference: pd.DataFrame, production: pd.DataFrame, plans: list[Plan]) -> dict[str, bool]:
    flags = {}
    for plan in plans:
        ref, prod = reference[plan.name], production[plan.name]
        if plan.kind == "numerical":
            p = stats.ks_2samp(ref.to_numpy(), prod.to_numpy()).pvalue
        else:
            keys = sorted(set(ref.unique()) | set(prod.unique()))
            table = np.vstack([ref.value_counts().reindex(keys, fill_value=0).to_numpy(),
                               prod.value_counts().reindex(keys, fill_value=0).to_numpy()])
            p = stats.chi2_contingency(table, correction=False).pvalue
        flags[plan.name] = bool(p < 0.05)
    return flags


def closest_calls(calls: dict[str, list[tuple[float | None, float | None]]], plans: list[Plan]) -> dict:
    """Per column, Assay's worst seed: for planted drift the largest corrected p-value and the smallest
    effect; for unchanged columns the smallest corrected p-value and the largest effect."""
    out = {}
    for plan in plans:
        ps = [p for p, _ in calls[plan.name] if p is not None]
        es = [e for _, e in calls[plan.name] if e is not None]
        if not ps or not es:
            continue
        drift = plan.planted == "drift"
        out[plan.name] = dict(p_adj=max(ps) if drift else min(ps), effect=min(es) if drift else max(es))
    return out


RULES = {
    "assay": "Assay defaults (auto methods, Holm, p < 0.05 and effect >= 0.025)",
    "evidently_rule": "Evidently's default choice (normed Wasserstein / Jensen-Shannon >= 0.1)",
    "uncorrected": "Uncorrected KS / chi-square, p < 0.05",
}


def confusion(flags: dict[str, bool], plans: list[Plan]) -> dict[str, int]:
    out = dict(tp=0, fn=0, fp=0, tn=0, fp_negligible=0)
    for plan in plans:
        flagged = flags[plan.name]
        if plan.planted == "drift":
            out["tp" if flagged else "fn"] += 1
        else:
            out["fp" if flagged else "tn"] += 1
            out["fp_negligible"] += int(flagged and plan.planted == "negligible")
    return out


# -- the run -------------------------------------------------------------------------------------


def run(sizes: list[int], seeds: dict[int, int], baselines: bool = True) -> dict:
    plans = column_plans()
    out: dict = {"sizes": {}, "plans": [dict(name=p.name, kind=p.kind, planted=p.planted, change=p.change)
                                       for p in plans]}
    for size in sizes:
        per_rule = {rule: dict(tp=0, fn=0, fp=0, tn=0, fp_negligible=0, perfect=0) for rule in RULES}
        per_column = {rule: {p.name: 0 for p in plans} for rule in RULES}
        seconds = []
        methods: dict[str, str] = {}
        effects: dict[str, list[float]] = {p.name: [] for p in plans}
        calls: dict[str, list[tuple[float | None, float | None]]] = {p.name: [] for p in plans}
        for seed in range(seeds[size]):
            reference, production = make_data(size, seed)
            start = time.perf_counter()
            flags = {}
            flags["assay"], detail = assay_flags(reference, production, seed)
            seconds.append(time.perf_counter() - start)
            for name, d in detail.items():
                methods[name] = d["method"]
                if d["effect"] is not None:
                    effects[name].append(d["effect"])
                calls[name].append((d["p_adj"], d["effect"]))
                if not d["tested"]:
                    print(f"  warning: {name} not tested: {d['reason']}", flush=True)
            if baselines:
                flags["evidently_rule"] = evidently_rule_flags(reference, production, plans)
                flags["uncorrected"] = uncorrected_flags(reference, production, plans)
            for rule, f in flags.items():
                c = confusion(f, plans)
                for key, value in c.items():
                    per_rule[rule][key] += value
                per_rule[rule]["perfect"] += int(c["fn"] == 0 and c["fp"] == 0)
                for name, flagged in f.items():
                    per_column[rule][name] += int(flagged)
            line = ", ".join(f"{rule} {confusion(f, plans)}" for rule, f in flags.items())
            print(f"  {size:>9,} rows, seed {seed}: assay {seconds[-1]:.2f} s; {line}", flush=True)
        out["sizes"][size] = dict(
            seeds=seeds[size], rules={r: v for r, v in per_rule.items() if r in flags},
            per_column={r: v for r, v in per_column.items() if r in flags}, assay_seconds=seconds,
            methods=methods, mean_effect={k: (float(np.mean(v)) if v else None) for k, v in effects.items()},
            closest=closest_calls(calls, plans))
    return out


def write_markdown(out: dict, path: Path, load: str) -> None:
    plans = out["plans"]
    sizes = list(out["sizes"])
    lines = ["# Drift detection quality", "",
             "Generated by `bench/drift_detection.py` (seeded; see its docstring for the generator). "
             f"Engine at {out.get('engine', '?')}; machine load (uptime) at the start: {load}.", "",
             "25 columns (20 numerical, 5 categorical), drift planted in 9; the other 16 unchanged "
             "(3 of those with a negligible change, marked *negligible*). Counts are summed over seeds: "
             "TP = planted drift flagged, FN = planted drift missed, FP = unchanged column flagged "
             "(of which on a negligible change), TN = unchanged column not flagged. "
             "\"Seeds all right\" counts seeds with no FN and no FP.", ""]
    lines += ["## Confusion counts", "",
              "| rows per dataset | seeds | rule | TP | FN | FP (negligible) | TN | seeds all right |",
              "|---:|---:|---|---:|---:|---:|---:|---:|"]
    for size in sizes:
        block = out["sizes"][size]
        for rule, c in block["rules"].items():
            lines.append(f"| {int(size):,} | {block['seeds']} | {RULES[rule]} | {c['tp']} | {c['fn']} | "
                         f"{c['fp']} ({c['fp_negligible']}) | {c['tn']} | {c['perfect']} / {block['seeds']} |")
    lines += ["", "## Per column: share of seeds flagged", "",
              "Assay's chosen method and mean effect size (KS distance or TVD) at the largest size in brackets.", ""]
    rules = list(out["sizes"][sizes[0]]["per_column"])
    header = "| column | planted | " + " | ".join(f"{r} {int(s):,}" for s in sizes for r in rules) + " |"
    lines += [header, "|" + "---|" * 2 + "---:|" * (len(sizes) * len(rules))]
    last = out["sizes"][sizes[-1]]
    for plan in plans:
        cells = []
        for size in sizes:
            block = out["sizes"][size]
            for r in rules:
                cells.append(f"{block['per_column'][r][plan['name']]}/{block['seeds']}")
        effect = last["mean_effect"][plan["name"]]
        label = plan["change"] or "unchanged"
        lines.append(f"| `{plan['name']}` ({last['methods'].get(plan['name'], '')}, "
                     f"{effect:.3f}) | {plan['planted']}: {label} | " + " | ".join(cells) + " |")
    lines += ["", "## Assay's closest calls", "",
              "Over the seeds of each size, the worst case per column: for a planted drift the largest corrected "
              "p-value and the smallest effect size (flagged when p < 0.05 and effect >= 0.025); for an unchanged "
              "column the smallest corrected p-value and the largest effect size.", "",
              "| column | planted | " + " | ".join(f"{int(s):,}: p / effect" for s in sizes) + " |",
              "|---|---|" + "---:|" * len(sizes)]
    for plan in plans:
        cells = []
        for size in sizes:
            c = out["sizes"][size].get("closest", {}).get(plan["name"])
            cells.append("" if c is None else f"{c['p_adj']:.2g} / {c['effect']:.3f}")
        lines.append(f"| `{plan['name']}` | {plan['planted']} | " + " | ".join(cells) + " |")
    lines += ["", "## Assay time per run (fit + calculate, multivariate off, default chunks)", "",
              "| rows per dataset | median seconds |", "|---:|---:|"]
    for size in sizes:
        lines.append(f"| {int(size):,} | {np.median(out['sizes'][size]['assay_seconds']):.2f} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def engine_version() -> str:
    import subprocess

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "engine"], cwd=ROOT, capture_output=True, text=True,
                               check=False).stdout.strip()
    except OSError:
        return "?"
    return f"commit {commit}" + (" with local engine changes" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    quick = os.environ.get("ASSAY_BENCH_QUICK") == "1"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[10_000, 100_000] if quick else [10_000, 100_000, 1_000_000])
    parser.add_argument("--seeds", type=int, nargs="+", help="seeds per size (one number per size)")
    parser.add_argument("--no-baselines", action="store_true", help="score Assay only")
    parser.add_argument("--out", type=Path,
                        default=RESULTS / ("drift_detection_quick.md" if quick else "drift_detection.md"))
    args = parser.parse_args(argv)
    default_seeds = {10_000: 20, 100_000: 10, 1_000_000: 3}
    if args.seeds:
        seeds = dict(zip(args.sizes, args.seeds))
    else:
        seeds = {s: (2 if quick else default_seeds.get(s, 3)) for s in args.sizes}
    load = os.getloadavg()
    load_text = f"{load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on {os.cpu_count()} cores"
    out = run(args.sizes, seeds, baselines=not args.no_baselines)
    out["engine"] = engine_version()
    out["load_at_start"] = load_text
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_markdown(out, args.out, load_text)
    args.out.with_suffix(".json").write_text(json.dumps(out, indent=1, default=str), encoding="utf-8")
    for size, block in out["sizes"].items():
        for rule, c in block["rules"].items():
            print(f"{int(size):>9,} rows x {block['seeds']} seeds  {rule:15s} TP {c['tp']:3d} FN {c['fn']:3d} "
                  f"FP {c['fp']:3d} (negligible {c['fp_negligible']}) TN {c['tn']:3d}  all right {c['perfect']}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
