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


def _axes(axes, what="axes") -> list:
    return [as_int(a, what) for a in as_dims_signed(axes)]


class Restriction(RylopsOperator):
    r"""Restriction (sampling) operator (pylops' ``Restriction``): keeps the samples at the
    indices ``iava`` along ``axis``; the adjoint puts them back (summing repeated indices) in
    a zero array.

    Bit-for-bit equal to pylops 2.8.0, in every chunking.

    Parameters
    ----------
    dims : :obj:`int` or :obj:`tuple`
        Number of samples for each dimension.
    iava : :obj:`list` or :obj:`numpy.ndarray`
        Integer indices of the available samples along ``axis`` (negative counts from the end;
        repeats allowed).
    axis : :obj:`int`, optional
        Axis along which the restriction is applied.
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

    Raises
    ------
    numpy.exceptions.AxisError
        If ``axis`` is out of range.
    IndexError
        If an index of ``iava`` is out of range (pylops raises it when applied).
    TypeError
        If ``iava`` is not an array of integers.
    """

    def __init__(
        self,
        dims,
        iava,
        axis=-1,
        inplace=True,
        forceflat=None,
        dtype="float64",
        name="R",
        chunks=None,
    ):
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
        self.iava = np.asarray(iava)
        self.axis = ax % len(dims)
        self.inplace = inplace
        super().__init__(native, chunks, name)

    def mask(self, x):
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


class CausalIntegration(RylopsOperator):
    r"""Causal integration along an axis (pylops' ``CausalIntegration``): the running sum of
    the samples times ``sampling``.

    Bit-for-bit equal to pylops 2.8.0, in every chunking.

    Parameters
    ----------
    dims : :obj:`int` or :obj:`tuple`
        Number of samples for each dimension.
    axis : :obj:`int`, optional
        Axis along which the integration is applied.
    sampling : :obj:`float`, optional
        Sampling step.
    kind : :obj:`str`, optional
        ``"full"``, ``"half"`` or ``"trapezoidal"``.
    removefirst : :obj:`bool`, optional
        Remove the first sample of the output (``dimsd[axis] = dims[axis] - 1``).
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    numpy.exceptions.AxisError
        If ``axis`` is out of range.
    NotImplementedError
        If ``kind`` is not one of the three.
    ValueError
        If ``sampling`` is not finite, or ``removefirst`` on an empty axis.
    """

    def __init__(
        self,
        dims,
        axis=-1,
        sampling=1.0,
        kind="full",
        removefirst=False,
        dtype="float64",
        name="C",
        chunks=None,
    ):
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
        self.axis = int(axis) % len(dims)
        self.sampling = sampling
        self.kind = kind
        self.removefirst = removefirst
        super().__init__(native, chunks, name)


class Flip(RylopsOperator):
    r"""Flip along an axis (pylops' ``Flip``): reverses the samples; self-adjoint.

    Parameters
    ----------
    dims : :obj:`int` or :obj:`tuple`
        Number of samples for each dimension.
    axis : :obj:`int`, optional
        Axis along which the model is flipped.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    numpy.exceptions.AxisError
        If ``axis`` is out of range (pylops raises it when applied).
    """

    def __init__(self, dims, axis=-1, dtype="float64", name="F", chunks=None):
        dims = as_dims(dims)
        native = _rylops.flip(dims, as_int(axis, "axis"), as_dtype(dtype).name)
        self.axis = int(axis) % len(dims)
        super().__init__(native, chunks, name)


class Roll(RylopsOperator):
    r"""Circular shift along an axis (pylops' ``Roll``, numpy's ``roll``); the adjoint rolls
    back.

    Parameters
    ----------
    dims : :obj:`int` or :obj:`tuple`
        Number of samples for each dimension.
    axis : :obj:`int`, optional
        Axis along which the model is rolled.
    shift : :obj:`int`, optional
        Number of samples by which the model is shifted (negative: backwards).
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    numpy.exceptions.AxisError
        If ``axis`` is out of range (pylops raises it when applied).
    """

    def __init__(self, dims, axis=-1, shift=1, dtype="float64", name="R", chunks=None):
        dims = as_dims(dims)
        native = _rylops.roll(
            dims, as_int(axis, "axis"), as_int(shift, "shift"), as_dtype(dtype).name
        )
        self.axis = int(axis) % len(dims)
        self.shift = shift
        super().__init__(native, chunks, name)


