"""The opt-in int8 ONNX embedder: exported once and cached, close to float32, clear when its packages are missing."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from summarizer import embedding, int8_export
from summarizer.embedding import EmbedderError, OnnxEmbedder, cpu_int8_preset, embed, load_embedder, load_onnx_int8

_MISSING = [name for name in ("onnxruntime", "onnx", "onnxscript", "onnx_ir") if importlib.util.find_spec(name) is None]
needs_onnx = pytest.mark.skipif(
    bool(_MISSING), reason=f"{', '.join(_MISSING)} not installed (pip install 'newsbrief[onnx]')"
)

#: Cosine of an int8 vector with its float32 one: 0.9976-0.9984 for the sentences below; on 3,028 Multi-News
#: dev sentences (benchmarks/embedder.py, avx512_vnni preset) mean 0.9976, lowest 0.988.
AGREEMENT_FLOOR = 0.99

NEWS = [
    "Russia's state arms exporter Rostec said on Tuesday it had signed a $2 billion contract with India.",
    "Rostec, Russia's state arms company, announced a contract worth $2 billion with India on Tuesday.",
    "The magnitude 6.4 earthquake struck off the coast of northern Japan early on Sunday morning.",
    "Police in Ohio arrested two men after a shooting outside a high school football game.",
    "The central bank raised interest rates by a quarter of a percentage point, its third increase this year.",
    "Shares of Apple fell 3% after the company warned that iPhone sales in China would miss forecasts.",
    "But Ukraine has complicated ties.",
    "But the war has complicated relations.",
    "Donate now to support independent journalism.",
    "The senator, who has served since 1998, said she would not seek re-election next year.",
    "Firefighters battled the blaze for six hours before bringing it under control, officials said.",
    "The World Health Organization declared the outbreak a public health emergency of international concern.",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A fresh model cache for this module, so the first load really exports."""
    folder = tmp_path_factory.mktemp("newsbrief-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("NEWSBRIEF_CACHE", str(folder))
    yield folder
    patch.undo()


@pytest.fixture(scope="module")
def int8(cache):
    if _MISSING:
        pytest.skip(f"{', '.join(_MISSING)} not installed (pip install 'newsbrief[onnx]')")
    return load_onnx_int8()


def test_a_missing_onnxruntime_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSBRIEF_CACHE", str(tmp_path))
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now raises ImportError
    with pytest.raises(EmbedderError, match=r"onnxruntime.*newsbrief\[onnx\]"):
        load_embedder(backend="onnx-int8")
    assert not any(tmp_path.iterdir()), "nothing is exported without ONNX Runtime"


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="onnx-int8"):
        load_embedder(backend="onnx")


@needs_onnx
def test_the_export_is_cached_and_the_second_load_does_not_export(int8, cache, monkeypatch):
    folders = list((cache / "embedders").iterdir())
    assert [f.name.startswith(f"all-MiniLM-L6-v2-onnx-int8-{cpu_int8_preset()}-") for f in folders] == [True]
    assert int8.preset == cpu_int8_preset()
    # The float32 model is 90 MB; its token table (47 MB) stays float, the layers' weights become int8.
    assert (folders[0] / "model_int8.onnx").stat().st_size < 70_000_000

    def no_export(*args, **kwargs):
        raise AssertionError("exported again")

    monkeypatch.setattr(embedding, "_export_int8", no_export)
    again = load_embedder(backend="onnx-int8")
    assert isinstance(again, OnnxEmbedder) and again.folder == int8.folder
    np.testing.assert_array_equal(embed(again, NEWS[:3]), embed(int8, NEWS[:3]))


def test_the_preset_follows_the_cpu():
    assert cpu_int8_preset(["fpu", "sse2", "avx2", "avx512f", "avx512_vnni"]) == "avx512_vnni"
    assert cpu_int8_preset(["fpu", "avx2", "avx_vnni"]) == "avx512_vnni"  # Alder Lake and later: VNNI without AVX-512
    assert cpu_int8_preset(["fpu", "sse2", "avx", "avx2", "fma"]) == "avx2"
    assert cpu_int8_preset([]) == "avx2"


def test_an_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="auto, avx2, avx512_vnni"):
        load_onnx_int8(preset="avx512")


