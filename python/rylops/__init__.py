"""rylops: pylops' derivative, layout and filter operators and solvers, computed in Rust.

Every operator has pylops 2.8.0's signature and defaults (plus ``chunks=``) and, when pylops is
installed, is a :class:`pylops.LinearOperator`, so a pylops program gets rylops' speed by changing
the import of its operators::

    import rylops
    from pylops.optimization.basic import cgls

    L = rylops.Laplacian((256, 256), edge=True)
    x, istop, iiter, r1norm, r2norm, cost = cgls(L, y, niter=50)

Arrays are read in place when they are C-contiguous and of the operator's dtype (stencil
operators: FirstDerivative, SecondDerivative, Laplacian), the GIL is released while rylops works,
and rylops' threads follow ``RAYON_NUM_THREADS`` or :func:`set_num_threads`.
"""

from . import _rylops
from ._base import HAVE_PYLOPS, FallbackLinearOperator, RylopsOperator, normalize_chunks
from ._operators import (
    CausalIntegration,
    Convolve1D,
    Convolve2D,
    ConvolveND,
    Diagonal,
    FirstDerivative,
    FirstDirectionalDerivative,
    Flip,
    Gradient,
    Identity,
    Laplacian,
    MatrixMult,
    Pad,
    Restriction,
    Roll,
    SecondDerivative,
    SecondDirectionalDerivative,
    Smoothing1D,
    Smoothing2D,
    Sum,
    Symmetrize,
    Transpose,
    Zero,
)
from .solvers import cg, cgls, lsqr, regularized_inversion

__version__ = _rylops.__version__


def set_num_threads(n: int) -> None:
    """Sets the number of threads rylops uses from now on.

    Parameters
    ----------
    n : :obj:`int`
        Number of threads (a dedicated pool); ``0`` goes back to the default pool, sized by
        the environment variable ``RAYON_NUM_THREADS`` or else the number of CPUs.

    Raises
    ------
    ValueError
        If ``n`` is negative or the threads cannot be started.
    """
    if int(n) < 0:
        raise ValueError(f"the number of threads must be >= 0, got {n}")
    _rylops.set_num_threads(int(n))


def get_num_threads() -> int:
    """The number of threads rylops uses now.

    Returns
    -------
    n : :obj:`int`
        The size of the pool set by :func:`set_num_threads`, or else of the default pool
        (``RAYON_NUM_THREADS`` or the number of CPUs).
    """
    return _rylops.get_num_threads()


__all__ = [
    "HAVE_PYLOPS",
    "CausalIntegration",
    "Convolve1D",
    "Convolve2D",
    "ConvolveND",
    "Diagonal",
    "FallbackLinearOperator",
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
    "RylopsOperator",
    "SecondDerivative",
    "SecondDirectionalDerivative",
    "Smoothing1D",
    "Smoothing2D",
    "Sum",
    "Symmetrize",
    "Transpose",
    "Zero",
    "cg",
    "cgls",
    "get_num_threads",
    "lsqr",
    "normalize_chunks",
    "regularized_inversion",
    "set_num_threads",
]
