"""The base class of rylops' operators and the conversions shared by operators and solvers.

When pylops is importable, every rylops operator is a :class:`pylops.LinearOperator` (so pylops'
solvers, ``VStack``, ``dottest``, ``*``, ``+``, ``.H`` ... accept it); otherwise it derives from
:class:`FallbackLinearOperator`, which offers ``matvec``, ``rmatvec``, ``@`` and ``.H``.
"""

from __future__ import annotations

import numbers

import numpy as np

from . import _rylops

try:  # pylops stays optional
    import pylops as _pylops

    HAVE_PYLOPS = True
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    _pylops = None
    HAVE_PYLOPS = False

SUPPORTED_DTYPES = ("float32", "float64", "complex64", "complex128")


class FallbackLinearOperator:
    """Minimal stand-in for :class:`pylops.LinearOperator`, used when pylops is not installed.

    Parameters
    ----------
    dtype : :obj:`numpy.dtype`
        Operator dtype.
    dims : :obj:`tuple`
        Model shape.
    dimsd : :obj:`tuple`
        Data shape.
    name : :obj:`str`, optional
        Name.
    """

    def __init__(self, dtype, dims, dimsd, name=None):
        self.dtype = np.dtype(dtype)
        self.dims = tuple(dims)
        self.dimsd = tuple(dimsd)
        self.shape = (int(np.prod(self.dimsd)), int(np.prod(self.dims)))
        self.name = name
        self.explicit = False
        self.clinear = True

    def matvec(self, x):
        """Forward ``y = A x`` of a vector of shape ``(N,)`` or ``(N, 1)``.

        Raises
        ------
        ValueError
            If ``x`` does not have ``N`` elements in one of those shapes.
        """
        x = np.asarray(x)
        m, n = self.shape
        if x.shape != (n,) and x.shape != (n, 1):
            raise ValueError(f"Dimension mismatch. Got {x.shape}, but expected ({n},) or ({n}, 1).")
        y = self._matvec(x)
        return y.reshape(m) if x.ndim == 1 else y.reshape(m, 1)

    def rmatvec(self, x):
        """Adjoint ``x = A^H y`` of a vector of shape ``(M,)`` or ``(M, 1)``.

        Raises
        ------
        ValueError
            If ``x`` does not have ``M`` elements in one of those shapes.
        """
        x = np.asarray(x)
        m, n = self.shape
        if x.shape != (m,) and x.shape != (m, 1):
            raise ValueError(f"Dimension mismatch. Got {x.shape}, but expected ({m},) or ({m}, 1).")
        y = self._rmatvec(x)
        return y.reshape(n) if x.ndim == 1 else y.reshape(n, 1)

    def dot(self, x):
        """``A @ x``: a vector of ``N`` elements, or an array of shape ``dims`` (then the result
        has shape ``dimsd``)."""
        x = np.asarray(x)
        if x.shape == self.dims and x.ndim > 1:
            return self._matvec(x).reshape(self.dimsd)
        return self.matvec(x)

    def __matmul__(self, x):
        return self.dot(x)

    def __call__(self, x):
        return self.dot(x)

    @property
    def H(self):
        """The adjoint operator."""
        return _FallbackAdjoint(self)

    def adjoint(self):
        """The adjoint operator (same as ``.H``)."""
        return self.H

    def __repr__(self):
        return f"<{self.shape[0]}x{self.shape[1]} {type(self).__name__} with dtype={self.dtype}>"


class _FallbackAdjoint(FallbackLinearOperator):
    def __init__(self, op):
        super().__init__(op.dtype, op.dimsd, op.dims, name=op.name)
        self._op = op

    def _matvec(self, x):
        return self._op._rmatvec(x)

    def _rmatvec(self, x):
        return self._op._matvec(x)

    @property
    def H(self):
        return self._op


LinearOperatorBase = _pylops.LinearOperator if HAVE_PYLOPS else FallbackLinearOperator


# ----------------------------------------------------------------------------------------------
# Argument checks (pylops' exception types, rylops' messages)


def as_dtype(dtype) -> np.dtype:
    """The numpy dtype for ``dtype``, which must be one rylops supports.

    Raises
    ------
    TypeError
        For a dtype other than float32, float64, complex64, complex128.
    """
    dt = np.dtype(dtype)
    if dt.name not in SUPPORTED_DTYPES:
        raise TypeError(
            f"dtype {dt.name} is not supported by rylops: use float32, float64, complex64 or "
            "complex128"
        )
    return dt


