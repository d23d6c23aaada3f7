"""A step's numbers written out as Markdown: full-precision tables of the forward pass, the
errors, the steps and the new weights, and the chain rule for one weight with its factors."""

from __future__ import annotations

from ..core.step import StepTrace
from .chain import ChainRule
from .notation import unit_name, unit_names


def full(v: float) -> str:
    """A number to 12 significant digits: what the tables show."""
    return f"{float(v):.12g}"


def md_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table: cheap to send and draw, and its numbers copy as typed."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def step_tables(t: StepTrace) -> list[tuple[str, str]]:
    """(title, Markdown table) pairs for the Tables tab, with full-precision numbers."""
    names = unit_names(t.network.sizes)
    fwd = [[n, "", full(v)] for n, v in zip(names[0], t.inputs[0], strict=True)]
    back = []
    last = t.network.n_layers - 1
    for i, lt in enumerate(t.layers):
        fprime = t.network.activations[i].derivative(lt.weighted_sum[0], lt.output[0])
        # Softmax units share one sum: no per-unit f′; with cross-entropy δ_k = y_k − ŷ_k.
        shared = i == last and t.network.loss.categorical
        for k, n in enumerate(names[i + 1]):
            fwd.append([n, full(lt.weighted_sum[0, k]), full(lt.output[0, k])])
            slope = "softmax: δ = y − ŷ" if shared else full(fprime[k])
            back.append([n, full(lt.error[0, k]), slope, full(lt.error_term[0, k])])
    out = [
        ("Forward pass", md_table(["unit", "h (weighted sum)", "a = f(h)"], fwd)),
        (
            "Errors and error terms",
            md_table(["unit", "error (before f′)", "f′(h)", "δ = error·f′(h)"], back),
        ),
    ]
    for i, lt in enumerate(t.layers):
        cols = ["from \\ to", *names[i + 1]]
        frozen = "" if t.network.train_biases else " (frozen: not applied)"
        rows_d = [[n, *map(full, r)] for n, r in zip(names[i], lt.weight_delta, strict=True)]
        rows_w = [[n, *map(full, r)] for n, r in zip(names[i], lt.new_weights, strict=True)]
        if lt.bias_delta is not None:
            rows_d.append(["bias" + frozen, *map(full, lt.bias_delta)])
            rows_w.append(["bias", *map(full, lt.new_biases)])
        if t.regularized:
            rows_data = [[n, *map(full, r)] for n, r in zip(names[i], lt.data_delta, strict=True)]
            out.append((f"Δw from the data, layer {i + 1} (η·δ·input)", md_table(cols, rows_data)))
            rule = "η·(δ·input − λ₂·w − λ₁·sign w)"
        else:
            rule = "η·δ·input"
        out.append((f"Δw, layer {i + 1} ({rule})", md_table(cols, rows_d)))
        out.append((f"New weights, layer {i + 1} (w + Δw)", md_table(cols, rows_w)))
    return out


def chain_text(c: ChainRule, n_layers: int) -> str:
    """The chain rule for one weight or bias: the product, its factors, the expanded error
    of a hidden unit, and the slope three ways (product, backprop, central difference)."""
    ref = c.ref
    if ref.kind == "weight":
        src = unit_name(n_layers, ref.layer, ref.index[0])
        dst = unit_name(n_layers, ref.layer + 1, ref.index[1])
        what = f"the weight {c.label} on the edge {src} → {dst}"
    else:
        what = f"the bias {c.label} of {unit_name(n_layers, ref.layer + 1, ref.index[0])}"
    where = "an output-layer" if c.output_layer else "a hidden-layer"
    rows = [[f.symbol, f.meaning, f"{f.value:.8g}"] for f in c.factors]
    product = " · ".join(f"({f.value:.4g})" for f in c.factors)
    symbols = " · ".join(f.symbol for f in c.factors)
    lines = [
        f"**∂E/∂{c.label}**: {what} ({where} parameter). "
        f"The step moves it against this slope: Δ{c.label} = −η·∂E/∂{c.label}.",
        "",
        f"∂E/∂{c.label} = −{symbols}" + (" + λ₂·w + λ₁·sign(w)" if c.penalty else ""),
        "",
        f"= −{product}"
        + (f" + ({c.penalty:.4g})" if c.penalty else "")
        + f" = **{c.product:.8g}**",
        "",
        md_table(["factor", "what it is", "value"], rows),
    ]
    if c.terms:
        lines += [
            "",
            "The first factor, expanded one level: the error terms of the layer above, each "
            "scaled by the weight it flows back along.",
            "",
            md_table(["term", "value"], [[f.symbol, f"{f.value:.8g}"] for f in c.terms]),
        ]
    lines += [
        "",
        md_table(
            ["the same slope, three ways", "∂E/∂" + c.label],
            [
                ["product of the factors above", f"{c.product:.8g}"],
                ["backprop (−Δ/η from the step)", f"{c.backprop:.8g}"],
                ["central difference (E(p+ε) − E(p−ε))/2ε, ε = 10⁻⁶", f"{c.numeric:.8g}"],
            ],
        ),
    ]
    return "\n".join(lines)
