"""Generator of the `convolve` conformance group: pylops' filter operators.

Writes `convolve/manifest.json` and `convolve/ops/<case_id>/{x,u,y,xadj}.npy` next to this
script (or under --out), in the format of the shared reference suite (format_version 1; see
../shared/reference/README.md): every number is produced by pylops 2.8.0.

Operators: Convolve1D (pylops.signalprocessing), ConvolveND, Convolve2D, Smoothing1D,
Smoothing2D. The filter `h` is stored in `kwargs` as a (nested) list of floats and passed to
pylops as a float64 numpy array (also for complex128 cases: pylops then convolves with the
filter cast to complex, imaginary parts zero). Filter taps are multiples of 1/64, so that every
JSON reader parses them exactly.

Axes are given in increasing order: for other orders pylops 2.8.0 reshapes (does not transpose)
the filter onto the axes, which scrambles it (rylops applies filter axis j along axes[j]).

Requires pylops==2.8.0, numpy, scipy. Deterministic: inputs come from
numpy.random.default_rng(seed) with a per-case seed derived from the suite seed and the case id.
"""

import argparse
import hashlib
import inspect
import json
import os
import platform
import shutil
import sys
import warnings

import numpy as np
import pylops
import scipy

REFERENCE_PYLOPS_VERSION = "2.8.0"
FORMAT_VERSION = 1
SUITE = "rylops-convolve"
SUITE_SEED = 20250614
OPERATOR_RTOL = 1e-12

OPERATORS = {
    "Convolve1D": pylops.signalprocessing.Convolve1D,
    "ConvolveND": pylops.signalprocessing.ConvolveND,
    "Convolve2D": pylops.signalprocessing.Convolve2D,
    "Smoothing1D": pylops.Smoothing1D,
    "Smoothing2D": pylops.Smoothing2D,
}
NPY = {"float64": np.dtype("<f8"), "complex128": np.dtype("<c16")}


def seed_of(case_id):
    return int(hashlib.sha256(f"{SUITE_SEED}:{case_id}".encode()).hexdigest()[:16], 16)


def random(rng, shape, dtype):
    a = rng.standard_normal(tuple(shape))
    if dtype == "complex128":
        a = a + 1j * rng.standard_normal(tuple(shape))
    return a


def taps(seed, shape):
    """A filter of non-zero multiples of 1/64, as a nested list."""
    rng = np.random.default_rng(seed)
    v = np.round(rng.standard_normal(shape) * 64) / 64
    v[v == 0] = 1 / 64
    return v.tolist()


def call_kwargs(kw):
    out = {}
    for k, v in kw.items():
        if k == "h":
            out[k] = np.asarray(v, dtype=np.float64)
        elif isinstance(v, list):
            out[k] = tuple(v)
        else:
            out[k] = v
    return out


def resolved(operator, kw):
    sig = inspect.signature(OPERATORS[operator].__init__)
    out = {}
    for name, p in sig.parameters.items():
        if name in ("self", "name"):
            continue
        if name in kw:
            out[name] = kw[name]
        elif p.default is not inspect.Parameter.empty:
            d = p.default
            out[name] = list(d) if isinstance(d, tuple) else d
    return out


def save(root, rel, arr, dtype):
    out = np.ascontiguousarray(np.asarray(arr).astype(NPY[dtype], copy=False))
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, out, allow_pickle=False)
    return {"path": rel, "shape": [int(s) for s in out.shape], "dtype": NPY[dtype].str}


def error_record(stage, exc):
    t = type(exc)
    return {
        "stage": stage,
        "type": t.__name__,
        "qualified_type": f"{t.__module__}.{t.__qualname__}",
        "mro": [c.__name__ for c in t.__mro__ if c not in (object, BaseException)],
        "message": str(exc),
    }


def jnum(v, dtype):
    v = complex(v)
    return {"re": v.real, "im": v.imag} if dtype == "complex128" else v.real


CASES = []


def case(cid, operator, note="", **kw):
    kw.setdefault("dtype", "float64")
    assert all(c.isalnum() or c in "_-" for c in cid), cid
    CASES.append(dict(id=cid, operator=operator, kwargs=kw, note=note))


