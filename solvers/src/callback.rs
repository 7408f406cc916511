//! Callbacks: what a solver reports after every iteration, and ready-made callbacks.
//!
//! A callback is any `FnMut(&IterInfo<T, V>) -> Control`. Every solver has a `*_with` form that takes
//! one and calls it after each iteration (after `x` was updated), e.g.
//! [`cg_with`](crate::cg_with). Returning [`Control::Stop`] ends the run with
//! [`StopReason::Callback`](crate::StopReason::Callback); [`Control::Abort`] ends it with an error.
//!
//! Ready-made: [`progress`]/[`progress_to`] (a log in the style of pylops' `show=True`),
//! [`stop_on_relative_residual`] (stop once the residual dropped by a factor) and
//! [`fail_on_non_finite`] (fail with [`Error::NonFinite`] as soon as a NaN or an infinity shows up).
//! [`chain`] combines two callbacks.

use num_traits::Float;
use rylops_core::{Error, RealScalar, Scalar, Vector};
use std::io::Write;

/// What a solver reports to the callback after each iteration.
#[derive(Debug)]
#[non_exhaustive]
pub struct IterInfo<'a, T: Scalar, V> {
    /// The solver's name (`"cg"`, `"pcg"`, `"cgls"`, `"lsqr"`).
    pub solver: &'static str,
    /// Number of iterations done so far (1 after the first iteration).
    pub iteration: usize,
    /// The maximum number of iterations of this run.
    pub niter: usize,
    /// The current iterate.
    pub x: &'a V,
    /// The residual norm after this iteration: the solver's `cost[iteration]`.
    pub residual_norm: T::Real,
    /// The residual norm before the first iteration: the solver's `cost[0]`.
    pub initial_residual_norm: T::Real,
    /// `sqrt(||y - A x||^2 + damp^2 ||x||^2)` where the solver tracks it (cgls: `cost1`, lsqr: `r2norm`).
    pub r2norm: Option<T::Real>,
}

/// A callback's decision.
#[derive(Clone, Debug, PartialEq)]
pub enum Control {
    /// Go on iterating.
    Continue,
    /// Stop now and return the current iterate, with
    /// [`StopReason::Callback`](crate::StopReason::Callback).
    Stop,
    /// Stop now and make the solver return this error.
    Abort(Error),
}

impl Control {
    /// What a solver does with the answer: `Ok(true)` to stop (with
    /// [`StopReason::Callback`](crate::StopReason::Callback)), `Ok(false)` to go on, the error to
    /// return it.
    pub(crate) fn should_stop(self) -> rylops_core::Result<bool> {
        match self {
            Control::Continue => Ok(false),
            Control::Stop => Ok(true),
            Control::Abort(e) => Err(e),
        }
    }
}

/// A callback that does nothing.
pub(crate) fn noop<T: Scalar, V>(_: &IterInfo<'_, T, V>) -> Control {
    Control::Continue
}

/// Runs `a`, then `b` unless `a` asked to stop or abort, e.g.
/// `chain(fail_on_non_finite(), stop_on_relative_residual(1e-6))`.
pub fn chain<T, V, A, B>(mut a: A, mut b: B) -> impl FnMut(&IterInfo<'_, T, V>) -> Control
where
    T: Scalar,
    A: FnMut(&IterInfo<'_, T, V>) -> Control,
    B: FnMut(&IterInfo<'_, T, V>) -> Control,
{
    move |info: &IterInfo<'_, T, V>| match a(info) {
        Control::Continue => b(info),
        other => other,
    }
}

/// Stops once `residual_norm <= rtol * initial_residual_norm`: a relative-residual-drop rule.
///
/// Example: stop CG once the residual dropped by six orders of magnitude, whatever `tol` says.
/// ```
/// use rylops_core::{Chunked, ChunkedArray, ChunkedOperator, LinearMap, Result, Vector};
/// use rylops_solvers::{cg_with, callback::stop_on_relative_residual, CgParams, StopReason};
/// # struct Diag(Vec<f64>);
/// # impl ChunkedOperator for Diag {
/// #     type Scalar = f64;
/// #     fn dims(&self) -> Vec<usize> { vec![self.0.len()] }
/// #     fn dimsd(&self) -> Vec<usize> { vec![self.0.len()] }
/// #     fn forward_into(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) -> Result<()> {
/// #         let (xb, yb) = (&x.blocks()[0], &mut y.blocks_mut()[0]);
/// #         for ((yv, xv), d) in yb.iter_mut().zip(xb.iter()).zip(&self.0) { *yv = d * xv; }
/// #         Ok(())
/// #     }
/// #     fn adjoint_into(&self, y: &ChunkedArray<f64>, x: &mut ChunkedArray<f64>) -> Result<()> { self.forward_into(y, x) }
/// # }
/// let op = Chunked(Diag((1..=50).map(|k| k as f64).collect()));
/// let mut y = op.zeros_range();
/// y.fill(1.0);
/// let params = CgParams::default().niter(100).tol(0.0);
/// let sol = cg_with(&op, &y, &params, stop_on_relative_residual(1e-6)).unwrap();
/// assert_eq!(sol.stop, StopReason::Callback);
/// assert!(sol.cost[sol.iterations] <= 1e-6 * sol.cost[0]);
/// ```
pub fn stop_on_relative_residual<T: Scalar, V>(
    rtol: f64,
) -> impl FnMut(&IterInfo<'_, T, V>) -> Control {
    let rtol = <T::Real as Scalar>::from_f64(rtol);
    move |info: &IterInfo<'_, T, V>| {
        if info.residual_norm <= rtol * info.initial_residual_norm {
            Control::Stop
        } else {
            Control::Continue
        }
    }
}

/// Fails with [`Error::NonFinite`] as soon as the iterate or the residual norm holds a NaN or an
/// infinity, instead of iterating on garbage. It checks every entry of `x`, one pass per iteration.
pub fn fail_on_non_finite<T: Scalar, V: Vector<T>>() -> impl FnMut(&IterInfo<'_, T, V>) -> Control {
    move |info: &IterInfo<'_, T, V>| {
        let what = if !Float::is_finite(info.residual_norm) {
            "residual norm"
        } else if !info.x.all_finite() {
            "iterate x"
        } else {
            return Control::Continue;
        };
        Control::Abort(Error::NonFinite(format!(
            "{} at iteration {}: {what}",
            info.solver, info.iteration
        )))
    }
}