class Transpose(RylopsOperator):
    r"""Transposition of the model's axes (pylops' ``Transpose``, numpy's ``transpose``).

    Parameters
    ----------
    dims : :obj:`tuple`
        Number of samples for each dimension.
    axes : :obj:`tuple`
        The new order of the axes (each axis exactly once; negative counts from the end).
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    numpy.exceptions.AxisError
        If an axis is out of range.
    ValueError
        If ``axes`` does not name every axis exactly once.
    """

    def __init__(self, dims, axes, dtype="float64", name="T", chunks=None):
        dims = as_dims(dims)
        ax = _axes(axes)
        native = _rylops.transpose(dims, ax, as_dtype(dtype).name)
        self.axes = [a % len(dims) for a in ax]
        super().__init__(native, chunks, name)


class Symmetrize(RylopsOperator):
    r"""Symmetrization along an axis (pylops' ``Symmetrize``): ``y = [x[::-1], x[1:]]``
    (``dimsd[axis] = 2 * dims[axis] - 1``).

    Parameters
    ----------
    dims : :obj:`int` or :obj:`tuple`
        Number of samples for each dimension.
    axis : :obj:`int`, optional
        Axis along which the model is symmetrized.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    numpy.exceptions.AxisError
        If ``axis`` is out of range.
    ValueError
        If the axis is empty.
    """

    def __init__(self, dims, axis=-1, dtype="float64", name="S", chunks=None):
        dims = as_dims(dims)
        native = _rylops.symmetrize(dims, as_int(axis, "axis"), as_dtype(dtype).name)
        self.axis = int(axis) % len(dims)
        self.nsym = dims[self.axis]
        super().__init__(native, chunks, name)


class Pad(RylopsOperator):
    r"""Zero padding (pylops' ``Pad``); the adjoint crops.

    Parameters
    ----------
    dims : :obj:`int` or :obj:`tuple`
        Number of samples for each dimension.
    pad : :obj:`tuple`
        ``(before, after)`` per axis; a single pair for a 1-D model.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    ValueError
        If a width is negative, or there is not one pair per axis.
    TypeError
        If a width is not an integer.
    """

    def __init__(self, dims, pad, dtype="float64", name="P", chunks=None):
        p = np.asarray(pad)
        if p.size and p.dtype.kind in "iuf" and np.any(p < 0):
            raise ValueError("Padding must be positive or zero")
        dims = as_dims(dims)
        pairs = [pad] if len(dims) == 1 and len(pad) == 2 and p.ndim == 1 else list(pad)
        widths = []
        for pr in pairs:
            b, a = tuple(pr)
            widths.append((as_int(b, "pad"), as_int(a, "pad")))
        native = _rylops.pad(dims, widths, as_dtype(dtype).name)
        self.pad = pairs
        super().__init__(native, chunks, name)


class Sum(RylopsOperator):
    r"""Sum along an axis (pylops' ``Sum``): the data drop the summed axis; the adjoint
    copies each value along it.

    numpy's order of summation (pairwise or left to right, as numpy chooses for pylops'
    layout) is reproduced, so results are bit-for-bit pylops'. As pylops, a 1-D ``dims=(n,)``
    becomes ``(n, 1)``.

    Parameters
    ----------
    dims : :obj:`tuple`
        Number of samples for each dimension.
    axis : :obj:`int`, optional
        Axis along which the model is summed.
    forceflat : :obj:`bool`, optional
        Accepted for compatibility.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    numpy.exceptions.AxisError
        If ``axis`` is out of range (an ``IndexError``, as pylops raises).
    """

    def __init__(self, dims, axis=-1, forceflat=None, dtype="float64", name="S", chunks=None):
        dims = as_dims(dims)
        nd = 2 if len(dims) == 1 else len(dims)
        native = _rylops.sum(dims, as_int(axis, "axis"), as_dtype(dtype).name)
        self.axis = int(axis) % nd
        super().__init__(native, chunks, name)


