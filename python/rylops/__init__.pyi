"""Type stubs of the ``rylops`` package."""

from typing import Any, Callable, Literal, Optional, Sequence, Union

import numpy as np
import numpy.typing as npt

from ._rylops import NativeOperator

DTypeLike = Union[str, np.dtype, type]
Dims = Union[int, Sequence[int]]
Chunks = Union[None, int, Sequence[Union[int, None, Sequence[int]]], dict[int, Union[int, None, Sequence[int]]]]
Kind = Literal["forward", "centered", "backward"]

HAVE_PYLOPS: bool
__version__: str

class FallbackLinearOperator:
    dtype: np.dtype
    dims: tuple[int, ...]
    dimsd: tuple[int, ...]
    shape: tuple[int, int]
    explicit: bool
    name: Optional[str]
    def __init__(self, dtype: DTypeLike, dims: Sequence[int], dimsd: Sequence[int], name: Optional[str] = ...) -> None: ...
    def matvec(self, x: npt.ArrayLike) -> npt.NDArray[Any]: ...
    def rmatvec(self, x: npt.ArrayLike) -> npt.NDArray[Any]: ...
    def dot(self, x: npt.ArrayLike) -> npt.NDArray[Any]: ...
    def __matmul__(self, x: npt.ArrayLike) -> npt.NDArray[Any]: ...
    @property
    def H(self) -> FallbackLinearOperator: ...

class RylopsOperator:
    """Base of rylops' operators (a ``pylops.LinearOperator`` when pylops is installed)."""

    dtype: np.dtype
    dims: tuple[int, ...]
    dimsd: tuple[int, ...]
    shape: tuple[int, int]
    explicit: bool
    chunks: Chunks
    def __init__(self, native: NativeOperator, chunks: Chunks = ..., name: Optional[str] = ...) -> None: ...
    def matvec(self, x: npt.ArrayLike) -> npt.NDArray[Any]: ...
    def rmatvec(self, x: npt.ArrayLike) -> npt.NDArray[Any]: ...
    def dot(self, x: npt.ArrayLike) -> Any: ...
    def __matmul__(self, x: Any) -> Any: ...
    def __mul__(self, x: Any) -> Any: ...
    def __rmul__(self, x: Any) -> Any: ...
    def __add__(self, x: Any) -> Any: ...
    @property
    def H(self) -> Any: ...
    def forward(self, x: npt.ArrayLike) -> npt.NDArray[Any]: ...
    def adjoint_apply(self, y: npt.ArrayLike) -> npt.NDArray[Any]: ...
    @property
    def native(self) -> NativeOperator: ...

class FirstDerivative(RylopsOperator):
    axis: int
    sampling: float
    kind: Kind
    edge: bool
    order: int
    def __init__(self, dims: Dims, axis: int = -1, sampling: float = 1.0, kind: Kind = "centered",
                 edge: bool = False, order: Literal[3, 5] = 3, dtype: DTypeLike = "float64",
                 name: str = "F", chunks: Chunks = None) -> None: ...

class SecondDerivative(RylopsOperator):
    axis: int
    sampling: float
    kind: Kind
    edge: bool
    def __init__(self, dims: Dims, axis: int = -1, sampling: float = 1.0, kind: Kind = "centered",
                 edge: bool = False, dtype: DTypeLike = "float64", name: str = "S",
                 chunks: Chunks = None) -> None: ...

class Laplacian(RylopsOperator):
    axes: tuple[int, ...]
    def __init__(self, dims: Sequence[int], axes: Sequence[int] = (-2, -1),
                 weights: Sequence[float] = (1.0, 1.0), sampling: Sequence[float] = (1.0, 1.0),
                 edge: bool = False, kind: Kind = "centered", dtype: DTypeLike = "float64",
                 name: str = "L", chunks: Chunks = None) -> None: ...

class Gradient(RylopsOperator):
    def __init__(self, dims: Dims, sampling: Union[float, Sequence[float]] = 1.0, edge: bool = False,
                 kind: Kind = "centered", dtype: DTypeLike = "float64", name: str = "G",
                 chunks: Chunks = None) -> None: ...