@needs_onnx
def test_the_export_fuses_attention_and_quantises_every_product_but_the_outlier_channels(int8):
    import onnx

    nodes = onnx.load(str(int8.folder / "model_int8.onnx")).graph.node
    kinds = [node.op_type for node in nodes]
    # MiniLM's 6 layers: one fused attention operator each (no Softmax left), two fused layer norms, a fused GELU,
    # and their 6 products (query, key, value, attention output, feed-forward in and out) in int8.
    assert kinds.count("MultiHeadAttention") == 6 and "Attention" not in kinds and "Softmax" not in kinds
    assert kinds.count("SkipLayerNormalization") == 12 and kinds.count("BiasGelu") == 6
    assert kinds.count("MatMulInteger") == 36
    # What stays float: each feed-forward input's outlier channels (at least one per layer), a few rows each.
    side = [node for node in nodes if node.op_type == "MatMul"]
    assert len(side) >= 6 and all(node.name.endswith(int8_export.SIDE_PRODUCT) for node in side)


def one_product(weight: np.ndarray):
    """An ONNX model of one matrix product, ``y = x @ weight``, named ``product``."""
    from onnx import TensorProto, helper, numpy_helper

    rows, columns = weight.shape
    return helper.make_model(helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="product")], "one-product",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, rows])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, columns])], [numpy_helper.from_array(weight, "w")],
    ))


def test_outlier_channels_are_the_few_far_above_the_median():
    ranges = np.array([1.0, 1.2, 0.9, 14.0, 1.1, 8.0, 1.0, 5.0])
    assert int8_export.outlier_channels(ranges).tolist() == [3, 5]  # over 6 times the median (1.15); 5.0 is not
    assert int8_export.outlier_channels(ranges, limit=1).tolist() == [3]
    assert int8_export.outlier_channels(np.ones(8)).tolist() == []


@needs_onnx
def test_splitting_an_outlier_channel_changes_nothing_in_float_and_keeps_int8_close(tmp_path):
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 48)).astype(np.float32)
    x[:, 7] *= 40  # one channel far larger than the rest, as in MiniLM's feed-forward inputs
    w = rng.normal(size=(48, 24)).astype(np.float32)
    graph = one_product(w)

    def run(model_path):
        return ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]

    def quantised(model, name, exclude=()):
        onnx.save(model, tmp_path / f"{name}.onnx")
        quantize_dynamic(tmp_path / f"{name}.onnx", tmp_path / f"{name}-int8.onnx", per_channel=True,
                         weight_type=QuantType.QInt8, nodes_to_exclude=list(exclude))
        return run(tmp_path / f"{name}-int8.onnx")

    exact = x @ w
    plain = quantised(graph, "plain")
    ranges = int8_export.input_ranges(graph, [{"x": x}])
    np.testing.assert_allclose(ranges["product"], np.abs(x).max(axis=0), rtol=1e-6)
    side = int8_export.split_outlier_channels(graph, ranges)
    assert side == ["product" + int8_export.SIDE_PRODUCT]
    onnx.save(graph, tmp_path / "split.onnx")
    np.testing.assert_allclose(run(tmp_path / "split.onnx"), exact, rtol=1e-4, atol=1e-3)
    split = quantised(graph, "split-q", exclude=side)

    def error(y):
        return float(np.abs(y - exact).mean() / np.abs(exact).mean())

    assert error(split) < error(plain) / 3, (error(split), error(plain))


@needs_onnx
def test_a_graph_with_nothing_to_fuse_is_left_unfused(tmp_path):
    import onnx

    onnx.save(one_product(np.arange(8, dtype=np.float32).reshape(4, 2)), tmp_path / "plain.onnx")
    assert int8_export.fuse_for_ort(tmp_path / "plain.onnx", tmp_path / "fused.onnx") is False
    assert not (tmp_path / "fused.onnx").exists()


@needs_onnx
def test_int8_vectors_agree_with_float32(int8, embedder):
    exact, quantised = embed(embedder, NEWS), embed(int8, NEWS)
    assert quantised.shape == exact.shape == (len(NEWS), 384)
    np.testing.assert_allclose(np.linalg.norm(quantised, axis=1), 1.0, atol=1e-5)
    assert (exact * quantised).sum(axis=1).min() > AGREEMENT_FLOOR
    # What dedup reads, the similarity of two sentences, moves little, and the paraphrases stay closest.
    np.testing.assert_allclose(quantised @ quantised.T, exact @ exact.T, atol=0.03)  # measured: 0.015 at most
    similarity = quantised @ quantised.T
    assert similarity[0, 1] > 0.8 and similarity[0, 1] > similarity[0, 2:].max()


