"""The generated NumPy script, run on its own, prints the core's report and losses."""

import ast
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backprop_viz.core.config import parse_config
from backprop_viz.core.step import step
from backprop_viz.errors import ConfigError
from backprop_viz.explain.codegen import python_script
from backprop_viz.explain.presets import STEP_PRESETS, preset_dict
from backprop_viz.explain.report import describe_step
from tests.strategies import step_configs

# The runner starts without `site` (-S), so the editable install's .pth hook that would
# make backprop_viz importable never runs; only NumPy's folder is put on the path. It runs
# each script in a fresh namespace and returns what each printed, or its traceback.
NUMPY_DIR = str(Path(np.__file__).resolve().parents[1])
RUNNER = """
import contextlib, importlib.util, io, json, runpy, sys, traceback
sys.path.append(sys.argv[1])
assert importlib.util.find_spec("backprop_viz") is None, "the package is importable"
results = []
for path in sys.argv[2:]:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name="__main__")
        results.append({"out": out.getvalue(), "error": None})
    except BaseException:
        results.append({"out": out.getvalue(), "error": traceback.format_exc()})
    assert "backprop_viz" not in sys.modules
print(json.dumps(results))
"""


def run_scripts(scripts: list[str], folder: Path) -> list[str]:
    """Run each script in an isolated interpreter (cwd = `folder`); what each printed."""
    (folder / "runner.py").write_text(RUNNER)
    names = []
    for i, text in enumerate(scripts):
        (folder / f"script_{i}.py").write_text(text)
        names.append(f"script_{i}.py")
    done = subprocess.run(
        [sys.executable, "-I", "-S", "runner.py", NUMPY_DIR, *names],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for r in results:
        assert r["error"] is None, r["error"]
    return [r["out"] for r in results]


def core_run(config: dict, steps: int) -> tuple[str, float, list[float]]:
    """The core's report of the first step, the loss before it and after every step."""
    cfg = parse_config(config)
    trace = cfg.step()
    report = describe_step(trace)
    after = [trace.loss_after]
    for _ in range(steps - 1):
        trace = step(trace.new_network, cfg.inputs, cfg.targets, cfg.learning_rate)
        after.append(trace.loss_after)
    return report, cfg.step().loss_before, after


LOSS_LINE = re.compile(r"^loss before: (\S+)  after: (\S+)$")
STEP_LINE = re.compile(r"^loss after step (\d+): (\S+)$")
TOTAL_LINE = re.compile(r"^loss before: (\S+)  after (\d+) steps: (\S+)$")


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def check_printout(printed: str, config: dict, steps: int) -> None:
    """The printout against the core: the report's blocks word for word, every loss to
    1e-12, and for several steps one line per step plus the total."""
    report, before, after = core_run(config, steps)
    expected = report.split("\n")
    lines = printed.rstrip("\n").split("\n")
    # Everything but the report's last line (the losses) must match exactly.
    assert lines[: len(expected) - 1] == expected[:-1]
    m = LOSS_LINE.match(lines[len(expected) - 1])
    assert m, lines[len(expected) - 1]
    assert close(float(m[1]), before) and close(float(m[2]), after[0])
    rest = lines[len(expected) :]
    if steps == 1:
        assert rest == []
        return
    assert rest[0] == "" and len(rest) == steps + 2
    for k, line in enumerate(rest[1:-1], start=1):
        m = STEP_LINE.match(line)
        assert m and int(m[1]) == k, line
        assert close(float(m[2]), after[k - 1])
    m = TOTAL_LINE.match(rest[-1])
    assert m and int(m[2]) == steps, rest[-1]
    assert close(float(m[1]), before) and close(float(m[3]), after[-1])


def imported_modules(script: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(script)):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


# --- every preset -----------------------------------------------------------------------


def test_every_preset_one_and_several_steps(tmp_path):
    cases = [(name, n) for name in STEP_PRESETS for n in (1, 4)]
    scripts = [python_script(preset_dict(name), n) for name, n in cases]
    for script in scripts:
        assert imported_modules(script) == {"numpy"}
    for (name, n), printed in zip(cases, run_scripts(scripts, tmp_path), strict=True):
        check_printout(printed, preset_dict(name), n)


def test_lesson_script_prints_the_lessons_numbers_and_uses_its_names(tmp_path):
    script = python_script(preset_dict("lesson-step"))
    (printed,) = run_scripts([script], tmp_path)
    # The lesson's printed weight steps, typed in from the lesson, not from the core.
    assert printed.startswith(
        "Change in weights for hidden layer to output layer:\n[0.00804047 0.00555918]\n"
        "Change in weights for input layer to hidden layer:\n"
        "[[ 1.77005547e-04 -5.11178506e-04]\n"
        " [ 3.54011093e-05 -1.02235701e-04]\n"
        " [-7.08022187e-05  2.04471402e-04]]\n"
    )
    for name in (
        "weights_input_hidden",
        "weights_hidden_output",
        "hidden_input",
        "hidden_output",
        "output_error_term",
        "hidden_error_term",
        "del_w_input_hidden",
        "del_w_hidden_output",
        "learnrate",
    ):
        assert re.search(rf"\b{name}\b", script), name


def test_many_records_and_a_longer_run(tmp_path):
    # 12 records: the mean over records sums more than a handful of numbers.
    rng = np.random.default_rng(7)
    config = preset_dict("two-output-biases")
    config["inputs"] = rng.uniform(-1, 1, size=(12, 2)).tolist()
    config["targets"] = rng.uniform(0, 1, size=(12, 2)).tolist()
    config["train_biases"] = True
    (printed,) = run_scripts([python_script(config, 40)], tmp_path)
    check_printout(printed, config, 40)


def test_a_saturated_sigmoid_is_clamped_as_in_the_core(tmp_path):
    # h = −800: e^800 overflows, so the sigmoid must clamp −h at 709 as the core does
    # (ŷ ≈ 1.2e-308, not 0) for the script to print the same numbers.
    config = {"inputs": [-1.0], "targets": [1.0], "learning_rate": 0.5, "weights": [[800.0]]}
    (printed,) = run_scripts([python_script(config, 2)], tmp_path)
    check_printout(printed, config, 2)
    assert "e-308" in printed


def test_softmax_classes_with_biases(tmp_path):
    # Three classes, soft and one-hot targets over 5 records, trained biases, 6 steps; one
    # weighted sum large enough that e^h alone would overflow.
    rng = np.random.default_rng(3)
    targets = rng.dirichlet(np.ones(3), size=5)
    targets[0] = [0.0, 1.0, 0.0]
    config = {
        "inputs": rng.uniform(-2, 2, size=(5, 2)).tolist(),
        "targets": targets.tolist(),
        "learning_rate": 0.7,
        "weights": [rng.normal(size=(2, 4)).tolist(), rng.normal(size=(4, 3)).tolist()],
        "biases": [[0.1, -0.2, 0.3, 0.0], [800.0, 0.0, -1.0]],
        "train_biases": True,
        "activations": ["tanh", "softmax"],
        "loss": "cross_entropy",
    }
    script = python_script(config, 6)
    assert imported_modules(script) == {"numpy"} and "def softmax(h):" in script
    (printed,) = run_scripts([script], tmp_path)
    check_printout(printed, config, 6)


# --- random networks ----------------------------------------------------------------------

configs = st.tuples(step_configs(), st.integers(1, 4))  # a configuration, a number of steps


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(configs)
def test_random_networks(tmp_path, case):
    config, steps = case
    script = python_script(config, steps)
    assert imported_modules(script) == {"numpy"}
    (printed,) = run_scripts([script], tmp_path)
    check_printout(printed, config, steps)


# --- what is refused ----------------------------------------------------------------------


@pytest.mark.parametrize("steps", [0, -1, 1001, True, 2.0, "3", None])
def test_bad_step_counts_are_refused(steps):
    with pytest.raises(ConfigError):
        python_script(preset_dict("lesson-step"), steps)


def test_step_count_bounds_are_inclusive():
    assert "n_steps = 1\n" in python_script(preset_dict("worked-example"), 1)
    assert "n_steps = 1000\n" in python_script(preset_dict("worked-example"), 1000)


@pytest.mark.parametrize(
    "change",
    [
        {"activations": "softsign"},
        {"loss": "hinge"},
        {"weights": []},
        {"learning_rate": -1},
        {"targets": [2.0], "loss": "cross_entropy"},
        {"colour": "red"},
    ],
)
def test_bad_configurations_are_refused(change):
    config = {**preset_dict("lesson-step"), **change}
    with pytest.raises(ConfigError):
        python_script(config)


def test_a_config_that_is_not_a_mapping_is_refused():
    with pytest.raises(ConfigError):
        python_script([1, 2, 3])  # type: ignore[arg-type]


def test_a_run_the_core_refuses_is_refused():
    # w grows ~10⁴-fold per step: finite for a few steps, overflowing long before 1000.
    config = {
        "inputs": [10.0],
        "targets": [0.0],
        "learning_rate": 100.0,
        "weights": [[1.0]],
        "activations": "identity",
    }
    assert python_script(config, 2)
    with pytest.raises(ConfigError, match="overflows"):
        python_script(config, 1000)
