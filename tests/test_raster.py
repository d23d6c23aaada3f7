"""Pictures as pixels: the colour table, resampling, markers and the units' layout, each
against values worked out by hand."""

from __future__ import annotations

import numpy as np

from backprop_viz.figures import raster
from backprop_viz.figures.style import NODE_SCALE


def test_colour_table_runs_through_the_scale_stops():
    table = raster.colour_table(n=257)
    assert tuple(table[0]) == raster.rgb(NODE_SCALE[0][1])
    assert tuple(table[128]) == raster.rgb(NODE_SCALE[1][1])  # 0.5: the white middle
    assert tuple(table[-1]) == raster.rgb(NODE_SCALE[2][1])
    # A quarter of the way: halfway between the first two stops, channel by channel.
    first, middle = np.array(raster.rgb(NODE_SCALE[0][1])), np.array(raster.rgb("#F7F7F7"))
    assert np.abs(table[64].astype(int) - (first + middle) / 2).max() <= 0.5


def test_shade_clips_and_paints_nan_white():
    table = raster.colour_table()
    out = raster.shade(np.array([[-3.0, 0.0, 1.0, 7.0, np.nan]]), table)
    assert out.shape == (1, 5, 3) and out.dtype == np.uint8
    assert (out[0, 0] == table[0]).all() and (out[0, 1] == table[0]).all()
    assert (out[0, 2] == table[-1]).all() and (out[0, 3] == table[-1]).all()
    assert (out[0, 4] == 255).all()


def test_enlarge_keeps_the_corners_and_interpolates_between():
    grid = np.array([[0.0, 1.0], [2.0, 3.0]])
    big = raster.enlarge(grid, 5)
    assert big.shape == (5, 5)
    assert big[0, 0] == 0 and big[0, -1] == 1 and big[-1, 0] == 2 and big[-1, -1] == 3
    assert big[2, 2] == 1.5  # the middle: the mean of the four
    assert np.allclose(big[0], [0, 0.25, 0.5, 0.75, 1])


def test_nearest_repeats_cells_without_blending():
    grid = np.array([[0, 1], [2, 3]])
    big = raster.nearest(grid, 4)
    assert big.tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]


def test_markers_are_stamped_and_cut_at_the_edges():
    image = np.zeros((10, 10, 3), dtype=np.uint8)
    red = np.array([[255, 0, 0], [0, 0, 255]], dtype=np.uint8)
    raster.stamp(image, np.array([0, 5]), np.array([0, 5]), red, raster._disk(1))
    # A disk of radius 1 is the centre and its four neighbours (and the diagonals: r² + r).
    assert (image[5, 5] == [0, 0, 255]).all() and (image[4, 5] == [0, 0, 255]).all()
    assert (image[0, 0] == [255, 0, 0]).all() and (image[1, 1] == [255, 0, 0]).all()
    assert (image[7, 7] == 0).all()
    painted = np.any(image > 0, axis=-1).sum()
    assert painted == 9 + 4  # a full 3 × 3 disk, and a quarter-and-a-bit at the corner


def test_plane_pixels_put_x2_upwards_and_points_in_place():
    picture = np.zeros((21, 21, 3), dtype=np.uint8)
    picture[0] = 50  # the grid's first row: the smallest x₂, so the picture's bottom row
    blue = np.array([[0, 0, 255]], dtype=np.uint8)
    out = raster.plane_pixels(picture, 1.0, [(np.array([[1.0, 1.0]]), blue, False)])
    assert (out[-1] == 50).all() and (out[0, :10] == 0).all()
    assert (out[0, 20] == [0, 0, 255]).all()  # (1, 1): the top right corner
    assert (out[0, 16] == 255).all()  # its white ring, 4 px from the centre
    assert (picture[0] == 50).all()  # the input is left as it was


def test_units_pixels_lay_layers_out_in_centred_columns():
    layers = [np.zeros((3, 4, 4)), np.ones((1, 4, 4))]
    image = raster.units_pixels(layers, [(0.0, 1.0), (0.0, 1.0)], tile=6, gap=2, column_gap=4)
    assert image.shape == (3 * 6 + 2 * 2, 2 * 6 + 4, 3)
    table = raster.colour_table()
    assert (image[0, 0] == table[0]).all()  # the first layer's first tile
    assert (image[6, 0] == 255).all()  # the gap under it
    top = (3 - 1) * (6 + 2) // 2  # the lone unit sits level with the middle one
    assert (image[top, 10] == table[-1]).all() and (image[top - 1, 10] == 255).all()
