"""The package's surface against pylops and its own stubs and docs, and the behaviours every
operator shares: signatures, stubs, docstrings, memory layouts, bad inputs, the GIL, threads,
and the package without pylops."""

import ast
import inspect
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import rylops
from conftest import dot_tol, same_bits
from zoo import exported_operator_classes, zoo

PKG = Path(rylops.__file__).resolve().parent
TESTS = Path(__file__).resolve().parent
DTYPES = ["float32", "float64", "complex64", "complex128"]
OPERATORS = exported_operator_classes()
FUNCTIONS = ["cg", "cgls", "lsqr", "regularized_inversion"]


def test_zoo_has_every_exported_operator():
    assert OPERATORS, "no operator classes exported"
    assert sorted(zoo()) == OPERATORS


# --------------------------------------------------------------------------------------------
# Signatures: pylops' own, plus chunks=None


def _params(sig, drop_self=False):
    """(name, kind, default) of every parameter; annotations are not compared."""
    ps = list(sig.parameters.values())
    if drop_self:
        ps = ps[1:]
    return [(p.name, p.kind, p.default) for p in ps]


def _pylops_twin(name):
    pylops = pytest.importorskip("pylops")
    import pylops.signalprocessing

    twin = getattr(pylops, name, None) or getattr(pylops.signalprocessing, name, None)
    assert twin is not None, f"pylops has no {name}"
    return twin


@pytest.mark.parametrize("name", OPERATORS)
def test_operator_signature_is_pylops_plus_chunks(name):
    ours = inspect.signature(getattr(rylops, name))
    theirs = inspect.signature(_pylops_twin(name))
    got = _params(ours)
    assert got[-1] == ("chunks", inspect.Parameter.POSITIONAL_OR_KEYWORD, None), got[-1]
    assert got[:-1] == _params(theirs), f"{name}: {ours} is not pylops' {theirs} + chunks"
    # __init__ shows the same parameters (help() prints both)
    assert _params(inspect.signature(getattr(rylops, name).__init__), drop_self=True) == got


@pytest.mark.parametrize("name", FUNCTIONS)
def test_solver_signature_is_pylops_plus_compat(name):
    pytest.importorskip("pylops")
    import pylops.optimization.basic as basic
    import pylops.optimization.leastsquares as leastsquares

    theirs = getattr(basic, name, None) or getattr(leastsquares, name)
    got = _params(inspect.signature(getattr(rylops, name)))
    compat = ("pylops_compat", inspect.Parameter.KEYWORD_ONLY, True)
    assert compat in got
    got.remove(compat)
    assert got == _params(inspect.signature(theirs))


def test_every_operator_takes_chunks_and_gives_the_same_bits():
    plain = zoo()
    for name, op in zoo(chunks=2).items():
        assert op.chunks == 2
        x = (np.arange(op.shape[1]) % 7 - 3.0).reshape(op.dims)
        u = (np.arange(op.shape[0]) % 5 - 2.0).reshape(op.dimsd)
        assert same_bits(op @ x, plain[name] @ x), name
        assert same_bits(op.H @ u, plain[name].H @ u), name


# --------------------------------------------------------------------------------------------
# Stubs and docstrings


def _stub(path):
    return ast.parse(path.read_text())