class Convolve1D(RylopsOperator):
    r"""1-D convolution with a compact filter along an axis (pylops' ``Convolve1D``).

    Computed directly in numpy's order of operations: bit-for-bit equal to pylops 2.8.0
    (whose default ``method=None`` picks a direct convolution), in every chunking. Filters
    longer than the axis are supported on 1-D models (as pylops, which then uses an FFT:
    results within 1e-12 relative).

    Parameters
    ----------
    dims : :obj:`int` or :obj:`tuple`
        Number of samples for each dimension.
    h : :obj:`numpy.ndarray`
        1-D filter (converted to ``dtype``).
    offset : :obj:`int`, optional
        Index of the centre of the filter.
    axis : :obj:`int`, optional
        Axis along which the convolution is applied.
    method : :obj:`str`, optional
        pylops' default ``None`` only.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    ValueError
        If ``offset`` is too large (as pylops) or too far before the filter, ``h`` is empty,
        not finite or longer than the axis of an n-d model.
    NotImplementedError
        If ``method`` is given.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.
    TypeError
        If ``h`` is complex and ``dtype`` real.
    """

    def __init__(
        self, dims, h, offset=0, axis=-1, method=None, dtype="float64", name="C", chunks=None
    ):
        _method(method, None, "Convolve1D")
        dims = as_dims(dims)
        dt = as_dtype(dtype)
        hh = _filter(h, dt)
        if hh.ndim != 1:
            raise NotImplementedError(
                f"Convolve1D: rylops takes a 1-D filter, got one of shape {hh.shape}"
            )
        native = _rylops.convolve1d(
            dims, hh, as_int(offset, "offset"), as_int(axis, "axis"), dt.name
        )
        self.h = h
        self.offset = offset
        self.axis = int(axis) % len(dims)
        self.method = method
        super().__init__(native, chunks, name)


class Smoothing1D(RylopsOperator):
    r"""1-D moving average along an axis (pylops' ``Smoothing1D``): a :class:`Convolve1D`
    with ``nsmooth`` (made odd) taps of ``1 / nsmooth``, centred.

    Parameters
    ----------
    nsmooth : :obj:`int`
        Length of the smoothing operator (an even length is increased by one).
    dims : :obj:`int` or :obj:`tuple`
        Number of samples for each dimension.
    axis : :obj:`int`, optional
        Axis along which the smoothing is applied.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    ValueError
        If ``nsmooth`` is not positive, or (made odd) longer than the axis of an n-d model.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.
    """

    def __init__(self, nsmooth, dims, axis=-1, dtype="float64", name="S", chunks=None):
        n = as_int(nsmooth, "nsmooth")
        if n < 1:
            raise ValueError(f"nsmooth must be at least 1, got {n}")
        dims = as_dims(dims)
        native = _rylops.smoothing1d(n, dims, as_int(axis, "axis"), as_dtype(dtype).name)
        self.nsmooth = n + 1 if n % 2 == 0 else n
        self.axis = int(axis) % len(dims)
        super().__init__(native, chunks, name)


