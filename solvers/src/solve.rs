//! `solve`: pylops' `Op / y`, a default least-squares solve.

use crate::lsqr::{lsqr, LsqrParams};
use rylops_core::{LinearOperator, Result};

/// Solves `y = A x` in the least-squares sense with the defaults of pylops' `Op / y` (and
/// `Op.div(y)`), returning `x`.
///
/// pylops 2.8 runs scipy's `lsqr(Op, y, iter_lim=100, atol=1e-8, btol=1e-8)` for a matrix-free
/// operator and returns its `x`, converged or not; this runs [`lsqr`](fn@crate::lsqr) with
/// [`LsqrParams::pylops_div`] (the same parameters and scipy's stopping tests), so `x` agrees with
/// pylops' up to rounding. For more control (another `niter`, damping, the diagnostics), call
/// `lsqr(&op, &y, &LsqrParams::pylops_div().niter(500))` instead.
///
/// One difference: for an *explicit* operator (a `MatrixMult` on a dense matrix) pylops solves
/// with a direct dense solver (`scipy.linalg.solve`, or `lstsq` when not square); here every
/// operator goes through lsqr, so a well-conditioned square system agrees to lsqr's tolerance and
/// an ill-conditioned one may need more than 100 iterations.
///
/// # Errors
/// Those of [`lsqr`](fn@crate::lsqr): a `y` that does not fit the operator, NaN/Inf in `y`, a
/// breakdown, and any error of the operator.
///
/// ```
/// use rylops_core::{dot_test, FunctionOperator, LinearMap, Vector};
/// use rylops_solvers::solve;
///
/// // y = 2 x
/// let op = FunctionOperator::<f64>::new(
///     &[3],
///     &[3],
///     |x, y| { y.copy_from(x); y.scale(2.0); Ok(()) },
///     |y, x| { x.copy_from(y); x.scale(2.0); Ok(()) },
/// )?;
/// let mut y = op.zeros_range();
/// y.fill(4.0);
/// let x = solve(&op, &y)?; // pylops: x = Op / y
/// assert!(x.to_array().iter().all(|v| (v - 2.0).abs() < 1e-12));
/// # Ok::<(), rylops_core::Error>(())
/// ```
pub fn solve<O: LinearOperator>(op: &O, y: &O::Range) -> Result<O::Domain> {
    Ok(lsqr(op, y, &LsqrParams::pylops_div())?.x)
}
