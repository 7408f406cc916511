//! Conjugate gradient least squares (`cgls`).
//!
//! # Memory passes per iteration
//!
//! Counting one pass per read or write of a whole vector and one per operator application, an
//! iteration without damping made 12 passes and now makes 10:
//! - `q = A c` and `||q||^2`: 2 passes before, 1 now
//!   ([`forward_into_norm_sqr`](rylops_core::LinearMap::forward_into_norm_sqr) sums each piece of
//!   `q` as it is written);
//! - `s -= a q` and `||s||^2`: 3 (read `s` and `q`, write `s`);
//! - `g = A^H s` and `||g||^2`: 2 before, 1 now
//!   ([`adjoint_into_norm_sqr`](rylops_core::LinearOperator::adjoint_into_norm_sqr));
//! - `x += a c`, `c = g + b c` and `||c||^2`: 5 (read `c`, `x`, `g`, write `x`, `c`).
//!
//! With damping, `g -= damp^2 x` is fused with `||g||^2` instead (3 passes) and `x += a c` is a
//! pass of its own: 15 passes before, 14 now. An operator that does not override the fused
//! methods takes the counts before; the results are the same bits either way.
//!
//! Inside the products, a stacked operator such as `[I; L]` (a `VStack`, model of `n` elements)
//! adds each further part's `A_k^H s_k` to `g` in the pass that computes it
//! ([`adjoint_add_into`](rylops_core::LinearOperator::adjoint_add_into)), and when its first part
//! passes its input through (the identity,
//! [`adjoint_passthrough`](rylops_core::LinearOperator::adjoint_passthrough)) it reads `s_0` in
//! place: `g = s_0 + L^H s_1` with `||g||^2` is one pass of 3 (read `s_0` and `s_1`, write `g`;
//! [`adjoint_add_from`](rylops_core::LinearOperator::adjoint_add_from)), where it was 5 (`g = s_0`:
//! 2, then `g += L^H s_1`: 3). Counted in passes of `n`, an iteration on `[I; L]` without damping
//! made 20 and now makes 18 (4 for `q = A c`, 6 for `s -= a q` on the two parts, 3 for `g`, 5 for
//! `x` and `c`).

use crate::callback::{noop, Control, IterInfo};
use crate::common::{
    breakdown, check_nonneg, param_setters, real, sc, start, Real, Solution, StopReason,
};
use num_traits::{Float, Zero};
use rylops_core::{LinearOperator, Result, Scalar, Vector};

/// Parameters of [`cgls`](fn@crate::cgls), built with setters from [`Default`]
/// (`CglsParams::default().niter(30).damp(0.1).tol(0.0)`); the defaults are pylops'.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CglsParams<V> {
    /// Initial guess (default: zero).
    pub x0: Option<V>,
    /// Maximum number of iterations (default 10, as pylops).
    pub niter: usize,
    /// Damping `damp` of `||y - A x||^2 + damp^2 ||x||^2` (default 0).
    pub damp: f64,
    /// Absolute tolerance on the norm of the normal-equations residual
    /// `g_k = A^H (y - A x_k) - damp^2 x_k` (default `1e-4`, as pylops): the solver stops once
    /// `||g_k|| <= tol`. With [`pylops_compat`](Self::pylops_compat), `||g_k||^2` is compared
    /// instead, as pylops does.
    pub tol: f64,
    /// Reproduce pylops 2.8's `cgls` exactly (default `false`): `tol` is compared with `||g_k||^2`,
    /// and for a non-zero `x0` the first direction is `A^H (y - A x0) - damp x0` (and `cost1[0]`
    /// uses `damp ||x0||^2`) where the correct value has `damp^2` (a pylops bug), and `istop`
    /// follows pylops' rule exactly.
    pub pylops_compat: bool,
}

impl<V> Default for CglsParams<V> {
    fn default() -> Self {
        Self {
            x0: None,
            niter: 10,
            damp: 0.0,
            tol: 1e-4,
            pylops_compat: false,
        }
    }
}

param_setters!(CglsParams {
    /// Sets the maximum number of iterations.
    niter: usize,
    /// Sets the damping.
    damp: f64,
    /// Sets the tolerance on the normal-equations residual norm.
    tol: f64,
    /// Switches pylops-compatible mode on or off.
    pylops_compat: bool,
});

