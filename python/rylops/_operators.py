"""rylops' operators with pylops 2.8.0's signatures and defaults (plus ``chunks=``)."""

from __future__ import annotations

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


def _order(order) -> int:
    o = as_int(order, "order")
    if o < 0:
        raise NotImplementedError(f"order must be '3', or '5', got {o}")
    return o


class FirstDerivative(RylopsOperator):
    r"""First derivative along an axis (pylops' ``FirstDerivative``), computed by rylops.

    Bit-for-bit equal to pylops 2.8.0 in float64 and complex128, in every chunking.

    Parameters
    ----------
    dims : :obj:`int` or :obj:`tuple`
        Number of samples for each dimension.
    axis : :obj:`int`, optional
        Axis along which the derivative is applied (negative counts from the end).
    sampling : :obj:`float`, optional
        Sampling step :math:`\Delta x`.
    kind : :obj:`str`, optional
        ``"forward"``, ``"centered"`` or ``"backward"``.
    edge : :obj:`bool`, optional
        Use reduced order derivative at edges (``True``) or ignore them (``False``); centered
        only.
    order : :obj:`int`, optional
        Order of the centered derivative: 3 or 5.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model: the input is processed chunk by chunk in parallel, with
        halos only along a chunked derivative axis; the result is the same bit for bit.

    Raises
    ------
    numpy.exceptions.AxisError
        If ``axis`` is out of range.
    NotImplementedError
        If ``kind`` or ``order`` is not supported.
    IndexError
        If the axis is too short for the edge stencil.
    ValueError
        If ``sampling`` is zero or not finite.
    TypeError
        If ``dtype`` is not supported.
    """

    def __init__(
        self,
        dims,
        axis=-1,
        sampling=1.0,
        kind="centered",
        edge=False,
        order=3,
        dtype="float64",
        name="F",
        chunks=None,
    ):
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
        self.axis = int(axis) % len(dims)
        self.sampling = sampling
        self.kind = kind
        self.edge = edge
        self.order = order
        super().__init__(native, chunks, name)


class SecondDerivative(RylopsOperator):
    r"""Second derivative along an axis (pylops' ``SecondDerivative``), computed by rylops.

    Parameters
    ----------
    dims : :obj:`int` or :obj:`tuple`
        Number of samples for each dimension.
    axis : :obj:`int`, optional
        Axis along which the derivative is applied.
    sampling : :obj:`float`, optional
        Sampling step :math:`\Delta x`.
    kind : :obj:`str`, optional
        ``"forward"``, ``"centered"`` or ``"backward"``.
    edge : :obj:`bool`, optional
        Use reduced order derivative at edges (centered only).
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model (see :class:`FirstDerivative`).

    Raises
    ------
    numpy.exceptions.AxisError
        If ``axis`` is out of range.
    NotImplementedError
        If ``kind`` is not supported.
    ValueError
        If ``sampling`` is zero or not finite.
    """

    def __init__(
        self,
        dims,
        axis=-1,
        sampling=1.0,
        kind="centered",
        edge=False,
        dtype="float64",
        name="S",
        chunks=None,
    ):
        dims = as_dims(dims)
        native = _rylops.second_derivative(
            dims,
            as_int(axis, "axis"),
            as_float(sampling, "sampling"),
            as_kind(kind),
            bool(edge),
            as_dtype(dtype).name,
        )
        self.axis = int(axis) % len(dims)
        self.sampling = sampling
        self.kind = kind
        self.edge = edge
        super().__init__(native, chunks, name)


class Laplacian(RylopsOperator):
    r"""Laplacian (pylops' ``Laplacian``): a weighted sum of second derivatives, computed by
    rylops in one fused pass.

    Parameters
    ----------
    dims : :obj:`tuple`
        Number of samples for each dimension.
    axes : :obj:`tuple`, optional
        Axes along which the second derivatives are applied.
    weights : :obj:`tuple`, optional
        Weight of each axis.
    sampling : :obj:`tuple`, optional
        Sampling step of each axis.
    edge : :obj:`bool`, optional
        Use reduced order derivative at edges (centered only).
    kind : :obj:`str`, optional
        ``"forward"``, ``"centered"`` or ``"backward"``.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model (see :class:`FirstDerivative`).

    Raises
    ------
    ValueError
        If ``axes``, ``weights`` and ``sampling`` have different lengths.
    numpy.exceptions.AxisError
        If an axis is out of range.
    """

    def __init__(
        self,
        dims,
        axes=(-2, -1),
        weights=(1.0, 1.0),
        sampling=(1.0, 1.0),
        edge=False,
        kind="centered",
        dtype="float64",
        name="L",
        chunks=None,
    ):
        dims = as_dims(dims)
        axes_l = [as_int(a, "axes") for a in as_dims_signed(axes)]
        w = as_floats(weights, len(axes_l), "weights")
        s = as_floats(sampling, len(axes_l), "sampling")
        native = _rylops.laplacian(
            dims, axes_l, w, s, bool(edge), as_kind(kind), as_dtype(dtype).name
        )
        self.axes = tuple(a % len(dims) for a in axes_l)
        self.weights = weights
        self.sampling = sampling
        self.edge = edge
        self.kind = kind
        super().__init__(native, chunks, name)


