"""rylops' operators with pylops 2.8.0's signatures and defaults (plus ``chunks=``).

Each operator is declared once, by :func:`_make`: its pylops parameters with their defaults, a
builder that checks the arguments and returns the native operator (and the attributes pylops
sets), and its documentation. ``_make`` gives the class its ``__init__`` (with pylops' signature
plus ``chunks=None``, as ``inspect.signature`` and ``help()`` show it) and its numpydoc docstring,
in which every parameter is documented (a missing entry fails at import).
"""

from __future__ import annotations

import inspect
import textwrap

import numpy as np

from . import _rylops
from ._base import (
    RylopsOperator,
    as_dims,
    as_dtype,
    as_float,
    as_floats,
    as_int,
    as_kind,
    cast_array,
)

# ----------------------------------------------------------------------------------------------
# The class factory

_DTYPE = "float64"
_CHUNKS = inspect.Parameter("chunks", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)
_SELF = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)

# numpydoc entries shared by the operators (an operator may override any of them)
_OPT_INT = ":obj:`int`, optional"
_OPT_STR = ":obj:`str`, optional"
_OPT_BOOL = ":obj:`bool`, optional"
_OPT_TUPLE = ":obj:`tuple`, optional"
_OPT_FLOATS = ":obj:`float` or :obj:`tuple`, optional"
_DIMS_T = ":obj:`int` or :obj:`tuple`"
_CHUNKS_T = ":obj:`int` or :obj:`tuple` or :obj:`dict`, optional"
_KIND = '``"forward"``, ``"centered"`` or ``"backward"``.'
_COMMON_DOCS = {
    "dims": (_DIMS_T, "Number of samples for each dimension."),
    "kind": (_OPT_STR, _KIND),
    "edge": (_OPT_BOOL, "Use reduced order derivative at edges (centered only)."),
    "inplace": (_OPT_BOOL, "Accepted for compatibility; rylops always returns a new array."),
    "forceflat": (_OPT_BOOL, "Accepted for compatibility."),
    "dtype": (_OPT_STR, "float32, float64, complex64 or complex128."),
    "name": (_OPT_STR, "Name of the operator."),
    "chunks": (_CHUNKS_T, "Dask-style chunks of the model."),
}
_AXIS_ERR = ("numpy.exceptions.AxisError", "If ``axis`` is out of range.")
_AXES_ERR = ("numpy.exceptions.AxisError", "If an axis is out of range.")


