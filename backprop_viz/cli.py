"""The command line: `python -m backprop_viz step | gradcheck | export | train | fetch-data`."""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .core.config import StepConfig, config_to_dict, load_config, trace_to_dict
from .core.gradcheck import gradient_check
from .core.training import MAX_EPOCHS
from .core.validate import check_learning_rate
from .data.admissions import ADMISSIONS_ENV, load_admissions, prepare_lesson
from .data.fetch import URL_ENV, fetch_admissions
from .errors import BackpropVizError, ConfigError, DataError
from .explain.codegen import python_script
from .explain.lesson import (
    LESSON_EPOCHS,
    LESSON_HIDDEN,
    LESSON_LEARNING_RATE,
    LESSON_SEED,
    run_lesson,
)
from .explain.notation import duration
from .explain.presets import STEP_PRESETS, load_preset
from .explain.report import describe_step
from .limits import (
    MAX_GRADCHECK_WORK,
    MAX_HIDDEN_UNITS,
    MAX_JSON_RECORD_VALUES,
    MAX_SEED,
    MAX_STEP_WORK,
    STEP_MAX_TAKE,
)
from .trainer import TRAIN_MAX_SECONDS, TrainSpec, estimated_seconds

# --- Limits on the work one command may do -------------------------------------------------
# records × parameters: a step keeps one number per record and weight (the edge errors).
# records × parameters²: each parameter is nudged twice and the network rerun on every
# record; at the limit about 0.4 s and 250 MB here.
# Numbers in the per-record arrays `step --json` prints (about 2 MB of JSON).


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line on stderr and exit 2, as for every other bad input.
        self.exit(2, f"{self.prog}: error: {message}\n")


def _n_parameters(cfg: StepConfig) -> int:
    net = cfg.network
    return sum(w.size for w in net.weights) + sum(b.size for b in net.biases or ())


def _step_config(args: argparse.Namespace) -> StepConfig:
    cfg = load_config(args.config) if args.config else load_preset(args.preset)
    records, params = cfg.inputs.shape[0], _n_parameters(cfg)
    if records * params > MAX_STEP_WORK:
        raise ConfigError(
            f"This step is too large to run here: {records:,} records × {params:,} parameters "
            f"= {records * params:,}, over the limit of {MAX_STEP_WORK:,}; use fewer records "
            "or a smaller network."
        )
    return cfg


def cmd_step(args: argparse.Namespace) -> str:
    cfg = _step_config(args)
    trace = cfg.step()
    if args.json:
        out = trace_to_dict(trace, cfg, max_record_values=MAX_JSON_RECORD_VALUES)
        return json.dumps({"config": config_to_dict(cfg), **out}, allow_nan=False)
    return describe_step(trace)


def cmd_gradcheck(args: argparse.Namespace) -> str:
    cfg = _step_config(args)
    records, params = cfg.inputs.shape[0], _n_parameters(cfg)
    work = records * params**2
    if work > MAX_GRADCHECK_WORK:
        raise ConfigError(
            f"A gradient check of {params:,} parameters on {records:,} records is too much "
            f"work here (records × parameters² = {work:,}, over the limit of "
            f"{MAX_GRADCHECK_WORK:,}); check on fewer records or a smaller network."
        )
    rows = gradient_check(cfg.network, cfg.inputs, cfg.targets, l1=cfg.l1, l2=cfg.l2)
    worst = max(r.relative_error for r in rows)
    if args.json:
        return json.dumps(
            {
                "rows": [
                    {
                        "name": r.name,
                        "value": r.value,
                        "analytic": r.analytic,
                        "numeric": r.numeric,
                        "relative_error": r.relative_error,
                    }
                    for r in rows
                ],
                "max_relative_error": worst,
            },
            allow_nan=False,
        )
    head = (
        f"{'parameter':<12}{'value':>14}{'backprop dE/dw':>18}{'numeric dE/dw':>18}"
        f"{'rel. error':>12}"
    )
    body = [
        f"{r.name:<12}{r.value:>14.6g}{r.analytic:>18.10g}{r.numeric:>18.10g}"
        f"{r.relative_error:>12.2e}"
        for r in rows
    ]
    return "\n".join([head, *body, f"largest relative error: {worst:.2e}"])