class FirstDirectionalDerivative(RylopsOperator):
    def __init__(self, dims: Sequence[int], v: npt.ArrayLike,
                 sampling: Union[float, Sequence[float]] = 1.0, edge: bool = False,
                 kind: Kind = "centered", dtype: DTypeLike = "float64", name: str = "F",
                 chunks: Chunks = None) -> None: ...

class SecondDirectionalDerivative(FirstDirectionalDerivative):
    def __init__(self, dims: Sequence[int], v: npt.ArrayLike,
                 sampling: Union[float, Sequence[float]] = 1.0, edge: bool = False,
                 kind: Kind = "centered", dtype: DTypeLike = "float64", name: str = "S",
                 chunks: Chunks = None) -> None: ...

class Identity(RylopsOperator):
    def __init__(self, N: Dims, M: Optional[Dims] = None, inplace: bool = True,
                 forceflat: Optional[bool] = None, dtype: DTypeLike = "float64", name: str = "I",
                 chunks: Chunks = None) -> None: ...

class Zero(RylopsOperator):
    def __init__(self, N: Dims, M: Optional[Dims] = None, forceflat: Optional[bool] = None,
                 dtype: DTypeLike = "float64", name: str = "Z", chunks: Chunks = None) -> None: ...

class Diagonal(RylopsOperator):
    def __init__(self, diag: npt.ArrayLike, dims: Optional[Dims] = None, axis: int = -1,
                 dtype: DTypeLike = "float64", name: str = "D", chunks: Chunks = None) -> None: ...

class MatrixMult(RylopsOperator):
    def __init__(self, A: npt.ArrayLike, otherdims: Optional[Dims] = None,
                 forceflat: Optional[bool] = None, dtype: DTypeLike = "float64", name: str = "M",
                 chunks: Chunks = None) -> None: ...

class Restriction(RylopsOperator):
    iava: npt.NDArray[np.integer[Any]]
    axis: int
    def __init__(self, dims: Dims, iava: npt.ArrayLike, axis: int = -1, inplace: bool = True,
                 forceflat: Optional[bool] = None, dtype: DTypeLike = "float64", name: str = "R",
                 chunks: Chunks = None) -> None: ...
    def mask(self, x: npt.ArrayLike) -> np.ma.MaskedArray[Any, Any]: ...

class CausalIntegration(RylopsOperator):
    axis: int
    def __init__(self, dims: Dims, axis: int = -1, sampling: float = 1.0,
                 kind: Literal["full", "half", "trapezoidal"] = "full", removefirst: bool = False,
                 dtype: DTypeLike = "float64", name: str = "C", chunks: Chunks = None) -> None: ...

class Flip(RylopsOperator):
    axis: int
    def __init__(self, dims: Dims, axis: int = -1, dtype: DTypeLike = "float64", name: str = "F",
                 chunks: Chunks = None) -> None: ...

class Roll(RylopsOperator):
    axis: int
    def __init__(self, dims: Dims, axis: int = -1, shift: int = 1, dtype: DTypeLike = "float64",
                 name: str = "R", chunks: Chunks = None) -> None: ...

class Transpose(RylopsOperator):
    axes: list[int]
    def __init__(self, dims: Dims, axes: Sequence[int], dtype: DTypeLike = "float64",
                 name: str = "T", chunks: Chunks = None) -> None: ...

class Symmetrize(RylopsOperator):
    axis: int
    def __init__(self, dims: Dims, axis: int = -1, dtype: DTypeLike = "float64", name: str = "S",
                 chunks: Chunks = None) -> None: ...

class Pad(RylopsOperator):
    def __init__(self, dims: Dims, pad: Union[tuple[int, int], Sequence[tuple[int, int]]],
                 dtype: DTypeLike = "float64", name: str = "P", chunks: Chunks = None) -> None: ...

class Sum(RylopsOperator):
    axis: int
    def __init__(self, dims: Dims, axis: int = -1, forceflat: Optional[bool] = None,
                 dtype: DTypeLike = "float64", name: str = "S", chunks: Chunks = None) -> None: ...

