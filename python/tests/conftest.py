"""Shared helpers of the rylops Python tests."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def reference_dir() -> Path:
    """The conformance suite: `$RYLOPS_REFERENCE_DIR`, else `../shared/reference` beside the
    repository root."""
    env = os.environ.get("RYLOPS_REFERENCE_DIR")
    return Path(env) if env else (REPO / ".." / "shared" / "reference").resolve()


@pytest.fixture(scope="session")
def manifest():
    d = reference_dir()
    path = d / "manifest.json"
    if not path.exists():
        pytest.fail(f"conformance suite not found at {d} (set RYLOPS_REFERENCE_DIR)")
    with open(path) as f:
        return json.load(f)


def load(rel, base=None):
    """An array of the suite at `base` (default: the shared conformance suite)."""
    return np.load((reference_dir() if base is None else Path(base)) / rel, allow_pickle=False)


def same_bits(a, b):
    """Equal shapes and identical bytes (so -0.0 != 0.0 and every rounding counts)."""
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
