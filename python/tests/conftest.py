"""Shared helpers of the rylops Python tests."""

import json
import os
import zlib
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


@pytest.fixture(autouse=True)
def _seeded_legacy_rng(request):
    """pylops' `dottest` draws its vectors from numpy's legacy global generator: seeded per test
    (from the test's id), so that every run draws the same vectors."""
    np.random.seed(zlib.crc32(request.node.nodeid.encode()))


def dot_tol(dtype, shape):
    """`(rtol, atol)` for pylops' `dottest` in `dtype`: the relative tolerance of the precision,
    and an absolute one on the scale of the rounding of a sum of `sqrt(m n)`-sized products (a dot
    product of random vectors can cancel to far below its terms, as happens in float32)."""
    single = np.dtype(dtype) in (np.float32, np.complex64)
    rtol = 1e-4 if single else 1e-10
    m, n = shape
    return rtol, (1e-5 if single else 1e-13) * float(np.sqrt(max(m, 1) * max(n, 1)))


def same_bits(a, b):
    """Equal shapes and identical bytes (so -0.0 != 0.0 and every rounding counts)."""
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
