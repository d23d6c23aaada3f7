"""The training page's Data controls and the datasets they pick, cached for all sessions."""

from __future__ import annotations

import io
import os
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from ...data.admissions import (
    ADMISSIONS_ENV,
    DATA_DIR_ENV,
    AdmissionsSource,
    admissions_file,
    load_admissions,
    read_admissions_csv,
)
from ...data.fetch import fetch_admissions
from ...data.tabular import binary_columns, read_user_csv
from ...errors import BackpropVizError, cut
from ...trainer import (
    SOURCE_LABELS,
    SOURCES,
    TRAIN_MAX_POINTS,
    TRAIN_MAX_TEST_FRACTION,
    TRAIN_MIN_POINTS,
    Dataset,
    TrainSpec,
    dataset_2d,
    dataset_admissions,
    dataset_csv,
    problems,
)
from .. import plain
from .state import TrainViewState

# --- cached data -------------------------------------------------------------------------


@st.cache_resource(max_entries=64, show_spinner=False)
def _dataset_2d(
    name: str, n_points: int, noise: float, data_seed: int, test_fraction: float
) -> Dataset:
    return dataset_2d(
        TrainSpec(
            dataset=name,
            n_points=n_points,
            noise=noise,
            data_seed=data_seed,
            test_fraction=test_fraction,
        )
    )


@st.cache_resource(max_entries=8, show_spinner=False)
def _admissions_found(env_path: str, data_dir: str, stamp: tuple[int, int] | None) -> Dataset:
    # `stamp` (modification time and size of the file found) is only part of the key.
    named = ((ADMISSIONS_ENV, env_path), (DATA_DIR_ENV, data_dir))
    return dataset_admissions(load_admissions(env={k: v for k, v in named if v}))


# A file someone uploaded is theirs: kept for their session only and let go when it closes
# (a 5 MiB CSV is ~6 MiB as a table and ~6 MiB more as a dataset; shared, 30 uploads stayed).
@st.cache_resource(scope="session", max_entries=2, show_spinner=False)
def _admissions_uploaded(file_id: str, name: str, _data: bytes) -> Dataset:
    upload = io.BytesIO(_data)
    upload.name = name  # named in any message about the file
    frame = read_admissions_csv(upload)
    label = f"Admissions data from the uploaded file {name} ({len(frame)} rows)"
    return dataset_admissions(AdmissionsSource(frame, label, synthetic=False, path=None))


@st.cache_resource(scope="session", max_entries=2, show_spinner=False)
def _csv_frame(file_id: str, name: str, _data: bytes) -> pd.DataFrame:
    return read_user_csv(_data, name)


@st.cache_resource(scope="session", max_entries=4, show_spinner=False)
def _csv_dataset(
    file_id: str, name: str, target: str, test_fraction: float, seed: int, _frame: pd.DataFrame
) -> Dataset:
    return dataset_csv(_frame, target, test_fraction, seed, name)


# --- controls ----------------------------------------------------------------------------


def _file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _fetch_button(state: TrainViewState) -> None:
    """Get the lesson's data: download the admissions file, check it and save it where the
    page looks; on success the page trains the settings shown on it at once."""
    if not st.button(
        "Get the lesson's data",
        key="train_fetch_data",
        icon=":material/download:",
        help="Downloads the lesson's admissions file from its public source, checks that it "
        "is the lesson's data (400 rows, the same values) and saves it as data/binary.csv.",
    ):
        return
    try:
        with st.spinner("Downloading and checking the lesson's admissions file…"):
            result = fetch_admissions()
    except BackpropVizError as exc:
        plain.error(exc)
        return
    # Every session looks again: the file found has changed (its stamp is in the key too).
    _admissions_found.clear()
    st.success(
        plain.plain(
            f"Downloaded the lesson's admissions data ({result.rows} rows, checked) and "
            f"saved it to {result.path}: the page now trains on it."
        )
    )
    if not state.live:  # a live run follows the new data by itself, with its notice
        state.request = "train"


def _admissions_data(state: TrainViewState) -> tuple[Dataset | None, Hashable]:
    upload = st.file_uploader(
        "Admissions CSV (columns admit, gre, gpa, rank)",
        type=["csv"],
        key="train_admissions_upload",
        help=f"Or name the file in the {ADMISSIONS_ENV} environment variable.",
    )
    about = st.container()  # what the data is, above the button that can change it
    try:
        if upload is not None:
            data = _admissions_uploaded(upload.file_id, cut(upload.name), upload.getvalue())
            key: Hashable = ("admissions", "upload", upload.file_id)
        else:
            env_path = os.environ.get(ADMISSIONS_ENV, "").strip()
            data_dir = os.environ.get(DATA_DIR_ENV, "").strip()
            found = admissions_file()
            if not env_path and _file_stamp(found) is None:  # no file: synthetic data
                _fetch_button(state)
            stamp = _file_stamp(found)
            data = _admissions_found(env_path, data_dir, stamp)
            key = ("admissions", env_path, str(found), stamp)
    except BackpropVizError as exc:
        plain.error(exc)
        return None, None
    with about:
        if data.synthetic:
            st.warning(
                f"**Synthetic data.** {data.label}. Get the lesson's data with the button "
                f"below, upload its binary.csv, or name it in {ADMISSIONS_ENV}, to "
                "reproduce the lesson's numbers."
            )
        else:
            st.caption(plain.plain(data.label))
        st.caption(
            "Prepared as in the lesson: rank one-hot encoded, gre and gpa standardized, and "
            "the lesson's seeded 90/10 train/test split."
        )
    return data, key


