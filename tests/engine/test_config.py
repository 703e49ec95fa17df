"""AuditConfig: TOML round trip, validation errors that name the key, overrides, relative paths."""
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.engine.config import AuditConfig, parse_toml_value
from assay.engine.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "audit.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_paths_resolve_against_the_audit_file(tmp_path):
    (tmp_path / "sub").mkdir()
    config = AuditConfig.from_toml(write(tmp_path, '[data]\nreference = "sub/ref.csv"\nproduction = "prod.csv"\n'))
    assert config.data.reference == (tmp_path / "sub" / "ref.csv").resolve()
    assert config.data.production == (tmp_path / "prod.csv").resolve()


def test_round_trip_keeps_every_value_and_writes_relative_paths(tmp_path):
    text = """
[audit]
title = "Q4"
seed = 7
[data]
reference = "ref.parquet"
production = "prod.parquet"
[model]
path = "model.skops"
trusted_types = ["numpy.dtype"]
[columns]
target = "y"
probabilities = "p"
positive_label = "yes"
sensitive = ["sex", "age_band"]
ignore = ["id"]
[task]
type = "binary"
[quality]
missing_warn = 0.1
"""
    config = AuditConfig.from_toml(write(tmp_path, text))
    assert config.columns.probabilities == ("p",)
    out = tmp_path / "copy" / "audit.toml"
    out.parent.mkdir()
    config.to_toml(out)
    again = AuditConfig.from_toml(out)
    assert again == config
    saved = out.read_text()
    assert str(tmp_path) in saved  # outside the destination folder: absolute
    config.to_toml(tmp_path / "same.toml")
    assert 'reference = "ref.parquet"' in (tmp_path / "same.toml").read_text()


@pytest.mark.parametrize("text, key, words", [
    ("[data]\nrefrence = 'x'\n", "data.refrence", ["allowed keys", "reference", "production"]),
    ("[dta]\n", "dta", ["allowed sections", "data"]),
    ("[task]\ntype = 'classification'\n", "task.type", ["allowed values", "binary", "multiclass", "regression"]),
    ("[model]\ntrusted = 'yes'\n", "model.trusted", ["true or false"]),
    ("[audit]\nseed = 1.5\n", "audit.seed", ["whole number"]),
    ("[quality]\nmissing_warn = 2\n", "quality.missing_warn", ["between 0 and 1"]),
    ("[quality]\nmissing_warn = 0.5\nmissing_fail = 0.1\n", "quality.missing_warn", ["failure threshold"]),
    ("[columns]\nsensitive = [1, 2]\n", "columns.sensitive", ["text"]),
    ("data = 3\n", "data", ["must be a table"]),
])
def test_bad_values_are_errors_that_name_the_key(tmp_path, text, key, words):
    with pytest.raises(ConfigError) as info:
        AuditConfig.from_toml(write(tmp_path, text))
    assert info.value.key == key
    for word in words:
        assert word in str(info.value)


def test_syntax_error_names_the_file(tmp_path):
    path = write(tmp_path, "[data\nreference = 'x'\n")
    with pytest.raises(ConfigError, match="TOML syntax error") as info:
        AuditConfig.from_toml(path)
    assert str(path) in str(info.value)


def test_missing_file_and_folder_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        AuditConfig.from_toml(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="is a folder"):
        AuditConfig.from_toml(tmp_path)


def test_overrides_parse_toml_values_and_check_keys(tmp_path):
    config = AuditConfig.from_toml(write(tmp_path, "[task]\ntype = 'auto'\n"))
    changed = config.with_overrides(["task.type=\"regression\"", "audit.seed=3", "columns.sensitive=['a','b']",
                                     "data.reference=ref.csv", "columns.target=label"])
    assert changed.task.type == "regression"
    assert changed.audit.seed == 3
    assert changed.columns.sensitive == ("a", "b")
    assert changed.columns.target == "label"  # not TOML: taken as text
    assert changed.data.reference.is_absolute()
    assert config.task.type == "auto"  # frozen: the original is unchanged
    with pytest.raises(ConfigError, match="allowed keys") as info:
        config.with_overrides(["task.kind=1"])
    assert info.value.key == "task.kind"
    with pytest.raises(ConfigError, match="SECTION.KEY=VALUE"):
        config.with_overrides(["seed"])


