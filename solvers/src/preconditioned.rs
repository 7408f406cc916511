//! Preconditioned inversion (pylops' `preconditioned_inversion`): solve `A P p = y`, return
//! `x = P p`.

use crate::callback::{noop, Control, IterInfo};
use crate::cgls::cgls_core;
use crate::common::{Real, Solution};
use crate::lsqr::lsqr_core;
use crate::regularized::{RegularizedInfo, RegularizedSolver};
use rylops_core::{LinearOperator, Product, Result, Scalar, Vector};

/// The result of [`preconditioned_inversion`]: `x = P p` in the model space `X`, with the
/// diagnostics of the solver that found `p` (in `P`'s domain `V`).
pub type PreconditionedSolution<X, V, R> = Solution<X, R, RegularizedInfo<V, R>>;

/// Solves the preconditioned least-squares problem `min_p ||y - A P p||^2` (with the solver's
/// damping, if any) and returns `x = P p` (pylops' `preconditioned_inversion(Op, y, P, x0,
/// engine)`).
///
/// `solver` chooses lsqr or cgls and their parameters, applied to `A P` in the `p` space: its `x0`
/// is an initial `p` (as pylops passes `x0` to the solver), its `damp` penalises `||p||`, and
/// `cost` and `info` describe the `p` run. The returned `iterations`, `stop` and `info` are those
/// of that run; only `x` is mapped through `P`.
///
/// pylops' default (`engine="scipy"`) runs scipy's lsqr with scipy's defaults: pass
/// `RegularizedSolver::Lsqr(LsqrParams::scipy(&p))` for those (`2 n` iterations at most for `n`
/// entries of `p`, relative tolerances `1e-6`); `engine="pylops"` runs pylops' cgls:
/// `RegularizedSolver::Cgls(CglsParams::default())`. The `Default` of [`RegularizedSolver`] is
/// pylops' own lsqr, not scipy's.
///
/// # Errors
/// [`Error::IncompatibleOperators`](rylops_core::Error::IncompatibleOperators) when `P`'s `dimsd`
/// is not `A`'s `dims`; the checks of `y` and `x0` against `A P`; the errors of the solver; and
/// any error of `A` or `P`.
///
/// ```
/// use rylops_core::{ndarray::ArrayD, ChunkedArray, FunctionOperator, LinearMap, Vector};
/// use rylops_solvers::{preconditioned_inversion, LsqrParams, RegularizedSolver};
///
/// /// Writes `f(values of a)` into `out`, in `out`'s chunking.
/// fn put(out: &mut ChunkedArray<f64>, a: &ChunkedArray<f64>, f: impl Fn(&mut [f64])) -> rylops_core::Result<()> {
///     let mut v: ArrayD<f64> = a.to_array();
///     f(v.as_slice_mut().expect("standard layout"));
///     out.copy_from(&ChunkedArray::from_array_grid(v.view(), out.grid().clone())?);
///     Ok(())
/// }
/// // A = 2 I, and the preconditioner P = causal integration (a running sum) on 4 samples.
/// let a = FunctionOperator::<f64>::new(
///     &[4], &[4],
///     |x, y| { y.copy_from(x); y.scale(2.0); Ok(()) },
///     |y, x| { x.copy_from(y); x.scale(2.0); Ok(()) },
/// )?;
/// let p = FunctionOperator::<f64>::new(
///     &[4], &[4],
///     |x, y| put(y, x, |v| for i in 1..v.len() { v[i] += v[i - 1] }),
///     |y, x| put(x, y, |v| for i in (0..v.len() - 1).rev() { v[i] += v[i + 1] }),
/// )?;
/// let mut y = a.zeros_range();
/// y.fill(2.0);
/// let solver = RegularizedSolver::Lsqr(LsqrParams::scipy(&p));
/// let sol = preconditioned_inversion(&a, &y, &p, &solver)?;
/// assert!(sol.x.to_array().iter().all(|v| (v - 1.0).abs() < 1e-10)); // x = P p solves 2 x = 2
/// # Ok::<(), rylops_core::Error>(())
/// ```
pub fn preconditioned_inversion<O, P>(
    op: &O,
    y: &O::Range,
    p: &P,
    solver: &RegularizedSolver<P::Domain>,
) -> Result<PreconditionedSolution<O::Domain, P::Domain, Real<O>>>
where
    O: LinearOperator,
    P: LinearOperator<Scalar = O::Scalar, Range = O::Domain>,
{
    precond_core(op, y, p, solver, &mut noop)
}

/// [`preconditioned_inversion`] with a callback called after every iteration of the solver (it
/// sees the iterate `p`, see [`crate::callback`]).
///
/// # Errors
/// Those of [`preconditioned_inversion`], and the error of a callback that returns
/// [`Control::Abort`].
pub fn preconditioned_inversion_with<O, P, F>(
    op: &O,
    y: &O::Range,
    p: &P,
    solver: &RegularizedSolver<P::Domain>,
    mut callback: F,
) -> Result<PreconditionedSolution<O::Domain, P::Domain, Real<O>>>
where
    O: LinearOperator,
    P: LinearOperator<Scalar = O::Scalar, Range = O::Domain>,
    F: FnMut(&IterInfo<'_, O::Scalar, P::Domain>) -> Control,
{
    precond_core(op, y, p, solver, &mut callback)
}

fn precond_core<T: Scalar, X: Vector<T>, V: Vector<T>, R: Vector<T>>(
    op: &(dyn LinearOperator<Scalar = T, Domain = X, Range = R> + '_),
    y: &R,
    p: &(dyn LinearOperator<Scalar = T, Domain = V, Range = X> + '_),
    solver: &RegularizedSolver<V>,
    callback: &mut dyn FnMut(&IterInfo<'_, T, V>) -> Control,
) -> Result<PreconditionedSolution<X, V, T::Real>> {
    let ap = Product::new(op, p)?;
    let sol = match solver {
        RegularizedSolver::Lsqr(params) => {
            lsqr_core(&ap, y, params, callback)?.map_info(RegularizedInfo::Lsqr)
        }
        RegularizedSolver::Cgls(params) => {
            cgls_core(&ap, y, params, callback)?.map_info(RegularizedInfo::Cgls)
        }
    };
    sol.try_map_x(|pv| p.forward(&pv))
}
