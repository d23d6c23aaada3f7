"""The command line: `python -m backprop_viz step | train | gradcheck`, human or --json output."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .admissions import load_admissions, prepare_lesson
from .config import StepConfig, config_to_dict, load_config, trace_to_dict
from .errors import BackpropVizError
from .gradcheck import gradient_check
from .lesson import LESSON_EPOCHS, LESSON_HIDDEN, LESSON_LEARNING_RATE, LESSON_SEED, run_lesson
from .presets import STEP_PRESETS, load_preset
from .report import describe_step


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line on stderr and exit 2, as for every other bad input.
        self.exit(2, f"{self.prog}: error: {message}\n")


def _step_config(args: argparse.Namespace) -> StepConfig:
    return load_config(args.config) if args.config else load_preset(args.preset)


def cmd_step(args: argparse.Namespace) -> str:
    cfg = _step_config(args)
    trace = cfg.step()
    if args.json:
        return json.dumps(
            {"config": config_to_dict(cfg), **trace_to_dict(trace, cfg)}, allow_nan=False
        )
    return describe_step(trace)


def cmd_gradcheck(args: argparse.Namespace) -> str:
    cfg = _step_config(args)
    rows = gradient_check(cfg.network, cfg.inputs, cfg.targets)
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


def cmd_train(args: argparse.Namespace) -> str:
    source = load_admissions(args.data)
    split = prepare_lesson(source.frame)
    mode = "batch" if args.batch_size is None else "minibatch"
    run = run_lesson(
        split,
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        hidden=args.hidden,
        seed=args.seed,
        mode=mode,
        batch_size=args.batch_size or 1,
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

    p_train = sub.add_parser("train", help="train on the admissions data, as the lesson does")
    p_train.add_argument("--preset", choices=["admissions"], default="admissions")
    p_train.add_argument("--data", metavar="CSV", help="the admissions CSV (admit,gre,gpa,rank)")
    p_train.add_argument("--epochs", type=int, default=LESSON_EPOCHS)
    p_train.add_argument("--learning-rate", type=float, default=LESSON_LEARNING_RATE)
    p_train.add_argument("--hidden", type=int, default=LESSON_HIDDEN)
    p_train.add_argument("--batch-size", type=int, help="mini-batch updates of this size")
    p_train.add_argument("--seed", type=int, default=LESSON_SEED)
    p_train.add_argument("--lesson-log", action="store_true", help="print the lesson's log")
    p_train.add_argument("--json", action="store_true", help="machine-readable output")
    p_train.set_defaults(func=cmd_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        text = args.func(args)
    except BackpropVizError as exc:
        print(f"backprop-viz: error: {exc}", file=sys.stderr)
        return 2
    print(text)
    return 0
