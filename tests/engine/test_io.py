"""Loading tables and models: formats, detection, provenance, and refusals that name the file."""
import hashlib
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from assay.engine.errors import InputError, ModelTrustError, UntrustedTypesError
from assay.engine.io import check_model_columns, load_dataset, load_model, untrusted_skops_types


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiter_is_detected(tmp_path, delimiter):
    path = tmp_path / "t.csv"
    path.write_text(delimiter.join(["a", "b", "c"]) + "\n" + "\n".join(
        delimiter.join([str(i), f"x{i}", f"{i / 2}"]) for i in range(20)) + "\n")
    frame = load_dataset(path, "reference").frame
    assert list(frame.columns) == ["a", "b", "c"]
    assert frame["a"].tolist() == list(range(20))


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""),
                                           ("utf-16", b"")])
def test_csv_encodings_and_bom(tmp_path, encoding, bom):
    text = "name;city\n" + "\n".join(f"Zoë {i};Besançon — Île" for i in range(30)) + "\n"
    if encoding == "cp1252":
        text = text.replace("—", "-")
    path = tmp_path / "t.csv"
    path.write_bytes(bom + text.encode(encoding))
    frame = load_dataset(path).frame
    assert list(frame.columns) == ["name", "city"]
    assert frame["name"].iloc[3] == "Zoë 3"
    assert frame["city"].iloc[0].startswith("Besançon")


def test_missing_tokens_are_read_as_missing(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,y\n1,a\nn/a,NULL\n3,-\nNA,b\n")
    frame = load_dataset(path).frame
    assert frame["x"].isna().tolist() == [False, True, False, True]
    assert frame["y"].isna().tolist() == [False, True, True, False]
    assert pd.api.types.is_numeric_dtype(frame["x"])


def test_provenance_is_recorded(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}).to_parquet(path)
    info = load_dataset(path, "production").info
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (info.rows, info.columns, info.role, info.format) == (3, 2, "production", "parquet")


def test_feather_and_parquet_without_suffix_are_recognised(tmp_path):
    frame = pd.DataFrame({"a": np.arange(5), "b": list("abcde")})
    frame.to_feather(tmp_path / "t.feather")
    frame.to_parquet(tmp_path / "noext")
    assert load_dataset(tmp_path / "t.feather").frame.shape == (5, 2)
    assert load_dataset(tmp_path / "noext").info.format == "parquet"


@pytest.mark.parametrize("content, words", [
    (None, "not found"),
    (b"", "empty"),
    (b"a,b\n1,2\n3,4,5\n", "different numbers of fields"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
])
def test_bad_tables_are_refused_with_the_file_named(tmp_path, content, words):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=words) as info:
        load_dataset(path)
    assert str(path) in str(info.value)


def test_a_folder_and_a_truncated_parquet_are_refused(tmp_path):
    with pytest.raises(InputError, match="is a folder"):
        load_dataset(tmp_path)
    path = tmp_path / "t.parquet"
    pd.DataFrame({"a": range(1000)}).to_parquet(path)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(InputError, match="not a valid Parquet file"):
        load_dataset(path)


def test_duplicate_column_names_are_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,a\n1,2,3\n")
    with pytest.raises(InputError, match="more than once: 'a'"):
        load_dataset(path)


# -- models ----------------------------------------------------------------------------------


@pytest.fixture
def fitted(tmp_path):
    frame = pd.DataFrame({"x1": [0.0, 1, 2, 3, 4, 5], "x2": [1.0, 0, 1, 0, 1, 0]})
    model = LogisticRegression().fit(frame, [0, 0, 0, 1, 1, 1])
    return model, frame


def test_joblib_model_needs_trust_and_opens_with_it(tmp_path, fitted):
    path = tmp_path / "m.joblib"
    joblib.dump(fitted[0], path)
    with pytest.raises(ModelTrustError) as info:
        load_model(path)
    assert info.value.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "can run arbitrary code" in str(info.value)
    loaded = load_model(path, trusted=True)
    assert loaded.type_name == "LogisticRegression"
    assert loaded.expected_columns == ("x1", "x2")
    assert "C" in loaded.params


def test_pickle_that_raises_on_load_is_reported(tmp_path):
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps(1)[:-3] + b"garbage")
    with pytest.raises(InputError, match="could not be loaded"):
        load_model(path, trusted=True)


def test_skops_model_goes_through_type_checks(tmp_path, fitted):
    path = tmp_path / "m.skops"
    sio.dump(fitted[0], path)
    untrusted = untrusted_skops_types(path)
    if untrusted:  # depends on the skops version's default trust list
        with pytest.raises(UntrustedTypesError) as info:
            load_model(path)
        assert set(info.value.types) == set(untrusted)
    loaded = load_model(path, trusted_types=tuple(untrusted))
    assert loaded.info.format == "skops"
    np.testing.assert_allclose(loaded.model.predict_proba(fitted[1]), fitted[0].predict_proba(fitted[1]))


def test_corrupt_skops_file_is_refused(tmp_path):
    path = tmp_path / "m.skops"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="not a valid skops model file"):
        load_model(path)


def test_model_columns_are_checked_against_the_data(tmp_path, fitted):
    path = tmp_path / "m.joblib"
    joblib.dump(fitted[0], path)
    loaded = load_model(path, trusted=True)
    check_model_columns(loaded, ["x1", "x2", "y"], "data.csv", ignore={"y"})
    with pytest.raises(InputError) as info:
        check_model_columns(loaded, ["x1", "z", "y"], "data.csv", ignore={"y"})
    message = str(info.value)
    assert "lacks: x2" in message and "does not use: z" in message and info.value.column == "x2"
