"""The step page's weight grids: a layer's weights (and biases) as a table, and the edits
made in it read back into one proposed configuration."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from ...core.params import ParamRef
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


def edited_grid(base: pd.DataFrame, edits: Any) -> tuple[np.ndarray, str | None]:
    """The grid's values after the editor's edits, and a message for an empty/bad cell."""
    values = base.to_numpy(copy=True)
    rows = (edits or {}).get("edited_rows", {}) if isinstance(edits, dict) else {}
    for r, changes in rows.items():
        for c, v in changes.items():
            ci = base.columns.get_loc(c) if not isinstance(c, int) else c
            ri = int(r)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                return values, (
                    f"Empty cell (row {base.index[ri]}, column {base.columns[ci]}): type a number."
                )
            try:
                values[ri, ci] = float(v)
            except (TypeError, ValueError):
                return (
                    values,
                    f"Cell (row {base.index[ri]}, column {base.columns[ci]}) is not a number.",
                )
    return values, None


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
