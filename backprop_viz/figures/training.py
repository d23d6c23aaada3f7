"""All the figures of one training run, as the training page shows them.

Pure functions from results to Plotly figure dicts, one module per chart (`loss_curves`,
`accuracy`, `boundary`, `weights_history`, `units`; the network diagram is `weights`).
Numeric arrays are written as Plotly's base64 typed arrays (`{"dtype", "bdata"}`), which
take about half the room of decimal text. Only the loss curves and the decision boundary
have frames; both name their frames after the same checkpoints ("epoch k"), so their
sliders read alike. While a run trains live, `live_figures` draws the same charts still
(no frames, no weights history), small enough to redraw several times a second.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.network import Network
from ..explain.notation import layer_titles, unit_names
from ..limits import LIVE_PICTURE_PX, MAX_SHOWN_POINTS
from ..trainer import Checkpoint, Dataset, Run, frame_checkpoints
from ..trainer.units import plane_half_width, unit_outputs
from . import raster
from .accuracy import accuracy_figure
from .boundary import (
    CLASS_COLOURS,
    GRID,
    boundary_figure,
    grid_outputs,
    predicted_classes,
    tint,
)
from .boundary import TITLES as BOUNDARY_TITLES
from .curves import live_curves_figure
from .loss_curves import loss_figure
from .style import NEGATIVE, POSITIVE
from .units import unit_grid_size, units_figure, value_range
from .weights import weights_figure
from .weights_history import weights_history_figure

Array = np.ndarray


def drawn_once(figures: dict[str, dict[str, Any]], revision: int) -> dict[str, dict[str, Any]]:
    """Give every figure a data revision (the epochs it shows), so the browser draws it once.

    Streamlit hands Plotly a deep copy of every new figure right after drawing it; without
    a data revision Plotly takes each copied array for new data and draws the whole figure
    a second time. With one, it compares the rest and finds nothing to redraw.
    """
    for figure in figures.values():
        figure["layout"]["datarevision"] = revision
    return figures


def _points(data: Dataset) -> tuple[Array, Array]:
    """The points of 2-D data in the plane, training and test."""
    assert data.points_train is not None and data.points_test is not None
    return data.points_train, data.points_test


def target_peak(data: Dataset) -> float:
    """A regression's colour range ±peak: the largest |target| (at least a small number)."""
    return max(float(np.abs(data.y_train).max(initial=0.0)), 1e-6)


def _boundary(
    network: Network, checkpoints: list[Checkpoint], data: Dataset, **more: Any
) -> dict[str, Any]:
    """The decision boundary (or a regression's prediction) of 2-D `data`."""
    p_train, p_test = _points(data)
    return boundary_figure(
        network,
        checkpoints,
        p_train,
        data.labels(),
        p_test,
        data.labels(test=True),
        features=data.features,
        task=data.task,
        peak=target_peak(data),
        **more,
    )


def _unit_layers(
    network: Network, data: Dataset
) -> tuple[list[Array], list[tuple[float, float]], Array, tuple[int, ...]]:
    """Every layer's unit outputs over the plane, their colour ranges, the plane's axis and
    the network's sizes."""
    sizes = network.sizes
    grid = unit_grid_size(sum(sizes[1:]))
    half = plane_half_width(*_points(data))
    axis = np.linspace(-half, half, grid)
    layers = unit_outputs(network, axis, data.features)
    last = network.n_layers - 1
    ranges = [
        value_range(f.name, values, output=i == last)
        for i, (f, values) in enumerate(zip(network.activations, layers, strict=True))
    ]
    return layers, ranges, axis, sizes


def unit_pictures(network: Network, data: Dataset, title: str | None = None) -> dict[str, Any]:
    """Every hidden unit's and the output's picture over the plane of 2-D `data` (one per
    class for a softmax output), its points mapped through the data's input features."""
    layers, ranges, axis, sizes = _unit_layers(network, data)
    names = unit_names(sizes)[1:]
    if data.task == "classes":
        names[-1] = [f"class {c}" for c in range(sizes[-1])]
    titles = layer_titles(network.n_layers)[1:]
    kwargs = {} if title is None else {"title": title}
    return units_figure(axis, layers, names, ranges, titles, **kwargs)