def _stub_names(tree):
    """Classes, functions and annotated names (not type aliases) the stub declares."""
    out = {}
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            out[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = node
    return out


def _stub_params(fn):
    """(name, kind, default) of a stub function's parameters (`...` defaults as Ellipsis)."""
    a = fn.args
    P = inspect.Parameter
    pos = [(x.arg, P.POSITIONAL_OR_KEYWORD) for x in a.args]
    defaults = [inspect.Parameter.empty] * (len(pos) - len(a.defaults)) + [
        ast.literal_eval(d) for d in a.defaults
    ]
    out = [(n, k, d) for (n, k), d in zip(pos, defaults)]
    if a.vararg:
        out.append((a.vararg.arg, P.VAR_POSITIONAL, P.empty))
    for x, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append((x.arg, P.KEYWORD_ONLY, P.empty if d is None else ast.literal_eval(d)))
    if a.kwarg:
        out.append((a.kwarg.arg, P.VAR_KEYWORD, P.empty))
    return out


def test_stubs_cover_the_exports():
    names = _stub_names(_stub(PKG / "__init__.pyi"))
    missing = set(rylops.__all__) - set(names)
    assert not missing, f"not in __init__.pyi: {sorted(missing)}"
    extra = {n for n in names if not n.startswith("_")} - set(rylops.__all__)
    assert not extra, f"in __init__.pyi but not exported: {sorted(extra)}"
    assert "__version__" in names


def test_stub_signatures_are_the_runtime_ones():
    names = _stub_names(_stub(PKG / "__init__.pyi"))
    for name in rylops.__all__:
        obj, node = getattr(rylops, name), names[name]
        if isinstance(node, ast.ClassDef):
            init = next((f for f in node.body if isinstance(f, ast.FunctionDef)
                         and f.name == "__init__"), None)
            assert init is not None, f"{name}: no __init__ in the stub"
            got = _stub_params(init)
            want = _params(inspect.signature(obj.__init__))
            assert [g[:2] for g in got] == [w[:2] for w in want], name
            for g, w in zip(got, want):
                assert g[2] is Ellipsis or g[2] == w[2], f"{name}.{g[0]}: {g[2]!r} != {w[2]!r}"
            bases = [ast.unparse(b) for b in node.bases]
            for b in bases:
                if b in rylops.__all__:
                    assert issubclass(obj, getattr(rylops, b)), f"{name} is not a {b}"
        elif isinstance(node, ast.FunctionDef):
            got = _stub_params(node)
            want = _params(inspect.signature(obj))
            assert [g[:2] for g in got] == [w[:2] for w in want], name
            for g, w in zip(got, want):
                assert g[2] is Ellipsis or g[2] == w[2], f"{name}.{g[0]}"


def test_native_stub_covers_the_native_module():
    names = _stub_names(_stub(PKG / "_rylops.pyi"))
    native = {n for n in dir(rylops._rylops) if not n.startswith("_")}
    assert native == {n for n in names if not n.startswith("_")}
    for n in native - {"NativeOperator"}:
        got = [p[0] for p in _stub_params(names[n])]
        sig = getattr(rylops._rylops, n).__text_signature__
        assert sig is not None, n
        want = [p.strip().split("=")[0] for p in sig.strip("()").split(",") if p.strip()]
        want = [p for p in want if p not in ("$module", "/", "*")]
        assert got == want, f"_rylops.{n}: stub {got}, native {want}"


def _sections(doc):
    """numpydoc sections: {title: [lines]} (a title is a line followed by dashes)."""
    lines = inspect.cleandoc(doc).splitlines()
    out, cur = {}, None
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[i + 1].strip()) and line.strip():
            cur = line.strip()
            out[cur] = []
        elif cur and not re.fullmatch(r"-{3,}", line.strip()):
            out[cur].append(line)
    return out


def _documented_params(doc):
    names = []
    for line in _sections(doc).get("Parameters", []):
        if line and not line[0].isspace():
            names += [n.strip() for n in line.split(" : ")[0].split(",")]
    return names


@pytest.mark.parametrize("name", OPERATORS + FUNCTIONS + ["set_num_threads", "normalize_chunks"])
def test_numpydoc_documents_every_parameter(name):
    obj = getattr(rylops, name)
    doc = obj.__doc__
    assert doc and doc.strip(), f"{name} has no docstring"
    sig = inspect.signature(obj)
    want = [("**" if p.kind is p.VAR_KEYWORD else "") + p.name for p in sig.parameters.values()]
    assert sorted(_documented_params(doc)) == sorted(want), name
    summary = inspect.cleandoc(doc).split("\nParameters\n")[0].splitlines()
    assert not [line for line in summary if line[:1].isspace()], f"{name}: indented summary"
    if isinstance(obj, type):
        # help() shows pylops' signature and the numpydoc text
        text = __import__("pydoc").render_doc(obj, renderer=__import__("pydoc").plaintext)
        assert f"{name}({', '.join(str(p) for p in sig.parameters.values())})" in text
        assert "Parameters" in text


@pytest.mark.parametrize("name", [n for n in rylops.__all__ if callable(getattr(rylops, n))])
def test_every_export_has_a_docstring(name):
    doc = getattr(rylops, name).__doc__
    assert doc and len(doc.strip()) > 20, name


# --------------------------------------------------------------------------------------------
# Every operator: a pylops LinearOperator passing pylops' dot test, memory layouts, bad inputs


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_operator_is_a_pylops_operator_passing_dottest(dtype):
    pylops = pytest.importorskip("pylops")
    from pylops.utils import dottest

    for chunks in (None, 2):
        for name, op in zoo(dtype, chunks).items():
            assert isinstance(op, pylops.LinearOperator), name
            assert op.explicit is False and op.clinear
            rtol, atol = dot_tol(dtype, op.shape)
            cplx = 3 if "complex" in dtype else 0
            assert dottest(op, *op.shape, complexflag=cplx, rtol=rtol, atol=atol), name


