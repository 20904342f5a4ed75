"""The bench scripts import each other as top-level modules (they run as `python bench/x.py`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402


@pytest.fixture(scope="session")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20,000 deals of 40 reps (four teams), CSV and Parquet, with ruleset copies beside them."""
    folder = tmp_path_factory.mktemp("bench-data")
    generate.generate(generate.Params(deals=20_000, reps=40, seed=7), folder)
    for name in ("ruleset.yaml", "ruleset.parquet.yaml"):
        text = (BENCH / name).read_text(encoding="utf-8").replace("path: data/", "path: ")
        (folder / name).write_text(text, encoding="utf-8")
    return folder
