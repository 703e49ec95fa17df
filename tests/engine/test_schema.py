"""Column kinds, roles and task inference on small hand-made tables."""
import numpy as np
import pandas as pd
import pytest

from assay.engine.config import AuditConfig
from assay.engine.errors import ConfigError
from assay.engine.schema import ColumnKind, ColumnRole, infer_kind, infer_schema

N = 60


@pytest.mark.parametrize("values, kind, mixed", [
    (np.linspace(0, 1, N), ColumnKind.NUMERICAL, False),
    ([0, 1] * (N // 2), ColumnKind.BOOLEAN, False),
    (["yes", "no"] * (N // 2), ColumnKind.BOOLEAN, False),
    (["red", "green", "blue"] * (N // 3), ColumnKind.CATEGORICAL, False),
    ([str(i % 7) for i in range(N)], ColumnKind.CATEGORICAL, False),  # codes stored as text
    ([str(i) for i in range(N - 5)] + ["abc"] * 5, ColumnKind.CATEGORICAL, True),
    ([f"2024-01-{i % 28 + 1:02d}" for i in range(N)], ColumnKind.DATETIME, False),
    (pd.date_range("2024-01-01", periods=N), ColumnKind.DATETIME, False),
    ([f"A{i:06d}" for i in range(N)], ColumnKind.IDENTIFIER, False),
    ([f"the customer wrote message number {i}" for i in range(N)], ColumnKind.TEXT, False),
])
def test_infer_kind(values, kind, mixed):
    assert infer_kind(pd.Series(values, name="c")) == (kind, mixed)


def test_year_column_is_a_period_and_integer_ids_are_identifiers():
    assert infer_kind(pd.Series([2015, 2016, 2017] * 20, name="year"))[0] == ColumnKind.DATETIME
    assert infer_kind(pd.Series(range(100), name="customer_id"))[0] == ColumnKind.IDENTIFIER
    assert infer_kind(pd.Series(range(100), name="amount"))[0] == ColumnKind.NUMERICAL


def frame(**extra):
    base = {"id": [f"r{i}" for i in range(N)], "x": np.arange(N) / 3.0, "sex": ["f", "m"] * (N // 2),
            "label": [0, 1, 1] * (N // 3), "prediction": [0, 1] * (N // 2),
            "proba_1": np.linspace(0, 1, N), "when": pd.date_range("2024-01-01", periods=N)}
    base.update(extra)
    return pd.DataFrame(base)


def test_roles_are_guessed_where_obvious():
    schema = infer_schema(frame(), frame(), AuditConfig())
    roles = {c.name: c.role for c in schema.columns}
    assert roles == {"id": ColumnRole.ID, "x": ColumnRole.FEATURE, "sex": ColumnRole.SENSITIVE,
                     "label": ColumnRole.TARGET, "prediction": ColumnRole.PREDICTION,
                     "proba_1": ColumnRole.PROBABILITY, "when": ColumnRole.TIMESTAMP}
    assert schema.task == "binary" and schema.positive_label == 1 and schema.classes == (0, 1)


def test_configured_roles_and_kinds_win():
    config = AuditConfig().replace("columns", target="prediction", prediction="label", sensitive=(),
                                   categorical=("x",), ignore=("when",))
    schema = infer_schema(frame(), frame(), config)
    assert schema["prediction"].role == ColumnRole.TARGET
    assert schema["sex"].role == ColumnRole.FEATURE
    assert schema["x"].kind == ColumnKind.CATEGORICAL
    assert schema["when"].role == ColumnRole.IGNORED


def test_a_role_column_that_does_not_exist_is_an_error_with_suggestions():
    with pytest.raises(ConfigError, match="Did you mean 'label'") as info:
        infer_schema(frame(), frame(), AuditConfig().replace("columns", target="lable"))
    assert info.value.key == "columns.target"


@pytest.mark.parametrize("target, task", [
    (np.linspace(0, 10, N), "regression"),
    ([0, 1, 2, 3] * (N // 4), "multiclass"),
    (["a", "b", "c"] * (N // 3), "multiclass"),
    (["good", "bad"] * (N // 2), "binary"),
])
def test_task_is_inferred_from_the_target(target, task):
    schema = infer_schema(frame(label=target), None, AuditConfig())
    assert schema.task == task


def test_task_and_positive_label_can_be_set():
    config = AuditConfig().replace("task", type="multiclass").replace("columns", positive_label=0)
    assert infer_schema(frame(), None, config).task == "multiclass"
    schema = infer_schema(frame(label=["good", "bad"] * (N // 2)), None,
                          AuditConfig().replace("columns", positive_label="bad"))
    assert schema.positive_label == "bad"
    with pytest.raises(ConfigError, match="not a value of column 'label'"):
        infer_schema(frame(), None, AuditConfig().replace("columns", positive_label="maybe"))