def as_dims(dims, what="dims") -> tuple:
    """``dims`` (an int or a sequence of ints) as a tuple of non-negative ints (pylops'
    ``_value_or_sized_to_tuple``).

    Raises
    ------
    TypeError
        If an entry is not an integer.
    ValueError
        If an entry is negative.
    """
    if isinstance(dims, (numbers.Integral, np.integer)):
        dims = (dims,)
    try:
        out = tuple(dims)
    except TypeError:
        raise TypeError(f"{what} must be an int or a sequence of ints, got {dims!r}") from None
    res = []
    for d in out:
        if isinstance(d, bool) or not isinstance(d, (numbers.Integral, np.integer)):
            raise TypeError(f"{what} must contain integers, got {d!r}")
        if d < 0:
            raise ValueError(f"{what} must contain non-negative lengths, got {out}")
        res.append(int(d))
    return tuple(res)


def as_int(v, what) -> int:
    """``v`` as an int.

    Raises
    ------
    TypeError
        If ``v`` is not an integer.
    """
    if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)):
        raise TypeError(f"{what} must be an integer, got {v!r}")
    return int(v)


def as_float(v, what) -> float:
    """``v`` as a real float.

    Raises
    ------
    TypeError
        If ``v`` is not a real number.
    """
    if isinstance(v, (numbers.Real, np.floating, np.integer)) and not isinstance(v, bool):
        return float(v)
    raise TypeError(f"{what} must be a real number, got {v!r}")


def as_floats(v, n, what) -> list:
    """``v`` (a number, repeated ``n`` times, or a sequence) as a list of floats."""
    if isinstance(v, (numbers.Real, np.floating, np.integer)) and not isinstance(v, bool):
        return [float(v)] * n
    try:
        return [as_float(s, what) for s in v]
    except TypeError:
        raise TypeError(f"{what} must be a number or a sequence of numbers, got {v!r}") from None


def as_kind(kind) -> str:
    """``kind`` checked to be a string (its value is checked by rylops).

    Raises
    ------
    NotImplementedError
        If ``kind`` is not a string (pylops raises the same for unknown kinds).
    """
    if not isinstance(kind, str):
        raise NotImplementedError(
            f"kind must be 'forward', 'centered', or 'backward', got {kind!r}"
        )
    return kind


def cast_array(x, dtype: np.dtype, what="the input") -> np.ndarray:
    """``x`` as a numpy array of ``dtype``, without a copy when it already is one (any layout).

    Values of another dtype are converted when numpy can do so without loss (``"safe"``
    casting: integers, or float32 into float64, or real into complex); otherwise a ``TypeError``
    is raised. Misaligned or byte-swapped arrays are copied.

    Raises
    ------
    TypeError
        If ``x`` cannot be converted to ``dtype`` without loss.
    """
    x = np.asarray(x)
    if x.dtype != dtype:
        if x.dtype == object or not np.can_cast(x.dtype, dtype, "safe"):
            raise TypeError(
                f"{what} has dtype {x.dtype}, but the operator's dtype is {dtype.name}: "
                f"rylops does not downcast; convert it with .astype({dtype.name!r}) or build "
                f"the operator with dtype={x.dtype.name!r}"
            )
        x = x.astype(dtype)
    elif not (x.flags.aligned and x.dtype.isnative):
        x = x.astype(dtype.newbyteorder("="))
    return x


# ----------------------------------------------------------------------------------------------
# Chunk specs (dask-style)


