"""One instance of every operator class rylops exports (numpy and rylops only, so that a
subprocess without pylops can use it too). `test_api.py` checks that no exported operator is
missing."""

import numpy as np

import rylops

H2 = np.array([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]])


def zoo(dtype="float64", chunks=None):
    """``{class name: operator}`` for every operator class of ``rylops.__all__``, with models
    of at least two dimensions (so that C and Fortran order differ)."""
    rng = np.random.default_rng(11)
    rd = np.zeros(1, dtype=dtype).real.dtype
    cplx = np.dtype(dtype).kind == "c"

    def rand(*shape):
        a = rng.standard_normal(shape)
        if cplx:
            a = a + 1j * rng.standard_normal(shape)
        return a.astype(dtype)

    c = dict(dtype=dtype, chunks=chunks)
    d3 = (5, 6, 7)
    return {
        "FirstDerivative": rylops.FirstDerivative(d3, axis=1, edge=True, **c),
        "SecondDerivative": rylops.SecondDerivative(d3, axis=0, edge=True, **c),
        "Laplacian": rylops.Laplacian(d3, axes=(0, 2), weights=(1.0, 2.0), **c),
        "Gradient": rylops.Gradient(d3, sampling=(1.0, 0.5, 2.0), **c),
        "FirstDirectionalDerivative": rylops.FirstDirectionalDerivative(
            (6, 7), np.array([0.6, 0.8], dtype=rd), edge=True, **c
        ),
        "SecondDirectionalDerivative": rylops.SecondDirectionalDerivative(
            (6, 7), rng.standard_normal((2, 6, 7)).astype(rd), **c
        ),
        "Identity": rylops.Identity((4, 7), (6, 7), **c),
        "Zero": rylops.Zero((4, 7), (6, 7), **c),
        "Diagonal": rylops.Diagonal(rand(6, 7), **c),
        "MatrixMult": rylops.MatrixMult(rand(4, 6), otherdims=(3,), **c),
        "Restriction": rylops.Restriction((5, 6), [0, 2, 2, -1], axis=1, **c),
        "CausalIntegration": rylops.CausalIntegration(
            (4, 7), sampling=0.5, kind="trapezoidal", removefirst=True, **c
        ),
        "Flip": rylops.Flip((4, 5), axis=0, **c),
        "Roll": rylops.Roll((4, 5), axis=1, shift=-2, **c),
        "Transpose": rylops.Transpose((2, 3, 4), axes=(2, 0, 1), **c),
        "Symmetrize": rylops.Symmetrize((5, 3), axis=0, **c),
        "Pad": rylops.Pad((3, 4), ((1, 2), (0, 3)), **c),
        "Sum": rylops.Sum((3, 4, 5), axis=1, **c),
        "Convolve1D": rylops.Convolve1D((6, 9), [0.5, 1.0, -0.25], offset=1, axis=0, **c),
        "Smoothing1D": rylops.Smoothing1D(4, (8, 5), axis=0, **c),
        "ConvolveND": rylops.ConvolveND((5, 4, 6), H2, offset=(1, 1), axes=(0, 2), **c),
        "Convolve2D": rylops.Convolve2D((6, 7), H2, offset=(0, 1), **c),
        "Smoothing2D": rylops.Smoothing2D((3, 4), (6, 8), **c),
    }


def exported_operator_classes():
    """The names of ``rylops.__all__`` that are operator classes."""
    return sorted(
        n
        for n in rylops.__all__
        if isinstance(getattr(rylops, n), type)
        and issubclass(getattr(rylops, n), rylops.RylopsOperator)
        and getattr(rylops, n) is not rylops.RylopsOperator
    )
