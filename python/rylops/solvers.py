"""rylops' solvers with pylops 2.8.0's signatures and return tuples.

Each runs natively (GIL released) on a rylops operator, and on any other operator with ``shape``,
``dtype``, ``matvec`` and ``rmatvec`` (a pylops composition such as ``pylops.VStack`` of rylops
parts, a ``pylops.FunctionOperator`` ...) through callbacks into Python.

By default (``pylops_compat=True``) the solvers reproduce pylops 2.8 exactly (same stopping
rules, same ``damp`` conventions, same ``istop`` codes); ``pylops_compat=False`` gives rylops'
documented conventions (``tol`` compared with the residual norm, ``cg``'s ``damp`` squared,
``lsqr``'s ``istop = 7`` at the iteration limit).
"""

from __future__ import annotations

import numpy as np

from . import _rylops
from ._base import RylopsOperator, as_dtype, as_float, as_int, cast_array


class _Callback:
    """A Python operator seen by the native solvers: flat vectors of one dtype in and out."""

    def __init__(self, op, dtype):
        self.op = op
        self.dtype = dtype
        m, n = op.shape
        self.shape = (int(m), int(n))

    def _out(self, r, what):
        r = np.asarray(r)
        if r.dtype != self.dtype:
            if not np.can_cast(r.dtype, self.dtype, "same_kind"):
                raise TypeError(
                    f"the operator's {what} returned dtype {r.dtype}, but the solver runs in "
                    f"{self.dtype.name}"
                )
            r = r.astype(self.dtype)
        return np.ascontiguousarray(r.ravel())

    def matvec(self, x):
        return self._out(self.op.matvec(x), "matvec")

    def rmatvec(self, x):
        return self._out(self.op.rmatvec(x), "rmatvec")


def _prepare(Op):
    """The native operator (or a callback adapter) and the dtype the solver runs in."""
    if not (hasattr(Op, "shape") and hasattr(Op, "dtype")):
        raise TypeError(f"Op must be a linear operator with shape and dtype, got {type(Op).__name__}")
    dtype = as_dtype(Op.dtype)
    if isinstance(Op, RylopsOperator):
        return Op.native, dtype
    if not (hasattr(Op, "matvec") and hasattr(Op, "rmatvec")):
        raise TypeError("Op must have matvec and rmatvec")
    return _Callback(Op, dtype), dtype


def _unsupported(**kw):
    for k, (v, default) in kw.items():
        if v is not None and v is not False and v != default:
            raise NotImplementedError(f"rylops solvers do not support {k}={v!r} (yet)")


def _vec(x, dtype, what):
    return None if x is None else cast_array(x, dtype, what)


def _shape_x(x, y, Op):
    """The solution in the model shape ``Op.dims``, as pylops 2.8's solvers return it (flat when
    the operator has no ``dims``)."""
    dims = getattr(Op, "dims", None)
    if dims is not None and int(np.prod(dims)) == x.size:
        return x.reshape(tuple(dims))
    return x.ravel()