class Convolve1D(RylopsOperator):
    def __init__(self, dims: Dims, h: npt.ArrayLike, offset: int = 0, axis: int = -1,
                 method: None = None, dtype: DTypeLike = "float64", name: str = "C",
                 chunks: Chunks = None) -> None: ...

class Smoothing1D(RylopsOperator):
    def __init__(self, nsmooth: int, dims: Dims, axis: int = -1, dtype: DTypeLike = "float64",
                 name: str = "S", chunks: Chunks = None) -> None: ...

class ConvolveND(RylopsOperator):
    axes: list[int]
    def __init__(self, dims: Dims, h: npt.ArrayLike, offset: Optional[Sequence[int]] = None,
                 axes: Optional[Sequence[int]] = (-2, -1), method: Literal["fft"] = "fft",
                 dtype: DTypeLike = "float64", name: str = "C", chunks: Chunks = None) -> None: ...

class Convolve2D(ConvolveND):
    def __init__(self, dims: Dims, h: npt.ArrayLike, offset: Sequence[int] = (0, 0),
                 axes: Sequence[int] = (-2, -1), method: Literal["fft"] = "fft",
                 dtype: DTypeLike = "float64", name: str = "C", chunks: Chunks = None) -> None: ...

class Smoothing2D(RylopsOperator):
    axes: list[int]
    def __init__(self, nsmooth: Sequence[int], dims: Dims, axes: Sequence[int] = (-2, -1),
                 dtype: DTypeLike = "float64", name: str = "S", chunks: Chunks = None) -> None: ...

def cg(Op: Any, y: npt.ArrayLike, x0: Optional[npt.ArrayLike] = None, niter: int = 10,
       damp: float = 0.0, tol: float = 1e-4, rtol: float = 0.0, rtol1: float = 0.0,
       show: bool = False, itershow: tuple[int, int, int] = (10, 10, 10),
       callback: Optional[Callable[..., Any]] = None, preallocate: bool = False, *,
       pylops_compat: bool = True) -> tuple[npt.NDArray[Any], int, npt.NDArray[np.float64]]: ...
def cgls(Op: Any, y: npt.ArrayLike, x0: Optional[npt.ArrayLike] = None, niter: int = 10,
         damp: float = 0.0, tol: float = 1e-4, rtol: float = 0.0, rtol1: float = 0.0,
         show: bool = False, itershow: tuple[int, int, int] = (10, 10, 10),
         callback: Optional[Callable[..., Any]] = None, preallocate: bool = False, *,
         pylops_compat: bool = True
         ) -> tuple[npt.NDArray[Any], int, int, float, float, npt.NDArray[np.float64]]: ...
def lsqr(Op: Any, y: npt.ArrayLike, x0: Optional[npt.ArrayLike] = None, damp: float = 0.0,
         atol: float = 1e-08, btol: float = 1e-08, conlim: float = 100000000.0, niter: int = 10,
         calc_var: bool = True, show: bool = False, itershow: tuple[int, int, int] = (10, 10, 10),
         callback: Optional[Callable[..., Any]] = None, preallocate: bool = False, *,
         pylops_compat: bool = True
         ) -> tuple[npt.NDArray[Any], int, int, float, float, float, float, float, float,
                    Optional[npt.NDArray[Any]], npt.NDArray[np.float64]]: ...
def regularized_inversion(Op: Any, y: npt.ArrayLike, Regs: Optional[Sequence[Any]],
                          x0: Optional[npt.ArrayLike] = None, Weight: Any = None,
                          dataregs: Optional[Sequence[npt.ArrayLike]] = None,
                          epsRs: Optional[Sequence[float]] = None,
                          engine: Literal["scipy", "pylops"] = "scipy", show: bool = False, *,
                          pylops_compat: bool = True, **kwargs_solver: Any
                          ) -> tuple[npt.NDArray[Any], int, int, float, float]: ...
def normalize_chunks(chunks: Chunks, shape: Sequence[int]) -> Optional[list[list[int]]]: ...
def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