def as_dims_signed(axes) -> tuple:
    """``axes`` (an int or a sequence of ints, possibly negative) as a tuple."""
    if isinstance(axes, (int, np.integer)):
        return (int(axes),)
    try:
        return tuple(axes)
    except TypeError:
        raise TypeError(f"axes must be a sequence of ints, got {axes!r}") from None


class Gradient(RylopsOperator):
    r"""Gradient (pylops' ``Gradient``): the first derivatives along every axis, stacked along
    a new leading axis (``dimsd = (ndim, *dims)``).

    Parameters
    ----------
    dims : :obj:`int` or :obj:`tuple`
        Number of samples for each dimension.
    sampling : :obj:`float` or :obj:`tuple`, optional
        Sampling step, one for all axes or one per axis.
    edge : :obj:`bool`, optional
        Use reduced order derivative at edges (centered only).
    kind : :obj:`str`, optional
        ``"forward"``, ``"centered"`` or ``"backward"``.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model; the data's leading axis is one chunk.
    """

    def __init__(
        self,
        dims,
        sampling=1.0,
        edge=False,
        kind="centered",
        dtype="float64",
        name="G",
        chunks=None,
    ):
        dims = as_dims(dims)
        s = as_floats(sampling, len(dims), "sampling")
        native = _rylops.gradient(dims, s, bool(edge), as_kind(kind), as_dtype(dtype).name)
        self.sampling = sampling
        self.edge = edge
        self.kind = kind
        super().__init__(native, chunks, name)


def _direction(v, dims, dtype):
    v = cast_array(v, dtype, "v")
    nd = len(dims)
    if v.ndim == 1 or v.shape == (nd,):
        return np.ascontiguousarray(v.ravel())
    return np.ascontiguousarray(v.reshape((nd, *dims)) if v.size == nd * int(np.prod(dims)) else v)


class FirstDirectionalDerivative(RylopsOperator):
    r"""First directional derivative (pylops' ``FirstDirectionalDerivative``): the gradient
    projected on a direction ``v``.

    Parameters
    ----------
    dims : :obj:`tuple`
        Number of samples for each dimension.
    v : :obj:`numpy.ndarray`
        One direction (``ndim`` components) or one per point (shape ``(ndim, *dims)``).
    sampling : :obj:`float` or :obj:`tuple`, optional
        Sampling step, one for all axes or one per axis.
    edge : :obj:`bool`, optional
        Use reduced order derivative at edges (centered only).
    kind : :obj:`str`, optional
        ``"forward"``, ``"centered"`` or ``"backward"``.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    ValueError
        If ``v`` has neither shape.
    """

    _second = False

    def __init__(
        self,
        dims,
        v,
        sampling=1.0,
        edge=False,
        kind="centered",
        dtype="float64",
        name="F",
        chunks=None,
    ):
        dims = as_dims(dims)
        dt = as_dtype(dtype)
        s = as_floats(sampling, len(dims), "sampling")
        native = _rylops.directional_derivative(
            dims, _direction(v, dims, dt), s, bool(edge), as_kind(kind), self._second, dt.name
        )
        self.v = v
        self.sampling = sampling
        self.edge = edge
        self.kind = kind
        super().__init__(native, chunks, name)


class SecondDirectionalDerivative(FirstDirectionalDerivative):
    r"""Second directional derivative (pylops' ``SecondDirectionalDerivative``):
    ``-D_v^H D_v`` with ``D_v`` the :class:`FirstDirectionalDerivative`.

    Parameters are those of :class:`FirstDirectionalDerivative` (default ``name="S"``).
    """

    _second = True

    def __init__(
        self,
        dims,
        v,
        sampling=1.0,
        edge=False,
        kind="centered",
        dtype="float64",
        name="S",
        chunks=None,
    ):
        super().__init__(dims, v, sampling, edge, kind, dtype, name, chunks)