def _network(network: Network, data: Dataset, title: str) -> dict[str, Any]:
    figure = weights_figure(network, title, list(data.feature_names))
    # Room on the left for the input names (one-hot names such as "city_Lyon" are long).
    longest = max((len(n) for n in data.feature_names), default=0)
    margin = figure["layout"]["margin"]
    margin["l"] = max(margin.get("l", 0), 7 * longest + 30)
    # What Streamlit sets on a chart with point selection (the axes are fixed, so nothing
    # pans): said here, it has nothing to change, and Plotly nothing to redraw.
    figure["layout"].update(dragmode="pan", clickmode="event+select")
    # A click picks a weight to change: it must not dim the units and labels it leaves
    # unselected, as Plotly does by default.
    for trace in figure["data"]:
        if "markers" in trace.get("mode", ""):
            trace["unselected"] = {"marker": {"opacity": 1.0}, "textfont": {"color": "#333"}}
            trace["selected"] = {"marker": {"opacity": 1.0}}
    return figure


def training_figures(run: Run, data: Dataset) -> dict[str, dict[str, Any]]:
    """Every figure of the training view for a run: "loss", "accuracy", "weights",
    "network" and, for 2-D data, "boundary" and "units"."""
    frames = frame_checkpoints(run)
    epochs = [c.epochs for c in frames]
    figures = {
        "loss": loss_figure(
            run.loss_history, run.test_loss_history, epochs, run.network.loss.report_label
        ),
        "accuracy": accuracy_figure(run.accuracy_history, run.test_accuracy_history),
        "weights": weights_history_figure(run.network, run.checkpoints, data.feature_names),
        "network": _network(
            run.network, data, f"The trained network after {run.epochs_run:,} epochs"
        ),
    }
    if data.is_2d:
        figures["boundary"] = _boundary(run.network, list(frames), data)
        figures["units"] = unit_pictures(
            run.network, data, f"What every unit computes after {run.epochs_run:,} epochs"
        )
    return drawn_once(_without_accuracy(figures, data), run.epochs_run)


def _without_accuracy(figures: dict[str, dict[str, Any]], data: Dataset) -> dict[str, Any]:
    """A regression's figures have no accuracy chart: it would mean nothing."""
    if data.task == "regression":
        figures.pop("accuracy", None)
    return figures


def live_figures(run: Run, data: Dataset) -> dict[str, dict[str, Any]]:
    """The Plotly figures of a run training live, still (no frames), lean and few, since
    every chart the browser draws costs: the loss and accuracy so far in one chart
    ("curves") and, for data that is not 2-D, the network. For 2-D data the decision
    boundary and every unit's picture come as pixels, from `live_pictures`."""
    scored = data.task != "regression"  # a regression's accuracy means nothing
    none = np.zeros(0)
    figures = {
        "curves": live_curves_figure(
            run.loss_history,
            run.test_loss_history,
            run.accuracy_history if scored else none,
            run.test_accuracy_history if scored else none,
            run.network.loss.report_label,
        )
    }
    if not data.is_2d:
        figures["network"] = _network(
            run.network, data, f"The network after {run.epochs_run:,} epochs"
        )
    return drawn_once({name: lean(figure) for name, figure in figures.items()}, run.epochs_run)