def _signature(*required, **defaults) -> inspect.Signature:
    """pylops' parameters (the required ones, then those with defaults, in pylops' order)
    followed by ``chunks=None``."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter(n, kind) for n in required]
    params += [inspect.Parameter(n, kind, default=v) for n, v in defaults.items()]
    return inspect.Signature([*params, _CHUNKS])


def _docstring(summary, sig, docs, raises) -> str:
    """A numpydoc docstring: ``summary``, every parameter of ``sig`` (from ``docs`` or the
    shared entries: a description, or a ``(type, description)`` pair), and ``raises``."""
    out = [inspect.cleandoc(summary), "", "Parameters", "----------"]
    for p in sig.parameters:
        entry = docs.get(p, _COMMON_DOCS.get(p))
        if entry is None:
            raise TypeError(f"parameter {p!r} is not documented")
        typ, desc = entry if isinstance(entry, tuple) else (_COMMON_DOCS[p][0], entry)
        out.append(f"{p} : {typ}")
        out += textwrap.wrap(desc, 92, initial_indent="    ", subsequent_indent="    ")
    if raises:
        out += ["", "Raises", "------"]
        for exc, desc in raises:
            out.append(exc)
            out += textwrap.wrap(desc, 92, initial_indent="    ", subsequent_indent="    ")
    return "\n".join(out) + "\n"


def _make(name, sig, build, summary, docs=None, raises=(), base=RylopsOperator, methods=None):
    """An operator class: ``__init__`` with signature ``sig`` binds its arguments, calls
    ``build`` with all of them but ``name`` and ``chunks`` (``build`` checks them and returns
    the native operator and a dict of attributes to set, as pylops sets them), and hands the
    native operator to :class:`RylopsOperator`."""
    build_params = [p for p in sig.parameters if p not in ("name", "chunks")]
    if list(inspect.signature(build).parameters) != build_params:
        raise TypeError(f"{name}: the builder's parameters are not {build_params}")

    def __init__(self, *args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        kw = dict(bound.arguments)
        op_name, chunks = kw.pop("name"), kw.pop("chunks")
        native, attrs = build(**kw)
        for k, v in attrs.items():
            setattr(self, k, v)
        RylopsOperator.__init__(self, native, chunks, op_name)

    __init__.__signature__ = sig.replace(parameters=[_SELF, *sig.parameters.values()])
    __init__.__qualname__ = f"{name}.__init__"
    __init__.__module__ = __name__
    ns = {
        "__init__": __init__,
        "__doc__": _docstring(summary, sig, docs or {}, raises),
        "__module__": __name__,
        "__qualname__": name,
    }
    ns.update(methods or {})
    return type(base)(name, (base,), ns)


# ----------------------------------------------------------------------------------------------
# Argument helpers


def _order(order) -> int:
    o = as_int(order, "order")
    if o < 0:
        raise NotImplementedError(f"order must be '3', or '5', got {o}")
    return o


def _signed(axes, what="axes") -> list:
    """``axes`` (an int or a sequence of ints, possibly negative) as a list of ints."""
    if isinstance(axes, (int, np.integer)):
        return [as_int(axes, what)]
    try:
        seq = tuple(axes)
    except TypeError:
        raise TypeError(f"{what} must be a sequence of ints, got {axes!r}") from None
    return [as_int(a, what) for a in seq]


def _direction(v, dims, dtype):
    v = cast_array(v, dtype, "v")
    nd = len(dims)
    if v.ndim == 1 or v.shape == (nd,):
        return np.ascontiguousarray(v.ravel())
    return np.ascontiguousarray(v.reshape((nd, *dims)) if v.size == nd * int(np.prod(dims)) else v)


def _shapes(N, M):
    M = N if M is None else M
    if isinstance(N, (int, np.integer)) and isinstance(M, (int, np.integer)):
        return as_dims(M, "M"), as_dims(N, "N")
    if isinstance(N, (tuple, list)) and isinstance(M, (tuple, list)):
        return as_dims(M, "M"), as_dims(N, "N")
    raise TypeError("N and M must be both ints or both tuples")


def _filter(h, dtype, what="h"):
    """A filter as a C-contiguous array of ``dtype``: real values are rounded to ``dtype``
    (as pylops, which multiplies them into the model's dtype); complex values need a complex
    ``dtype``."""
    a = np.asarray(h)
    if a.dtype == object or a.dtype.kind not in "biufc":
        raise TypeError(f"{what} must be a numeric array, got dtype {a.dtype}")
    if a.dtype.kind == "c" and dtype.kind != "c":
        raise TypeError(
            f"{what} is complex but the operator's dtype is {dtype.name}: build the operator "
            "with a complex dtype"
        )
    return np.ascontiguousarray(a, dtype=dtype)


def _method(method, default, name):
    if method != default:
        raise NotImplementedError(
            f"{name}: method={method!r} is not supported: rylops computes pylops' default "
            f"method ({default!r}) only"
        )


# ----------------------------------------------------------------------------------------------
# Derivatives


def _first_derivative(dims, axis, sampling, kind, edge, order, dtype):
    dims = as_dims(dims)
    native = _rylops.first_derivative(
        dims,
        as_int(axis, "axis"),
        as_float(sampling, "sampling"),
        as_kind(kind),
        bool(edge),
        _order(order),
        as_dtype(dtype).name,
    )
    attrs = dict(axis=int(axis) % len(dims), sampling=sampling, kind=kind, edge=edge, order=order)
    return native, attrs


FirstDerivative = _make(
    "FirstDerivative",
    _signature(
        "dims", axis=-1, sampling=1.0, kind="centered", edge=False, order=3, dtype=_DTYPE, name="F"
    ),
    _first_derivative,
    """First derivative along an axis (pylops' ``FirstDerivative``), computed by rylops.

    Bit-for-bit equal to pylops 2.8.0 in float64 and complex128, in every chunking.""",
    docs={
        "axis": (_OPT_INT, "Axis along which the derivative is applied (negative counts from "
                 "the end)."),
        "sampling": (":obj:`float`, optional", r"Sampling step :math:`\Delta x`."),
        "edge": "Use reduced order derivative at edges (``True``) or ignore them (``False``); "
        "centered only.",
        "order": (_OPT_INT, "Order of the centered derivative: 3 or 5."),
        "chunks": "Dask-style chunks of the model: the input is processed chunk by chunk in "
        "parallel, with halos only along a chunked derivative axis; the result is the same bit "
        "for bit.",
    },
    raises=[
        _AXIS_ERR,
        ("NotImplementedError", "If ``kind`` or ``order`` is not supported."),
        ("IndexError", "If the axis is too short for the edge stencil."),
        ("ValueError", "If ``sampling`` is zero or not finite."),
        ("TypeError", "If ``dtype`` is not supported."),
    ],
)


def _second_derivative(dims, axis, sampling, kind, edge, dtype):
    dims = as_dims(dims)
    native = _rylops.second_derivative(
        dims,
        as_int(axis, "axis"),
        as_float(sampling, "sampling"),
        as_kind(kind),
        bool(edge),
        as_dtype(dtype).name,
    )
    return native, dict(axis=int(axis) % len(dims), sampling=sampling, kind=kind, edge=edge)


_SEE_FD = "Dask-style chunks of the model (see :class:`FirstDerivative`)."

SecondDerivative = _make(
    "SecondDerivative",
    _signature("dims", axis=-1, sampling=1.0, kind="centered", edge=False, dtype=_DTYPE, name="S"),
    _second_derivative,
    """Second derivative along an axis (pylops' ``SecondDerivative``), computed by rylops.""",
    docs={
        "axis": (_OPT_INT, "Axis along which the derivative is applied."),
        "sampling": (":obj:`float`, optional", r"Sampling step :math:`\Delta x`."),
        "edge": "Use reduced order derivative at edges (centered only).",
        "chunks": _SEE_FD,
    },
    raises=[
        _AXIS_ERR,
        ("NotImplementedError", "If ``kind`` is not supported."),
        ("ValueError", "If ``sampling`` is zero or not finite."),
    ],
)


def _laplacian(dims, axes, weights, sampling, edge, kind, dtype):
    dims = as_dims(dims)
    ax = _signed(axes)
    w = as_floats(weights, len(ax), "weights")
    s = as_floats(sampling, len(ax), "sampling")
    native = _rylops.laplacian(dims, ax, w, s, bool(edge), as_kind(kind), as_dtype(dtype).name)
    attrs = dict(
        axes=tuple(a % len(dims) for a in ax),
        weights=weights,
        sampling=sampling,
        edge=edge,
        kind=kind,
    )
    return native, attrs


Laplacian = _make(
    "Laplacian",
    _signature(
        "dims",
        axes=(-2, -1),
        weights=(1.0, 1.0),
        sampling=(1.0, 1.0),
        edge=False,
        kind="centered",
        dtype=_DTYPE,
        name="L",
    ),
    _laplacian,
    """Laplacian (pylops' ``Laplacian``): a weighted sum of second derivatives, computed by
    rylops in one fused pass.""",
    docs={
        "dims": (":obj:`tuple`", "Number of samples for each dimension."),
        "axes": (_OPT_TUPLE, "Axes along which the second derivatives are applied."),
        "weights": (_OPT_TUPLE, "Weight of each axis."),
        "sampling": (_OPT_TUPLE, "Sampling step of each axis."),
        "chunks": _SEE_FD,
    },
    raises=[
        ("ValueError", "If ``axes``, ``weights`` and ``sampling`` have different lengths."),
        _AXES_ERR,
    ],
)


def _gradient(dims, sampling, edge, kind, dtype):
    dims = as_dims(dims)
    s = as_floats(sampling, len(dims), "sampling")
    native = _rylops.gradient(dims, s, bool(edge), as_kind(kind), as_dtype(dtype).name)
    return native, dict(sampling=sampling, edge=edge, kind=kind)


Gradient = _make(
    "Gradient",
    _signature("dims", sampling=1.0, edge=False, kind="centered", dtype=_DTYPE, name="G"),
    _gradient,
    """Gradient (pylops' ``Gradient``): the first derivatives along every axis, stacked along
    a new leading axis (``dimsd = (ndim, *dims)``).""",
    docs={
        "sampling": (_OPT_FLOATS, "Sampling step, one for all axes or one per axis."),
        "chunks": "Dask-style chunks of the model; the data's leading axis is one chunk.",
    },
    raises=[("ValueError", "If ``sampling`` does not have one entry per axis.")],
)


def _directional(second):
    def build(dims, v, sampling, edge, kind, dtype):
        dims = as_dims(dims)
        dt = as_dtype(dtype)
        s = as_floats(sampling, len(dims), "sampling")
        vv = _direction(v, dims, dt)
        native = _rylops.directional_derivative(
            dims, vv, s, bool(edge), as_kind(kind), second, dt.name
        )
        return native, dict(v=v, sampling=sampling, edge=edge, kind=kind)

    return build


_DIRECTIONAL_DOCS = {
    "dims": (":obj:`tuple`", "Number of samples for each dimension."),
    "v": (":obj:`numpy.ndarray`", "One direction (``ndim`` components) or one per point (shape "
          "``(ndim, *dims)``)."),
    "sampling": (_OPT_FLOATS, "Sampling step, one for all axes or one per axis."),
}
_DIRECTIONAL_RAISES = [("ValueError", "If ``v`` has neither shape.")]

FirstDirectionalDerivative = _make(
    "FirstDirectionalDerivative",
    _signature("dims", "v", sampling=1.0, edge=False, kind="centered", dtype=_DTYPE, name="F"),
    _directional(False),
    """First directional derivative (pylops' ``FirstDirectionalDerivative``): the gradient
    projected on a direction ``v``.""",
    docs=_DIRECTIONAL_DOCS,
    raises=_DIRECTIONAL_RAISES,
)

SecondDirectionalDerivative = _make(
    "SecondDirectionalDerivative",
    _signature("dims", "v", sampling=1.0, edge=False, kind="centered", dtype=_DTYPE, name="S"),
    _directional(True),
    """Second directional derivative (pylops' ``SecondDirectionalDerivative``):
    ``-D_v^H D_v`` with ``D_v`` the :class:`FirstDirectionalDerivative`.""",
    docs=_DIRECTIONAL_DOCS,
    raises=_DIRECTIONAL_RAISES,
    base=FirstDirectionalDerivative,
)

# ----------------------------------------------------------------------------------------------
# Basic operators

_N_DOCS = {
    "N": (_DIMS_T, "Data size (or shape)."),
    "M": (":obj:`int` or :obj:`tuple`, optional", "Model size (or shape); ``N`` if not given."),
}
_NM_RAISES = [("TypeError", "If ``N`` and ``M`` are not both ints or both tuples.")]


def _identity(N, M, inplace, forceflat, dtype):
    dims, dimsd = _shapes(N, M)
    return _rylops.identity(dims, dimsd, as_dtype(dtype).name), dict(inplace=inplace)


Identity = _make(
    "Identity",
    _signature("N", M=None, inplace=True, forceflat=None, dtype=_DTYPE, name="I"),
    _identity,
    """Identity (pylops' ``Identity``): square, or rectangular (truncation or zero padding
    along every axis).""",
    docs=_N_DOCS,
    raises=_NM_RAISES,
)


def _zero(N, M, forceflat, dtype):
    dims, dimsd = _shapes(N, M)
    return _rylops.zero(dims, dimsd, as_dtype(dtype).name), {}


Zero = _make(
    "Zero",
    _signature("N", M=None, forceflat=None, dtype=_DTYPE, name="Z"),
    _zero,
    """Zero operator (pylops' ``Zero``).""",
    docs=_N_DOCS,
    raises=_NM_RAISES,
)


def _diagonal(diag, dims, axis, dtype):
    dt = as_dtype(dtype)
    d = cast_array(diag, dt, "diag")
    if dims is not None:
        dims = as_dims(dims)
        if dims == d.shape and d.ndim > 1:
            dims = None
    native = _rylops.diagonal(
        np.ascontiguousarray(d) if dims is None else np.ascontiguousarray(d.ravel()),
        None if dims is None else list(dims),
        as_int(axis, "axis"),
        dt.name,
    )
    return native, dict(diag=diag, axis=axis)


Diagonal = _make(
    "Diagonal",
    _signature("diag", dims=None, axis=-1, dtype=_DTYPE, name="D"),
    _diagonal,
    """Diagonal operator (pylops' ``Diagonal``): element-wise multiplication by ``diag``
    (adjoint: by its conjugate).""",
    docs={
        "diag": (":obj:`numpy.ndarray`", "The diagonal: of the model shape (``dims=None``), or "
                 "1-D broadcast along ``axis`` of ``dims``."),
        "dims": (_OPT_TUPLE, "Model shape when ``diag`` is broadcast."),
        "axis": (_OPT_INT, "Axis along which ``diag`` is laid when ``dims`` is given."),
        "dtype": "float32, float64, complex64 or complex128 (``diag`` is converted to it).",
    },
    raises=[
        ("TypeError", "If ``diag`` cannot be converted to ``dtype`` without loss."),
        ("ValueError", "If ``diag`` does not fit ``dims`` along ``axis``."),
    ],
)


def _matrix_mult(A, otherdims, forceflat, dtype):
    dt = as_dtype(dtype)
    if hasattr(A, "toarray") and not isinstance(A, np.ndarray):
        raise TypeError("rylops.MatrixMult takes a dense numpy array (use A.toarray())")
    a = cast_array(A, dt, "A")
    od = [] if otherdims is None else list(as_dims(otherdims, "otherdims"))
    native = _rylops.matrix_mult(a, od, dt.name)
    return native, dict(A=A, otherdims=None if otherdims is None else tuple(od))


MatrixMult = _make(
    "MatrixMult",
    _signature("A", otherdims=None, forceflat=None, dtype=_DTYPE, name="M"),
    _matrix_mult,
    """Dense matrix multiplication (pylops' ``MatrixMult``), computed by rylops.""",
    docs={
        "A": (":obj:`numpy.ndarray`", "2-D matrix."),
        "otherdims": (":obj:`int` or :obj:`tuple`, optional", "Trailing model dimensions: ``A`` "
                      "multiplies every column of the model seen as an ``A.shape[1] x "
                      "prod(otherdims)`` matrix."),
        "dtype": "float32, float64, complex64 or complex128 (``A`` is converted to it).",
    },
    raises=[
        ("TypeError", "If ``A`` is not a dense array convertible to ``dtype`` without loss."),
        ("ValueError", "If ``A`` is not 2-D."),
    ],
)

# ----------------------------------------------------------------------------------------------
# Layout operators


def _restriction(dims, iava, axis, inplace, forceflat, dtype):
    dims = as_dims(dims)
    ax = as_int(axis, "axis")
    iv = np.asarray(iava)
    if iv.size and (iv.dtype == object or iv.dtype.kind not in "iu"):
        raise TypeError(f"iava must contain integers, got dtype {iv.dtype}")
    iv = iv.astype(np.int64).ravel()
    if -len(dims) <= ax < len(dims):
        n = dims[ax]
        bad = iv[(iv >= n) | (iv < -n)]
        if bad.size:
            raise IndexError(
                f"index {int(bad[0])} is out of bounds for axis {ax % len(dims)} with size {n}"
            )
    native = _rylops.restriction(dims, iv.tolist(), ax, as_dtype(dtype).name)
    return native, dict(iava=np.asarray(iava), axis=ax % len(dims), inplace=inplace)


def _mask(self, x):
    """``x`` with the samples at ``iava`` kept and the others masked (pylops' ``mask``).

    Parameters
    ----------
    x : :obj:`numpy.ndarray`
        Model (flattened or of shape ``dims``).

    Returns
    -------
    y : :obj:`numpy.ma.MaskedArray`
        Array of shape ``dims``: ``x`` at the ``iava`` positions along ``axis``, masked
        zeros elsewhere.

    Raises
    ------
    ValueError
        If an index is repeated in ``iava``, or ``x`` does not have ``prod(dims)``
        elements.
    """
    iv = self.iava.ravel()
    if np.unique(iv).size != iv.size:
        raise ValueError("At least one index in iava is repeated, mask is not enabled...")
    y = np.ma.array(np.zeros(self.dims), mask=np.ones(self.dims), dtype=self.dtype)
    x = np.reshape(np.asarray(x), self.dims)
    x = np.swapaxes(x, self.axis, -1)
    y = np.swapaxes(y, self.axis, -1)
    y.mask[..., iv] = False
    y[..., iv] = x[..., iv]
    return np.swapaxes(y, -1, self.axis)


Restriction = _make(
    "Restriction",
    _signature("dims", "iava", axis=-1, inplace=True, forceflat=None, dtype=_DTYPE, name="R"),
    _restriction,
    """Restriction (sampling) operator (pylops' ``Restriction``): keeps the samples at the
    indices ``iava`` along ``axis``; the adjoint puts them back (summing repeated indices) in
    a zero array.

    Bit-for-bit equal to pylops 2.8.0, in every chunking.""",
    docs={
        "iava": (":obj:`list` or :obj:`numpy.ndarray`", "Integer indices of the available "
                 "samples along ``axis`` (negative counts from the end; repeats allowed)."),
        "axis": (_OPT_INT, "Axis along which the restriction is applied."),
    },
    raises=[
        _AXIS_ERR,
        ("IndexError", "If an index of ``iava`` is out of range (pylops raises it when "
         "applied)."),
        ("TypeError", "If ``iava`` is not an array of integers."),
    ],
    methods={"mask": _mask},
)


def _causal_integration(dims, axis, sampling, kind, removefirst, dtype):
    dims = as_dims(dims)
    if not isinstance(kind, str):
        raise NotImplementedError(f"kind must be 'full', 'half' or 'trapezoidal', got {kind!r}")
    native = _rylops.causal_integration(
        dims,
        as_int(axis, "axis"),
        as_float(sampling, "sampling"),
        kind,
        bool(removefirst),
        as_dtype(dtype).name,
    )
    attrs = dict(
        axis=int(axis) % len(dims), sampling=sampling, kind=kind, removefirst=removefirst
    )
    return native, attrs


CausalIntegration = _make(
    "CausalIntegration",
    _signature(
        "dims", axis=-1, sampling=1.0, kind="full", removefirst=False, dtype=_DTYPE, name="C"
    ),
    _causal_integration,
    """Causal integration along an axis (pylops' ``CausalIntegration``): the running sum of
    the samples times ``sampling``.

    Bit-for-bit equal to pylops 2.8.0, in every chunking.""",
    docs={
        "axis": (_OPT_INT, "Axis along which the integration is applied."),
        "sampling": (":obj:`float`, optional", "Sampling step."),
        "kind": (_OPT_STR, '``"full"``, ``"half"`` or ``"trapezoidal"``.'),
        "removefirst": (_OPT_BOOL, "Remove the first sample of the output (``dimsd[axis] = "
                        "dims[axis] - 1``)."),
    },
    raises=[
        _AXIS_ERR,
        ("NotImplementedError", "If ``kind`` is not one of the three."),
        ("ValueError", "If ``sampling`` is not finite, or ``removefirst`` on an empty axis."),
    ],
)


def _flip(dims, axis, dtype):
    dims = as_dims(dims)
    native = _rylops.flip(dims, as_int(axis, "axis"), as_dtype(dtype).name)
    return native, dict(axis=int(axis) % len(dims))


Flip = _make(
    "Flip",
    _signature("dims", axis=-1, dtype=_DTYPE, name="F"),
    _flip,
    """Flip along an axis (pylops' ``Flip``): reverses the samples; self-adjoint.""",
    docs={"axis": (_OPT_INT, "Axis along which the model is flipped.")},
    raises=[("numpy.exceptions.AxisError", "If ``axis`` is out of range (pylops raises it "
             "when applied).")],
)


def _roll(dims, axis, shift, dtype):
    dims = as_dims(dims)
    native = _rylops.roll(dims, as_int(axis, "axis"), as_int(shift, "shift"), as_dtype(dtype).name)
    return native, dict(axis=int(axis) % len(dims), shift=shift)


Roll = _make(
    "Roll",
    _signature("dims", axis=-1, shift=1, dtype=_DTYPE, name="R"),
    _roll,
    """Circular shift along an axis (pylops' ``Roll``, numpy's ``roll``); the adjoint rolls
    back.""",
    docs={
        "axis": (_OPT_INT, "Axis along which the model is rolled."),
        "shift": (_OPT_INT, "Number of samples by which the model is shifted (negative: "
                  "backwards)."),
    },
    raises=[("numpy.exceptions.AxisError", "If ``axis`` is out of range (pylops raises it "
             "when applied).")],
)


def _transpose(dims, axes, dtype):
    dims = as_dims(dims)
    ax = _signed(axes)
    native = _rylops.transpose(dims, ax, as_dtype(dtype).name)
    return native, dict(axes=[a % len(dims) for a in ax])


Transpose = _make(
    "Transpose",
    _signature("dims", "axes", dtype=_DTYPE, name="T"),
    _transpose,
    """Transposition of the model's axes (pylops' ``Transpose``, numpy's ``transpose``).""",
    docs={
        "dims": (":obj:`tuple`", "Number of samples for each dimension."),
        "axes": (":obj:`tuple`", "The new order of the axes (each axis exactly once; negative "
                 "counts from the end)."),
    },
    raises=[_AXES_ERR, ("ValueError", "If ``axes`` does not name every axis exactly once.")],
)


def _symmetrize(dims, axis, dtype):
    dims = as_dims(dims)
    native = _rylops.symmetrize(dims, as_int(axis, "axis"), as_dtype(dtype).name)
    ax = int(axis) % len(dims)
    return native, dict(axis=ax, nsym=dims[ax])


Symmetrize = _make(
    "Symmetrize",
    _signature("dims", axis=-1, dtype=_DTYPE, name="S"),
    _symmetrize,
    """Symmetrization along an axis (pylops' ``Symmetrize``): ``y = [x[::-1], x[1:]]``
    (``dimsd[axis] = 2 * dims[axis] - 1``).""",
    docs={"axis": (_OPT_INT, "Axis along which the model is symmetrized.")},
    raises=[_AXIS_ERR, ("ValueError", "If the axis is empty.")],
)


def _pad(dims, pad, dtype):
    p = np.asarray(pad)
    if p.size and p.dtype.kind in "iuf" and np.any(p < 0):
        raise ValueError("Padding must be positive or zero")
    dims = as_dims(dims)
    pairs = [pad] if len(dims) == 1 and len(pad) == 2 and p.ndim == 1 else list(pad)
    widths = []
    for pr in pairs:
        b, a = tuple(pr)
        widths.append((as_int(b, "pad"), as_int(a, "pad")))
    return _rylops.pad(dims, widths, as_dtype(dtype).name), dict(pad=pairs)


Pad = _make(
    "Pad",
    _signature("dims", "pad", dtype=_DTYPE, name="P"),
    _pad,
    """Zero padding (pylops' ``Pad``); the adjoint crops.""",
    docs={"pad": (":obj:`tuple`", "``(before, after)`` per axis; a single pair for a 1-D model.")},
    raises=[
        ("ValueError", "If a width is negative, or there is not one pair per axis."),
        ("TypeError", "If a width is not an integer."),
    ],
)


def _sum(dims, axis, forceflat, dtype):
    dims = as_dims(dims)
    nd = 2 if len(dims) == 1 else len(dims)
    native = _rylops.sum(dims, as_int(axis, "axis"), as_dtype(dtype).name)
    return native, dict(axis=int(axis) % nd)


Sum = _make(
    "Sum",
    _signature("dims", axis=-1, forceflat=None, dtype=_DTYPE, name="S"),
    _sum,
    """Sum along an axis (pylops' ``Sum``): the data drop the summed axis; the adjoint
    copies each value along it.

    numpy's order of summation (pairwise or left to right, as numpy chooses for pylops'
    layout) is reproduced, so results are bit-for-bit pylops'. As pylops, a 1-D ``dims=(n,)``
    becomes ``(n, 1)``.""",
    docs={
        "dims": (":obj:`tuple`", "Number of samples for each dimension."),
        "axis": (_OPT_INT, "Axis along which the model is summed."),
    },
    raises=[("numpy.exceptions.AxisError", "If ``axis`` is out of range (an ``IndexError``, "
             "as pylops raises).")],
)

# ----------------------------------------------------------------------------------------------
# Convolutions and smoothing


def _convolve1d(dims, h, offset, axis, method, dtype):
    _method(method, None, "Convolve1D")
    dims = as_dims(dims)
    dt = as_dtype(dtype)
    hh = _filter(h, dt)
    if hh.ndim != 1:
        raise NotImplementedError(
            f"Convolve1D: rylops takes a 1-D filter, got one of shape {hh.shape}"
        )
    native = _rylops.convolve1d(dims, hh, as_int(offset, "offset"), as_int(axis, "axis"), dt.name)
    return native, dict(h=h, offset=offset, axis=int(axis) % len(dims), method=method)


Convolve1D = _make(
    "Convolve1D",
    _signature("dims", "h", offset=0, axis=-1, method=None, dtype=_DTYPE, name="C"),
    _convolve1d,
    """1-D convolution with a compact filter along an axis (pylops' ``Convolve1D``).

    Computed directly in numpy's order of operations: bit-for-bit equal to pylops 2.8.0
    (whose default ``method=None`` picks a direct convolution), in every chunking. Filters
    longer than the axis are supported on 1-D models (as pylops, which then uses an FFT:
    results within 1e-12 relative).""",
    docs={
        "h": (":obj:`numpy.ndarray`", "1-D filter (converted to ``dtype``)."),
        "offset": (_OPT_INT, "Index of the centre of the filter."),
        "axis": (_OPT_INT, "Axis along which the convolution is applied."),
        "method": (_OPT_STR, "pylops' default ``None`` only."),
    },
    raises=[
        ("ValueError", "If ``offset`` is too large (as pylops) or too far before the filter, "
         "``h`` is empty, not finite or longer than the axis of an n-d model."),
        ("NotImplementedError", "If ``method`` is given."),
        _AXIS_ERR,
        ("TypeError", "If ``h`` is complex and ``dtype`` real."),
    ],
)


def _smoothing1d(nsmooth, dims, axis, dtype):
    n = as_int(nsmooth, "nsmooth")
    if n < 1:
        raise ValueError(f"nsmooth must be at least 1, got {n}")
    dims = as_dims(dims)
    native = _rylops.smoothing1d(n, dims, as_int(axis, "axis"), as_dtype(dtype).name)
    return native, dict(nsmooth=n + 1 if n % 2 == 0 else n, axis=int(axis) % len(dims))


Smoothing1D = _make(
    "Smoothing1D",
    _signature("nsmooth", "dims", axis=-1, dtype=_DTYPE, name="S"),
    _smoothing1d,
    """1-D moving average along an axis (pylops' ``Smoothing1D``): a :class:`Convolve1D`
    with ``nsmooth`` (made odd) taps of ``1 / nsmooth``, centred.""",
    docs={
        "nsmooth": (":obj:`int`", "Length of the smoothing operator (an even length is "
                    "increased by one)."),
        "axis": (_OPT_INT, "Axis along which the smoothing is applied."),
    },
    raises=[
        ("ValueError", "If ``nsmooth`` is not positive, or (made odd) longer than the axis of "
         "an n-d model."),
        _AXIS_ERR,
    ],
)


def _convolvend(two_d):
    cls = "Convolve2D" if two_d else "ConvolveND"

    def build(dims, h, offset, axes, method, dtype):
        _method(method, "fft", cls)
        dims = as_dims(dims)
        dt = as_dtype(dtype)
        hh = _filter(h, dt)
        if two_d and hh.ndim != 2:
            raise ValueError("`h` must be 2-dimensional")
        ax = list(range(len(dims))) if axes is None else _signed(axes)
        off = None if offset is None else _signed(offset, "offset")
        native = _rylops.convolvend(dims, hh, off, ax, two_d, dt.name)
        return native, dict(h=h, offset=offset, axes=[a % len(dims) for a in ax], method=method)

    return build


_CONVOLVE_DOCS = {
    "h": (":obj:`numpy.ndarray`", "N-d filter, one axis per convolved axis (converted to "
          "``dtype``)."),
    "offset": (_OPT_TUPLE, "Index of the centre of the filter along each of its axes (zeros "
               "if not given)."),
    "axes": (_OPT_TUPLE, "Axes along which the convolution is applied (``None``: all)."),
    "method": (_OPT_STR, "pylops' default ``\"fft\"`` only."),
}
_CONVOLVE_RAISES = [
    ("ValueError", "If ``h`` does not have one axis per convolved axis, is empty or not "
     "finite, axes repeat, or ``offset`` has the wrong length or lies too far from the "
     "filter."),
    ("NotImplementedError", "If another ``method`` is given."),
    _AXES_ERR,
]

ConvolveND = _make(
    "ConvolveND",
    _signature("dims", "h", offset=None, axes=(-2, -1), method="fft", dtype=_DTYPE, name="C"),
    _convolvend(False),
    """N-d convolution with a compact filter over some axes (pylops' ``ConvolveND``).

    rylops convolves directly (pylops' default ``method="fft"`` goes through FFTs): results
    agree with pylops to 1e-12 relative, and are the same bits in every chunking.""",
    docs=_CONVOLVE_DOCS,
    raises=_CONVOLVE_RAISES,
)

Convolve2D = _make(
    "Convolve2D",
    _signature("dims", "h", offset=(0, 0), axes=(-2, -1), method="fft", dtype=_DTYPE, name="C"),
    _convolvend(True),
    """2-D convolution with a compact filter over two axes (pylops' ``Convolve2D``): a
    :class:`ConvolveND` with a 2-D filter.""",
    docs={
        **_CONVOLVE_DOCS,
        "h": (":obj:`numpy.ndarray`", "2-D filter (converted to ``dtype``)."),
        "offset": (_OPT_TUPLE, "Index of the centre of the filter along each of its two axes."),
        "axes": (_OPT_TUPLE, "The two axes along which the convolution is applied."),
    },
    raises=[("ValueError", "If ``h`` is not 2-D, or as :class:`ConvolveND`."), *_CONVOLVE_RAISES[1:]],
    base=ConvolveND,
)


def _smoothing2d(nsmooth, dims, axes, dtype):
    ns = [as_int(n, "nsmooth") for n in nsmooth]
    ax = _signed(axes)
    if len(ns) != 2 or len(ax) != 2:
        raise ValueError(f"nsmooth and axes must have two entries, got {nsmooth}, {axes}")
    if min(ns) < 1:
        raise ValueError(f"nsmooth must be at least 1, got {nsmooth}")
    dims = as_dims(dims)
    native = _rylops.smoothing2d(ns, dims, ax, as_dtype(dtype).name)
    attrs = dict(
        nsmooth=[n + 1 if n % 2 == 0 else n for n in ns], axes=[a % len(dims) for a in ax]
    )
    return native, attrs


Smoothing2D = _make(
    "Smoothing2D",
    _signature("nsmooth", "dims", axes=(-2, -1), dtype=_DTYPE, name="S"),
    _smoothing2d,
    """2-D moving average over two axes (pylops' ``Smoothing2D``): a :class:`Convolve2D`
    with ``nsmooth[0] x nsmooth[1]`` (each made odd) taps of ``1 / (nsmooth[0] nsmooth[1])``,
    centred. Results agree with pylops (which uses FFTs) to 1e-12 relative.""",
    docs={
        "nsmooth": (":obj:`tuple`", "Lengths of the smoothing operator along the two axes "
                    "(even lengths are increased by one)."),
        "dims": (":obj:`tuple`", "Number of samples for each dimension."),
        "axes": (_OPT_TUPLE, "The two axes along which the smoothing is applied."),
    },
    raises=[
        ("ValueError", "If ``nsmooth`` or ``axes`` do not have two entries, or a length is not "
         "positive."),
        _AXES_ERR,
    ],
)


__all__ = [
    "CausalIntegration",
    "Convolve1D",
    "Convolve2D",
    "ConvolveND",
    "Diagonal",
    "FirstDerivative",
    "FirstDirectionalDerivative",
    "Flip",
    "Gradient",
    "Identity",
    "Laplacian",
    "MatrixMult",
    "Pad",
    "Restriction",
    "Roll",
    "SecondDerivative",
    "SecondDirectionalDerivative",
    "Smoothing1D",
    "Smoothing2D",
    "Sum",
    "Symmetrize",
    "Transpose",
    "Zero",
]