def _split_controls(state: TrainViewState, spec: TrainSpec) -> tuple[float, int]:
    c1, c2 = st.columns(2)
    test_fraction = c1.slider(
        "Test share",
        0.0,
        TRAIN_MAX_TEST_FRACTION,
        float(spec.test_fraction),
        0.05,
        key=state.key("test_fraction"),
        help="Share of the records held out to measure test loss and accuracy.",
    )
    data_seed = c2.number_input(
        "Data seed", 0, 1_000_000, int(spec.data_seed), 1, key=state.key("data_seed")
    )
    return float(test_fraction), int(data_seed)


def _data_2d(state: TrainViewState, spec: TrainSpec, name: str) -> tuple[TrainSpec, Dataset | None]:
    c1, c2 = st.columns(2)
    n_points = c1.number_input(
        "Points",
        TRAIN_MIN_POINTS,
        TRAIN_MAX_POINTS,
        int(spec.n_points),
        50,
        key=state.key("n_points"),
    )
    noise = c2.slider("Noise", 0.0, 1.0, float(spec.noise), 0.05, key=state.key("noise"))
    test_fraction, data_seed = _split_controls(state, spec)
    spec = spec.with_changes(
        dataset=name,
        n_points=int(n_points),
        noise=float(noise),
        test_fraction=test_fraction,
        data_seed=data_seed,
    )
    if "data" in problems(spec):
        return spec, None
    try:
        data = _dataset_2d(name, int(n_points), float(noise), data_seed, test_fraction)
    except BackpropVizError as exc:
        plain.error(exc)
        return spec, None
    st.caption(plain.plain(data.label))
    return spec, data


def _data_csv(state: TrainViewState, spec: TrainSpec) -> tuple[TrainSpec, Dataset | None, Any]:
    upload = st.file_uploader(
        "Your CSV file (UTF-8, at most 5 MB, 100,000 rows, 50 columns)",
        type=["csv", "txt"],
        key="train_csv_upload",
    )
    test_fraction, data_seed = _split_controls(state, spec)
    spec = spec.with_changes(dataset="csv", test_fraction=test_fraction, data_seed=data_seed)
    if upload is None:
        st.info("Upload a CSV file with a column of two values to predict.")
        return spec, None, None
    name = cut(upload.name)  # a browser sends any name: shown cut short wherever it appears
    try:
        frame = _csv_frame(upload.file_id, name, upload.getvalue())
    except BackpropVizError as exc:
        plain.error(exc)
        return spec, None, None
    columns = [str(c) for c in frame.columns]
    binary = binary_columns(frame)
    if not binary:
        plain.error(
            f"No column in {name} has exactly two distinct values, so there is "
            "nothing binary to predict. Add a 0/1 (or yes/no) column."
        )
        return spec, None, None
    target = st.selectbox(
        "Target column (two values)",
        columns,
        index=columns.index(str(binary[-1])),
        key=f"train_target_{upload.file_id}",
    )
    try:
        data = _csv_dataset(upload.file_id, name, target, test_fraction, data_seed, frame)
    except BackpropVizError as exc:
        plain.error(exc)
        return spec, None, None
    st.caption(plain.plain(data.label))
    for note in data.notes:
        if "dropped" in note:
            plain.warning(f"{note}.")
    with st.expander("How the table was encoded"):
        st.markdown("\n".join(f"- {plain.plain(n)}" for n in data.notes))
    return spec, data, (upload.file_id, target)


def data_controls(
    state: TrainViewState, spec: TrainSpec
) -> tuple[TrainSpec, Dataset | None, Hashable]:
    """The Data section: the spec with its data settings, the dataset (None if it cannot
    be used; the reason is shown) and a key that names the data."""
    st.subheader("Data")
    name = st.selectbox(
        "Dataset",
        SOURCES,
        index=SOURCES.index(spec.dataset),
        format_func=SOURCE_LABELS.__getitem__,
        key=state.key("dataset"),
    )
    if name == "admissions":
        data, key = _admissions_data(state)
        return spec.with_changes(dataset=name), data, key
    if name == "csv":
        spec, data, csv_key = _data_csv(state, spec)
        key = None if data is None else ("csv", *csv_key, spec.test_fraction, spec.data_seed)
        return spec, data, key
    spec, data = _data_2d(state, spec, name)
    key = ("2d", name, spec.n_points, spec.noise, spec.data_seed, spec.test_fraction)
    return spec, data, key