def test_an_mlflow_address_set_on_the_command_line_is_kept_as_written(tmp_path):
    """--set model.path=models:/credit/3 names a model in an MLflow store, not a file under the current folder."""
    config = AuditConfig.from_toml(write(tmp_path, "[task]\ntype = 'auto'\n"))
    for address in ("models:/credit/3", "runs:/abc123/model"):
        assert str(config.with_overrides([f'model.path="{address}"']).model.path) == str(Path(address))
    assert config.with_overrides(['model.path="model.skops"']).model.path.is_absolute()


def test_config_is_frozen():
    config = AuditConfig()
    with pytest.raises(AttributeError):
        config.audit = None  # type: ignore[misc]


@given(
    seed=st.integers(min_value=0, max_value=2**31),
    title=st.text(min_size=1, max_size=30).filter(lambda s: "\x00" not in s),
    sensitive=st.lists(st.text(min_size=1, max_size=12), max_size=4).map(tuple),
    warn=st.floats(min_value=0, max_value=0.3),
    task=st.sampled_from(["auto", "binary", "multiclass", "regression"]),
    label=st.one_of(st.integers(-5, 5), st.text(min_size=1, max_size=5), st.booleans()),
)
@settings(max_examples=60, deadline=None)
def test_any_valid_config_survives_a_toml_round_trip(tmp_path_factory, seed, title, sensitive, warn, task, label):
    folder = tmp_path_factory.mktemp("rt")
    config = AuditConfig()
    config = config.replace("audit", title=title, seed=seed).replace("columns", sensitive=sensitive,
                                                                     positive_label=label)
    config = config.replace("quality", missing_warn=warn).replace("task", type=task)
    config.to_toml(folder / "a.toml")
    assert AuditConfig.from_toml(folder / "a.toml") == config


def test_parse_toml_value():
    assert parse_toml_value("1") == 1
    assert parse_toml_value("[1, 'a']") == [1, "a"]
    assert parse_toml_value("true") is True
    assert parse_toml_value("some text") == "some text"


def test_challenger_tables_are_read_checked_and_written(tmp_path):
    from assay.engine.config import AuditConfig
    from assay.engine.errors import ConfigError

    config = AuditConfig.from_dict({"challenger": [{"path": "b.skops", "name": "b"},
                                                   {"probabilities": ["shadow"]}],
                                    "comparison": {"arm": "arm", "margins": {"roc_auc": 0.02}}},
                                   base_dir=tmp_path)
    assert [c.label for c in config.challengers] == ["b", "shadow"]
    assert config.challengers[0].path == tmp_path / "b.skops"
    assert config.comparison.margin_of("roc_auc") == 0.02 and config.comparison.margin_of("f1") == 0.01
    assert set(config.comparison_columns()) == {"shadow", "arm"}
    config.to_toml(tmp_path / "audit.toml")
    assert AuditConfig.from_toml(tmp_path / "audit.toml").challengers == config.challengers
    with pytest.raises(ConfigError, match=r"challenger\.1\.path: a challenger needs a model file"):
        AuditConfig.from_dict({"challenger": [{"name": "x"}]})
    with pytest.raises(ConfigError, match=r"challenger\.2\.path: give a challenger's model file or its output"):
        AuditConfig.from_dict({"challenger": [{"path": "a.skops"}, {"path": "b.skops", "prediction": "p"}]})
    with pytest.raises(ConfigError, match=r"unknown key 'model' in \[challenger\.1\]"):
        AuditConfig.from_dict({"challenger": [{"model": "a.skops"}]})
    with pytest.raises(ConfigError, match=r"\[\[challenger\]\] must be tables"):
        AuditConfig.from_dict({"challenger": {"path": "a.skops"}})
    with pytest.raises(ConfigError, match=r"comparison\.margins\.auc: not a performance metric"):
        AuditConfig.from_dict({"comparison": {"margins": {"auc": 0.01}}})
