"""The JSON configuration: round trips, shapes kept, and every malformed input refused clearly."""

import json

import pytest

from backprop_viz.core.config import (
    config_to_dict,
    load_config,
    loads_config,
    parse_config,
    trace_to_dict,
)
from backprop_viz.errors import ConfigError
from backprop_viz.explain.presets import STEP_PRESETS, load_preset, preset_dict


@pytest.mark.parametrize("name", sorted(STEP_PRESETS))
def test_presets_round_trip(name):
    cfg = load_preset(name)
    again = parse_config(json.loads(json.dumps(config_to_dict(cfg))))
    assert config_to_dict(again) == config_to_dict(cfg)


def test_lesson_shapes_are_kept_in_json():
    cfg = load_preset("lesson-step")
    assert cfg.single_record and cfg.vector_output
    out = trace_to_dict(cfg.step(), cfg)
    json.dumps(out, allow_nan=False)  # strict JSON: no NaN or Infinity anywhere
    assert out["weight_deltas"][1] == pytest.approx([0.00804047, 0.00555918], abs=5e-9)
    assert len(out["weight_deltas"][0]) == 3 and len(out["weight_deltas"][0][0]) == 2
    assert out["bias_deltas"] is None and out["new_biases"] is None
    assert len(out["forward"]) == 2 and set(out["forward"][0]) == {
        "input",
        "weighted_sum",
        "output",
    }
    assert out["forward"][0]["input"] == [0.5, 0.1, -0.2]
    assert out["loss_after"] < out["loss_before"]
    assert config_to_dict(cfg)["weights"][1] == [0.1, -0.3]


def test_several_records_keep_the_record_axis():
    data = preset_dict("worked-example")
    data["inputs"] = [[0.1, 0.3], [0.2, -0.1]]
    data["targets"] = [[1.0], [0.0]]
    cfg = parse_config(data)
    out = trace_to_dict(cfg.step(), cfg)
    assert not cfg.single_record
    assert len(out["output"]) == 2 and len(out["error_terms"][0]) == 2


def test_load_config_file(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(preset_dict("worked-example")))
    assert load_config(path).learning_rate == 0.5


BAD = [
    (lambda d: d.update(weigths=d.pop("weights")), "Unknown key 'weigths'"),
    (lambda d: d.pop("targets"), "missing 'targets'"),
    (lambda d: d.update(learning_rate=0), "learning rate must be a positive number"),
    (lambda d: d.update(learning_rate=-0.5), "learning rate must be a positive number"),
    (lambda d: d.update(learning_rate=1e6), "too large"),
    (lambda d: d.update(learning_rate="fast"), "learning rate must be a number"),
    (lambda d: d.update(learning_rate=float("nan")), "positive number"),
    (lambda d: d["weights"][0][0].__setitem__(0, float("nan")), "NaN or an infinite"),
    (lambda d: d["weights"][0][0].__setitem__(0, "x"), "must be numbers"),
    (lambda d: d["weights"][0].append([1.0]), "must be numbers"),  # ragged rows
    (lambda d: d["weights"].__setitem__(1, [0.1, -0.3, 0.2]), "do not chain"),
    (lambda d: d.update(inputs=[0.5, 0.1]), "3 value(s) per record"),
    (lambda d: d.update(inputs=[0.5, None, 0.1]), "NaN or an infinite"),
    (lambda d: d.update(targets=[0.6, 0.2]), "1 value(s) per record"),
    (lambda d: d.update(activations="softmax"), "Softmax may only be the last"),
    (lambda d: d.update(activations="softplus"), "Unknown activation 'softplus'"),
    (lambda d: d.update(activations=["sigmoid", "softmax"]), "needs the cross-entropy loss"),
    (
        lambda d: d.update(activations=["sigmoid", "softmax"], loss="cross_entropy"),
        "at least 2 units",
    ),
    (lambda d: d.update(l2=0.2), "l2 must be a number from 0 to 0.1"),
    (lambda d: d.update(l1=-0.01), "l1 must be a number from 0 to 0.1"),
    (lambda d: d.update(l1="some"), "l1 must be a number"),
    (lambda d: d.update(l2=True), "l2 must be a number"),
    (lambda d: d.update(l2=float("nan")), "l2 must be a number"),
    (lambda d: d.update(activations=["sigmoid"]), "one per layer (2)"),
    (lambda d: d.update(loss="hinge"), "Unknown loss 'hinge'"),
    (lambda d: d.update(loss="cross_entropy", activations=["sigmoid", "relu"]), "sigmoid output"),
    (lambda d: d.update(biases=[[0.0, 0.0]]), "list of 2 vectors"),
    (lambda d: d.update(biases=[[0.0], [0.0]]), "Layer 1 biases must have 2 values"),
    (lambda d: d.update(train_biases="yes"), "true or false"),
    (lambda d: d.update(weights=[]), "non-empty list"),
    (lambda d: d.update(weights=[[[0.1] * 17] * 3, [0.1] * 17]), "at most 16 units"),
    (lambda d: d.update(weights=[[[0.1]] * 3] + [[[0.1]]] * 5), "At most 4 hidden layers"),
]