/// Diagnostics of [`cgls`](fn@crate::cgls).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CglsInfo<R> {
    /// pylops' numeric `istop`: 1 tolerance reached, 2 `niter` reached, 3 stopped by a callback.
    /// In pylops-compatible mode, computed with pylops' exact rule (`1` if `||g||^2 < tol`, else
    /// `2` if `niter` was reached, else `3`, so an exactly zero `g` with `tol = 0` gives `3`).
    pub istop: u8,
    /// `||y - A x||` at the solution (the last entry of `cost`). pylops 2.8's cgls returns
    /// another quantity under this name, `||g||^2`: that is
    /// [`gradient_norm_sqr`](Self::gradient_norm_sqr), or [`pylops_r1norm`](Self::pylops_r1norm).
    pub r1norm: R,
    /// `sqrt(||y - A x||^2 + damp^2 ||x||^2)` at the solution (the last entry of `cost1`;
    /// pylops' `r2norm`).
    pub r2norm: R,
    /// `||g||^2 = ||A^H (y - A x) - damp^2 x||^2` at the solution, as recursively updated: the value
    /// pylops 2.8 returns as `r1norm` (also [`pylops_r1norm`](Self::pylops_r1norm)). Not to be
    /// confused with [`r1norm`](Self::r1norm) here, which is `||y - A x||` as its name says.
    pub gradient_norm_sqr: R,
    /// History of `sqrt(||y - A x_k||^2 + damp^2 ||x_k||^2)` (pylops' `CGLS.cost1`).
    pub cost1: Vec<R>,
}

impl<R: Copy> CglsInfo<R> {
    /// What pylops 2.8's `cgls` returns as `r1norm` (its fourth output): the squared norm of the
    /// normal-equations residual `||A^H (y - A x) - damp^2 x||^2`, i.e.
    /// [`gradient_norm_sqr`](Self::gradient_norm_sqr) (pylops documents it as `||y - A x||`, which
    /// is this struct's [`r1norm`](Self::r1norm) field).
    pub fn pylops_r1norm(&self) -> R {
        self.gradient_norm_sqr
    }
}

/// The result of [`cgls`](fn@crate::cgls).
pub type CglsSolution<V, R> = Solution<V, R, CglsInfo<R>>;