def cg(
    Op,
    y,
    x0=None,
    niter=10,
    damp=0.0,
    tol=1e-4,
    rtol=0.0,
    rtol1=0.0,
    show=False,
    itershow=(10, 10, 10),
    callback=None,
    preallocate=False,
    *,
    pylops_compat=True,
):
    r"""Conjugate gradient (pylops' ``cg``) for a Hermitian positive-definite ``Op``.

    Parameters
    ----------
    Op : :obj:`pylops.LinearOperator`
        Square operator (a rylops operator runs natively).
    y : :obj:`numpy.ndarray`
        Data.
    x0 : :obj:`numpy.ndarray`, optional
        Initial guess (zero if ``None``).
    niter : :obj:`int`, optional
        Number of iterations.
    damp : :obj:`float`, optional
        Damping (pylops: solves ``(Op + damp I) x = y``).
    tol : :obj:`float`, optional
        Tolerance (pylops: on the squared residual norm).
    rtol, rtol1 : :obj:`float`, optional
        Accepted for pylops compatibility; must be 0.
    show : :obj:`bool`, optional
        Accepted for compatibility; rylops prints nothing.
    itershow : :obj:`tuple`, optional
        Accepted for compatibility.
    callback : :obj:`callable`, optional
        Not supported (must be ``None``).
    preallocate : :obj:`bool`, optional
        Accepted for compatibility.
    pylops_compat : :obj:`bool`, optional
        Reproduce pylops 2.8's conventions (default) or rylops' own.

    Returns
    -------
    x : :obj:`numpy.ndarray`
        Estimated model.
    iiter : :obj:`int`
        Number of iterations.
    cost : :obj:`numpy.ndarray`
        History of the residual norm.

    Raises
    ------
    numpy.linalg.LinAlgError
        On a breakdown (``pylops_compat=False``: also when ``Op`` is not positive definite).
    NotImplementedError
        For a non-zero ``rtol``/``rtol1`` or a ``callback``.
    """
    _unsupported(rtol=(rtol, 0.0), rtol1=(rtol1, 0.0), callback=(callback, None))
    nat, dt = _prepare(Op)
    x, iiter, cost = _rylops.cg(
        nat,
        cast_array(y, dt, "y"),
        _vec(x0, dt, "x0"),
        as_int(niter, "niter"),
        as_float(damp, "damp"),
        as_float(tol, "tol"),
        bool(pylops_compat),
        dt.name,
    )
    return _shape_x(x, y, Op), iiter, cost


def cgls(
    Op,
    y,
    x0=None,
    niter=10,
    damp=0.0,
    tol=1e-4,
    rtol=0.0,
    rtol1=0.0,
    show=False,
    itershow=(10, 10, 10),
    callback=None,
    preallocate=False,
    *,
    pylops_compat=True,
):
    r"""Conjugate gradient least squares (pylops' ``cgls``): minimises
    :math:`||y - Op x||^2 + damp^2 ||x||^2`.

    Parameters
    ----------
    Op : :obj:`pylops.LinearOperator`
        Operator, possibly rectangular (a rylops operator runs natively).
    y : :obj:`numpy.ndarray`
        Data.
    x0 : :obj:`numpy.ndarray`, optional
        Initial guess (zero if ``None``).
    niter : :obj:`int`, optional
        Number of iterations.
    damp : :obj:`float`, optional
        Damping coefficient.
    tol : :obj:`float`, optional
        Tolerance (pylops: on the squared residual norm).
    rtol, rtol1 : :obj:`float`, optional
        Accepted for pylops compatibility; must be 0.
    show : :obj:`bool`, optional
        Accepted for compatibility; rylops prints nothing.
    itershow : :obj:`tuple`, optional
        Accepted for compatibility.
    callback : :obj:`callable`, optional
        Not supported (must be ``None``).
    preallocate : :obj:`bool`, optional
        Accepted for compatibility.
    pylops_compat : :obj:`bool`, optional
        Reproduce pylops 2.8's conventions (default) or rylops' own.

    Returns
    -------
    x : :obj:`numpy.ndarray`
        Estimated model.
    istop : :obj:`int`
        1: ``tol`` reached, 2: ``niter`` reached.
    iiter : :obj:`int`
        Number of iterations.
    r1norm : :obj:`float`
        As pylops 2.8: the final squared norm of the normal-equations residual.
    r2norm : :obj:`float`
        :math:`\sqrt{||y - Op x||^2 + damp^2 ||x||^2}`.
    cost : :obj:`numpy.ndarray`
        History of :math:`||y - Op x||`.

    Raises
    ------
    ValueError
        If ``y`` or ``x0`` do not fit ``Op``.
    TypeError
        If ``y`` or ``x0`` cannot be converted to ``Op``'s dtype without loss.
    NotImplementedError
        For a non-zero ``rtol``/``rtol1`` or a ``callback``.
    """
    _unsupported(rtol=(rtol, 0.0), rtol1=(rtol1, 0.0), callback=(callback, None))
    nat, dt = _prepare(Op)
    x, istop, iiter, r1, r2, cost, _cost1 = _rylops.cgls(
        nat,
        cast_array(y, dt, "y"),
        _vec(x0, dt, "x0"),
        as_int(niter, "niter"),
        as_float(damp, "damp"),
        as_float(tol, "tol"),
        bool(pylops_compat),
        dt.name,
    )
    return _shape_x(x, y, Op), istop, iiter, r1, r2, cost