def _layouts(a):
    """Views of `a` (any layout) with its values: Fortran order, strided, reversed."""
    big = np.zeros(tuple(2 * n for n in a.shape), dtype=a.dtype)
    big[tuple(slice(None, None, 2) for _ in a.shape)] = a
    rev = np.ascontiguousarray(a[::-1])[::-1]
    out = [np.asfortranarray(a), big[tuple(slice(None, None, 2) for _ in a.shape)], rev]
    assert not any(v.flags.c_contiguous for v in out)
    return out


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_operator_any_layout_same_bits(dtype):
    rng = np.random.default_rng(5)
    for name, op in zoo(dtype).items():
        assert op.dtype == np.dtype(dtype), name
        x = rng.standard_normal(op.dims).astype(dtype)
        u = rng.standard_normal(op.dimsd).astype(dtype)
        y, xa = op @ np.ascontiguousarray(x), op.H @ np.ascontiguousarray(u)
        assert y.dtype == np.dtype(dtype) and xa.dtype == np.dtype(dtype), name
        for v in _layouts(x):
            assert same_bits(op @ v, y), f"{name}: forward, layout {v.strides}"
            assert same_bits(op.forward(v), y), name
        for v in _layouts(u):
            assert same_bits(op.H @ v, xa), f"{name}: adjoint, layout {v.strides}"
        # a strided flat vector through pylops' flat path
        flat = np.zeros(2 * x.size, dtype=dtype)
        flat[::2] = x.ravel()
        assert same_bits(op.matvec(flat[::2]), y.ravel()), name


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_operator_bad_inputs_raise(dtype):
    for name, op in zoo(dtype).items():
        n, m = op.shape[1], op.shape[0]
        for bad in (np.ones(n + 1, dtype=dtype), np.ones((n, 2), dtype=dtype)):
            with pytest.raises(ValueError):
                op.matvec(bad)
        with pytest.raises(ValueError):
            op.rmatvec(np.ones(m + 1, dtype=dtype))
        with pytest.raises(ValueError):
            op.forward(np.ones(n + 1, dtype=dtype))
        with pytest.raises(ValueError):
            op.adjoint_apply(np.ones(m + 1, dtype=dtype))
        with pytest.raises(TypeError):
            op.matvec(np.empty(n, dtype=object))
        with pytest.raises(TypeError):
            op.matvec(np.array(["a"] * n))
        if np.dtype(dtype).kind == "f":
            with pytest.raises(TypeError):  # complex into a real operator
                op.matvec(np.ones(n, dtype=np.complex128))
        wider = {"float32": np.float64, "complex64": np.complex128}.get(dtype)
        if wider is not None:
            with pytest.raises(TypeError):  # no silent downcast
                op.matvec(np.ones(n, dtype=wider))
        with pytest.raises(ValueError):  # chunks that do not tile the model
            rylops.RylopsOperator(op.native, chunks=tuple((k + 1,) for k in op.dims))
        with pytest.raises(TypeError):
            rylops.RylopsOperator(op.native, chunks="auto")
        # the native layer checks sizes and dtypes itself
        with pytest.raises(ValueError):
            op.native.apply(np.ones(n + 1, dtype=dtype))
        other = "float64" if dtype != "float64" else "float32"
        with pytest.raises(TypeError):
            op.native.apply(np.ones(n, dtype=other))
        # nothing above broke the operator
        assert (op @ np.ones(op.dims, dtype=dtype)).shape == op.dimsd, name


@pytest.mark.parametrize("name", OPERATORS)
def test_bad_constructor_arguments_raise_typed_errors(name):
    """Wrong types and values in every position raise an exception (never a crash), and a
    wrong dtype raises TypeError."""
    cls = getattr(rylops, name)
    sig = inspect.signature(cls)
    good = zoo()[name]
    with pytest.raises(TypeError):
        cls(**_args_of(name, good), dtype="int32")
    with pytest.raises(TypeError):
        cls(**_args_of(name, good), dtype="no such dtype")
    with pytest.raises(TypeError):
        cls(**_args_of(name, good), not_a_parameter=1)
    for p in sig.parameters:
        if p in ("name", "chunks", "dtype", "inplace", "forceflat"):
            continue
        for bad in ("x", -(10**30), 2.5, None, [[1, 2], [3]], object()):
            kw = _args_of(name, good)
            kw[p] = bad
            try:
                cls(**kw)
            except (TypeError, ValueError, IndexError, NotImplementedError, OverflowError):
                pass


