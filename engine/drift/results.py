"""Drift result types: frozen, no plotting. Fields marked json=False stay out of the JSON report."""
from __future__ import annotations

from dataclasses import dataclass, field

NO_JSON = {"json": False}


@dataclass(frozen=True)
class Distribution:
    """What the Drift page and the PDF draw for one column (kept out of the JSON)."""

    kind: str  # "numerical" | "categorical"
    edges: tuple[float, ...] = ()  # histogram bin edges (numerical)
    reference_density: tuple[float, ...] = ()
    production_density: tuple[float, ...] = ()
    reference_quantiles: tuple[float, ...] = ()  # ECDF: values at QUANTILE_LEVELS
    production_quantiles: tuple[float, ...] = ()
    categories: tuple[str, ...] = ()  # categorical: most frequent first
    reference_share: tuple[float, ...] = ()
    production_share: tuple[float, ...] = ()
    new_in_production: tuple[bool, ...] = ()
    ks_location: float | None = None  # where the CDFs are farthest apart


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    kind: str  # numerical | categorical
    role: str  # feature | prediction | score | target
    method: str
    statistic: float | None
    p_value: float | None  # raw; None for distances
    p_value_adjusted: float | None
    effect_size: float | None
    threshold: float  # alpha for p-value tests, the distance threshold otherwise
    drifted: bool
    method_reason: str = ""  # why this method (automatic choice or override)
    tested: bool = True
    reason_not_tested: str = ""
    rows_reference: int = 0  # values tested (missing values excluded and counted below)
    rows_production: int = 0
    missing_reference: int = 0
    missing_production: int = 0
    chunk_effect_sizes: tuple[float | None, ...] = ()  # effect size per production chunk (comparable sizes)
    chunk_drifted: tuple[bool | None, ...] = ()  # None: chunk too small or column absent
    band: tuple[float, float] | None = None  # expected effect size per chunk: reference chunks' mean +- 3 sd
    first_drifted_chunk: str | None = None
    distribution: Distribution | None = field(default=None, metadata=NO_JSON)


@dataclass(frozen=True)
class DriftChunkResult:
    label: str
    rows: int
    start: str | None = None
    end: str | None = None
    tested: bool = True  # False when the chunk has too few rows
    share_drifted: float | None = None
    drifted_features: tuple[str, ...] = ()


@dataclass(frozen=True)
class DomainClassifierResult:
    auc: float
    p_value: float
    permutations: int
    rows_per_dataset: int
    top_features: tuple[tuple[str, float], ...]  # (column, importance: drop in AUC when permuted)
    drifted: bool


@dataclass(frozen=True)
class ReconstructionResult:
    components: int
    explained_variance: float
    reference_error: float
    production_error: float
    band: tuple[float, float]
    chunk_errors: tuple[float | None, ...] = ()
    drifted: bool = False
    fit_rows: int = 0  # the seeded reference rows the PCA was fitted on
    rows_per_error: int = 0  # each error (a chunk's, a dataset's) on at most this many seeded rows of it


@dataclass(frozen=True)
class MultivariateResult:
    domain_classifier: DomainClassifierResult | None = None
    reconstruction: ReconstructionResult | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DriftResult:
    features: tuple[FeatureDrift, ...]  # features first, then prediction / score / target
    share_drifted: float
    drifted_features: tuple[str, ...]
    correction: str
    alpha: float
    rule: str
    chunking: str  # description of how production was split
    chunks: tuple[DriftChunkResult, ...] = ()
    multivariate: MultivariateResult | None = None
    sampled_rows: int = 0  # 0: exact, every row
    methods: tuple[str, ...] = ()  # the methods section: what was used and why

    def feature(self, name: str) -> FeatureDrift:
        return next(f for f in self.features if f.feature == name)
