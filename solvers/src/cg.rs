//! Conjugate gradient (`cg`) and preconditioned conjugate gradient (`pcg`) for Hermitian
//! positive-definite systems.
//!
//! # Memory passes per iteration
//!
//! Counting one pass per read or write of a whole vector and one per operator application, a `cg`
//! iteration without a shift made 11 passes and now makes 9:
//! - `q = A p` and `<p, q>`: 3 before (the product, then `p` and `q` read), 1 now
//!   ([`forward_into_dot`](rylops_core::LinearMap::forward_into_dot) takes each piece's inner
//!   product as the piece of `q` is written; it reads that piece of `p` again, from cache where
//!   the operator has just read it, as a stencil or the identity do);
//! - `r -= a q` and `||r||^2`: 3;
//! - `x += a p`, `p = r + b p` and `||p||^2`: 5.
//!
//! `pcg` adds `z = M r` and `<r, z>` (3), `p = z + b p` (3) and `x += a p` (3) instead of the
//! fused step: 15 before, 13 now. With a shift (`damp` or `shift`), `q += s p` comes between the
//! product and the inner product, which then stay separate. An operator that does not override
//! the fused methods takes the counts before; the results are the same bits either way.

use crate::callback::{noop, Control, IterInfo};
use crate::common::{
    breakdown, check_nonneg, layout_err, param_setters, real, sc, start, Real, Solution, StopReason,
};
use num_traits::{Float, Zero};
use rylops_core::{Error, LinearMap, RealScalar, Result, Scalar, Vector};

/// Parameters of [`cg`](fn@crate::cg) and [`pcg`], built with setters from [`Default`]
/// (`CgParams::default().niter(50).tol(1e-10)`); the defaults are pylops' `cg`'s.
/// [`CgParams::scipy`] gives scipy's `cg` defaults instead (a relative tolerance).
///
/// Two stopping tolerances, both optional: `tol` is **absolute** (pylops' `tol`, scipy's `atol`)
/// and `rtol` is **relative** to `||y||` (scipy's `rtol`). The solver stops once
/// `||r_k|| <= max(tol, rtol * ||y||)`.
///
/// Two shifts, both optional and both always meaning the same system: `damp` adds `damp^2 I`
/// (the convention of `cgls`/`lsqr`, and pylops' `epsI` in `normal_equations_inversion`) and `shift`
/// adds `shift I` (pylops' `cg(damp=...)`): the system solved is
/// `(A + (damp^2 + shift) I) x = y`, whatever [`pylops_compat`](Self::pylops_compat) says.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CgParams<V> {
    /// Initial guess (default: zero, laid out to match `y`).
    pub x0: Option<V>,
    /// Maximum number of iterations (default 10, as pylops).
    pub niter: usize,
    /// **Absolute** tolerance on the residual norm `||r_k||` (default `1e-4`, pylops' `tol`): the
    /// solver stops once `||r_k|| <= tol`. With [`pylops_compat`](Self::pylops_compat), `||r_k||^2`
    /// is compared instead, as pylops does. `tol = 0` (with `rtol = 0`) runs exactly `niter`
    /// iterations (unless the residual becomes exactly zero) in both modes. scipy's `atol`.
    pub tol: f64,
    /// **Relative** tolerance (default `0`, off; scipy's `rtol`, whose default is `1e-5`): the solver
    /// also stops once `||r_k|| <= rtol * ||y||` (the norm, in both modes). scipy stops on
    /// `||r_k|| < max(atol, rtol ||y||)`, which is this rule with `tol = atol`.
    pub rtol: f64,
    /// Damping (default 0): adds `damp^2 I` to `A`, the shift that `cgls`/`lsqr` with the same
    /// `damp` add to the normal equations (pylops' `epsI` of `normal_equations_inversion`).
    pub damp: f64,
    /// Linear shift (default 0): adds `shift I` to `A`. pylops' `cg(Op, y, damp=d)` solves
    /// `(Op + d I) x = y`: that is `shift(d)` here.
    pub shift: f64,
    /// Reproduce pylops 2.8's `cg` stopping quirks (default `false`): `tol` is compared with the
    /// squared residual norm, and the step length uses `|<p, A p>|` (pylops takes the modulus,
    /// which for a Hermitian `A` only differs by rounding); the iterates are then those of pylops up
    /// to rounding. It never changes the system solved (`damp` and `shift` mean the same in both
    /// modes).
    pub pylops_compat: bool,
}

