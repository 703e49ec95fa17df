"""The bad-input corpus: tests/data/bad/ (small committed files) and cases.toml (what each case expects).

`prepare(case, folder)` copies a case's files into `folder`, generates what is too big (or too
dangerous, like a pickle) to commit, writes its audit file and returns the audit file's path.

The committed files are written by `write_committed(folder)`; regenerate them with
`python -m tests.bad_inputs` from the checkout (deterministic, except the bytes of truncated.skops: skops
stamps the time into its zip).
"""
from __future__ import annotations

import io
import os
import pickle
import shutil
import stat
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

BAD = Path(__file__).resolve().parent / "data" / "bad"
ROOT = Path(__file__).resolve().parents[1]
GOOD_REFERENCE, GOOD_PRODUCTION = "good_reference.csv", "good_production.csv"


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # data, audit, model
    description: str
    exit: tuple[int, ...]  # allowed exit codes of `assay audit`
    expect: tuple[str, ...] = ()  # fragments of the one stderr line (exit 2)
    reference: str = GOOD_REFERENCE
    production: str = GOOD_PRODUCTION
    model: str | None = None  # a committed file or "generate:NAME"
    audit: dict[str, Any] = field(default_factory=dict)  # sections merged into the audit file
    audit_text: str | None = None  # the whole audit file, instead of `audit` ({reference}, {production} filled in)
    audit_file: str | None = None  # a committed or generated file used as the audit file itself
    check: dict[str, Any] = field(default_factory=dict)  # for cases that load: {file, column, row, value, detail}
    unreadable: str | None = None  # "reference" or "production": that file's permissions are removed
    app: bool = True  # part of the app's test (see tests/app/test_bad_inputs_app.py)

    @property
    def is_error(self) -> bool:
        return self.exit == (2,)


def load_cases() -> list[Case]:
    data = tomllib.loads((BAD / "cases.toml").read_text(encoding="utf-8"))
    cases = []
    for raw in data["case"]:
        raw = dict(raw)
        raw["exit"] = tuple(raw["exit"]) if isinstance(raw["exit"], list) else (raw["exit"],)
        raw["expect"] = tuple(raw.get("expect", ()))
        if "data" in raw:  # one file as both reference and production
            raw["reference"] = raw["production"] = raw.pop("data")
        cases.append(Case(**raw))
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


# -- preparing one case -----------------------------------------------------------------------