def _args_of(name, op):
    """Constructor arguments that rebuild `op` (from the zoo's calls)."""
    table = {
        "FirstDerivative": dict(dims=op.dims, axis=1, edge=True),
        "SecondDerivative": dict(dims=op.dims, axis=0, edge=True),
        "Laplacian": dict(dims=op.dims, axes=(0, 2), weights=(1.0, 2.0)),
        "Gradient": dict(dims=op.dims, sampling=(1.0, 0.5, 2.0)),
        "FirstDirectionalDerivative": dict(dims=op.dims, v=np.array([0.6, 0.8])),
        "SecondDirectionalDerivative": dict(dims=op.dims, v=np.array([0.6, 0.8])),
        "Identity": dict(N=op.dimsd, M=op.dims),
        "Zero": dict(N=op.dimsd, M=op.dims),
        "Diagonal": dict(diag=np.ones(op.dims)),
        "MatrixMult": dict(A=np.ones((4, 6)), otherdims=(3,)),
        "Restriction": dict(dims=op.dims, iava=[0, 2], axis=1),
        "CausalIntegration": dict(dims=op.dims, kind="half"),
        "Flip": dict(dims=op.dims, axis=0),
        "Roll": dict(dims=op.dims, axis=1, shift=-2),
        "Transpose": dict(dims=op.dims, axes=(2, 0, 1)),
        "Symmetrize": dict(dims=op.dims, axis=0),
        "Pad": dict(dims=op.dims, pad=((1, 2), (0, 3))),
        "Sum": dict(dims=op.dims, axis=1),
        "Convolve1D": dict(dims=op.dims, h=[0.5, 1.0, -0.25], offset=1),
        "Smoothing1D": dict(nsmooth=4, dims=op.dims, axis=0),
        "ConvolveND": dict(dims=op.dims, h=np.ones((2, 3)), axes=(0, 2)),
        "Convolve2D": dict(dims=op.dims, h=np.ones((2, 3))),
        "Smoothing2D": dict(nsmooth=(3, 4), dims=op.dims),
    }
    return dict(table[name])


# --------------------------------------------------------------------------------------------
# The GIL and threads


def _progress_during(work):
    """Runs `work` (which returns the perf_counter times just before and after its native call)
    in a thread while this thread counts its own progress; returns the native call's duration
    and the fraction of its middle half during which this thread recorded a tick at least every
    millisecond or so."""
    done = threading.Event()
    window = []

    def run():
        try:
            window.extend(work())
        finally:
            done.set()

    ticks = []
    t = threading.Thread(target=run)
    last = time.perf_counter()
    t.start()
    while not done.is_set():
        now = time.perf_counter()
        if now - last >= 1e-3:
            ticks.append(now)
            last = now
    t.join()
    t0, t1 = window
    w = t1 - t0
    lo, hi = t0 + 0.25 * w, t0 + 0.75 * w
    inside = sum(1 for s in ticks if lo <= s <= hi)
    return w, inside / max(1.0, (hi - lo) * 1e3)


def test_gil_released_during_apply_and_solve():
    """While rylops applies an operator or runs a solver, another Python thread keeps running
    (with the GIL held it would record no tick at all during the call)."""
    rylops.set_num_threads(1)
    try:
        L = rylops.Laplacian((160, 160, 160), axes=(0, 1, 2), weights=(1, 1, 1), sampling=(1, 1, 1))
        x = np.random.default_rng(0).standard_normal(L.dims)

        def apply():
            t0 = time.perf_counter()
            for _ in range(4):
                L.native.apply(x, False, None)
            return t0, time.perf_counter()

        L2 = rylops.Laplacian((1024, 1024))
        y = L2 @ np.random.default_rng(1).standard_normal(L2.shape[1])

        def solve():
            t0 = time.perf_counter()
            rylops.cgls(L2, y, niter=40, tol=0.0)
            return t0, time.perf_counter()

        for what, work in (("apply", apply), ("solve", solve)):
            w, frac = _progress_during(work)
            assert w > 0.02, f"{what}: the native call took only {w * 1e3:.1f} ms"
            assert frac > 0.1, f"{what}: the other thread ran {frac:.0%} of the time"
    finally:
        rylops.set_num_threads(0)
    # the probe itself: a C call that holds the GIL (sorting floats) leaves no tick
    values = np.random.default_rng(2).standard_normal(400_000).tolist()

    def hold():
        t0 = time.perf_counter()
        sorted(values)
        return t0, time.perf_counter()

    w, frac = _progress_during(hold)
    assert w > 0.02 and frac < 0.05, (w, frac)


THREADS = r"""
import rylops
print(rylops.get_num_threads())
rylops.set_num_threads(2)
print(rylops.get_num_threads())
rylops.set_num_threads(0)
print(rylops.get_num_threads())
"""


