"""Type stubs of the native module ``rylops._rylops`` (built from ``python/src``)."""

from typing import Any, Optional, Sequence

import numpy as np
import numpy.typing as npt

__version__: str

class NativeOperator:
    """A rylops operator of any dtype, built by the constructor functions below."""

    @property
    def dims(self) -> list[int]: ...
    @property
    def dimsd(self) -> list[int]: ...
    @property
    def dtype(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def zero_copy(self) -> bool: ...
    def apply(
        self,
        x: npt.NDArray[Any],
        adjoint: bool = False,
        chunks: Optional[Sequence[Sequence[int]]] = None,
        fast: bool = True,
    ) -> npt.NDArray[Any]: ...

def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
def first_derivative(
    dims: Sequence[int], axis: int, sampling: float, kind_: str, edge: bool, order: int, dtype: str
) -> NativeOperator: ...
def second_derivative(
    dims: Sequence[int], axis: int, sampling: float, kind_: str, edge: bool, dtype: str
) -> NativeOperator: ...
def laplacian(
    dims: Sequence[int],
    axes: Sequence[int],
    weights: Sequence[float],
    sampling: Sequence[float],
    edge: bool,
    kind_: str,
    dtype: str,
) -> NativeOperator: ...
def gradient(
    dims: Sequence[int], sampling: Sequence[float], edge: bool, kind_: str, dtype: str
) -> NativeOperator: ...
def directional_derivative(
    dims: Sequence[int],
    v: npt.NDArray[Any],
    sampling: Sequence[float],
    edge: bool,
    kind_: str,
    second: bool,
    dtype: str,
) -> NativeOperator: ...
def identity(dims: Sequence[int], dimsd: Sequence[int], dtype: str) -> NativeOperator: ...
def zero(dims: Sequence[int], dimsd: Sequence[int], dtype: str) -> NativeOperator: ...
def diagonal(
    diag: npt.NDArray[Any], dims: Optional[Sequence[int]], axis: int, dtype: str
) -> NativeOperator: ...
def matrix_mult(a: npt.NDArray[Any], otherdims: Sequence[int], dtype: str) -> NativeOperator: ...
def cg(
    op: Any, y: npt.NDArray[Any], x0: Optional[npt.NDArray[Any]], niter: int, damp: float,
    tol: float, pylops_compat: bool, dtype: str,
) -> tuple[npt.NDArray[Any], int, npt.NDArray[np.float64]]: ...
def cgls(
    op: Any, y: npt.NDArray[Any], x0: Optional[npt.NDArray[Any]], niter: int, damp: float,
    tol: float, pylops_compat: bool, dtype: str,
) -> tuple[npt.NDArray[Any], int, int, float, float, npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
def lsqr(
    op: Any, y: npt.NDArray[Any], x0: Optional[npt.NDArray[Any]], damp: float, atol: float,
    btol: float, conlim: float, niter: int, calc_var: bool, pylops_compat: bool, dtype: str,
) -> tuple[Any, ...]: ...
def regularized_inversion(
    op: Any, y: npt.NDArray[Any], regs: list[Any], x0: Optional[npt.NDArray[Any]],
    dataregs: Optional[list[npt.NDArray[Any]]], eps: Sequence[float], engine: str, niter: int,
    damp: float, tol: float, atol: float, btol: float, conlim: float, pylops_compat: bool,
    dtype: str,
) -> tuple[npt.NDArray[Any], int, int, float, float, npt.NDArray[np.float64]]: ...
