"""The step page's weight grids: a layer's weights (and biases) as a table, and the edits
made in it read back into one proposed configuration.

The cells are text, read here: a number cell's editor in the browser keeps only digits, a
point and a minus, so a typed 1e3 arrived as 13 and 1e308 as 1308. Typed as text, 1e3 is 1000,
and anything that is not a plain decimal number is refused with a message.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from ...core.params import ParamRef
from ...errors import quoted
from ...explain.notation import unit_names
from .edits import Config
from .state import StepState, propose


def grid_frame(cfg: Config, layer: int) -> pd.DataFrame:
    w = np.asarray(cfg["weights"][layer], dtype=float)
    sizes = (len(cfg["weights"][0]), *(len(m[0]) for m in cfg["weights"]))
    names = unit_names(sizes)
    rows = list(names[layer])
    data = w
    if cfg.get("biases") is not None:
        rows.append("bias")
        data = np.vstack([w, np.asarray(cfg["biases"][layer], dtype=float)])
    cols = [f"→ {n}" for n in names[layer + 1]]
    return pd.DataFrame(data, index=rows, columns=cols)


# A plain decimal number, optionally with an exponent: 0.5, -2, .25, 1e3, 2.5E-3.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def cell_number(value: object) -> tuple[float | None, str | None]:
    """A grid cell's typed value as a number, or None and what is wrong with it ("empty",
    "not a number …", "not a finite number …"). Text is read in full: 1e3 is 1000."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, "empty"
    if isinstance(value, bool):
        return None, f"not a number: {quoted(value)}"
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    else:
        text = str(value).strip().replace("\u2212", "-")  # the page itself writes − for minus
        if not text:
            return None, "empty"
        if not _NUMBER.fullmatch(text):
            return None, f"not a number: {quoted(value)}; type one such as -0.25 or 1e3"
        number = float(text)
    if not math.isfinite(number):
        return None, f"not a finite number: {quoted(value)}"
    return number, None


def edited_grid(base: pd.DataFrame, edits: Any) -> tuple[np.ndarray, str | None]:
    """The grid's values after the editor's edits, and a message for an empty/bad cell."""
    values = base.to_numpy(copy=True)
    rows = (edits or {}).get("edited_rows", {}) if isinstance(edits, dict) else {}
    for r, changes in rows.items():
        for c, v in changes.items():
            ci = base.columns.get_loc(c) if not isinstance(c, int) else c
            ri = int(r)
            where = f"row {base.index[ri]}, column {base.columns[ci]}"
            number, problem = cell_number(v)
            if problem == "empty":
                return values, f"Empty cell ({where}): type a number."
            if problem:
                return values, f"Cell ({where}) is {problem}."
            values[ri, ci] = number
    return values, None


def grid_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The grid as the editor shows it: each value as text, to 6 significant digits."""
    return frame.map(lambda v: f"{v:.6g}")


def collect_grid_edits(state: StepState) -> None:
    """Adopt valid edits from this generation's weight grids (read before drawing)."""
    base_cfg = state.grid_base or state.cfg
    n = len(base_cfg["weights"])
    weights = [np.asarray(w, dtype=float) for w in state.cfg["weights"]]
    biases = (
        None if state.cfg.get("biases") is None else [np.asarray(b) for b in state.cfg["biases"]]
    )
    changed, message = False, None
    for layer in range(n):
        key = state.key(f"grid{layer}")
        if key not in st.session_state:
            continue
        base = grid_frame(base_cfg, layer)
        values, problem = edited_grid(base, st.session_state[key])
        if problem:
            message = f"Weights {layer + 1}: {problem}"
            continue
        n_from = len(base_cfg["weights"][layer])
        new_w = values[:n_from]
        if not np.array_equal(new_w, weights[layer]):
            moved = np.argwhere(new_w != weights[layer])[0]
            state.last_control = ParamRef("weight", layer, tuple(int(i) for i in moved)).name
            weights[layer], changed = new_w, True
        has_bias_row = biases is not None and values.shape[0] > n_from
        if has_bias_row and not np.array_equal(values[n_from], biases[layer]):
            moved = np.argwhere(values[n_from] != biases[layer])[0]
            state.last_control = ParamRef("bias", layer, (int(moved[0]),)).name
            biases[layer], changed = values[n_from], True
    if message:
        state.errors["weights"] = message
    elif changed:
        cfg = {
            **state.cfg,
            "weights": [w.tolist() for w in weights],
            "biases": None if biases is None else [b.tolist() for b in biases],
        }
        propose(state, "weights", cfg, weights_only=True)
    elif "weights" in state.errors and state.errors["weights"].startswith("Weights "):
        state.errors.pop("weights")


# --- drawing -------------------------------------------------------------------------------


def weight_grid(state: StepState, layer: int) -> None:
    """One layer's editable grid, its cells text (see the module's docstring)."""
    frame = grid_frame(state.grid_base or state.cfg, layer)
    st.data_editor(
        grid_text(frame),
        key=state.key(f"grid{layer}"),
        width="stretch",
        column_config={c: st.column_config.TextColumn(c) for c in frame.columns},
    )