def normalize_chunks(chunks, shape) -> list | None:
    """Per-axis chunk lengths of an array of ``shape`` from a dask-style ``chunks`` spec.

    ``chunks`` is ``None`` (one chunk), an int (the same chunk size on every axis), a tuple
    with one entry per axis (an int size, ``-1`` or ``None`` for the whole axis, or a tuple of
    explicit chunk lengths that sum to the axis length), or a dict ``{axis: entry}`` (axes not
    named are whole).

    Parameters
    ----------
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict` or :obj:`None`
        The chunk spec.
    shape : :obj:`tuple`
        Shape of the array.

    Returns
    -------
    lengths : :obj:`list` or :obj:`None`
        One list of chunk lengths per axis (``None`` for ``chunks=None``).

    Raises
    ------
    ValueError
        For a spec that does not tile ``shape``.
    TypeError
        For a spec of another type.
    """
    if chunks is None:
        return None
    shape = tuple(shape)
    nd = len(shape)
    if isinstance(chunks, (numbers.Integral, np.integer)) and not isinstance(chunks, bool):
        per_axis = [int(chunks)] * nd
    elif isinstance(chunks, dict):
        per_axis = [None] * nd
        for ax, c in chunks.items():
            a = as_int(ax, "chunks axis")
            if not -nd <= a < nd:
                raise ValueError(f"chunks names axis {a}, but the array has {nd} dimension(s)")
            per_axis[a % nd] = c
    elif isinstance(chunks, (tuple, list)):
        if len(chunks) != nd:
            raise ValueError(
                f"chunks {chunks!r} has {len(chunks)} entries for an array of {nd} dimension(s)"
            )
        per_axis = list(chunks)
    else:
        raise TypeError(f"chunks must be None, an int, a tuple or a dict, got {chunks!r}")
    out = []
    for ax, (c, n) in enumerate(zip(per_axis, shape)):
        if c is None or (isinstance(c, (numbers.Integral, np.integer)) and c == -1):
            out.append([n])
        elif isinstance(c, (numbers.Integral, np.integer)) and not isinstance(c, bool):
            c = int(c)
            if c <= 0:
                raise ValueError(f"chunk size along axis {ax} must be positive, got {c}")
            if n == 0:
                out.append([0])
            else:
                out.append([c] * (n // c) + ([n % c] if n % c else []))
        elif isinstance(c, (tuple, list)):
            lens = [as_int(v, "chunk length") for v in c]
            if any(v < 0 for v in lens):
                raise ValueError(f"chunk lengths along axis {ax} must be non-negative: {lens}")
            if sum(lens) != n:
                raise ValueError(
                    f"chunks {lens} along axis {ax} sum to {sum(lens)}, but the axis has length {n}"
                )
            out.append(lens)
        else:
            raise TypeError(f"chunks entry for axis {ax} must be an int, None or a tuple, got {c!r}")
    return out


def data_chunks(model_chunks, dims, dimsd) -> list | None:
    """Chunks of the data side from the model's: axes of ``dimsd`` aligned from the end with an
    axis of ``dims`` of the same length take its chunks; the others (e.g. Gradient's leading
    axis) are one chunk."""
    if model_chunks is None:
        return None
    off = len(dimsd) - len(dims)
    out = []
    for i, n in enumerate(dimsd):
        j = i - off
        if 0 <= j < len(dims) and dims[j] == n:
            out.append(list(model_chunks[j]))
        else:
            out.append([n])
    return out


# ----------------------------------------------------------------------------------------------
# The operator base


class RylopsOperator(LinearOperatorBase):
    """Base of every rylops operator: a thin wrapper over a native ``_rylops.NativeOperator``.

    It implements pylops' ``_matvec``/``_rmatvec`` (flat vectors in, flat vectors out) by calling
    rylops with the GIL released; ``dims``, ``dimsd``, ``shape``, ``dtype`` are set as in pylops
    and ``explicit`` is ``False``.

    Parameters
    ----------
    native : :obj:`rylops._rylops.NativeOperator`
        The operator built by the native module.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model (see :func:`normalize_chunks`); the data side is chunked
        alike along the axes it shares with the model.
    name : :obj:`str`, optional
        Name (as pylops' ``name``).
    """

    def __init__(self, native, chunks=None, name=None):
        self._native = native
        dims, dimsd = tuple(native.dims), tuple(native.dimsd)
        dtype = np.dtype(native.dtype)
        if HAVE_PYLOPS:
            super().__init__(
                dtype=dtype,
                dims=dims,
                dimsd=dimsd,
                shape=(int(np.prod(dimsd)), int(np.prod(dims))),
                clinear=True,
                explicit=False,
                name=name,
            )
        else:
            super().__init__(dtype, dims, dimsd, name=name)
        self.chunks = chunks
        self._chunks_m = normalize_chunks(chunks, dims)
        self._chunks_d = data_chunks(self._chunks_m, dims, dimsd)

    def _apply(self, x, adjoint):
        x = cast_array(x, self.dtype)
        chunks = self._chunks_d if adjoint else self._chunks_m
        return self._native.apply(x, adjoint, chunks).ravel()

    def _matvec(self, x):
        return self._apply(x, False)

    def _rmatvec(self, x):
        return self._apply(x, True)

    def forward(self, x):
        """``A x`` for an array of the model shape (or with as many elements, any layout); the
        result has the data shape ``dimsd``.

        Raises
        ------
        ValueError
            If ``x`` has another number of elements.
        TypeError
            If ``x`` cannot be converted to the operator's dtype without loss.
        """
        x = cast_array(x, self.dtype)
        return self._native.apply(x, False, self._chunks_m)

    def adjoint_apply(self, y):
        """``A^H y`` for an array of the data shape (or with as many elements, any layout); the
        result has the model shape ``dims``.

        Raises
        ------
        ValueError
            If ``y`` has another number of elements.
        TypeError
            If ``y`` cannot be converted to the operator's dtype without loss.
        """
        y = cast_array(y, self.dtype)
        return self._native.apply(y, True, self._chunks_d)

    @property
    def native(self):
        """The native operator (``rylops._rylops.NativeOperator``)."""
        return self._native


__all__ = [
    "HAVE_PYLOPS",
    "FallbackLinearOperator",
    "LinearOperatorBase",
    "RylopsOperator",
    "as_dims",
    "as_dtype",
    "cast_array",
    "normalize_chunks",
]

_ = _rylops  # the native module is imported here first, so a broken build fails early