def live_pictures(
    run: Run, data: Dataset, discrete: bool = False, show_test: bool = True
) -> dict[str, Array]:
    """For 2-D data while a run trains live, as RGB pixel arrays (see `raster`): the plane
    coloured as the decision boundary colours it ("boundary", with the data points; the
    class predicted for `discrete` or several classes) and every unit's picture laid out
    like the network ("units")."""
    network = run.network
    half = plane_half_width(*_points(data))
    axis = np.linspace(-half, half, GRID)
    now = Checkpoint(run.epochs_run, network.weights, network.biases)
    outputs = grid_outputs(network, [now], axis, axis, data.features)[0].astype(float)
    size = LIVE_PICTURE_PX
    labels = [np.asarray(data.labels()), np.asarray(data.labels(test=True))]  # train, test
    if data.task == "classes":
        k = outputs.shape[-1]
        tints = np.array([raster.rgb(tint(c)) for c in CLASS_COLOURS[:k]], dtype=np.uint8)
        picture = tints[raster.nearest(predicted_classes(outputs), size)]
        palette = np.array([raster.rgb(c) for c in CLASS_COLOURS[:k]], dtype=np.uint8)
        colours = [palette[y.astype(np.intp)] for y in labels]
    elif data.task == "regression":
        peak = target_peak(data)
        table = raster.colour_table()
        picture = raster.shade(raster.enlarge((outputs[..., 0] + peak) / (2 * peak), size), table)
        targets = raster.colour_table([[0.0, NEGATIVE], [0.5, "#F7F7F7"], [1.0, POSITIVE]])
        colours = [raster.shade((y + peak) / (2 * peak), targets) for y in labels]
    else:
        out = outputs[..., 0]
        values = (out > 0.5).astype(float) if discrete else out
        resample = raster.nearest if discrete else raster.enlarge
        picture = raster.shade(resample(values, size), raster.colour_table())
        palette = np.array([raster.rgb(NEGATIVE), raster.rgb(POSITIVE)], dtype=np.uint8)
        colours = [palette[y.astype(np.intp)] for y in labels]
    p_train, p_test = _points(data)
    points = [(p_train, colours[0], False)]
    if show_test:
        points.append((p_test, colours[1], True))
    boundary = raster.plane_pixels(picture, half, points)
    layers, ranges, _, _ = _unit_layers(network, data)
    return {"boundary": boundary, "units": raster.units_pixels(layers, ranges)}


def live_captions(run: Run, data: Dataset) -> dict[str, str]:
    """What the live pictures show, in words (an image has no title or legend)."""
    n = f"{run.epochs_run:,}"
    layers = " · ".join(layer_titles(run.network.n_layers)[1:])
    return {
        "boundary": f"{BOUNDARY_TITLES[data.task]}, after {n} epochs. Training points are "
        "dots, test points diamonds.",
        "units": f"What every unit computes after {n} epochs: one column per layer "
        f"({layers}), its units top to bottom as in the network diagram.",
    }


def lean(figure: dict[str, Any]) -> dict[str, Any]:
    """A figure the browser redraws cheaply several times a second: fixed margins (Plotly's
    automatic ones measure every label and may draw the figure twice), no legend (measured
    on every redraw; it comes back when the run stops) and fewer ticks."""
    layout = figure["layout"]
    layout["margin"] = {**layout.get("margin", {}), "autoexpand": False}
    layout["showlegend"] = False
    for name in ("xaxis", "yaxis", "yaxis2"):
        if name in layout:  # fewer tick labels to place and measure
            layout[name]["nticks"] = 5
    return figure


def still_figures(run: Run, data: Dataset) -> dict[str, dict[str, Any]]:
    """The run's charts as the page lays them out when not live, without frames: for a
    network just reset, or with a weight changed by hand (its histories are the run's)."""
    now = Checkpoint(run.epochs_run, run.network.weights, run.network.biases)
    figures = {
        "loss": loss_figure(
            run.loss_history, run.test_loss_history, [], run.network.loss.report_label
        ),
        "accuracy": accuracy_figure(run.accuracy_history, run.test_accuracy_history),
        "network": _network(run.network, data, f"The network after {run.epochs_run:,} epochs"),
    }
    if data.is_2d:
        figures["boundary"] = _boundary(run.network, [now], data)
        figures["units"] = unit_pictures(
            run.network, data, f"What every unit computes after {run.epochs_run:,} epochs"
        )
    return drawn_once(_without_accuracy(figures, data), run.epochs_run)


def boundary_view(run: Run, data: Dataset, discrete: bool, show_test: bool) -> dict[str, Any]:
    """The decision boundary of a run as the page's toggles ask: the class predicted
    rather than ŷ (`discrete`), with or without the test points, with the replay's frames
    (while live the page shows `live_pictures` instead)."""
    figure = _boundary(
        run.network,
        list(frame_checkpoints(run)),
        data,
        max_points=MAX_SHOWN_POINTS,
        discrete=discrete,
        show_test=show_test,
    )
    return drawn_once({"boundary": figure}, run.epochs_run)["boundary"]
