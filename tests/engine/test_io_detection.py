"""What the bad-input corpus taught the loader: code pages, decimal commas, files named for another format."""
import numpy as np
import pandas as pd
import pytest

from assay.engine.errors import InputError
from assay.engine.csv_reader import _detect_encoding
from assay.engine.tables import load_dataset


@pytest.mark.parametrize("text, encoding, expected", [
    ("city\nZürich\nBesançon\nGenève\n", "latin-1", "cp1252"),  # charset_normalizer alone: cp775 / cp850
    ("city;price\n“Köln”;12 €\nMontréal – Nord;3 €\n", "cp1252", "cp1252"),  # charset_normalizer alone: cp1251
    ("都市\n東京都\n大阪市\n名古屋\n" * 3, "shift_jis", "cp932"),
    ("πόλη\nΑθήνα\nΘεσσαλονίκη\n" * 3, "cp1253", "cp1253"),
])
def test_short_samples_in_legacy_code_pages_are_read_right(text, encoding, expected):
    data = text.encode(encoding)
    found = _detect_encoding(data)
    assert found == expected
    assert data.decode(found) == text


@pytest.mark.parametrize("text, encoding", [
    ("город\nМосква\nСанкт-Петербург\nНовосибирск\n" * 3, "cp1251"),
    ("miasto\nKraków\nŁódź\nGdańsk\nWrocław\n", "cp1250"),
    ("şehir\nİstanbul\nŞanlıurfa\n", "cp1254"),
])
def test_other_scripts_are_not_taken_for_western_european(text, encoding):
    """Misread as Windows-1252 these give runs of accented letters or letters Western data never has;
    they are left to charset_normalizer."""
    from assay.engine.csv_reader import _looks_western

    assert not _looks_western(text.encode(encoding))


def test_decimal_commas_in_a_semicolon_file_are_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id;amount;code;label\n1;1.234,5;007;a,b\n2;-3,25;008;c\n3;12;009;d\n4;;010;e\n",
                    encoding="utf-8")
    dataset = load_dataset(path)
    amounts = dataset.frame["amount"]
    assert pd.api.types.is_float_dtype(amounts)
    np.testing.assert_array_equal(amounts.to_numpy(), [1234.5, -3.25, 12.0, np.nan])
    assert dataset.frame["label"].tolist() == ["a,b", "c", "d", "e"]  # words with a comma stay text
    assert "decimal comma" in dataset.info.detail


def test_comma_files_keep_their_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('id,amount\n1,"1,5"\n2,"2,5"\n', encoding="utf-8")
    assert load_dataset(path).frame["amount"].tolist() == ["1,5", "2,5"]  # ambiguous with a comma delimiter


def test_files_are_read_by_content_not_name(tmp_path):
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    frame.to_parquet(tmp_path / "named.csv")
    frame.to_csv(tmp_path / "named.parquet", index=False)
    assert load_dataset(tmp_path / "named.csv").info.format == "parquet"
    assert load_dataset(tmp_path / "named.parquet").info.format == "csv"
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04" + bytes(60))
    with pytest.raises(InputError, match=r"book.xlsx: is an Excel workbook .* save it as CSV"):
        load_dataset(tmp_path / "book.xlsx")


def test_a_file_without_a_header_row_is_refused(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("\n \n\t\n", encoding="utf-8")
    with pytest.raises(InputError, match="blank.csv: the file has no header row"):
        load_dataset(path)


def test_domain_classifier_codes_stay_within_what_gradient_boosting_takes():
    from assay.engine.drift.multivariate import DOMAIN_MAX_CATEGORIES, encode

    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"c": [f"v{i}" for i in rng.integers(0, 3000, 5000)]}) for _ in range(2)]
    frames[0].loc[:9, "c"] = None
    (a, b), _ = encode(frames, [], ["c"], DOMAIN_MAX_CATEGORIES)
    codes = np.concatenate([a[:, 0], b[:, 0]])
    assert np.isnan(a[:10, 0]).all() and not np.isnan(a[10:, 0]).any()  # missing stays missing
    assert np.nanmax(codes) == DOMAIN_MAX_CATEGORIES and len(np.unique(codes[~np.isnan(codes)])) == 255
    together = pd.concat([f["c"] for f in frames]).dropna()
    top = together.value_counts().index[0]
    assert a[10:, 0][frames[0]["c"].iloc[10:].to_numpy() == top].tolist() == [0.0] * int((frames[0]["c"] == top).sum())