impl<V> Default for CgParams<V> {
    fn default() -> Self {
        Self {
            x0: None,
            niter: 10,
            tol: 1e-4,
            rtol: 0.0,
            damp: 0.0,
            shift: 0.0,
            pylops_compat: false,
        }
    }
}

impl<V> CgParams<V> {
    /// The defaults of scipy's `scipy.sparse.linalg.cg` for the operator `op` (pylops'
    /// `normal_equations_inversion` with its default `engine="scipy"` uses them): `rtol = 1e-5`,
    /// `tol = 0` (scipy's `atol`), `niter = 10 n` for `n` unknowns (scipy's `maxiter=None`).
    pub fn scipy<O: LinearMap + ?Sized>(op: &O) -> Self {
        Self {
            niter: op.shape().1.saturating_mul(10),
            tol: 0.0,
            rtol: 1e-5,
            ..Self::default()
        }
    }
}

param_setters!(CgParams {
    /// Sets the maximum number of iterations.
    niter: usize,
    /// Sets the absolute tolerance on the residual norm (pylops' `tol`, scipy's `atol`).
    tol: f64,
    /// Sets the tolerance relative to `||y||` (scipy's `rtol`).
    rtol: f64,
    /// Sets the damping (adds `damp^2 I`).
    damp: f64,
    /// Sets the linear shift (adds `shift I`; pylops' `cg(damp=...)`).
    shift: f64,
    /// Switches pylops' stopping quirks on or off.
    pylops_compat: bool,
});

/// Diagnostics of [`cg`](fn@crate::cg) and [`pcg`] (none beyond [`Solution`]'s fields yet).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CgInfo {}

/// The result of [`cg`](fn@crate::cg) and [`pcg`].
pub type CgSolution<V, R> = Solution<V, R, CgInfo>;

type SquareOp<'a, T, V> = dyn LinearMap<Scalar = T, Domain = V, Range = V> + 'a;

/// Solves `A x = y` for a Hermitian positive-definite `A` with conjugate gradients.
///
/// Iterates (pylops' recurrences, with `s = damp^2 + shift`):
/// `r_0 = y - (A + s I) x_0`, `p_0 = r_0`; `a = ||r_k||^2 / <p_k, (A + s I) p_k>`,
/// `x_{k+1} = x_k + a p_k`, `r_{k+1} = r_k - a (A + s I) p_k`,
/// `p_{k+1} = r_{k+1} + (||r_{k+1}||^2 / ||r_k||^2) p_k`, while `k < niter` and
/// `||r_k|| > max(tol, rtol ||y||)`.
///
/// `cost[k] = ||r_k||` (the recursively updated residual; `cost[0] = ||y - (A + s I) x0||`).
/// The operator must map a vector to one of the same layout (`dims == dimsd`).
///
/// # Errors
/// [`Error::NotPositiveDefinite`] when `Re <p, A p> <= 0` (e.g. an indefinite or a zero operator);
/// [`Error::Breakdown`] when a step becomes non-finite; [`Error::NonFinite`] for a NaN/Inf in `y`
/// or `x0`; [`Error::ShapeMismatch`] when `y` or `x0` do not fit the operator;
/// [`Error::IncompatibleOperators`] for a non-square operator; [`Error::InvalidParameter`] for a
/// negative or non-finite `tol`, `rtol`, `damp` or `shift`; and any error of the operator.
///
/// ```
/// use rylops_core::{ChunkedArray, FunctionOperator, Vector};
/// use rylops_solvers::{cg, CgParams, StopReason};
///
/// // The SPD diagonal operator `x -> d .* x`, forward only: CG never calls an adjoint.
/// let d = ChunkedArray::from_array(rylops_core::ndarray::arr1(&[1.0, 2.0, 4.0]).into_dyn());
/// let op = FunctionOperator::<f64>::forward_only(&[3], &[3], move |x, y| {
///     d.check_same_grid(x, "diagonal")?;
///     y.copy_from(x);
///     y.zip_apply(&d, |yv, dv| *yv *= dv);
///     Ok(())
/// })?;
/// let y = ChunkedArray::from_array(rylops_core::ndarray::arr1(&[1.0, 1.0, 1.0]).into_dyn());
/// let sol = cg(&op, &y, &CgParams::default().niter(10).tol(1e-12)).unwrap();
/// assert_eq!(sol.stop, StopReason::Tolerance);
/// assert_eq!(sol.iterations, 3); // three distinct eigenvalues
/// let x = sol.x.to_array();
/// assert!((x[[0]] - 1.0).abs() < 1e-12 && (x[[1]] - 0.5).abs() < 1e-12 && (x[[2]] - 0.25).abs() < 1e-12);
/// assert_eq!(sol.cost.len(), 4);
/// # Ok::<(), rylops_core::Error>(())
/// ```
pub fn cg<O>(
    op: &O,
    y: &O::Domain,
    params: &CgParams<O::Domain>,
) -> Result<CgSolution<O::Domain, Real<O>>>
where
    O: LinearMap<Range = <O as LinearMap>::Domain>,
{
    cg_core("cg", op, None, y, params, &mut noop)
}