@needs_onnx
def test_int8_vectors_move_a_little_with_their_batch(int8):
    # Dynamic quantisation scales each matrix product by its whole input, the
    # batch's other sentences and padding included, so a sentence's vector
    # depends (a little) on what it is encoded with: about as much as int8 moves
    # it from float32 (measured: cosine 0.997 at worst for these sentences).
    whole = int8.encode(NEWS, batch_size=64, normalize_embeddings=True)
    small = int8.encode(NEWS[::-1], batch_size=3, normalize_embeddings=True)[::-1]
    alone = np.stack([int8.encode(text, normalize_embeddings=True) for text in NEWS])
    assert alone.shape == whole.shape == (len(NEWS), 384)
    assert (whole * small).sum(axis=1).min() > AGREEMENT_FLOOR
    assert (whole * alone).sum(axis=1).min() > AGREEMENT_FLOOR
    assert np.abs(whole - small).max() > 1e-4, "if batches stop mattering, drop this caveat from OnnxEmbedder"
    np.testing.assert_array_equal(int8.encode(NEWS, batch_size=64), int8.encode(NEWS, batch_size=64))
    assert embed(int8, []).shape == (0, 384)


@needs_onnx
def test_a_damaged_cache_is_rebuilt(int8, cache, monkeypatch):
    (int8.folder / "model_int8.onnx").write_bytes(b"truncated")
    calls = []
    real = embedding._export_int8

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(embedding, "_export_int8", counted)
    rebuilt = load_onnx_int8()
    assert len(calls) == 1 and rebuilt.folder == int8.folder
    np.testing.assert_allclose(embed(rebuilt, NEWS[:2]), embed(int8, NEWS[:2]), atol=1e-6)


def test_batches_are_small_on_a_cpu_and_larger_on_an_accelerator(embedder):
    assert embedding.batch_size_for(embedder) == embedding.CPU_BATCH_SIZE  # the bundled model loads on the CPU

    class OnAccelerator:
        device = "cuda:0"

    assert embedding.batch_size_for(OnAccelerator()) == embedding.ACCELERATOR_BATCH_SIZE
    assert embedding.CPU_BATCH_SIZE < embedding.ACCELERATOR_BATCH_SIZE


@needs_onnx
def test_onnx_runtime_threads_do_not_spin_between_runs(int8):
    # Spinning threads would take the CPUs from the stages that run between embedding calls.
    options = int8.session.get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_the_embedder_backend_is_a_checked_setting_of_every_command():
    from summarizer import BriefConfig
    from summarizer.cli import build_batch_parser, build_parser, build_watch_parser

    assert BriefConfig().embedder_backend == "torch"
    with pytest.raises(ValueError, match="onnx-int8"):
        BriefConfig(embedder_backend="onnx")
    for parser, args in ((build_parser(), ["x.txt"]), (build_watch_parser(), ["feed.xml"]),
                         (build_batch_parser(), ["in.jsonl", "--output", "out"])):
        assert parser.parse_args(args).embedder_backend == "torch"
        assert parser.parse_args([*args, "--embedder-backend", "onnx-int8"]).embedder_backend == "onnx-int8"


def test_the_page_takes_the_embedder_backend_from_its_flag_or_the_environment(monkeypatch):
    from summarizer.webapp.cli import build_parser

    assert build_parser().parse_args([]).embedder_backend == "torch"
    monkeypatch.setenv("NEWSBRIEF_EMBEDDER_BACKEND", "onnx-int8")
    assert build_parser().parse_args([]).embedder_backend == "onnx-int8"
    assert build_parser().parse_args(["--embedder-backend", "torch"]).embedder_backend == "torch"


@needs_onnx
def test_a_briefer_set_to_int8_pools_with_the_cached_copy_and_tells_the_same_stories(int8, embedder, tmp_path, capsys):
    from summarizer import NewsBriefer
    from summarizer.cli import main
    from summarizer.examples import EXAMPLE_ARTICLES, example_text

    quantised = NewsBriefer(model="extractive", embedder_backend="onnx-int8")
    assert isinstance(quantised.embedder, OnnxEmbedder) and quantised.embedder.folder == int8.folder
    exact = NewsBriefer(model="extractive", embedder=embedder)
    stories = [{a.id for a in brief.articles} for brief in quantised.summarize(EXAMPLE_ARTICLES)]
    assert stories == [{a.id for a in brief.articles} for brief in exact.summarize(EXAMPLE_ARTICLES)]
    # A sibling with the float32 backend loads its own embedder instead of sharing the int8 one.
    assert not isinstance(quantised.with_settings(embedder_backend="torch").embedder, OnnxEmbedder)

    path = tmp_path / "stories.txt"
    path.write_text(example_text(), encoding="utf-8")
    assert main([str(path), "--embedder-backend", "onnx-int8", "--words", "40"]) == 0
    assert "## Story 3" in capsys.readouterr().out