def _shapes(N, M):
    M = N if M is None else M
    if isinstance(N, (int, np.integer)) and isinstance(M, (int, np.integer)):
        return as_dims(M, "M"), as_dims(N, "N")
    if isinstance(N, (tuple, list)) and isinstance(M, (tuple, list)):
        return as_dims(M, "M"), as_dims(N, "N")
    raise TypeError("N and M must be both ints or both tuples")


class Identity(RylopsOperator):
    r"""Identity (pylops' ``Identity``): square, or rectangular (truncation or zero padding
    along every axis).

    Parameters
    ----------
    N : :obj:`int` or :obj:`tuple`
        Data size (or shape).
    M : :obj:`int` or :obj:`tuple`, optional
        Model size (or shape); ``N`` if not given.
    inplace : :obj:`bool`, optional
        Accepted for compatibility; rylops always returns a new array.
    forceflat : :obj:`bool`, optional
        Accepted for compatibility.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.
    """

    def __init__(
        self, N, M=None, inplace=True, forceflat=None, dtype="float64", name="I", chunks=None
    ):
        dims, dimsd = _shapes(N, M)
        native = _rylops.identity(dims, dimsd, as_dtype(dtype).name)
        self.inplace = inplace
        super().__init__(native, chunks, name)


class Zero(RylopsOperator):
    r"""Zero operator (pylops' ``Zero``).

    Parameters
    ----------
    N : :obj:`int` or :obj:`tuple`
        Data size (or shape).
    M : :obj:`int` or :obj:`tuple`, optional
        Model size (or shape); ``N`` if not given.
    forceflat : :obj:`bool`, optional
        Accepted for compatibility.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.
    """

    def __init__(self, N, M=None, forceflat=None, dtype="float64", name="Z", chunks=None):
        dims, dimsd = _shapes(N, M)
        native = _rylops.zero(dims, dimsd, as_dtype(dtype).name)
        super().__init__(native, chunks, name)


class Diagonal(RylopsOperator):
    r"""Diagonal operator (pylops' ``Diagonal``): element-wise multiplication by ``diag``
    (adjoint: by its conjugate).

    Parameters
    ----------
    diag : :obj:`numpy.ndarray`
        The diagonal: of the model shape (``dims=None``), or 1-D broadcast along ``axis`` of
        ``dims``.
    dims : :obj:`tuple`, optional
        Model shape when ``diag`` is broadcast.
    axis : :obj:`int`, optional
        Axis along which ``diag`` is laid when ``dims`` is given.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128 (``diag`` is converted to it).
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    TypeError
        If ``diag`` cannot be converted to ``dtype`` without loss.
    ValueError
        If ``diag`` does not fit ``dims`` along ``axis``.
    """

    def __init__(self, diag, dims=None, axis=-1, dtype="float64", name="D", chunks=None):
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
        self.diag = diag
        self.axis = axis
        super().__init__(native, chunks, name)


class MatrixMult(RylopsOperator):
    r"""Dense matrix multiplication (pylops' ``MatrixMult``), computed by rylops.

    Parameters
    ----------
    A : :obj:`numpy.ndarray`
        2-D matrix.
    otherdims : :obj:`int` or :obj:`tuple`, optional
        Trailing model dimensions: ``A`` multiplies every column of the model seen as an
        ``A.shape[1] x prod(otherdims)`` matrix.
    forceflat : :obj:`bool`, optional
        Accepted for compatibility.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128 (``A`` is converted to it).
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    TypeError
        If ``A`` is not a dense array convertible to ``dtype`` without loss.
    ValueError
        If ``A`` is not 2-D.
    """

    def __init__(self, A, otherdims=None, forceflat=None, dtype="float64", name="M", chunks=None):
        dt = as_dtype(dtype)
        if hasattr(A, "toarray") and not isinstance(A, np.ndarray):
            raise TypeError("rylops.MatrixMult takes a dense numpy array (use A.toarray())")
        a = cast_array(A, dt, "A")
        od = [] if otherdims is None else list(as_dims(otherdims, "otherdims"))
        native = _rylops.matrix_mult(a, od, dt.name)
        self.A = A
        self.otherdims = None if otherdims is None else tuple(od)
        super().__init__(native, chunks, name)


__all__ = [
    "Diagonal",
    "FirstDerivative",
    "FirstDirectionalDerivative",
    "Gradient",
    "Identity",
    "Laplacian",
    "MatrixMult",
    "SecondDerivative",
    "SecondDirectionalDerivative",
    "Zero",
]