/// [`cg`](fn@crate::cg) with a callback called after every iteration (see [`crate::callback`]).
///
/// # Errors
/// Those of [`cg`](fn@crate::cg), and the error carried by a callback that returns
/// [`Control::Abort`].
pub fn cg_with<O, F>(
    op: &O,
    y: &O::Domain,
    params: &CgParams<O::Domain>,
    mut callback: F,
) -> Result<CgSolution<O::Domain, Real<O>>>
where
    O: LinearMap<Range = <O as LinearMap>::Domain>,
    F: FnMut(&IterInfo<'_, O::Scalar, O::Domain>) -> Control,
{
    cg_core("cg", op, None, y, params, &mut callback)
}

/// Solves `A x = y` for a Hermitian positive-definite `A` with conjugate gradients preconditioned by
/// a Hermitian positive-definite operator `m ≈ A^{-1}` (e.g. the inverse of `A`'s diagonal).
///
/// Iterates: `r_0 = y - (A + s I) x_0`, `z_k = M r_k`, `p_0 = z_0`;
/// `a = <r_k, z_k> / <p_k, (A + s I) p_k>`, `x_{k+1} = x_k + a p_k`, `r_{k+1} = r_k - a (A + s I) p_k`,
/// `p_{k+1} = z_{k+1} + (<r_{k+1}, z_{k+1}> / <r_k, z_k>) p_k`. Parameters, stopping rule (on the
/// unpreconditioned residual norm `||r_k||`) and `cost` are those of [`cg`](fn@crate::cg); with `m` the identity
/// the iterates are those of `cg`. (pylops has no `pcg`: `pylops_compat` only changes the
/// comparison with `tol` as in `cg`.)
///
/// # Errors
/// Those of [`cg`](fn@crate::cg), plus [`Error::Breakdown`] when `<r, M r> <= 0` for a non-zero residual (the
/// preconditioner is not positive definite, e.g. a zero operator), and
/// [`Error::ShapeMismatch`] when `m` does not map the residual's layout to itself.
///
/// ```
/// use rylops_core::{Chunked, ChunkedArray, FunctionOperator, LinearMap, Vector};
/// use rylops_solvers::{pcg, CgParams, StopReason};
/// # fn diag(d: Vec<f64>) -> Chunked<FunctionOperator<f64>> {
/// #     let d = ChunkedArray::from_array(rylops_core::ndarray::Array1::from(d).into_dyn());
/// #     FunctionOperator::forward_only(&d.shape().to_vec(), &d.shape().to_vec(), move |x, y| {
/// #         d.check_same_grid(x, "diagonal")?;
/// #         y.copy_from(x);
/// #         y.zip_apply(&d, |yv, dv| *yv *= dv);
/// #         Ok(())
/// #     }).unwrap()
/// # }
/// // `diag(d)` multiplies by `d` entry-wise, forward only (a FunctionOperator as in `cg`'s example).
/// let d: Vec<f64> = (1..=20).map(|k| (k * k) as f64).collect();
/// let op = diag(d.clone());
/// let jacobi = diag(d.iter().map(|v| 1.0 / v).collect());
/// let mut y = op.zeros_range();
/// y.fill(1.0);
/// let sol = pcg(&op, &jacobi, &y, &CgParams::default().niter(5).tol(1e-12)).unwrap();
/// assert_eq!(sol.stop, StopReason::Tolerance);
/// assert_eq!(sol.iterations, 1); // an exact preconditioner converges at once
/// ```
pub fn pcg<O, M>(
    op: &O,
    m: &M,
    y: &O::Domain,
    params: &CgParams<O::Domain>,
) -> Result<CgSolution<O::Domain, Real<O>>>
where
    O: LinearMap<Range = <O as LinearMap>::Domain>,
    M: LinearMap<Scalar = O::Scalar, Domain = O::Domain, Range = O::Domain>,
{
    cg_core("pcg", op, Some(m), y, params, &mut noop)
}

/// [`pcg`] with a callback called after every iteration (see [`crate::callback`]).
///
/// # Errors
/// Those of [`pcg`], and the error carried by a callback that returns
/// [`Control::Abort`].
pub fn pcg_with<O, M, F>(
    op: &O,
    m: &M,
    y: &O::Domain,
    params: &CgParams<O::Domain>,
    mut callback: F,
) -> Result<CgSolution<O::Domain, Real<O>>>
where
    O: LinearMap<Range = <O as LinearMap>::Domain>,
    M: LinearMap<Scalar = O::Scalar, Domain = O::Domain, Range = O::Domain>,
    F: FnMut(&IterInfo<'_, O::Scalar, O::Domain>) -> Control,
{
    cg_core("pcg", op, Some(m), y, params, &mut callback)
}

/// The common (non-generic over the operator) implementation of `cg` and `pcg`.
pub(crate) fn cg_core<T: Scalar, V: Vector<T>>(
    solver: &'static str,
    op: &SquareOp<'_, T, V>,
    m: Option<&SquareOp<'_, T, V>>,
    y: &V,
    params: &CgParams<V>,
    callback: &mut dyn FnMut(&IterInfo<'_, T, V>) -> Control,
) -> Result<CgSolution<V, T::Real>> {
    check_nonneg(solver, "tol", params.tol)?;
    check_nonneg(solver, "rtol", params.rtol)?;
    check_nonneg(solver, "damp", params.damp)?;
    check_nonneg(solver, "shift", params.shift)?;
    let (rows, cols) = op.shape();
    if rows != cols {
        return Err(Error::IncompatibleOperators(format!(
            "{solver} needs a square operator, got {rows} x {cols}; use cgls or lsqr"
        )));
    }
    let compat = params.pylops_compat;
    let tol: T::Real = real(params.tol);
    // The system never depends on `compat`: `damp` is squared, `shift` linear.
    let shift: T::Real = real(params.damp * params.damp + params.shift);
    let shifted = shift != T::Real::zero();
    let niter = params.niter;

    let (mut x, mut q) = start(solver, op, y, params.x0.as_ref(), || Ok(y.zeros_like()))?;
    if !q.same_layout(&x) {
        return Err(layout_err(
            solver,
            "the operator's output `A x`",
            &q,
            "its input `x`",
            &x,
        ));
    }
    // r = y - A x0 - s x0 (pylops skips the product for a zero x0: y - 0 = y exactly).
    let mut r = y.clone();
    if params.x0.is_some() {
        op.forward_into(&x, &mut q)?;
        r.sub_assign(&q);
        if shifted {
            r.axpy(sc(-shift), &x);
        }
    }
    let mut z = match m {
        Some(m) => {
            let z = m.range_like(&r)?;
            if !z.same_layout(&r) {
                return Err(layout_err(
                    solver,
                    "the preconditioner's output `M r`",
                    &z,
                    "the residual `r`",
                    &r,
                ));
            }
            Some(z)
        }
        None => None,
    };
    // The search direction; without a preconditioner the first one is r.
    let mut p = if m.is_some() {
        r.zeros_like()
    } else {
        r.clone()
    };

    let mut kold = r.norm_sqr();
    if !Float::is_finite(kold) {
        return Err(breakdown(
            0,
            format!("{solver}: the initial residual norm is not finite"),
        ));
    }
    let mut cost = Vec::with_capacity(niter.min(1 << 12) + 1);
    cost.push(Float::sqrt(kold));
    // The relative threshold rtol ||y|| (scipy's), compared with the norm in both modes.
    let rthresh: T::Real = if params.rtol > 0.0 {
        real::<T::Real>(params.rtol) * y.norm()
    } else {
        T::Real::zero()
    };
    let converged = |k: T::Real| {
        if compat {
            k <= tol || Float::sqrt(k) <= rthresh
        } else {
            Float::sqrt(k) <= Float::max(tol, rthresh)
        }
    };

    let mut rz = kold; // <r_k, M r_k> (pcg)
    let mut it = 0;
    let mut stop = None;
    while it < niter {
        if converged(kold) {
            stop = Some(StopReason::Tolerance);
            break;
        }
        // With a preconditioner, the new search direction p = z + beta p (pylops computes it at the
        // end of the previous step; doing it here skips the unused last update and gives the same
        // iterates). Without one, p is updated together with x at the end of a step.
        if let (Some(m), Some(z)) = (m, z.as_mut()) {
            m.forward_into(&r, z)?;
            let rz_new = r.dot(z).re();
            if !(rz_new > T::Real::zero() && Float::is_finite(rz_new)) {
                return Err(breakdown(
                    it + 1,
                    format!(
                        "{solver}: <r, M r> = {rz_new} for a non-zero residual; \
                         the preconditioner must be Hermitian positive definite"
                    ),
                ));
            }
            if it == 0 {
                p.copy_from(z);
            } else {
                p.xpby(z, sc(rz_new / rz));
            }
            rz = rz_new;
        }
        // q = (A + s I) p
        let pq = if shifted {
            op.forward_into(&p, &mut q)?;
            q.axpy(sc(shift), &p);
            p.dot(&q)
        } else {
            // q = A p and <p, q> in one pass where the operator can.
            op.forward_into_dot(&p, &mut q, &p)?
        };
        let pq_re = pq.re();
        if !pq.is_finite() {
            return Err(breakdown(
                it + 1,
                format!("{solver}: <p, A p> is not finite"),
            ));
        }
        if pq_re <= T::Real::zero() {
            return Err(Error::NotPositiveDefinite {
                iteration: it + 1,
                value: pq_re.to_f64_lossless(),
            });
        }
        let den = if compat { pq.modulus() } else { pq_re };
        let num = if m.is_some() { rz } else { kold };
        let a = num / den;
        // r -= a q and ||r||^2 in one pass.
        let knew = r.axpy_norm_sqr(sc(-a), &q);
        if !Float::is_finite(knew) {
            return Err(breakdown(
                it + 1,
                format!("{solver}: the residual norm is not finite"),
            ));
        }
        if m.is_some() {
            x.axpy(sc(a), &p);
        } else {
            // x += a p, then the next direction p = r + (||r_{k+1}||^2 / ||r_k||^2) p, one pass.
            p.step_direction(sc(a), &mut x, &r, sc(knew / kold));
        }
        kold = knew;
        it += 1;
        cost.push(Float::sqrt(kold));
        let info = IterInfo {
            solver,
            iteration: it,
            niter,
            x: &x,
            residual_norm: cost[it],
            initial_residual_norm: cost[0],
            r2norm: None,
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
    Ok(Solution {
        x,
        iterations: it,
        stop,
        cost,
        info: CgInfo {},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_pylops_defaults() {
        let p: CgParams<rylops_core::ChunkedArray<f64>> = CgParams::default();
        assert_eq!(p.niter, 10);
        assert_eq!(p.tol, 1e-4);
        assert_eq!(p.damp, 0.0);
        assert_eq!(p.shift, 0.0);
        assert_eq!(p.rtol, 0.0);
        assert!(!p.pylops_compat && p.x0.is_none());
    }
}
