"""What the lesson prints, and where its data lies: shared by the tests that check them."""

from pathlib import Path

import pytest

LESSON_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "binary.csv"

needs_lesson_csv = pytest.mark.skipif(
    not LESSON_CSV.exists(), reason=f"the lesson's admissions data is not at {LESSON_CSV}"
)

# The lesson's ten "Train loss" lines (every 90 of 900 epochs) and its test accuracy.
PRINTED = [
    0.2513572524259881,
    0.24996540718842905,
    0.24862005218904504,
    0.2473199321717981,
    0.24606380465584854,
    0.24485044179257037,
    0.243678632018683,
    0.24254718151769472,
    0.24145491550165454,
    0.24040067932493334,
]
ACCURACY = 0.725

# The stages of the lesson's one step, in the order the diagram plays them; it rests on the
# last, the whole step.
LESSON_STAGES = [
    "inputs",
    "sum-1",
    "act-1",
    "sum-2",
    "act-2",
    "error",
    "delta-out",
    "back-1",
    "delta-1",
    "steps",
    "new",
    "whole",
]