def lsqr(
    Op,
    y,
    x0=None,
    damp=0.0,
    atol=1e-08,
    btol=1e-08,
    conlim=100000000.0,
    niter=10,
    calc_var=True,
    show=False,
    itershow=(10, 10, 10),
    callback=None,
    preallocate=False,
    *,
    pylops_compat=True,
):
    r"""LSQR (pylops' ``lsqr``).

    Parameters
    ----------
    Op : :obj:`pylops.LinearOperator`
        Operator, possibly rectangular (a rylops operator runs natively).
    y : :obj:`numpy.ndarray`
        Data.
    x0 : :obj:`numpy.ndarray`, optional
        Initial guess (zero if ``None``).
    damp : :obj:`float`, optional
        Damping coefficient.
    atol, btol : :obj:`float`, optional
        Stopping tolerances (as pylops).
    conlim : :obj:`float`, optional
        Limit on the estimated condition number.
    niter : :obj:`int`, optional
        Number of iterations.
    calc_var : :obj:`bool`, optional
        Estimate the diagonal of :math:`(Op^H Op + damp^2 I)^{-1}`.
    show : :obj:`bool`, optional
        Accepted for compatibility; rylops prints nothing.
    itershow : :obj:`tuple`, optional
        Accepted for compatibility.
    callback : :obj:`callable`, optional
        Not supported (must be ``None``).
    preallocate : :obj:`bool`, optional
        Accepted for compatibility.
    pylops_compat : :obj:`bool`, optional
        Reproduce pylops 2.8's conventions (default: ``istop = 0`` at the iteration limit).

    Returns
    -------
    x, istop, iiter, r1norm, r2norm, anorm, acond, arnorm, xnorm, var, cost
        As pylops' ``lsqr`` (``var`` is ``None`` without ``calc_var``).

    Raises
    ------
    ValueError
        If ``y`` or ``x0`` do not fit ``Op``.
    TypeError
        If ``y`` or ``x0`` cannot be converted to ``Op``'s dtype without loss.
    NotImplementedError
        For a ``callback``.
    """
    _unsupported(callback=(callback, None))
    nat, dt = _prepare(Op)
    out = _rylops.lsqr(
        nat,
        cast_array(y, dt, "y"),
        _vec(x0, dt, "x0"),
        as_float(damp, "damp"),
        as_float(atol, "atol"),
        as_float(btol, "btol"),
        as_float(conlim, "conlim"),
        as_int(niter, "niter"),
        bool(calc_var),
        bool(pylops_compat),
        dt.name,
    )
    x, *rest = out
    var = rest[8]
    if var is not None:
        var = var.ravel()  # flat, as pylops returns it
    return (_shape_x(x, y, Op), *rest[:8], var, rest[9])