class ConvolveND(RylopsOperator):
    r"""N-d convolution with a compact filter over some axes (pylops' ``ConvolveND``).

    rylops convolves directly (pylops' default ``method="fft"`` goes through FFTs): results
    agree with pylops to 1e-12 relative, and are the same bits in every chunking.

    Parameters
    ----------
    dims : :obj:`int` or :obj:`tuple`
        Number of samples for each dimension.
    h : :obj:`numpy.ndarray`
        N-d filter, one axis per convolved axis (converted to ``dtype``).
    offset : :obj:`tuple`, optional
        Index of the centre of the filter along each of its axes (zeros if not given).
    axes : :obj:`tuple`, optional
        Axes along which the convolution is applied (``None``: all).
    method : :obj:`str`, optional
        pylops' default ``"fft"`` only.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    ValueError
        If ``h`` does not have one axis per convolved axis, is empty or not finite, axes
        repeat, or ``offset`` has the wrong length or lies too far from the filter.
    NotImplementedError
        If another ``method`` is given.
    numpy.exceptions.AxisError
        If an axis is out of range.
    """

    _two_d = False

    def __init__(
        self,
        dims,
        h,
        offset=None,
        axes=(-2, -1),
        method="fft",
        dtype="float64",
        name="C",
        chunks=None,
    ):
        _method(method, "fft", type(self).__name__)
        dims = as_dims(dims)
        dt = as_dtype(dtype)
        hh = _filter(h, dt)
        if self._two_d and hh.ndim != 2:
            raise ValueError("`h` must be 2-dimensional")
        ax = list(range(len(dims))) if axes is None else _axes(axes)
        off = None if offset is None else _axes(offset, "offset")
        native = _rylops.convolvend(dims, hh, off, ax, self._two_d, dt.name)
        self.h = h
        self.offset = offset
        self.axes = [a % len(dims) for a in ax]
        self.method = method
        super().__init__(native, chunks, name)


class Convolve2D(ConvolveND):
    r"""2-D convolution with a compact filter over two axes (pylops' ``Convolve2D``): a
    :class:`ConvolveND` with a 2-D filter.

    Parameters are those of :class:`ConvolveND`, except ``offset`` (default ``(0, 0)``) and
    ``axes`` (two axes).

    Raises
    ------
    ValueError
        If ``h`` is not 2-D, or as :class:`ConvolveND`.
    """

    _two_d = True

    def __init__(
        self,
        dims,
        h,
        offset=(0, 0),
        axes=(-2, -1),
        method="fft",
        dtype="float64",
        name="C",
        chunks=None,
    ):
        super().__init__(dims, h, offset, axes, method, dtype, name, chunks)


class Smoothing2D(RylopsOperator):
    r"""2-D moving average over two axes (pylops' ``Smoothing2D``): a :class:`Convolve2D`
    with ``nsmooth[0] x nsmooth[1]`` (each made odd) taps of ``1 / (nsmooth[0] nsmooth[1])``,
    centred. Results agree with pylops (which uses FFTs) to 1e-12 relative.

    Parameters
    ----------
    nsmooth : :obj:`tuple`
        Lengths of the smoothing operator along the two axes (even lengths are increased by
        one).
    dims : :obj:`tuple`
        Number of samples for each dimension.
    axes : :obj:`tuple`, optional
        The two axes along which the smoothing is applied.
    dtype : :obj:`str`, optional
        float32, float64, complex64 or complex128.
    name : :obj:`str`, optional
        Name of the operator.
    chunks : :obj:`int` or :obj:`tuple` or :obj:`dict`, optional
        Dask-style chunks of the model.

    Raises
    ------
    ValueError
        If ``nsmooth`` or ``axes`` do not have two entries, or a length is not positive.
    numpy.exceptions.AxisError
        If an axis is out of range.
    """

    def __init__(self, nsmooth, dims, axes=(-2, -1), dtype="float64", name="S", chunks=None):
        ns = [as_int(n, "nsmooth") for n in nsmooth]
        ax = _axes(axes)
        if len(ns) != 2 or len(ax) != 2:
            raise ValueError(f"nsmooth and axes must have two entries, got {nsmooth}, {axes}")
        if min(ns) < 1:
            raise ValueError(f"nsmooth must be at least 1, got {nsmooth}")
        dims = as_dims(dims)
        native = _rylops.smoothing2d(ns, dims, ax, as_dtype(dtype).name)
        self.nsmooth = [n + 1 if n % 2 == 0 else n for n in ns]
        self.axes = [a % len(dims) for a in ax]
        super().__init__(native, chunks, name)


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
