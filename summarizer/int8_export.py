"""Making the int8 ONNX copy of a sentence embedder (see :mod:`summarizer.embedding`).

Four steps, each a plain function over ONNX files:

1. :func:`export_int8` exports the whole sentence-transformers model
   (transformer, pooling, normalisation) with ``torch.onnx`` (dynamo);
2. :func:`fuse_for_ort` fuses its layer norms and GELUs into ONNX Runtime's
   own operators with onnxscript's ``ort_fusions``, and its attention into
   ``MultiHeadAttention`` with the query, key and value products left outside;
3. :func:`split_outlier_channels` gives each matrix product's few outlier input
   channels a float product of their own;
4. ``onnxruntime.quantization.quantize_dynamic`` quantises every other matrix
   product to int8.

Why step 3.  Dynamic quantisation gives each product's input one int8 scale,
set by its largest value.  In MiniLM the input of every feed-forward layer has
one to four channels whose values reach 7-15 times those of the median
channel, so the other 380 channels get a few int8 steps
each.  Taking those channels out of the quantised product (the LLM.int8()
decomposition of Dettmers et al., 2022, with the channels chosen once, on a
calibration text) brought the int8 vectors from a mean cosine of 0.992 with
float32 to 0.997 on 1,500 Multi-News dev sentences, for 2-16% more encode
time (two runs).

Why ``MultiHeadAttention`` and not onnxscript's final ``Attention``: that
fusion packs the query, key and value weights into the operator, where ONNX
Runtime's quantiser leaves them in float (it skips an ``Attention`` with
``qkv_hidden_sizes``).  Outside it they are three plain products that become
int8, and encoding took 20% less time.  Quantised without step 3, they moved
the MSRP dedup figures by 0.006, over the 0.005 that issue #17 allows; with it,
by 0.002 (the shipped graph is measured by ``python -m benchmarks --sections
embedder``; the graph without step 3, by a throw-away script).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .cache import staged_folder

if TYPE_CHECKING:
    import onnx

logger = logging.getLogger(__name__)

#: Dynamic int8 presets, as sentence-transformers' ``export_dynamic_quantized_onnx_model`` names them:
#: the weight type (unsigned for AVX2, whose u8 x s8 multiply can saturate; signed for VNNI).
INT8_PRESETS = {"avx2": "QUInt8", "avx512_vnni": "QInt8"}
#: The operators quantised: every matrix product with a constant weight, except
#: the float side products of :func:`split_outlier_channels`.  The token
#: embeddings (a Gather) stay float: quantising them added about 0.002 to the
#: MSRP dedup shift in an earlier, unfused test.
INT8_OPERATORS = ["MatMul"]
#: An input channel is an outlier when its largest magnitude on the calibration
#: text is over this many times the median channel's (MiniLM: 7-15 times for
#: one to four channels of each feed-forward input, at most 5 elsewhere).
OUTLIER_RATIO = 6.0
#: At most this many channels of one product go to the float side product.
MAX_OUTLIERS = 8
#: Suffix of the float side products' node names.
SIDE_PRODUCT = "_outlier_channels"


def cpu_int8_preset(flags: Iterable[str] | None = None) -> str:
    """The int8 preset for a CPU with ``flags`` (default: this one's, from ``/proc/cpuinfo``).

    ``"avx512_vnni"`` where the CPU has VNNI (AVX-512's or AVX's), whose int8
    multiply cannot saturate; else ``"avx2"``, which runs on any x86-64 CPU.
    """
    if flags is None:
        try:
            flags = next(
                (line.split(":", 1)[1].split() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("flags")),
                [],
            )
        except OSError:  # not Linux: the preset that runs on any x86-64 CPU
            flags = []
    return "avx512_vnni" if {"avx512_vnni", "avx_vnni"} & set(flags) else "avx2"


def export_int8(name_or_path: str, folder: Path, preset: str) -> None:
    """Export ``name_or_path`` to ONNX, quantise it to int8 for ``preset`` and save it in ``folder``, atomically."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    logger.info("Exporting %s to int8 ONNX once (about a minute); later loads read the cached copy", name_or_path)
    model = SentenceTransformer(name_or_path, device="cpu").eval()
    tokenizer = model.tokenizer
    max_seq_length = model.max_seq_length
    dimension_of = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    # Two sentences of different lengths, so that the export sees padding.
    sample = tokenizer(
        ["A sample sentence.", "A second, longer sample sentence for the export, with padding beside the first."],
        padding=True, truncation="longest_first", max_length=max_seq_length, return_tensors="pt",
    )
    names = [name for name in tokenizer.model_input_names if name in sample]

    class _Whole(torch.nn.Module):
        """The sentence-transformers model from token tensors to the sentence embedding."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.model(dict(zip(names, tensors)))["sentence_embedding"]

    batch, sequence = torch.export.Dim("batch"), torch.export.Dim("sequence", max=max_seq_length or 512)
    folder.parent.mkdir(parents=True, exist_ok=True)
    record = {"source": name_or_path, "model": "model_int8.onnx", "inputs": names,
              "max_seq_length": max_seq_length, "dimension": dimension_of(), "preset": preset}
    with staged_folder(folder, record) as staging:
        float_path = staging / "float32.onnx.tmp"
        with torch.inference_mode(False), torch.no_grad():
            torch.onnx.export(
                _Whole().eval(), tuple(sample[name] for name in names), str(float_path),
                input_names=names, output_names=["sentence_embedding"],
                dynamic_shapes=(tuple({0: batch, 1: sequence} for _ in names),),  # one varargs argument
                dynamo=True, external_data=False, verbose=False,
            )
        fused_path = staging / "fused.onnx.tmp"
        graph_path = fused_path if fuse_for_ort(float_path, fused_path) else float_path
        graph = onnx.load(str(graph_path))
        ranges = input_ranges(graph, _calibration_feeds(tokenizer, names, max_seq_length))
        side_products = split_outlier_channels(graph, ranges)
        split_path = staging / "split.onnx.tmp"
        onnx.save(graph, str(split_path))
        quantize_dynamic(
            split_path, staging / "model_int8.onnx",
            op_types_to_quantize=INT8_OPERATORS, nodes_to_exclude=side_products,
            per_channel=True, reduce_range=False, weight_type=getattr(QuantType, INT8_PRESETS[preset]),
            # Shape inference does not know the fused operators' outputs: they are float.
            extra_options={"WeightSymmetric": True, "ActivationSymmetric": False,
                           "DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        for path in (split_path, fused_path, float_path):
            path.unlink(missing_ok=True)
        tokenizer.save_pretrained(staging)


@contextmanager
def _attention_left_unfused() -> Iterator[None]:
    """While open, onnxscript's ``ort_fusions`` stops at ``MultiHeadAttention`` (see the module docstring).

    onnxscript has no switch for it, so its last attention fusion is replaced
    by one that fuses nothing.  Should a later onnxscript rename it, attention
    is fused whole, as before, and its products stay float (a test notices).
    """
    from onnxscript.rewriter.ort_fusions import _core

    original = getattr(_core, "fuse_attention", None)
    if original is None:
        logger.warning("onnxscript's attention fusion has moved; attention's products will stay float")
        yield
        return
    _core.fuse_attention = lambda model, **kwargs: 0
    try:
        yield
    finally:
        _core.fuse_attention = original


def fuse_for_ort(source: Path, target: Path) -> bool:
    """Write ``source`` with attention, layer norms and GELUs fused into ONNX Runtime's operators; False if none fused.

    Unfused, a BERT layer's attention is a dozen small operators between the
    quantised products, which cost more than the products on short sentences;
    fused, it is one ``MultiHeadAttention`` operator, and the layer norms and
    GELUs are one operator each.  A model the fusions do not recognise is
    quantised unfused.
    """
    import onnx_ir
    from onnxscript.rewriter import ort_fusions

    try:
        with _attention_left_unfused():
            fused, counts = ort_fusions.optimize_for_ort(onnx_ir.load(source))
    except Exception as exc:  # noqa: BLE001 - an unfamiliar architecture: quantise it as exported
        logger.warning("Could not fuse the exported model for ONNX Runtime (%s); quantising it unfused", exc)
        return False
    done = {name: count for name, count in counts.items() if count}
    if not done:
        return False
    logger.info("Fused for ONNX Runtime: %s", ", ".join(f"{name} {count}" for name, count in sorted(done.items())))
    onnx_ir.save(fused, target)
    return True


def _calibration_feeds(tokenizer: Any, names: Sequence[str], max_length: int | None) -> list[dict[str, np.ndarray]]:
    """The example stories' sentences (:mod:`summarizer.examples`), tokenised in batches of 16."""
    from .examples import EXAMPLE_ARTICLES
    from .splitting import split_sentences

    sentences = [s for article in EXAMPLE_ARTICLES for s in split_sentences(article.text)]
    feeds = []
    for start in range(0, len(sentences), 16):
        tokens = tokenizer(sentences[start : start + 16], padding=True, truncation="longest_first",
                           max_length=max_length, return_tensors="np")
        feeds.append({name: np.asarray(tokens[name], dtype=np.int64) for name in names})
    return feeds


def _weight_products(graph: onnx.ModelProto) -> list[onnx.NodeProto]:
    """The graph's ``MatMul`` nodes whose second input is a constant weight."""
    weights = {init.name for init in graph.graph.initializer}
    return [node for node in graph.graph.node if node.op_type == "MatMul" and node.input[1] in weights]


def input_ranges(graph: onnx.ModelProto, feeds: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Largest magnitude of each input channel of each weight product, by node name, over ``feeds``."""
    import onnx
    import onnxruntime as ort

    probe = onnx.ModelProto()
    probe.CopyFrom(graph)
    products = _weight_products(probe)
    inputs = list(dict.fromkeys(node.input[0] for node in products))
    for name in inputs:
        probe.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    largest: dict[str, np.ndarray] = {}
    for feed in feeds:
        for name, values in zip(inputs, session.run(inputs, feed)):
            peak = np.abs(values).reshape(-1, values.shape[-1]).max(axis=0)
            largest[name] = np.maximum(largest[name], peak) if name in largest else peak
    return {node.name: largest[node.input[0]] for node in products}


def outlier_channels(ranges: np.ndarray, ratio: float = OUTLIER_RATIO, limit: int = MAX_OUTLIERS) -> np.ndarray:
    """Indices of the channels whose range is over ``ratio`` times the median's: at most ``limit``, largest first, sorted."""
    median = float(np.median(ranges))
    largest = np.argsort(-ranges, kind="stable")[:limit]
    return np.sort(largest[ranges[largest] > ratio * median])


def split_outlier_channels(
    graph: onnx.ModelProto, ranges: dict[str, np.ndarray], ratio: float = OUTLIER_RATIO, limit: int = MAX_OUTLIERS
) -> list[str]:
    """Give each weight product's outlier input channels a float product of their own, in place.

    ``Y = X W`` becomes ``Y = (X * mask) W' + X[:, outliers] W[outliers]``: the
    mask zeroes the outlier channels, so they no longer set the quantised
    product's input scale, and ``W'`` is ``W`` with their rows zeroed.  In
    float the result is the same.  Returns the side products' node names, for
    the quantiser to leave alone.
    """
    from onnx import helper, numpy_helper

    weights = {init.name: init for init in graph.graph.initializer}
    targets = {node.name for node in _weight_products(graph)}
    # Products that read one input with the same outliers (a layer's query, key
    # and value) share its masked copy and its picked channels.
    split_inputs: dict[tuple[str, bytes], tuple[str, str]] = {}
    nodes, side_products = [], []
    for node in graph.graph.node:
        channels = outlier_channels(ranges[node.name], ratio, limit) if node.name in targets else []
        if not len(channels):
            nodes.append(node)
            continue
        weight = numpy_helper.to_array(weights[node.input[1]]).copy()
        outlier_rows = weight[channels].copy()
        weight[channels] = 0.0
        weights[node.input[1]].CopyFrom(numpy_helper.from_array(weight, node.input[1]))
        name, x, y = node.name + SIDE_PRODUCT, node.input[0], node.output[0]
        key = (x, channels.tobytes())
        if key not in split_inputs:
            mask = np.ones(weight.shape[0], dtype=weight.dtype)
            mask[channels] = 0.0
            graph.graph.initializer.extend([numpy_helper.from_array(mask, f"{name}_mask"),
                                            numpy_helper.from_array(channels.astype(np.int64), f"{name}_index")])
            nodes += [
                helper.make_node("Mul", [x, f"{name}_mask"], [f"{name}_masked"], name=f"{name}_mask"),
                helper.make_node("Gather", [x, f"{name}_index"], [f"{name}_picked"], axis=-1, name=f"{name}_pick"),
            ]
            split_inputs[key] = (f"{name}_masked", f"{name}_picked")
        masked, picked = split_inputs[key]
        graph.graph.initializer.append(numpy_helper.from_array(outlier_rows, f"{name}_weight"))
        nodes += [
            helper.make_node("MatMul", [masked, node.input[1]], [f"{name}_rest"], name=node.name),
            helper.make_node("MatMul", [picked, f"{name}_weight"], [f"{name}_out"], name=name),
            helper.make_node("Add", [f"{name}_rest", f"{name}_out"], [y], name=f"{name}_sum"),
        ]
        side_products.append(name)
    del graph.graph.node[:]
    graph.graph.node.extend(nodes)
    logger.info("Outlier input channels in float for %d of %d products", len(side_products), len(targets))
    return side_products
