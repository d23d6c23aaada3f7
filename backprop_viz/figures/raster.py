"""Pictures as RGB pixel arrays, for the pictures that redraw several times a second while a
network trains live: the plane coloured by the network's output with the data points on it,
and every unit's picture laid out like the network, in the palettes of their Plotly figures.

A browser shows such an array as an image in a few milliseconds; a Plotly chart of the same
picture costs it 50–200 ms to rebuild. Pure NumPy: values in, (height, width, 3) uint8 out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .style import NODE_SCALE

Array = np.ndarray

WHITE = (255, 255, 255)
RING_TRAIN = WHITE  # as the Plotly figure: training circles ringed in white...
RING_TEST = (34, 34, 34)  # ...test diamonds in near-black


def rgb(colour: str) -> tuple[int, int, int]:
    """A "#RRGGBB" colour as three 0–255 integers."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def colour_table(scale: Sequence[Sequence[object]] = NODE_SCALE, n: int = 256) -> Array:
    """A Plotly colour scale ([[position, "#RRGGBB"], ...]) as `n` RGB rows, linearly
    interpolated between its stops: row i is the colour at i / (n − 1)."""
    stops = np.array([float(p) for p, _ in scale])
    colours = np.array([rgb(str(c)) for _, c in scale], dtype=float)
    at = np.linspace(0.0, 1.0, n)
    table = [np.interp(at, stops, colours[:, channel]) for channel in range(3)]
    return np.round(np.stack(table, axis=-1)).astype(np.uint8)


def shade(values: Array, table: Array) -> Array:
    """Values in [0, 1] (clipped; NaN white) as colours from `table`."""
    clean = np.nan_to_num(values, nan=0.5)
    index = np.round(np.clip(clean, 0.0, 1.0) * (len(table) - 1)).astype(np.intp)
    out = table[index]
    out[np.isnan(values)] = WHITE
    return out


def enlarge(values: Array, size: int) -> Array:
    """A square grid of values (..., n, n) resampled to (..., size, size) by bilinear
    interpolation (the corners stay on the grid's corners), as the Plotly heatmap's
    smoothing draws it."""
    n = values.shape[-1]
    at = np.linspace(0.0, n - 1, size)
    low = np.minimum(at.astype(np.intp), n - 2) if n > 1 else np.zeros(size, dtype=np.intp)
    frac = at - low if n > 1 else np.zeros(size)
    high = np.minimum(low + 1, n - 1)
    rows = values[..., low, :] * (1 - frac)[:, None] + values[..., high, :] * frac[:, None]
    return rows[..., low] * (1 - frac) + rows[..., high] * frac


def nearest(values: Array, size: int) -> Array:
    """A square grid resampled to size × size by repeating cells (for classes, which must
    not blend)."""
    index = np.minimum((np.arange(size) * values.shape[0]) // size, values.shape[0] - 1)
    return values[index][:, index]


def _disk(radius: int) -> tuple[Array, Array]:
    d = np.arange(-radius, radius + 1)
    dy, dx = np.meshgrid(d, d, indexing="ij")
    keep = dx * dx + dy * dy <= radius * radius + radius  # a round disk at small radii
    return dy[keep], dx[keep]


def _diamond(radius: int) -> tuple[Array, Array]:
    d = np.arange(-radius, radius + 1)
    dy, dx = np.meshgrid(d, d, indexing="ij")
    keep = np.abs(dx) + np.abs(dy) <= radius
    return dy[keep], dx[keep]


def stamp(
    image: Array, rows: Array, cols: Array, colours: Array, shape: tuple[Array, Array]
) -> None:
    """Paint a marker `shape` (row and column offsets) centred at each (row, col) pixel in
    its colour (one RGB row per marker), in place; parts outside the image are cut off."""
    if len(rows) == 0:
        return
    dy, dx = shape
    r = rows[:, None] + dy[None, :]
    c = cols[:, None] + dx[None, :]
    inside = (r >= 0) & (r < image.shape[0]) & (c >= 0) & (c < image.shape[1])
    paint = np.broadcast_to(colours[:, None, :], (*r.shape, 3))
    image[r[inside], c[inside]] = paint[inside]


def plane_pixels(
    picture: Array,
    half: float,
    points: Sequence[tuple[Array, Array, bool]],
) -> Array:
    """The plane from −half to half on both axes as `picture` ((size, size, 3), x₂ growing
    along its rows as in the grid), turned so that x₂ grows upwards, with `points` drawn
    on it: for each (xy of shape (n, 2), RGB colours (n, 3), whether they are test points),
    training points as white-ringed disks, test points as dark-ringed diamonds."""
    image = np.ascontiguousarray(picture[::-1])
    size = image.shape[0]
    for xy, colours, test in points:
        if len(xy) == 0:
            continue
        scale = (size - 1) / (2 * half) if half > 0 else 0.0
        cols = np.round((xy[:, 0] + half) * scale).astype(np.intp)
        rows = np.round((half - xy[:, 1]) * scale).astype(np.intp)
        ring, fill = (_diamond(5), _diamond(4)) if test else (_disk(4), _disk(3))
        edge = np.array(RING_TEST if test else RING_TRAIN, dtype=np.uint8)
        stamp(image, rows, cols, np.broadcast_to(edge, colours.shape), ring)
        stamp(image, rows, cols, colours, fill)
    return image


def units_pixels(
    layers: Sequence[Array],
    ranges: Sequence[tuple[float, float]],
    tile: int = 48,
    gap: int = 8,
    column_gap: int = 28,
) -> Array:
    """Every unit's picture, layer by layer in columns, each layer's pictures stacked and
    centred as in the network diagram. `layers` are arrays (units, grid, grid) with x₂
    along the rows; each layer is coloured over its `ranges` entry (low → the scale's
    first colour, high → its last). Tiles are `tile` pixels square, `gap` apart."""
    table = colour_table()
    tallest = max(int(values.shape[0]) for values in layers)
    height = tallest * tile + (tallest - 1) * gap
    width = len(layers) * tile + (len(layers) - 1) * column_gap
    image = np.full((height, width, 3), 255, dtype=np.uint8)
    for c, (values, (low, high)) in enumerate(zip(layers, ranges, strict=True)):
        n = int(values.shape[0])
        top = (tallest - n) * (tile + gap) // 2
        left = c * (tile + column_gap)
        span = (high - low) or 1.0
        # All of a layer's pictures at once, each turned so that x₂ grows upwards.
        tiles = shade(enlarge((np.asarray(values, dtype=float) - low) / span, tile), table)
        for j in range(n):
            y = top + j * (tile + gap)
            image[y : y + tile, left : left + tile] = tiles[j, ::-1]
    return image
