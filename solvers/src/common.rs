//! Types shared by every solver: the [`Solution`], its [`StopReason`], and the checks of inputs.

use rylops_core::{Error, LinearMap, RealScalar, Result, Scalar, Vector};

/// The real type of an operator's scalar (`f64` for `f64` and `Complex<f64>`): norms, tolerances, costs.
pub type Real<O> = <<O as LinearMap>::Scalar as Scalar>::Real;

/// Why a solver stopped.
///
/// `cg`, `pcg` and `cgls` stop with [`MaxIterations`](Self::MaxIterations),
/// [`Tolerance`](Self::Tolerance) or [`Callback`](Self::Callback); `lsqr` adds the reasons of
/// Paige and Saunders, each listed with its numeric `istop` code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StopReason {
    /// `niter` iterations were run (lsqr: `istop = 7`, or `0` in pylops-compatible mode).
    MaxIterations,
    /// The residual criterion of `cg`/`pcg`/`cgls` was met (see each solver's `tol`).
    Tolerance,
    /// A callback returned [`Control::Stop`](crate::Control::Stop).
    Callback,
    /// lsqr, `istop = 0`: `A^H (y - A x0) = 0`, so `x0` (by default zero) already solves the
    /// least-squares problem and no iteration is run.
    InitialGuessSolves,
    /// lsqr, `istop = 1`: `y - A x` is small enough, given `atol` and `btol` (a compatible system).
    ResidualTolerance,
    /// lsqr, `istop = 2`: the least-squares solution is good enough, given `atol`.
    LeastSquaresTolerance,
    /// lsqr, `istop = 3`: the estimate of `cond([A; damp I])` has exceeded `conlim`.
    ConditionLimit,
    /// lsqr, `istop = 4`: `y - A x` is small enough for this machine precision.
    ResidualMachinePrecision,
    /// lsqr, `istop = 5`: the least-squares solution is good enough for this machine precision.
    LeastSquaresMachinePrecision,
    /// lsqr, `istop = 6`: `cond([A; damp I])` seems too large for this machine precision.
    ConditionMachinePrecision,
}

/// The result of a solver: the solution, how it stopped, and the residual-norm history.
///
/// `cost[k]` is the residual norm after `k` iterations (`cost[0]` before the first one), with each
/// solver's exact meaning documented on the solver (it matches pylops' `cost`), so
/// `cost.len() == iterations + 1`. `info` carries the solver-specific diagnostics.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Solution<V, R, I> {
    /// The solution (the last iterate).
    pub x: V,
    /// Number of iterations run (pylops' `iiter`).
    pub iterations: usize,
    /// Why the solver stopped.
    pub stop: StopReason,
    /// Residual-norm history, `iterations + 1` entries.
    pub cost: Vec<R>,
    /// Solver-specific diagnostics.
    pub info: I,
}

impl<V, R, I> Solution<V, R, I> {
    /// The same solution with `x` replaced by `f(x)` (e.g. `P p` for a preconditioned run).
    pub(crate) fn try_map_x<W, E>(
        self,
        f: impl FnOnce(V) -> std::result::Result<W, E>,
    ) -> std::result::Result<Solution<W, R, I>, E> {
        Ok(Solution {
            x: f(self.x)?,
            iterations: self.iterations,
            stop: self.stop,
            cost: self.cost,
            info: self.info,
        })
    }
    pub(crate) fn map_info<J>(self, f: impl FnOnce(I) -> J) -> Solution<V, R, J> {
        Solution {
            x: self.x,
            iterations: self.iterations,
            stop: self.stop,
            cost: self.cost,
            info: f(self.info),
        }
    }
}

/// Converts an `f64` parameter to the real type of the solver.
pub(crate) fn real<R: RealScalar>(v: f64) -> R {
    <R as Scalar>::from_f64(v)
}

/// A real number as the scalar type.
pub(crate) fn sc<T: Scalar>(r: T::Real) -> T {
    T::from_real(r)
}

/// Checks that a parameter is finite and not negative.
pub(crate) fn check_nonneg(solver: &str, name: &str, v: f64) -> Result<()> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(Error::InvalidParameter {
            name: name.into(),
            reason: format!("{solver} needs a finite, non-negative `{name}`, got {v}"),
        });
    }
    Ok(())
}

/// A breakdown error.
pub(crate) fn breakdown(iteration: usize, reason: String) -> Error {
    Error::Breakdown { iteration, reason }
}

/// Checks the length and the finiteness of a data or initial vector.
pub(crate) fn check_vector<T: Scalar, V: Vector<T>>(
    solver: &str,
    what: &str,
    v: &V,
    expected_len: usize,
    expected_shape: Vec<usize>,
) -> Result<()> {
    if v.len() != expected_len {
        return Err(Error::ShapeMismatch {
            context: format!(
                "{solver}: `{what}` has {} entries, the operator needs {expected_len}",
                v.len()
            ),
            expected: expected_shape,
            got: vec![v.len()],
        });
    }
    if !v.all_finite() {
        return Err(Error::NonFinite(format!("{solver}: `{what}`")));
    }
    Ok(())
}

/// The error for vectors whose length is right but whose layout (shape or chunking) is not: it
/// names both layouts.
pub(crate) fn layout_err<T: Scalar, V: Vector<T>>(
    solver: &str,
    what: &str,
    got: &V,
    expected_what: &str,
    expected: &V,
) -> Error {
    Error::ChunkMismatch(format!(
        "{solver}: {what} has {}, but {expected_what} has {} (the same number of entries in \
         another layout)",
        got.describe_layout(),
        expected.describe_layout()
    ))
}

/// Validates `y` and `x0` against `op`, and returns the starting iterate (a copy of `x0`, or the
/// zeros `zero_x` makes, laid out to match `y`) with a zero range vector laid out like `A x`, checked
/// against `y`.
pub(crate) fn start<O: LinearMap + ?Sized>(
    solver: &str,
    op: &O,
    y: &O::Range,
    x0: Option<&O::Domain>,
    zero_x: impl FnOnce() -> Result<O::Domain>,
) -> Result<(O::Domain, O::Range)> {
    let (rows, cols) = op.shape();
    check_vector(solver, "y", y, rows, op.dimsd())?;
    let x = match x0 {
        Some(x0) => {
            check_vector(solver, "x0", x0, cols, op.dims())?;
            x0.clone()
        }
        None => zero_x()?,
    };
    let ax = op.range_like(&x)?;
    if !ax.same_layout(y) {
        return Err(layout_err(
            solver,
            "`y`",
            y,
            "the operator's output for this model (`A x`)",
            &ax,
        ));
    }
    Ok((x, ax))
}

/// Builder setters of a solver's parameter struct `$ty<V>`: `x0` (stored as `Some`) and one setter per
/// listed field, each documented by the attributes given.
macro_rules! param_setters {
    ($ty:ident { $($(#[$doc:meta])* $name:ident: $t:ty),* $(,)? }) => {
        impl<V> $ty<V> {
            /// Sets the initial guess.
            pub fn x0(mut self, x0: V) -> Self {
                self.x0 = Some(x0);
                self
            }
            $(
                $(#[$doc])*
                pub fn $name(mut self, $name: $t) -> Self {
                    self.$name = $name;
                    self
                }
            )*
        }
    };
}
pub(crate) use param_setters;