def regularized_inversion(
    Op,
    y,
    Regs,
    x0=None,
    Weight=None,
    dataregs=None,
    epsRs=None,
    engine="scipy",
    show=False,
    *,
    pylops_compat=True,
    **kwargs_solver,
):
    r"""Regularised inversion (pylops' ``regularized_inversion``): minimises
    :math:`||y - Op x||^2 + \sum_i \epsilon_{R_i}^2 ||d_{R_i} - R_i x||^2` by solving the stacked
    system with rylops' lsqr (``engine="scipy"``) or cgls (``engine="pylops"``).

    Parameters
    ----------
    Op : :obj:`pylops.LinearOperator`
        Modelling operator.
    y : :obj:`numpy.ndarray`
        Data.
    Regs : :obj:`list`
        Regularisation operators (``None`` for none).
    x0 : :obj:`numpy.ndarray`, optional
        Initial guess.
    Weight : :obj:`pylops.LinearOperator`, optional
        Not supported: pass ``Weight * Op`` and ``Weight @ y`` instead.
    dataregs : :obj:`list`, optional
        Regularisation data (zero if ``None``).
    epsRs : :obj:`list`, optional
        Regularisation weights (1 if ``None``).
    engine : :obj:`str`, optional
        ``"scipy"`` (lsqr) or ``"pylops"`` (cgls).
    show : :obj:`bool`, optional
        Accepted for compatibility.
    pylops_compat : :obj:`bool`, optional
        pylops' conventions in the solver (default).
    **kwargs_solver
        ``niter`` (or scipy's ``iter_lim``), ``damp``, ``tol`` (cgls), ``atol``, ``btol``,
        ``conlim`` (lsqr); the defaults are those of the solver pylops calls (scipy's lsqr:
        ``iter_lim = 2 * ncols``, ``atol = btol = 1e-6``; pylops' cgls: ``niter = 10``,
        ``tol = 1e-4``).

    Returns
    -------
    xinv : :obj:`numpy.ndarray`
        Inverted model.
    istop : :obj:`int`
        Reason for termination.
    itn : :obj:`int`
        Number of iterations.
    r1norm : :obj:`float`
        lsqr: :math:`||r||`; cgls: pylops' ``r1norm``.
    r2norm : :obj:`float`
        :math:`\sqrt{r^T r + damp^2 x^T x}`.
    """
    if Weight is not None:
        raise NotImplementedError(
            "rylops' regularized_inversion has no Weight: pass Weight * Op and Weight @ y"
        )
    nat, dt = _prepare(Op)
    Regs = [] if Regs is None else list(Regs)
    regs = [_prepare(R)[0] for R in Regs]
    eps = [1.0] * len(regs) if epsRs is None else [as_float(e, "epsRs") for e in epsRs]
    data = None if dataregs is None else [cast_array(d, dt, "dataregs") for d in dataregs]
    scipy = engine == "scipy"
    # defaults of the solver pylops calls: scipy's lsqr (iter_lim = 2 * ncols, atol = btol = 1e-6)
    # or pylops' cgls (niter = 10, tol = 1e-4)
    default_niter = 2 * int(Op.shape[1]) if scipy else 10
    niter = kwargs_solver.pop("niter", kwargs_solver.pop("iter_lim", default_niter))
    if niter is None:
        niter = default_niter
    known = {"damp", "tol", "atol", "btol", "conlim", "calc_var", "show", "iter_lim"}
    unknown = set(kwargs_solver) - known
    if unknown:
        raise TypeError(f"unexpected solver arguments: {sorted(unknown)}")
    x, istop, itn, r1, r2, _cost = _rylops.regularized_inversion(
        nat,
        cast_array(y, dt, "y"),
        regs,
        _vec(x0, dt, "x0"),
        data,
        eps,
        str(engine),
        as_int(niter, "niter"),
        as_float(kwargs_solver.get("damp", 0.0), "damp"),
        as_float(kwargs_solver.get("tol", 1e-4), "tol"),
        as_float(kwargs_solver.get("atol", 1e-6 if scipy else 1e-8), "atol"),
        as_float(kwargs_solver.get("btol", 1e-6 if scipy else 1e-8), "btol"),
        as_float(kwargs_solver.get("conlim", 1e8), "conlim"),
        bool(pylops_compat),
        dt.name,
    )
    return _shape_x(x, y, Op), istop, itn, r1, r2


__all__ = ["cg", "cgls", "lsqr", "regularized_inversion"]