def _check_train_settings(args: argparse.Namespace) -> None:
    """Refuse out-of-range settings before anything is allocated for them."""
    if not 1 <= args.epochs <= MAX_EPOCHS:
        raise ConfigError(f"--epochs must be from 1 to {MAX_EPOCHS:,}; got {args.epochs:,}.")
    if not 1 <= args.hidden <= MAX_HIDDEN_UNITS:
        raise ConfigError(f"--hidden must be from 1 to {MAX_HIDDEN_UNITS}; got {args.hidden:,}.")
    if args.batch_size is not None and args.batch_size < 1:
        raise ConfigError(f"--batch-size must be 1 or more; got {args.batch_size:,}.")
    if not 0 <= args.seed <= MAX_SEED:
        raise ConfigError(f"--seed must be a whole number from 0 to 2**32 − 1; got {args.seed:,}.")
    check_learning_rate(args.learning_rate)


def _check_data_file(path: str) -> None:
    """Refuse a device, pipe or socket before the admissions reader opens it: /dev/zero
    would be read until memory runs out, a pipe would wait forever. A missing file, a
    folder and an over-large file keep the admissions reader's own messages."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise DataError(
            f"The admissions file {path} is not a regular file (a device or a pipe cannot be "
            "read as data)."
        )


def cmd_train(args: argparse.Namespace) -> str:
    _check_train_settings(args)
    data_path = args.data or os.environ.get(ADMISSIONS_ENV, "").strip()
    if data_path:
        _check_data_file(data_path)
    source = load_admissions(args.data)
    split = prepare_lesson(source.frame)
    mode = "batch" if args.batch_size is None else "minibatch"
    spec = TrainSpec(
        hidden=(args.hidden,),
        learning_rate=args.learning_rate,
        epochs=args.epochs,
        mode=mode,
        batch_size=args.batch_size or TrainSpec.batch_size,
        seed=args.seed,
    )
    seconds = estimated_seconds(spec, len(split.targets), split.features.shape[1])
    if seconds > TRAIN_MAX_SECONDS and not args.force:
        raise ConfigError(
            f"This run would take about {duration(seconds)} (estimated; the limit is "
            f"{TRAIN_MAX_SECONDS:g} seconds): use fewer epochs or a larger batch, or add --force "
            "to run it anyway."
        )
    run = run_lesson(
        split,
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        hidden=args.hidden,
        seed=args.seed,
        mode=mode,
        batch_size=args.batch_size or TrainSpec.batch_size,
    )
    res = run.result
    if args.json:
        data: dict[str, Any] = {
            "data": {"label": source.label, "synthetic": source.synthetic, "path": source.path},
            "settings": {
                "epochs": args.epochs,
                "learning_rate": args.learning_rate,
                "hidden": args.hidden,
                "seed": args.seed,
                "mode": mode,
                "batch_size": args.batch_size,
            },
            "epochs_run": res.epochs_run,
            "loss_history": res.loss_history.tolist(),
            "test_loss_history": res.test_loss_history.tolist(),
            "accuracy_history": res.accuracy_history.tolist(),
            "test_accuracy_history": res.test_accuracy_history.tolist(),
            "test_accuracy": res.test_accuracy,
            "final_weights": [
                res.network.weights[0].tolist(),
                res.network.weights[1][:, 0].tolist(),  # the lesson's 1-D output vector
            ],
            "diverged": res.diverged,
            "message": res.message,
        }
        if args.lesson_log:
            data["lesson_log"] = [
                {"epoch": e.epoch, "train_loss": e.train_loss, "increasing": e.increasing}
                for e in run.log
            ]
        return json.dumps(data, allow_nan=False)
    lines = [source.label]
    if args.lesson_log:
        lines += ["Lesson log (its loss uses the last training record's output only):"]
        lines += [e.line() for e in run.log]
    if res.diverged:
        lines.append(res.message or "Training diverged.")
    if res.epochs_run:
        lines.append(
            f"Training-set loss, mean (y - y_hat)^2 over all {len(split.targets)} records, "
            f"after {res.epochs_run} epochs: {float(res.loss_history[-1])!r}"
        )
    if res.test_accuracy is not None:
        lines.append(f"Prediction accuracy: {res.test_accuracy:.3f}")
    return "\n".join(lines)


def cmd_export(args: argparse.Namespace) -> str:
    cfg = _step_config(args)
    if args.format == "json":
        return json.dumps(config_to_dict(cfg), allow_nan=False)
    return python_script(config_to_dict(cfg), args.steps).rstrip("\n")


def cmd_fetch_data(args: argparse.Namespace) -> str:
    result = fetch_admissions(args.url, args.to)
    return f"Saved the lesson's admissions data ({result.rows} rows, checked) to {result.path}"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for `python -m backprop_viz`."""
    parser = _Parser(prog="backprop-viz", description="Backpropagation, step by step.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add_source(p: argparse.ArgumentParser) -> None:
        group = p.add_mutually_exclusive_group(required=True)
        group.add_argument("--preset", choices=sorted(STEP_PRESETS))
        group.add_argument("--config", metavar="FILE.json")
        p.add_argument("--json", action="store_true", help="machine-readable output")

    p_step = sub.add_parser("step", help="one forward/backward pass and weight update")
    add_source(p_step)
    p_step.set_defaults(func=cmd_step)

    p_grad = sub.add_parser("gradcheck", help="backprop against central finite differences")
    add_source(p_grad)
    p_grad.set_defaults(func=cmd_gradcheck)

    p_export = sub.add_parser(
        "export", help="the configuration as a runnable NumPy script (or as JSON)"
    )
    source = p_export.add_mutually_exclusive_group(required=True)
    source.add_argument("--preset", choices=sorted(STEP_PRESETS))
    source.add_argument("--config", metavar="FILE.json")
    p_export.add_argument("--format", choices=["python", "json"], default="python")
    p_export.add_argument(
        "--steps", type=int, default=1, help=f"steps the script takes (1 to {STEP_MAX_TAKE:,})"
    )
    p_export.set_defaults(func=cmd_export)

    p_train = sub.add_parser("train", help="train on the admissions data, as the lesson does")
    p_train.add_argument("--preset", choices=["admissions"], default="admissions")
    p_train.add_argument("--data", metavar="CSV", help="the admissions CSV (admit,gre,gpa,rank)")
    p_train.add_argument("--epochs", type=int, default=LESSON_EPOCHS)
    p_train.add_argument("--learning-rate", type=float, default=LESSON_LEARNING_RATE)
    p_train.add_argument("--hidden", type=int, default=LESSON_HIDDEN)
    p_train.add_argument("--batch-size", type=int, help="mini-batch updates of this size")
    p_train.add_argument("--seed", type=int, default=LESSON_SEED)
    p_train.add_argument("--lesson-log", action="store_true", help="print the lesson's log")
    p_train.add_argument(
        "--force",
        action="store_true",
        help=f"run even if estimated to take over {TRAIN_MAX_SECONDS:g} seconds",
    )
    p_train.add_argument("--json", action="store_true", help="machine-readable output")
    p_train.set_defaults(func=cmd_train)

    p_fetch = sub.add_parser(
        "fetch-data", help="download the lesson's admissions file, check it and save it"
    )
    p_fetch.add_argument(
        "--url", help=f"where to download it from (default: {URL_ENV}, else its public source)"
    )
    p_fetch.add_argument(
        "--to",
        metavar="PATH",
        help="where to save it (default: data/binary.csv, where the app looks)",
    )
    p_fetch.set_defaults(func=cmd_fetch_data)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        text = args.func(args)
    except BackpropVizError as exc:
        # One line, even when a message quotes a file name with a line break in it.
        message = " ".join(str(exc).splitlines())
        print(f"backprop-viz: error: {message}", file=sys.stderr)
        return 2
    print(text)
    return 0