def run(root, spec):
    cid, operator, kw = spec["id"], spec["operator"], spec["kwargs"]
    dtype = kw["dtype"]
    seed = seed_of(cid)
    rng = np.random.default_rng(seed)
    call = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    rec = {
        "id": cid,
        "operator": operator,
        "kwargs": kw,
        "kwargs_resolved": resolved(operator, kw),
        "pylops_call": f"{OPERATORS[operator].__module__}.{operator}({call})",
        "dtype": dtype,
        "seed": seed,
        "description": f"{operator} {spec['note']}".strip(),
        "tags": [],
        "expected_error": None,
        "files": {},
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            Op = OPERATORS[operator](**call_kwargs(kw))
    except Exception as exc:
        rec["expected_error"] = error_record("constructor", exc)
        rec["dims"] = rec["dimsd"] = None
        return rec
    dims = [int(d) for d in Op.dims]
    dimsd = [int(d) for d in Op.dimsd]
    rec.update(dims=dims, dimsd=dimsd, op_shape=[int(s) for s in Op.shape])
    x, u = random(rng, dims, dtype), random(rng, dimsd, dtype)
    base = f"ops/{cid}"
    rec["files"]["x"] = save(root, f"{base}/x.npy", x, dtype)
    rec["files"]["u"] = save(root, f"{base}/u.npy", u, dtype)
    y = (Op @ x.ravel()).reshape(dimsd)
    xadj = (Op.H @ u.ravel()).reshape(dims)
    assert y.dtype == NPY[dtype] and xadj.dtype == NPY[dtype], cid
    rec["files"]["y"] = save(root, f"{base}/y.npy", y, dtype)
    rec["files"]["xadj"] = save(root, f"{base}/xadj.npy", xadj, dtype)
    lhs, rhs = complex(np.vdot(y.ravel(), u.ravel())), complex(np.vdot(x.ravel(), xadj.ravel()))
    rec["dot_test"] = {
        "y_dot_u": jnum(lhs, dtype),
        "x_dot_xadj": jnum(rhs, dtype),
        "consistent": bool(abs(lhs - rhs) <= 1e-10 * max(abs(lhs), abs(rhs), 1e-300)),
    }
    rec["max_abs"] = {"y": float(np.abs(y).max()), "xadj": float(np.abs(xadj).max())}
    return rec


def define():
    C128 = "complex128"
    # Convolve1D on 1-D models: every filter length up to 8 and 11, offsets first/middle/last.
    for nh in (1, 2, 3, 4, 5, 7, 8, 11):
        for off in sorted({0, nh // 2, nh - 1}):
            case(f"c1d_n12_h{nh}_o{off}", "Convolve1D", f"1-D, {nh} taps, offset {off}",
                 dims=[12], h=taps(nh, [nh]), offset=off)
    for nh, off in ((2, 1), (3, 1), (4, 2), (5, 2), (3, 0)):
        case(f"c1d_n9_h{nh}_o{off}_c128", "Convolve1D", f"1-D complex, {nh} taps, offset {off}",
             dims=[9], h=taps(nh, [nh]), offset=off, dtype=C128)
    case("c1d_n9_h5_o0_c128", "Convolve1D", "complex, padded filter of 9 taps (BLAS vector dot)",
         dims=[9], h=taps(5, [5]), offset=0, dtype=C128)
    case("c1d_n20_h9_o0", "Convolve1D", "padded filter of 17 taps (BLAS vector dot)",
         dims=[20], h=taps(9, [9]), offset=0)
    case("c1d_n6_h6_o0", "Convolve1D", "filter as long as the axis, padded beyond it",
         dims=[6], h=taps(6, [6]), offset=0)
    case("c1d_n6_h6_o5", "Convolve1D", "filter as long as the axis, last offset",
         dims=[6], h=taps(6, [6]), offset=5)
    case("c1d_n5_h4_o0", "Convolve1D", "padded filter longer than the axis (scipy correlateND)",
         dims=[5], h=taps(4, [4]), offset=0)
    case("c1d_n10_h3_neg2", "Convolve1D", "negative offset", dims=[10], h=taps(3, [3]),
         offset=-2)
    case("c1d_n1_h1", "Convolve1D", "one sample, one tap", dims=[1], h=[0.5], offset=0)
    # Filters longer than the (1-D) model: pylops' _Convolve1Dlong, data as long as the filter.
    for n, nh, off in ((5, 7, 0), (5, 7, 2), (5, 8, 4), (4, 9, 1), (3, 12, 2), (2, 3, 0)):
        case(f"c1d_long_n{n}_h{nh}_o{off}", "Convolve1D", "filter longer than the model",
             dims=[n], h=taps(nh + 100, [nh]), offset=off)
    case("c1d_long_n4_h6_o2_c128", "Convolve1D", "complex, filter longer than the model",
         dims=[4], h=taps(6, [6]), offset=2, dtype=C128)
    # n-d models: pylops convolves through FFTs (agreement to rounding).
    for axis in (0, 1, -1):
        case(f"c1d_nd_ax{axis}".replace("-", "m"), "Convolve1D", f"3-D, axis {axis}",
             dims=[6, 5, 7], h=taps(3 + axis, [3]), offset=1, axis=axis)
    case("c1d_nd_ax0_h5_o4_c128", "Convolve1D", "2-D complex, axis 0",
         dims=[7, 4], h=taps(5, [5]), offset=4, axis=0, dtype=C128)
    case("c1d_nd_ax1_h4_o0", "Convolve1D", "2-D, even filter", dims=[3, 9], h=taps(4, [4]),
         offset=0, axis=1)
    # Expected errors.
    case("c1d_err_offset", "Convolve1D", "offset beyond the filter", dims=[8], h=taps(3, [3]),
         offset=3)
    case("c1d_err_empty", "Convolve1D", "empty filter", dims=[8], h=[], offset=0)
    case("c1d_err_long_offset", "Convolve1D", "long filter, offset beyond the model",
         dims=[3], h=taps(5, [5]), offset=3)
    # Smoothing1D.
    for ns, dims, axis in ((3, [10], -1), (4, [10], -1), (1, [6], -1), (5, [7, 6], 0),
                           (3, [4, 9], 1), (7, [5], -1)):
        case(f"s1d_{ns}_{'x'.join(map(str, dims))}_ax{axis}".replace("-", "m"), "Smoothing1D",
             f"nsmooth {ns} on {dims}, axis {axis}", nsmooth=ns, dims=dims, axis=axis)
    case("s1d_3_12_c128", "Smoothing1D", "complex", nsmooth=3, dims=[12], dtype=C128)
    # ConvolveND and Convolve2D.
    case("cnd_3d_ax02", "ConvolveND", "3-D model, axes (0, 2)", dims=[6, 5, 7],
         h=taps(20, [3, 2]), offset=[1, 0], axes=[0, 2])
    case("cnd_2d_default", "ConvolveND", "default offset and axes", dims=[6, 7],
         h=taps(21, [3, 4]))
    case("cnd_2d_last", "ConvolveND", "offsets at the filter's last taps", dims=[5, 6],
         h=taps(22, [2, 3]), offset=[1, 2])
    case("cnd_3d_all", "ConvolveND", "3-D filter over every axis", dims=[4, 5, 6],
         h=taps(23, [3, 2, 3]), offset=[1, 1, 1], axes=[0, 1, 2])
    case("cnd_3d_c128", "ConvolveND", "complex", dims=[5, 4, 6], h=taps(24, [2, 3]),
         offset=[0, 1], axes=[0, -1], dtype=C128)
    case("cnd_big_filter", "ConvolveND", "filter longer than the axes", dims=[3, 4],
         h=taps(25, [5, 6]), offset=[2, 3])
    case("c2d_default", "Convolve2D", "default offset and axes", dims=[5, 6],
         h=taps(26, [3, 3]))
    case("c2d_axes", "Convolve2D", "3-D model, axes (0, 2)", dims=[5, 4, 6],
         h=taps(27, [3, 2]), offset=[1, 1], axes=[0, 2])
    case("c2d_err_1d", "Convolve2D", "1-D filter", dims=[5, 6], h=taps(28, [3]))
    # Smoothing2D.
    for ns, dims, axes in (([3, 3], [6, 7], [-2, -1]), ([4, 2], [7, 6], [-2, -1]),
                           ([3, 5], [4, 5, 6], [0, 2])):
        case(f"s2d_{ns[0]}x{ns[1]}_{'x'.join(map(str, dims))}", "Smoothing2D",
             f"nsmooth {ns} on {dims}, axes {axes}", nsmooth=ns, dims=dims, axes=axes)
    case("s2d_3x3_c128", "Smoothing2D", "complex", nsmooth=[3, 3], dims=[5, 6],
         dtype=C128)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "convolve"))
    args = ap.parse_args()
    if pylops.__version__ != REFERENCE_PYLOPS_VERSION:
        sys.exit(f"pylops {REFERENCE_PYLOPS_VERSION} required, found {pylops.__version__}")
    root = os.path.abspath(args.out)
    shutil.rmtree(os.path.join(root, "ops"), ignore_errors=True)
    os.makedirs(root, exist_ok=True)
    define()
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    recs = [run(root, c) for c in CASES]
    manifest = {
        "format_version": FORMAT_VERSION,
        "suite": SUITE,
        "reference_library": "pylops",
        "reference_version": REFERENCE_PYLOPS_VERSION,
        "environment": {
            "pylops": pylops.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "generator": os.path.basename(__file__),
        "suite_seed": SUITE_SEED,
        "tolerances": {"operator_rtol": OPERATOR_RTOL, "solver_solution_rtol": 1e-8,
                       "solver_cost_rtol": 1e-8},
        "n_operator_cases": len(recs),
        "n_expected_error_cases": sum(r["expected_error"] is not None for r in recs),
        "n_solver_cases": 0,
        "operator_cases": recs,
        "solver_cases": [],
    }
    with open(os.path.join(root, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"{SUITE}: {len(recs)} operator cases "
          f"({manifest['n_expected_error_cases']} expected errors) -> {root}")


if __name__ == "__main__":
    main()