def test_rayon_num_threads_and_set_num_threads():
    env = dict(os.environ, RAYON_NUM_THREADS="3")
    r = subprocess.run([sys.executable, "-c", THREADS], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["3", "2", "3"]


# --------------------------------------------------------------------------------------------
# Without pylops: every operator, matvec / rmatvec / @ / .H, and the solvers

FALLBACK_ALL = r"""
import sys
sys.modules["pylops"] = None  # make `import pylops` fail
sys.path.insert(0, sys.argv[1])
import numpy as np
import rylops
from zoo import zoo, exported_operator_classes
assert not rylops.HAVE_PYLOPS
for dtype in ("float32", "float64", "complex64", "complex128"):
    ops = zoo(dtype)
    assert sorted(ops) == exported_operator_classes()
    tol = 1e-4 if dtype in ("float32", "complex64") else 1e-10
    rng = np.random.default_rng(1)
    for name, op in ops.items():
        assert isinstance(op, rylops.FallbackLinearOperator), name
        m, n = op.shape
        x = rng.standard_normal(n).astype(dtype)
        u = rng.standard_normal(m).astype(dtype)
        y, xa = op.matvec(x), op.rmatvec(u)
        assert y.shape == (m,) and xa.shape == (n,), name
        assert np.array_equal(op @ x.reshape(op.dims), y.reshape(op.dimsd)), name
        assert np.array_equal(op.H @ u, xa), name
        assert op.H.H is op
        assert op.matvec(x.reshape(n, 1)).shape == (m, 1)
        a, b = np.vdot(u, y), np.vdot(xa, x)
        assert abs(a - b) <= tol * max(1.0, abs(a)), (name, dtype, a, b)
        try:
            op.matvec(np.ones(n + 1, dtype=dtype))
        except ValueError:
            pass
        else:
            raise AssertionError(f"{name}: no ValueError")
L = rylops.Laplacian((8, 9), edge=True)
y = L.matvec(np.arange(72.0))
assert len(rylops.cgls(L, y, niter=5)) == 6
assert len(rylops.lsqr(L, y, niter=5)) == 11
A = rylops.Identity(72)
assert len(rylops.cg(A, y, niter=5)) == 3
assert len(rylops.regularized_inversion(A, y, [L], epsRs=[0.5], niter=5)) == 5
print("fallback ok")
"""


def test_every_operator_without_pylops():
    r = subprocess.run(
        [sys.executable, "-c", FALLBACK_ALL, str(TESTS)], capture_output=True, text=True
    )
    assert r.returncode == 0, r.stderr
    assert "fallback ok" in r.stdout


# --------------------------------------------------------------------------------------------
# Solvers on Python operators (callbacks)


def test_solvers_through_callbacks_on_a_python_operator():
    """A plain Python operator (no pylops): rylops' solvers call its matvec/rmatvec and give
    the answers they give on the equivalent rylops operator."""

    class PyLaplacian:
        def __init__(self, op):
            self.op, self.shape, self.dtype, self.dims = op, op.shape, op.dtype, op.dims

        def matvec(self, x):
            return self.op.matvec(x)

        def rmatvec(self, x):
            return self.op.rmatvec(x)

    L = rylops.Laplacian((20, 24), edge=True)
    P = PyLaplacian(L)
    y = L @ np.random.default_rng(2).standard_normal(L.shape[1])
    for solver, kw in ((rylops.cgls, dict(niter=12, damp=0.1, tol=0.0)),
                       (rylops.lsqr, dict(niter=12, damp=0.1))):
        a, b = solver(P, y, **kw), solver(L, y, **kw)
        assert len(a) == len(b)
        assert np.allclose(a[0], b[0], rtol=1e-12, atol=1e-14)
        assert a[1:3] == b[1:3]
    I = rylops.Identity(L.shape[1])
    PI = PyLaplacian(I)
    a = rylops.regularized_inversion(PI, y, [P], epsRs=[0.3], engine="pylops", niter=10, tol=0.0)
    b = rylops.regularized_inversion(I, y, [L], epsRs=[0.3], engine="pylops", niter=10, tol=0.0)
    assert len(a) == 5
    assert np.allclose(a[0], b[0], rtol=1e-12, atol=1e-14) and a[1:3] == b[1:3]
    D = rylops.Diagonal(np.linspace(1.0, 3.0, L.shape[1]))
    a, b = rylops.cg(PyLaplacian(D), y, niter=4, tol=0.0), rylops.cg(D, y, niter=4, tol=0.0)
    assert len(a) == 3 and np.allclose(a[0], b[0], rtol=1e-12, atol=1e-14) and a[1] == b[1]