def prepare(case: Case, folder: Path) -> Path:
    """Write the case into `folder` and return the audit file to run."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for role in ("reference", "production"):
        names[role] = _materialise(getattr(case, role), folder)
    sections: dict[str, Any] = {"audit": {"title": f"Bad input: {case.id}"},
                                "data": {"reference": names["reference"], "production": names["production"]},
                                "explain": {"method": "none"},
                                "performance": {"bootstrap_resamples": 0},
                                "fairness": {"bootstrap_resamples": 0},
                                "drift": {"permutations": 0}}
    if case.model is not None:
        sections["model"] = {"path": _materialise(case.model, folder), "trusted": True}
    for name, values in case.audit.items():
        if isinstance(values, dict) and isinstance(sections.get(name), dict):
            sections[name] = {**sections[name], **values}
        else:
            sections[name] = values
    if case.unreadable:
        (folder / names[case.unreadable]).chmod(0)
    if case.audit_file is not None:
        return folder / _materialise(case.audit_file, folder)
    path = folder / "audit.toml"
    if case.audit_text is not None:
        path.write_text(case.audit_text.format(**names), encoding="utf-8")
    else:
        import tomli_w

        path.write_text(tomli_w.dumps(sections), encoding="utf-8")
    return path


def _materialise(name: str, folder: Path) -> str:
    """Copy a committed file (or folder) or generate one; return its name inside `folder`."""
    if name.startswith("generate:"):
        generator = name.removeprefix("generate:")
        return GENERATED[generator](folder)
    if name.startswith("missing:"):
        return name.removeprefix("missing:")
    source = BAD / name
    target = folder / name
    if source.is_dir():
        if not target.exists():
            shutil.copytree(source, target)
    elif not target.exists():
        shutil.copyfile(source, target)
    return name


def restore_permissions(folder: Path) -> None:
    """Undo `unreadable` so that pytest can delete the folder."""
    for path in folder.rglob("*"):
        try:
            path.chmod(path.stat().st_mode | stat.S_IRUSR | stat.S_IWUSR)
        except OSError:
            pass


# -- the good tables the cases start from -------------------------------------------------------


def good_frame(seed: int, rows: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, rows)
    income = np.round(rng.lognormal(10, 0.5, rows), 2)
    frame = pd.DataFrame({
        "customer_id": np.arange(1000 * seed, 1000 * seed + rows),
        "age": age,
        "income": income,
        "city": rng.choice(["Paris", "Lyon", "Nantes", "Lille"], rows),
        "sex": rng.choice(["F", "M"], rows),
        "signup": pd.date_range("2024-01-01", periods=rows, freq="D").strftime("%Y-%m-%d"),
    })
    frame["target"] = ((age > 45) ^ (rng.random(rows) < 0.2)).astype(int)
    return frame


# -- committed files ------------------------------------------------------------------------------


def write_committed(folder: Path = BAD) -> None:
    """Every committed file of the corpus (small and deterministic)."""
    folder.mkdir(parents=True, exist_ok=True)
    ref, prod = good_frame(1), good_frame(2)
    ref.to_csv(folder / GOOD_REFERENCE, index=False)
    prod.to_csv(folder / GOOD_PRODUCTION, index=False)
    def text(frame):
        return frame.to_csv(index=False)

    accented = ref.copy()
    accented["city"] = np.where(np.arange(len(ref)) % 2 == 0, "Zürich", "Besançon")
    (folder / "latin1.csv").write_bytes(text(accented).encode("latin-1"))
    smart = ref.copy()
    smart["city"] = np.where(np.arange(len(ref)) % 2 == 0, "“Köln”", "Montréal – Nord")
    smart["price"] = [f"{v:.0f} €" for v in ref["income"]]
    (folder / "cp1252.csv").write_bytes(text(smart).encode("cp1252"))
    (folder / "utf16_bom.csv").write_bytes(text(accented).encode("utf-16"))  # Python writes the BOM
    japanese = ref.copy()
    japanese["city"] = np.where(np.arange(len(ref)) % 3 == 0, "東京都", np.where(np.arange(len(ref)) % 3 == 1,
                                                                             "大阪市", "名古屋"))
    (folder / "shift_jis.csv").write_bytes(text(japanese).encode("shift_jis"))
    (folder / "utf8_bom_header.csv").write_bytes(b"\xef\xbb\xbf" + text(ref).encode("utf-8"))
    (folder / "semicolon.csv").write_text(ref.to_csv(index=False, sep=";"), encoding="utf-8")
    (folder / "tab.tsv").write_text(ref.to_csv(index=False, sep="\t"), encoding="utf-8")
    (folder / "pipe.txt").write_text(ref.to_csv(index=False, sep="|"), encoding="utf-8")
    decimal = ref.to_csv(index=False, sep=";", decimal=",")
    (folder / "semicolon_decimal_comma.csv").write_text(decimal, encoding="utf-8")

    lines = text(ref).splitlines()
    lines[5] += ",extra,fields"
    (folder / "ragged_rows.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    short = text(ref).splitlines()
    short[7] = short[7].rsplit(",", 3)[0]
    (folder / "short_row.csv").write_text("\n".join(short) + "\n", encoding="utf-8")
    duplicated = text(ref).replace("customer_id,age,income", "customer_id,age,age", 1)
    (folder / "duplicate_columns.csv").write_text(duplicated, encoding="utf-8")
    unnamed = text(ref).replace("customer_id,age,income", "customer_id,,income", 1)
    (folder / "empty_column_name.csv").write_text(unnamed, encoding="utf-8")
    clash = text(ref).replace("customer_id,age,income", ",age,column_1", 1)
    (folder / "blank_name_clash.csv").write_text(clash, encoding="utf-8")
    unicode_names = ref.rename(columns={"age": "âge (années)", "income": "収入 💶", "city": "Ciudad/Город"})
    (folder / "unicode_names.csv").write_text(text(unicode_names), encoding="utf-8")
    long_name = "monthly_average_balance_" + "x" * 300
    (folder / "very_long_name.csv").write_text(text(ref.rename(columns={"income": long_name})), encoding="utf-8")
    clash = ref.rename(columns={"income": "Income"}).assign(**{"income ": ref["income"] * 2})
    (folder / "names_differ_by_case.csv").write_text(text(clash), encoding="utf-8")
    (folder / "all_missing_column.csv").write_text(text(ref.assign(notes=np.nan)), encoding="utf-8")
    (folder / "one_row.csv").write_text(text(ref.iloc[:1]), encoding="utf-8")
    (folder / "header_only.csv").write_text(text(ref.iloc[:0]), encoding="utf-8")
    (folder / "empty.csv").write_bytes(b"")
    (folder / "whitespace_only.csv").write_text("\n \n\t\n", encoding="utf-8")
    (folder / "binary_garbage.csv").write_bytes(bytes(np.random.default_rng(9).integers(0, 256, 4096,
                                                                                        dtype=np.uint8)))
    infinities = ref.astype({"income": object})
    infinities.loc[::7, "income"] = "inf"
    infinities.loc[3::11, "income"] = "-inf"
    (folder / "infinities.csv").write_text(text(infinities), encoding="utf-8")
    formats = ["2024-01-05", "05/01/2024", "2024/01/05 13:45", "5 Jan 2024", "20240105", "2024-01-05T13:45:00Z",
               "Jan 5, 2024", "05.01.2024"]
    dates = ref.assign(signup=[formats[i % len(formats)] for i in range(len(ref))])
    (folder / "dates_many_formats.csv").write_text(text(dates), encoding="utf-8")
    mixed = ref.astype({"income": object})
    mixed.loc[::4, "income"] = "unknown"
    (folder / "numbers_mixed_with_words.csv").write_text(text(mixed), encoding="utf-8")
    quoted = ref.astype({"city": object})
    quoted.loc[::5, "city"] = 'Saint-Denis,\n"Réunion"'
    (folder / "quoted_newlines.csv").write_text(text(quoted), encoding="utf-8")
    (folder / "constant_columns.csv").write_text(text(ref.assign(age=40, city="Paris")), encoding="utf-8")
    (folder / "one_class_target.csv").write_text(text(ref.assign(target=1)), encoding="utf-8")
    (folder / "no_shared_column.csv").write_text(
        text(ref.rename(columns=lambda c: f"other_{c}")), encoding="utf-8")
    (folder / "only_missing_values.csv").write_text("a,b\nNA,\n,null\nn/a,-\n", encoding="utf-8")
    (folder / "crlf_line_endings.csv").write_bytes(text(ref).replace("\n", "\r\n").encode("utf-8"))

    buffer = io.BytesIO()
    ref.to_parquet(buffer, index=False)
    parquet = buffer.getvalue()
    (folder / "parquet_named_csv.csv").write_bytes(parquet)
    (folder / "truncated.parquet").write_bytes(parquet[: len(parquet) // 2])
    (folder / "text_named_parquet.parquet").write_text(text(ref), encoding="utf-8")
    buffer = io.BytesIO()
    ref.to_feather(buffer)
    (folder / "truncated.feather").write_bytes(buffer.getvalue()[:600])
    zipped = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr(zipfile.ZipInfo("xl/workbook.xml", date_time=(2024, 1, 1, 0, 0, 0)), "<workbook/>")
    (folder / "excel_named_csv.csv").write_bytes(zipped.getvalue())

    skops_bytes = _skops_model_bytes()
    (folder / "truncated.skops").write_bytes(skops_bytes[: len(skops_bytes) // 2])
    (folder / "not_a_zip.skops").write_text("this is not a skops file\n", encoding="utf-8")
    (folder / "a_folder.csv").mkdir(exist_ok=True)
    (folder / "a_folder.csv" / "README").write_text("A folder named like a CSV file.\n", encoding="utf-8")
    (folder / "latin1_audit.toml").write_bytes(
        '[audit]\ntitle = "Modèle de crédit — T4"\n[data]\nreference = "good_reference.csv"\n'
        'production = "good_production.csv"\n'.encode("latin-1", errors="replace"))
    (folder / "binary_audit.toml").write_bytes(bytes(range(256)))


def _skops_model_bytes() -> bytes:
    import tempfile

    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    frame = good_frame(1)
    model = LogisticRegression().fit(frame[["age", "income"]], frame["target"])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.skops"
        sio.dump(model, path)
        return path.read_bytes()


# -- generated at test time (too big to commit, or a pickle) ---------------------------------------


def _huge_categories(folder: Path) -> str:
    rows = 100_000
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"code": [f"C{i:06d}" for i in rng.permutation(rows)], "age": rng.integers(18, 80, rows),
                          "segment": [f"s{i}" for i in rng.integers(0, 5000, rows)],
                          "target": rng.integers(0, 2, rows)})
    frame.to_parquet(folder / "huge_categories.parquet", index=False)
    return "huge_categories.parquet"


def _model(cls_name: str, name: str):
    def write(folder: Path) -> str:
        from tests import bad_models

        (folder / name).write_bytes(pickle.dumps(getattr(bad_models, cls_name)()))
        return name

    return write


def _fitted_joblib(folder: Path, name: str = "fitted.joblib", columns=("age", "income")) -> str:
    import joblib
    from sklearn.linear_model import LogisticRegression

    frame = good_frame(1)
    joblib.dump(LogisticRegression().fit(frame[list(columns)], frame["target"]), folder / name)
    return name


def _truncated_joblib(folder: Path) -> str:
    _fitted_joblib(folder, "whole.joblib")
    data = (folder / "whole.joblib").read_bytes()
    (folder / "truncated.joblib").write_bytes(data[: len(data) // 3])
    return "truncated.joblib"


def _expects_other_columns(folder: Path) -> str:
    import joblib
    from sklearn.linear_model import LogisticRegression

    frame = good_frame(1).assign(credit_score=1.0)
    joblib.dump(LogisticRegression().fit(frame[["age", "credit_score"]], frame["target"]), folder / "other.joblib")
    return "other.joblib"


def _missing_module_pickle(folder: Path) -> str:
    # GLOBAL no_such_module_for_assay.Model, an empty tuple, REDUCE: what a model saved with a library
    # that is not installed here looks like.
    (folder / "needs_missing_library.pkl").write_bytes(b"cno_such_module_for_assay\nModel\n(tR.")
    return "needs_missing_library.pkl"


def _untrusted_pickle(folder: Path) -> str:
    return _fitted_joblib(folder, "untrusted.pkl")


def _empty_model(folder: Path) -> str:
    (folder / "empty.joblib").write_bytes(b"")
    return "empty.joblib"


def _model_folder(folder: Path) -> str:
    (folder / "model_dir.joblib").mkdir(exist_ok=True)
    return "model_dir.joblib"


def _good_skops(folder: Path) -> str:
    (folder / "good.skops").write_bytes(_skops_model_bytes())
    return "good.skops"


GENERATED = {
    "huge_categories": _huge_categories,
    "raises_on_load": _model("RaisesOnLoad", "raises_on_load.pkl"),
    "nan_probabilities": _model("NaNProbabilities", "nan_probabilities.pkl"),
    "infinite_probabilities": _model("InfiniteProbabilities", "infinite_probabilities.pkl"),
    "wrong_shape": _model("WrongShape", "wrong_shape.pkl"),
    "raises_on_predict": _model("RaisesOnPredict", "raises_on_predict.pkl"),
    "no_predict_method": _model("NoPredictMethod", "no_predict.pkl"),
    "truncated_joblib": _truncated_joblib,
    "expects_other_columns": _expects_other_columns,
    "missing_module_pickle": _missing_module_pickle,
    "untrusted_pickle": _untrusted_pickle,
    "empty_model": _empty_model,
    "model_folder": _model_folder,
    "good_skops": _good_skops,
    "fitted_joblib": _fitted_joblib,
}


def cli_env() -> dict[str, str]:
    """The environment of a CLI subprocess: this checkout first on the path (tests.bad_models importable)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


if __name__ == "__main__":
    write_committed(Path(sys.argv[1]) if len(sys.argv) > 1 else BAD)
    print(f"wrote the committed bad-input files into {BAD}")