/// Minimises `||y - A x||^2 + damp^2 ||x||^2` with conjugate gradients on the normal equations
/// (CGLS), without forming `A^H A`.
///
/// Iterates (pylops' recurrences): `s_0 = y - A x_0`, `g_0 = A^H s_0 - damp^2 x_0`, `c_0 = g_0`;
/// `a = ||g_k||^2 / (||A c_k||^2 + damp^2 ||c_k||^2)`, `x_{k+1} = x_k + a c_k`,
/// `s_{k+1} = s_k - a A c_k`, `g_{k+1} = A^H s_{k+1} - damp^2 x_{k+1}`,
/// `c_{k+1} = g_{k+1} + (||g_{k+1}||^2 / ||g_k||^2) c_k`, while `k < niter` and `||g_k|| > tol`.
///
/// `cost[k] = ||s_k|| = ||y - A x_k||` (recursively updated), and `info.cost1[k] =
/// sqrt(cost[k]^2 + damp^2 ||x_k||^2)`. Note that `damp` acts on `x` itself (not on `x - x0`).
///
/// # Errors
/// [`Error::Breakdown`](rylops_core::Error::Breakdown) when a step becomes zero or non-finite;
/// [`Error::NonFinite`](rylops_core::Error::NonFinite) for a NaN/Inf in `y` or `x0`;
/// [`Error::ShapeMismatch`](rylops_core::Error::ShapeMismatch) when `y` or `x0` do not fit the
/// operator; [`Error::InvalidParameter`](rylops_core::Error::InvalidParameter) for a negative or
/// non-finite `tol` or `damp`; and any error of the operator. A zero operator (or any `x0` with
/// `A^H (y - A x0) = 0` and `damp = 0`) is not an error: `x0` already minimises the objective, so
/// the solver returns it after zero iterations with [`StopReason::Tolerance`].
///
/// ```
/// use rylops_core::{Chunked, ChunkedArray, ChunkedOperator, Result, Vector};
/// use rylops_solvers::{cgls, CglsParams, StopReason};
///
/// /// `x -> [x; x]` (the least-squares solution of `[x; x] = [a; b]` is `(a + b) / 2`).
/// struct Twice(usize);
/// impl ChunkedOperator for Twice {
///     type Scalar = f64;
///     fn dims(&self) -> Vec<usize> { vec![self.0] }
///     fn dimsd(&self) -> Vec<usize> { vec![2 * self.0] }
///     fn forward_into(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) -> Result<()> {
///         let x = x.to_array();
///         let both = rylops_core::ndarray::concatenate![rylops_core::ndarray::Axis(0), x, x];
///         y.copy_from(&ChunkedArray::from_array_grid(both.view(), y.grid().clone())?);
///         Ok(())
///     }
///     fn adjoint_into(&self, y: &ChunkedArray<f64>, x: &mut ChunkedArray<f64>) -> Result<()> {
///         let y = y.to_array();
///         let n = self.0;
///         let s = rylops_core::ndarray::ArrayD::from_shape_fn(vec![n], |i| y[[i[0]]] + y[[i[0] + n]]);
///         x.copy_from(&ChunkedArray::from_array_grid(s.view(), x.grid().clone())?);
///         Ok(())
///     }
/// }
///
/// let op = Chunked(Twice(2)); // `Chunked` adds shape checks, output layouts and zeros
/// let y = ChunkedArray::from_array(rylops_core::ndarray::arr1(&[1.0, 2.0, 3.0, 6.0]).into_dyn());
/// let sol = cgls(&op, &y, &CglsParams::default().niter(10).tol(1e-12)).unwrap();
/// assert_eq!(sol.stop, StopReason::Tolerance);
/// let x = sol.x.to_array();
/// assert!((x[[0]] - 2.0).abs() < 1e-12 && (x[[1]] - 4.0).abs() < 1e-12);
/// // ||y - A x|| = ||[-1, -2, 1, 2]||
/// assert!((sol.info.r1norm - 10f64.sqrt()).abs() < 1e-12);
/// ```
pub fn cgls<O: LinearOperator>(
    op: &O,
    y: &O::Range,
    params: &CglsParams<O::Domain>,
) -> Result<CglsSolution<O::Domain, Real<O>>> {
    cgls_core(op, y, params, &mut noop)
}