@pytest.mark.parametrize(("mutate", "message"), BAD)
def test_bad_configs_are_refused_with_a_clear_message(mutate, message):
    data = preset_dict("lesson-step")
    mutate(data)
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON (line 1, column 2)"),
        ("[1, 2]", "must be a JSON object"),
        ("", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
    ],
)
def test_bad_json_text(text, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        loads_config(text)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="Cannot read"):
        load_config(tmp_path / "nope.json")


def test_json_nan_literal_is_refused():
    text = json.dumps(preset_dict("lesson-step")).replace("0.5, -0.6", "NaN, -0.6")
    with pytest.raises(ConfigError, match="NaN"):
        loads_config(text)


def test_extreme_weights_step_without_warnings(recwarn):
    data = preset_dict("lesson-step")
    data["weights"] = [[[1e3, -1e3], [1e3, 1e3], [-1e3, 1e3]], [1e3, -1e3]]
    out = trace_to_dict(parse_config(data).step(), parse_config(data))
    json.dumps(out, allow_nan=False)
    assert not [w for w in recwarn.list if issubclass(w.category, RuntimeWarning)]


def test_overflowing_step_is_refused():
    data = preset_dict("lesson-step")
    data.update(activations="identity", weights=[[[1e200, 1.0]] * 3, [1e200, 1.0]])
    with pytest.raises(ConfigError, match="overflows"):
        parse_config(data).step()


@pytest.mark.parametrize("target", [10.0, -5.0, 1.0000001, -1e-9])
def test_cross_entropy_targets_outside_0_1_are_refused(target):
    data = preset_dict("lesson-step")
    data.update(loss="cross_entropy", targets=[target])
    with pytest.raises(ConfigError, match=r"Cross-entropy targets must lie in \[0, 1\]; got"):
        parse_config(data)


def test_cross_entropy_targets_inside_0_1_step_to_a_lower_non_negative_loss():
    data = preset_dict("lesson-step")
    for target in (0.0, 0.3, 1.0):
        data.update(loss="cross_entropy", targets=[target])
        trace = parse_config(data).step()
        assert 0.0 <= trace.loss_after < trace.loss_before
    data.update(loss="squared_error", targets=[10.0])  # any target suits squared error
    parse_config(data)


def test_trace_json_keeps_every_record_unless_limited():
    data = preset_dict("lesson-step")
    data["inputs"] = [[0.5, 0.1, -0.2]] * 10
    data["targets"] = [[0.6]] * 10
    cfg = parse_config(data)
    trace = cfg.step()
    full = trace_to_dict(trace, cfg)
    assert full["records"] == full["records_shown"] == 10 and "note" not in full
    # 27 numbers per record in this 3-2-1 network: a limit of 60 keeps two records.
    cut = trace_to_dict(trace, cfg, max_record_values=60)
    assert cut["records_shown"] == 2 and len(cut["output"]) == 2
    assert len(cut["forward"][0]["input"]) == 2 and len(cut["edge_errors"][0]) == 2
    assert "first 2 of 10 records" in cut["note"]
    for key in ("weight_deltas", "new_weights", "loss_before", "loss_after"):
        assert cut[key] == full[key]
    # However small the limit, one record is always shown.
    assert trace_to_dict(trace, cfg, max_record_values=1)["records_shown"] == 1
