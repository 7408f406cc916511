#!/usr/bin/env python3
"""Reference-data generator for rylops' `layout` conformance group.

Reference library: pylops 2.8.0 (numpy, scipy as installed next to it). Operators:
Restriction, CausalIntegration, Flip, Roll, Transpose, Symmetrize, Pad, Sum, Block, Kronecker.
Writes manifest.json plus ops/<case_id>/{x,y,u,xadj}.npy into layout/ next to this script (or
--out DIR), in the format of the shared suite's README (format_version 1, suite "rylops-layout").
Inputs come from numpy.random.default_rng seeded per case (case_seed), so re-running with the same
versions reproduces every file bit for bit.

Operators that take operators (Block, Kronecker) store them in kwargs as nested specs,
`{"operator": <name>, "kwargs": {...}}`: Block's `ops` is a list of rows, each a list of specs;
Kronecker's `Op1` and `Op2` are specs. Specs are built recursively (`build_op`), and the Rust
harness builds them with its own `build_op`.

    python gen_layout.py            # (re)writes layout/ next to this file
    python gen_layout.py --out DIR
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
import scipy

import pylops

REFERENCE_PYLOPS_VERSION = "2.8.0"
FORMAT_VERSION = 1
SUITE = "rylops-layout"
SUITE_SEED = 20260214
OPERATOR_RTOL = 1e-12
NPY_DTYPES = {"float64": np.dtype("<f8"), "complex128": np.dtype("<c16")}

CLASSES = {
    name: getattr(pylops, name)
    for name in ["Restriction", "CausalIntegration", "Flip", "Roll", "Transpose", "Symmetrize",
                 "Pad", "Sum", "Block", "Kronecker", "FirstDerivative", "SecondDerivative"]
}


def case_seed(case_id):
    h = hashlib.sha256(f"{SUITE_SEED}:{case_id}".encode()).hexdigest()
    return int(h[:16], 16)


def rand_array(rng, shape, dtype):
    shape = tuple(int(s) for s in shape)
    if dtype == "complex128":
        return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return rng.standard_normal(shape)


def is_spec(v):
    return isinstance(v, dict) and set(v) == {"operator", "kwargs"}


def to_call(v):
    """JSON value -> python argument: specs become operators, lists tuples (lists of specs stay
    lists, as Block wants)."""
    if is_spec(v):
        return build_op(v)
    if isinstance(v, list):
        items = [to_call(a) for a in v]
        if any(isinstance(a, (pylops.LinearOperator, list)) for a in items):
            return items
        return tuple(items)
    return v


def build_op(spec):
    kw = {k: to_call(v) for k, v in spec["kwargs"].items()}
    return CLASSES[spec["operator"]](**kw)


def jsonable(v):
    if isinstance(v, (list, tuple)):
        return [jsonable(a) for a in v]
    if isinstance(v, dict):
        return {k: jsonable(a) for k, a in v.items()}
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, (np.complexfloating, complex)):
        return {"re": float(np.real(v)), "im": float(np.imag(v))}
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.ndarray):
        return jsonable(v.tolist())
    return v


def resolved_kwargs(operator, kwargs):
    sig = inspect.signature(CLASSES[operator].__init__)
    out = {}
    for name, p in sig.parameters.items():
        if name in ("self", "name"):
            continue
        if name in kwargs:
            out[name] = kwargs[name]
        elif p.default is not inspect.Parameter.empty:
            out[name] = jsonable(p.default)
    return out


def call_string(operator, kwargs):
    def fmt(v):
        if is_spec(v):
            return call_string(v["operator"], v["kwargs"])
        if isinstance(v, list):
            return "[" + ", ".join(fmt(a) for a in v) + "]"
        return repr(v)
    return f"pylops.{operator}(" + ", ".join(f"{k}={fmt(v)}" for k, v in kwargs.items()) + ")"


def save_npy(root, rel, arr, dtype):
    target = NPY_DTYPES[dtype]
    arr = np.asarray(arr)
    if np.iscomplexobj(arr) and dtype != "complex128":
        raise TypeError(f"refusing to drop the imaginary part of {rel}")
    out = np.ascontiguousarray(arr.astype(target, copy=False))
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, out, allow_pickle=False)
    return {"path": rel, "shape": [int(s) for s in out.shape], "dtype": target.str}


def error_record(stage, exc):
    t = type(exc)
    return {
        "stage": stage,
        "type": t.__name__,
        "qualified_type": f"{t.__module__}.{t.__qualname__}",
        "mro": [c.__name__ for c in t.__mro__ if c not in (object, BaseException)],
        "message": str(exc),
    }


def dumps_compact(obj, indent=0, step=1):
    pad = " " * (indent + step)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f"{pad}{json.dumps(k)}: {dumps_compact(v, indent + step, step)}"
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    if isinstance(obj, list):
        if all(not isinstance(v, (dict, list)) for v in obj):
            return "[" + ", ".join(json.dumps(v, allow_nan=False) for v in obj) + "]"
        items = [pad + dumps_compact(v, indent + step, step) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
    return json.dumps(obj, allow_nan=False)


OP_CASES = []


def case(cid, operator, note="", tags=(), **kwargs):
    kwargs.setdefault("dtype", "float64")
    assert all(c.isalnum() or c in "_-" for c in cid), cid
    OP_CASES.append(dict(id=cid, operator=operator, kwargs=kwargs, note=note, tags=list(tags)))


def run_case(root, spec):
    cid, operator, kwargs = spec["id"], spec["operator"], jsonable(spec["kwargs"])
    dtype = kwargs["dtype"]
    seed = case_seed(cid)
    rng = np.random.default_rng(seed)
    rec = {
        "id": cid,
        "operator": operator,
        "kwargs": kwargs,
        "kwargs_resolved": resolved_kwargs(operator, kwargs),
        "pylops_call": call_string(operator, kwargs),
        "dtype": dtype,
        "seed": seed,
        "description": f"{operator}: {spec['note']}" if spec["note"] else operator,
        "tags": spec["tags"],
        "expected_error": None,
        "files": {},
    }
    try:
        with warnings.catch_warnings(record=True) as wlist:
            warnings.simplefilter("always")
            Op = build_op({"operator": operator, "kwargs": kwargs})
        if wlist:
            rec["warnings"] = [f"{w.category.__name__}: {w.message}" for w in wlist]
    except Exception as exc:
        rec["expected_error"] = error_record("constructor", exc)
        rec["description"] += f" -> pylops raises {type(exc).__name__} (constructor)"
        rec["dims"] = None
        rec["dimsd"] = None
        return rec
    dims = tuple(int(d) for d in Op.dims)
    dimsd = tuple(int(d) for d in Op.dimsd)
    rec["dims"], rec["dimsd"] = list(dims), list(dimsd)
    rec["op_shape"] = [int(s) for s in Op.shape]
    if operator in ("Restriction", "CausalIntegration", "Flip", "Roll", "Symmetrize", "Sum"):
        ax = int(Op.axis)
        if -len(dims) <= ax < len(dims):
            rec["axis_normalized"] = ax % len(dims)
    if operator == "Transpose":
        rec["axes_normalized"] = [int(a) for a in Op.axes]
    x = rand_array(rng, dims, dtype)
    u = rand_array(rng, dimsd, dtype)
    base = f"ops/{cid}"
    rec["files"]["x"] = save_npy(root, f"{base}/x.npy", x, dtype)
    rec["files"]["u"] = save_npy(root, f"{base}/u.npy", u, dtype)
    errors = []
    y = xadj = None
    try:
        y = np.asarray(Op @ x.ravel()).reshape(dimsd)
        assert np.array_equal(Op.matvec(x.ravel()), y.ravel()), cid
        assert y.dtype == np.dtype(dtype), (cid, y.dtype)
        rec["files"]["y"] = save_npy(root, f"{base}/y.npy", y, dtype)
    except AssertionError:
        raise
    except Exception as exc:
        errors.append(error_record("forward", exc))
    try:
        xadj = np.asarray(Op.H @ u.ravel()).reshape(dims)
        assert np.array_equal(Op.rmatvec(u.ravel()), xadj.ravel()), cid
        assert xadj.dtype == np.dtype(dtype), (cid, xadj.dtype)
        rec["files"]["xadj"] = save_npy(root, f"{base}/xadj.npy", xadj, dtype)
    except AssertionError:
        raise
    except Exception as exc:
        errors.append(error_record("adjoint", exc))
    if errors:
        rec["expected_error"] = errors[0] if len(errors) == 1 else {
            "stage": "+".join(e["stage"] for e in errors),
            "per_stage": errors,
            "type": errors[0]["type"],
            "qualified_type": errors[0]["qualified_type"],
            "mro": errors[0]["mro"],
            "message": errors[0]["message"],
        }
        rec["description"] += (f" -> pylops raises {rec['expected_error']['type']} "
                               f"({rec['expected_error']['stage']})")
    if y is not None and xadj is not None:
        lhs = complex(np.vdot(y.ravel(), u.ravel()))
        rhs = complex(np.vdot(x.ravel(), xadj.ravel()))
        scale = max(abs(lhs), abs(rhs), 1e-300)
        rec["dot_test"] = {
            "y_dot_u": jsonable(lhs if dtype == "complex128" else lhs.real),
            "x_dot_xadj": jsonable(rhs if dtype == "complex128" else rhs.real),
            "consistent": bool(abs(lhs - rhs) <= 1e-10 * scale or (lhs == 0 and rhs == 0)),
        }
        rec["max_abs"] = {
            "y": float(np.max(np.abs(y))) if y.size else 0.0,
            "xadj": float(np.max(np.abs(xadj))) if xadj.size else 0.0,
        }
    return rec


C128 = "complex128"


def spec(operator, **kwargs):
    return {"operator": operator, "kwargs": kwargs}


def define_cases():
    # Restriction
    case("restr_1d", "Restriction", "1-D, sorted", dims=[10], iava=[0, 3, 7])
    case("restr_1d_c", "Restriction", "1-D complex", dims=[10], iava=[9, 3, 4], dtype=C128)
    case("restr_1d_repeat_neg", "Restriction", "repeated and negative indices (add.at)",
         dims=[8], iava=[2, -1, 2, 5, 7])
    case("restr_1d_single", "Restriction", "one sample of a one-sample axis", dims=[1], iava=[0])
    case("restr_2d_last", "Restriction", "2-D, default axis", dims=[6, 9], iava=[8, 0, 4, 4])
    case("restr_2d_axis0_c", "Restriction", "2-D along axis 0", dims=[6, 9], iava=[1, 5, 2],
         axis=0, dtype=C128)
    case("restr_2d_axism2", "Restriction", "negative axis", dims=[7, 4], iava=[6, 0], axis=-2)
    case("restr_3d_axis1", "Restriction", "3-D middle axis", dims=[4, 5, 6], iava=[0, 2, 4],
         axis=1)
    case("restr_3d_last_c", "Restriction", "3-D last axis, repeated", dims=[3, 4, 7],
         iava=[6, 1, 1, 3], axis=-1, dtype=C128)
    case("restr_3d_inplace_false", "Restriction", "inplace=False (no effect on values)",
         dims=[3, 4, 5], iava=[0, 2], axis=0, inplace=False)
    case("restr_err_axis", "Restriction", "axis out of range", dims=[4, 5], iava=[0], axis=2)
    case("restr_err_index", "Restriction", "index out of range", dims=[4, 5], iava=[0, 5])
    # CausalIntegration
    for kind in ("full", "half", "trapezoidal"):
        for rf in (False, True):
            k = f"{kind[:4]}{'_rf' if rf else ''}"
            case(f"cint_1d_{k}", "CausalIntegration", f"1-D kind={kind} removefirst={rf}",
                 dims=[12], kind=kind, removefirst=rf, sampling=0.3)
            case(f"cint_2d_ax0_{k}_c", "CausalIntegration", f"2-D axis 0 {kind} rf={rf}",
                 dims=[10, 3], axis=0, kind=kind, removefirst=rf, dtype=C128)
            case(f"cint_3d_ax1_{k}", "CausalIntegration", f"3-D axis 1 {kind} rf={rf}",
                 dims=[2, 11, 3], axis=1, kind=kind, removefirst=rf, sampling=1.7)
            case(f"cint_3d_ax0_{k}", "CausalIntegration", f"3-D axis 0 {kind} rf={rf}",
                 dims=[9, 2, 3], axis=0, kind=kind, removefirst=rf)
    case("cint_2d_last_trap", "CausalIntegration", "2-D last axis, 140 samples (pairwise sum)",
         dims=[2, 140], kind="trapezoidal", sampling=0.5)
    case("cint_2d_last_trap_rf_c", "CausalIntegration", "complex, 70 samples, removefirst",
         dims=[2, 70], kind="trapezoidal", removefirst=True, dtype=C128)
    case("cint_3d_unit_trap", "CausalIntegration", "axis followed by a unit axis",
         dims=[3, 10, 1], axis=-2, kind="trapezoidal", removefirst=True)
    case("cint_3d_unit_trap2", "CausalIntegration", "axis followed by a unit axis",
         dims=[3, 10, 1], axis=1, kind="trapezoidal")
    case("cint_short", "CausalIntegration", "one sample", dims=[1, 3], axis=0, kind="trapezoidal")
    case("cint_short_rf", "CausalIntegration", "one sample, removefirst (empty data)",
         dims=[1, 3], axis=0, kind="half", removefirst=True)
    # Flip
    case("flip_1d", "Flip", "1-D", dims=[7])
    case("flip_2d_ax0_c", "Flip", "2-D axis 0", dims=[4, 6], axis=0, dtype=C128)
    case("flip_2d_last", "Flip", "2-D default axis", dims=[4, 6])
    case("flip_3d_ax1", "Flip", "3-D middle axis", dims=[3, 4, 5], axis=-2)
    case("flip_1", "Flip", "one sample", dims=[1])
    case("flip_err_axis", "Flip", "axis out of range", dims=[3, 4], axis=2)
    # Roll
    case("roll_1d", "Roll", "1-D default shift", dims=[7])
    case("roll_1d_neg", "Roll", "negative shift", dims=[7], shift=-3, dtype=C128)
    case("roll_2d_ax0_big", "Roll", "shift larger than the axis", dims=[5, 4], axis=0, shift=13)
    case("roll_3d_ax1_c", "Roll", "3-D", dims=[3, 6, 2], axis=1, shift=4, dtype=C128)
    case("roll_3d_zero", "Roll", "zero shift", dims=[3, 6, 2], axis=-3, shift=0)
    case("roll_err_axis", "Roll", "axis out of range", dims=[3, 4], axis=-3)
    # Transpose
    case("transp_2d", "Transpose", "2-D", dims=[3, 4], axes=[1, 0])
    case("transp_2d_id_c", "Transpose", "identity permutation", dims=[3, 4], axes=[0, 1],
         dtype=C128)
    case("transp_3d", "Transpose", "3-D cycle", dims=[2, 3, 4], axes=[2, 0, 1])
    case("transp_3d_neg_c", "Transpose", "negative axes", dims=[2, 3, 4], axes=[-1, -3, -2],
         dtype=C128)
    case("transp_err_dup", "Transpose", "repeated axis", dims=[2, 3, 4], axes=[0, 0, 1])
    case("transp_err_short", "Transpose", "too few axes", dims=[2, 3, 4], axes=[0, 1])
    case("transp_err_range", "Transpose", "axis out of range", dims=[2, 3], axes=[0, 2])
    # Symmetrize
    case("sym_1d", "Symmetrize", "1-D", dims=[5])
    case("sym_1d_c", "Symmetrize", "1-D complex", dims=[6], dtype=C128)
    case("sym_2d_ax0", "Symmetrize", "2-D axis 0", dims=[4, 6], axis=0)
    case("sym_3d_last_c", "Symmetrize", "3-D last axis", dims=[3, 4, 5], axis=-1, dtype=C128)
    case("sym_3d_mid", "Symmetrize", "3-D middle axis", dims=[3, 4, 5], axis=1)
    case("sym_one", "Symmetrize", "one sample", dims=[2, 1], axis=1)
    # Pad
    case("pad_1d", "Pad", "1-D as one pair", dims=[5], pad=[2, 3])
    case("pad_1d_c", "Pad", "1-D as a list of one pair", dims=[5], pad=[[0, 4]], dtype=C128)
    case("pad_2d", "Pad", "2-D", dims=[4, 5], pad=[[1, 0], [2, 2]])
    case("pad_3d_c", "Pad", "3-D", dims=[2, 3, 4], pad=[[0, 0], [3, 1], [1, 2]], dtype=C128)
    case("pad_zero", "Pad", "no padding", dims=[3, 2], pad=[[0, 0], [0, 0]])
    case("pad_err_neg", "Pad", "negative padding", dims=[3, 2], pad=[[0, -1], [0, 0]])
    case("pad_err_count", "Pad", "a pair per axis missing", dims=[3, 2, 2], pad=[[1, 1], [0, 0]])
    # Sum (numpy's sum: pairwise along the innermost axis, sequential otherwise)
    case("sum_1d", "Sum", "1-D: pylops makes dims (n, 1), so axis=-1 keeps every value",
         dims=[10])
    case("sum_1d_ax0", "Sum", "1-D along axis 0", dims=[10], axis=0)
    case("sum_2d_last", "Sum", "2-D last axis (pairwise)", dims=[4, 20])
    case("sum_2d_ax0_c", "Sum", "2-D axis 0 (sequential)", dims=[20, 3], axis=0, dtype=C128)
    case("sum_2d_last_c", "Sum", "complex, 70 values (pairwise halves)", dims=[3, 70],
         axis=1, dtype=C128)
    case("sum_3d_unit", "Sum", "axis followed by a unit axis (pairwise)", dims=[3, 17, 1],
         axis=1)
    case("sum_3d_long", "Sum", "300 values (pairwise recursion)", dims=[2, 2, 300])
    case("sum_3d_mid", "Sum", "3-D middle axis (sequential)", dims=[3, 9, 4], axis=-2)
    case("sum_err_axis", "Sum", "axis out of range", dims=[3, 4], axis=2)
    # Block and Kronecker
    fd = lambda n, dt="float64", **k: spec("FirstDerivative", dims=n if isinstance(n, list) else [n],
                                         dtype=dt, **k)
    case("block_2x2", "Block", "[[FD, CausalInt], [Restr, Restr]]", ops=[
        [fd(6), spec("CausalIntegration", dims=6, dtype="float64")],
        [spec("Restriction", dims=6, iava=[0, 2, 5], dtype="float64"),
         spec("Restriction", dims=6, iava=[1, 1, 4], dtype="float64")]])
    case("block_2x2_c", "Block", "complex, 2-D blocks", dtype=C128, ops=[
        [fd([3, 4], C128, axis=0), spec("Flip", dims=[3, 4], dtype=C128)],
        [spec("Roll", dims=[3, 4], shift=2, dtype=C128),
         spec("SecondDerivative", dims=[3, 4], dtype=C128)]])
    case("block_1x3", "Block", "one row", ops=[
        [fd(5), spec("Symmetrize", dims=3, dtype="float64"), spec("Pad", dims=3, pad=[1, 1])]])
    case("block_3x1", "Block", "one column", ops=[
        [fd(5)], [spec("Sum", dims=[5, 1], axis=1)], [spec("Flip", dims=5)]])
    case("block_err_rows", "Block", "operators of one row with different data sizes",
         ops=[[fd(5), fd(4)]])
    case("kron_fd_restr", "Kronecker", "FD (x) Restriction",
         Op1=fd(5), Op2=spec("Restriction", dims=4, iava=[0, 3]))
    case("kron_cint_sd_c", "Kronecker", "complex CausalIntegration (x) SecondDerivative",
         Op1=spec("CausalIntegration", dims=4, kind="half", dtype=C128),
         Op2=spec("SecondDerivative", dims=[6], dtype=C128), dtype=C128)
    case("kron_2d_ops", "Kronecker", "operators on 2-D models",
         Op1=spec("Transpose", dims=[2, 3], axes=[1, 0]),
         Op2=spec("Sum", dims=[3, 4], axis=0))


def environment():
    return {
        "pylops": pylops.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "layout"))
    args = ap.parse_args()
    if pylops.__version__ != REFERENCE_PYLOPS_VERSION:
        sys.exit(f"pylops {REFERENCE_PYLOPS_VERSION} required, found {pylops.__version__}")
    root = os.path.abspath(args.out)
    os.makedirs(root, exist_ok=True)
    shutil.rmtree(os.path.join(root, "ops"), ignore_errors=True)
    define_cases()
    ids = [c["id"] for c in OP_CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    recs = [run_case(root, c) for c in OP_CASES]
    manifest = {
        "format_version": FORMAT_VERSION,
        "suite": SUITE,
        "reference_library": "pylops",
        "reference_version": REFERENCE_PYLOPS_VERSION,
        "environment": environment(),
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
    text = dumps_compact(manifest)
    assert json.loads(text) == json.loads(json.dumps(manifest, allow_nan=False))
    with open(os.path.join(root, "manifest.json"), "w") as f:
        f.write(text + "\n")
    print(f"{SUITE}: {len(recs)} operator cases "
          f"({manifest['n_expected_error_cases']} with expected errors) -> {root}")


if __name__ == "__main__":
    main()
