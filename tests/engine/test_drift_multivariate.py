"""The domain classifier's column importances: the batched scoring with unused columns skipped gives what
shuffling each column on its own and scoring it alone gives."""
from __future__ import annotations

import threading

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from assay.engine.drift import multivariate as M
from assay.engine.progress import drain


def _frames(rows: int = 1500, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def frame(shift: float, share: float) -> pd.DataFrame:
        return pd.DataFrame({
            "shifted": rng.normal(shift, 1.0, rows),
            "noise_a": rng.normal(0.0, 1.0, rows),
            "noise_b": rng.exponential(1.0, rows),
            "constant": np.full(rows, 3.0),  # no tree can split on it: importance exactly 0
            "colour": np.where(rng.random(rows) < share, "red", "blue"),
        })

    return frame(0.0, 0.3), frame(0.6, 0.5)


def test_batched_importances_equal_one_column_at_a_time(monkeypatch):
    reference, production = _frames()
    numerical, categorical = ["shifted", "noise_a", "noise_b", "constant"], ["colour"]
    monkeypatch.setattr(M, "IMPORTANCE_ROWS", 1200)  # several batches of a few columns each
    result = drain(M.iter_domain_classifier(reference, production, numerical, categorical, 1000, 200, seed=5))

    # by hand: the same sample, folds and model as the classifier, then one column shuffled at a time
    from sklearn.model_selection import StratifiedKFold

    ref = reference.sample(1000, random_state=5)
    prod = production.sample(1000, random_state=6)
    (x_ref, x_prod), categorical_index = M.encode([ref, prod], numerical, categorical)
    x = np.vstack([x_ref, x_prod])
    y = np.r_[np.zeros(len(x_ref)), np.ones(len(x_prod))]
    mask = np.zeros(x.shape[1], dtype=bool)
    mask[categorical_index] = True
    train, test = next(StratifiedKFold(M.FOLDS, shuffle=True, random_state=5).split(x, y))
    model = HistGradientBoostingClassifier(max_iter=60, max_leaf_nodes=15, learning_rate=0.1,
                                           categorical_features=mask, random_state=5).fit(x[train], y[train])
    base = roc_auc_score(y[test], model.predict_proba(x[test])[:, 1])
    expected = {}
    for j, name in enumerate(numerical + categorical):
        shuffled = x[test].copy()
        shuffled[:, j] = x[test][np.random.default_rng([5, j]).permutation(len(test)), j]
        expected[name] = base - roc_auc_score(y[test], model.predict_proba(shuffled)[:, 1])

    assert expected["constant"] == 0.0
    found = dict(result.top_features)
    assert "constant" not in found
    assert set(found) == {name for name, drop in expected.items() if round(drop, 6) > 0}
    for name, drop in found.items():
        assert drop == round(expected[name], 6)
    assert next(iter(found)) == "shifted"  # the drifted column separates the sets most


def test_split_features_reads_the_trees_and_falls_back_to_every_column():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=400), np.zeros(400), rng.normal(size=400)])
    y = (x[:, 0] + 0.1 * rng.normal(size=400) > 0).astype(int)
    model = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(x, y)
    used = M.split_features(model, 3)
    assert used[0] and not used[1]
    assert M.split_features(object(), 3).tolist() == [True, True, True]


def test_split_features_maps_the_trees_back_to_the_input_order_with_categorical_columns():
    rng = np.random.default_rng(1)
    x = np.column_stack([np.zeros(600), rng.normal(size=600), rng.integers(0, 4, 600), np.zeros(600)])
    y = ((x[:, 2] == 1) | (x[:, 1] > 1)).astype(int)  # the categorical column decides, the normal one a little
    model = HistGradientBoostingClassifier(max_iter=10, random_state=0,
                                           categorical_features=[False, False, True, False]).fit(x, y)
    assert M.split_features(model, 4).tolist() == [False, True, True, False]


def test_fitting_in_a_thread_yields_while_it_fits_and_grows_the_same_trees_as_one_fit():
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.normal(size=900), rng.exponential(size=900), rng.integers(0, 5, 900).astype(float)])
    x[rng.random(900) < 0.05, 0] = np.nan
    y = ((x[:, 1] > 1) ^ (x[:, 2] == 2) | (rng.random(900) < 0.1)).astype(int)

    def model():
        return HistGradientBoostingClassifier(max_iter=60, max_leaf_nodes=15, learning_rate=0.1,
                                              categorical_features=[False, False, True], random_state=4)

    whole = model().fit(x, y)
    threaded = drain(M.fit_in_thread(model(), x, y))
    assert threaded.n_iter_ == whole.n_iter_ == 60
    np.testing.assert_array_equal(threaded.predict_proba(x), whole.predict_proba(x))

    class Waiting:  # a fit that lasts until the test lets it end
        def __init__(self) -> None:
            self.go, self.ended = threading.Event(), threading.Event()

        def fit(self, x, y):
            assert self.go.wait(30)
            self.ended.set()
            return self

    slow = Waiting()
    steps = M.fit_in_thread(slow, x, y)
    for _ in range(3):
        next(steps)  # yields while the fit runs
    slow.go.set()
    assert drain(steps) is slow
    abandoned = Waiting()
    steps = M.fit_in_thread(abandoned, x, y)
    next(steps)
    steps.close()  # a cancel returns at once; the fit ends in the background, unused
    assert not abandoned.ended.is_set()
    abandoned.go.set()
    assert abandoned.ended.wait(30)


def test_fit_pca_matches_scikit_learns_full_svd_pca():
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(7)
    latent = rng.normal(size=(400, 3))
    matrix = latent @ rng.normal(size=(3, 12)) + 0.3 * rng.normal(size=(400, 12))
    ours = drain(M.fit_pca(matrix, M.PCA_VARIANCE))
    theirs = PCA(n_components=M.PCA_VARIANCE, svd_solver="full").fit(matrix)
    assert ours.n_components_ == theirs.n_components_
    np.testing.assert_allclose(ours.explained_variance_ratio_, theirs.explained_variance_ratio_, rtol=1e-10)
    other = rng.normal(size=(50, 12)) * 2
    np.testing.assert_allclose(ours.reconstruct(other), theirs.inverse_transform(theirs.transform(other)),
                               rtol=1e-9, atol=1e-10)