/// A progress log on standard output in the style of pylops' `show=True`, with pylops' default
/// `itershow = [10, 10, 10]`. See [`progress_to`].
pub fn progress<T: Scalar, V>() -> impl FnMut(&IterInfo<'_, T, V>) -> Control {
    progress_to(std::io::stdout(), [10, 10, 10])
}

/// A progress log written to `out`: a header before the first iteration, then one line for each
/// of the first `itershow[0]` iterations, the last `itershow[1]` ones, and every `itershow[2]`-th
/// one in between (pylops' rule). Each line shows the iteration, the residual norm, `r2norm` when
/// the solver tracks it, and the residual relative to the initial one. Write errors are ignored.
/// For example `cg_with(&op, &y, &params, progress_to(&mut log, [10, 10, 10]))` with
/// `log: Vec<u8>`.
pub fn progress_to<T: Scalar, V, W: Write>(
    mut out: W,
    itershow: [usize; 3],
) -> impl FnMut(&IterInfo<'_, T, V>) -> Control {
    move |info: &IterInfo<'_, T, V>| {
        let _ = write_progress(&mut out, info, itershow);
        Control::Continue
    }
}

fn write_progress<T: Scalar, V, W: Write>(
    out: &mut W,
    info: &IterInfo<'_, T, V>,
    itershow: [usize; 3],
) -> std::io::Result<()> {
    let k0 = info.iteration.saturating_sub(1);
    if info.iteration == 1 {
        writeln!(out, "{} (rylops-solvers)", info.solver.to_uppercase())?;
        writeln!(out, "{}", "-".repeat(65))?;
        writeln!(
            out,
            "niter = {}    initial residual norm = {:11.4e}",
            info.niter,
            f(info.initial_residual_norm)
        )?;
        writeln!(out, "{}", "-".repeat(65))?;
        if info.r2norm.is_some() {
            writeln!(out, "    Itn         r1norm         r2norm          r/r0")?;
        } else {
            writeln!(out, "    Itn         r1norm          r/r0")?;
        }
    }
    let show = k0 < itershow[0]
        || info.niter.saturating_sub(k0) < itershow[1]
        || (itershow[2] > 0 && k0 % itershow[2] == 0);
    if !show {
        return Ok(());
    }
    let r = f(info.residual_norm);
    let r0 = f(info.initial_residual_norm);
    let rel = if r0 > 0.0 { r / r0 } else { 0.0 };
    match info.r2norm {
        Some(r2) => writeln!(
            out,
            "{:7}    {:11.4e}    {:11.4e}    {:11.4e}",
            info.iteration,
            r,
            f(r2),
            rel
        ),
        None => writeln!(out, "{:7}    {:11.4e}    {:11.4e}", info.iteration, r, rel),
    }
}

fn f<R: RealScalar>(v: R) -> f64 {
    v.to_f64_lossless()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rylops_core::ChunkedArray;

    fn info(x: &ChunkedArray<f64>, r: f64) -> IterInfo<'_, f64, ChunkedArray<f64>> {
        IterInfo {
            solver: "cg",
            iteration: 3,
            niter: 10,
            x,
            residual_norm: r,
            initial_residual_norm: 1.0,
            r2norm: None,
        }
    }

    #[test]
    fn non_finite_iterates_or_residuals_abort() {
        let mut cb = fail_on_non_finite();
        let mut x = ChunkedArray::<f64>::zeros_single(&[4]);
        assert_eq!(cb(&info(&x, 0.5)), Control::Continue);
        assert!(
            matches!(cb(&info(&x, f64::NAN)), Control::Abort(Error::NonFinite(m)) if m.contains("residual"))
        );
        x.blocks_mut()[0][[2]] = f64::INFINITY;
        match cb(&info(&x, 0.5)) {
            Control::Abort(Error::NonFinite(m)) => {
                assert!(m.contains("cg at iteration 3") && m.contains("iterate"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn relative_rule_compares_with_the_initial_residual() {
        let x = ChunkedArray::<f64>::zeros_single(&[1]);
        let mut cb = stop_on_relative_residual(0.1);
        assert_eq!(cb(&info(&x, 0.2)), Control::Continue);
        assert_eq!(cb(&info(&x, 0.1)), Control::Stop);
    }
}