/// [`cgls`](fn@crate::cgls) with a callback called after every iteration (see [`crate::callback`]).
///
/// # Errors
/// Those of [`cgls`](fn@crate::cgls), and the error carried by a callback that returns
/// [`Control::Abort`].
pub fn cgls_with<O, F>(
    op: &O,
    y: &O::Range,
    params: &CglsParams<O::Domain>,
    mut callback: F,
) -> Result<CglsSolution<O::Domain, Real<O>>>
where
    O: LinearOperator,
    F: FnMut(&IterInfo<'_, O::Scalar, O::Domain>) -> Control,
{
    cgls_core(op, y, params, &mut callback)
}

pub(crate) fn cgls_core<T: Scalar, D: Vector<T>, R: Vector<T>>(
    op: &(dyn LinearOperator<Scalar = T, Domain = D, Range = R> + '_),
    y: &R,
    params: &CglsParams<D>,
    callback: &mut dyn FnMut(&IterInfo<'_, T, D>) -> Control,
) -> Result<CglsSolution<D, T::Real>> {
    const SOLVER: &str = "cgls";
    check_nonneg(SOLVER, "tol", params.tol)?;
    check_nonneg(SOLVER, "damp", params.damp)?;
    let compat = params.pylops_compat;
    let tol: T::Real = real(params.tol);
    let damp: T::Real = real(params.damp);
    let dampsq: T::Real = real(params.damp * params.damp);
    let damped = dampsq != T::Real::zero();
    let niter = params.niter;
    // pylops uses `damp` where `damp^2` belongs in the first direction and in cost1[0].
    let damp0 = if compat { damp } else { dampsq };

    let (mut x, mut q) = start(SOLVER, op, y, params.x0.as_ref(), || op.domain_like(y))?;
    let mut s = y.clone();
    let mut c = x.zeros_like();
    let mut g = c.zeros_like();
    if params.x0.is_some() {
        op.forward_into(&x, &mut q)?;
        s.sub_assign(&q);
    }
    let mut kold = if params.x0.is_some() && damp0 != T::Real::zero() {
        op.adjoint_into(&s, &mut c)?;
        c.axpy_norm_sqr(sc(-damp0), &x)
    } else {
        op.adjoint_into_norm_sqr(&s, &mut c)?
    };
    if !Float::is_finite(kold) {
        return Err(breakdown(
            0,
            "cgls: the initial gradient norm is not finite".into(),
        ));
    }
    let mut cost = Vec::with_capacity(niter.min(1 << 12) + 1);
    let mut cost1 = Vec::with_capacity(niter.min(1 << 12) + 1);
    let c0 = s.norm();
    cost.push(c0);
    cost1.push(Float::sqrt(c0 * c0 + damp0 * x.norm_sqr()));
    let converged = |k: T::Real| {
        if compat {
            k <= tol
        } else {
            Float::sqrt(k) <= tol
        }
    };

    // ||c||^2, needed for the damping term (kept from the fused update of c); c = g here.
    let mut cn = if damped { kold } else { T::Real::zero() };
    let mut it = 0;
    let mut stop = None;
    while it < niter {
        if converged(kold) {
            stop = Some(StopReason::Tolerance);
            break;
        }
        // q = A c and ||q||^2 in one pass.
        let mut den = op.forward_into_norm_sqr(&c, &mut q)?;
        if damped {
            den += dampsq * cn;
        }
        if !(den > T::Real::zero() && Float::is_finite(den)) {
            return Err(breakdown(
                it + 1,
                format!("cgls: ||A c||^2 + damp^2 ||c||^2 = {den} for a non-zero direction c"),
            ));
        }
        let a = kold / den;
        // s -= a q and ||s||^2 in one pass.
        let ck = Float::sqrt(s.axpy_norm_sqr(sc(-a), &q));
        // With damping the gradient needs the new x; without, x is updated together with c below.
        let xn = if damped {
            x.axpy_norm_sqr(sc(a), &c)
        } else {
            T::Real::zero()
        };
        // g = A^H s - damp^2 x and ||g||^2 (without damping, in the pass of the adjoint).
        let knew = if damped {
            op.adjoint_into(&s, &mut g)?;
            g.axpy_norm_sqr(sc(-dampsq), &x)
        } else {
            op.adjoint_into_norm_sqr(&s, &mut g)?
        };
        if !Float::is_finite(knew) {
            return Err(breakdown(
                it + 1,
                "cgls: the gradient norm is not finite".into(),
            ));
        }
        // c = g + (||g_{k+1}||^2 / ||g_k||^2) c (and, without damping, x += a c first), one pass.
        let b = sc(knew / kold);
        cn = if damped {
            c.xpby_norm_sqr(&g, b)
        } else {
            c.step_direction(sc(a), &mut x, &g, b)
        };
        kold = knew;
        it += 1;
        cost.push(ck);
        cost1.push(Float::sqrt(ck * ck + dampsq * xn));
        let info = IterInfo {
            solver: SOLVER,
            iteration: it,
            niter,
            x: &x,
            residual_norm: ck,
            initial_residual_norm: cost[0],
            r2norm: Some(cost1[it]),
        };
        if callback(&info).should_stop()? {
            stop = Some(StopReason::Callback);
            break;
        }
    }
    let stop = stop.unwrap_or(if converged(kold) {
        StopReason::Tolerance
    } else {
        StopReason::MaxIterations
    });
    let istop = if compat {
        if kold < tol {
            1
        } else if it >= niter {
            2
        } else {
            3
        }
    } else {
        match stop {
            StopReason::Tolerance => 1,
            StopReason::MaxIterations => 2,
            _ => 3,
        }
    };
    let info = CglsInfo {
        istop,
        r1norm: cost[it],
        r2norm: cost1[it],
        gradient_norm_sqr: kold,
        cost1,
    };
    Ok(Solution {
        x,
        iterations: it,
        stop,
        cost,
        info,
    })
}
