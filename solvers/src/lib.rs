//! # rylops-solvers
//!
//! Iterative solvers over any [`LinearOperator`](rylops_core::LinearOperator), whatever its vectors
//! (chunked arrays, stacked vectors, arrays distributed over ranks): conjugate gradients
//! ([`cg`](fn@crate::cg), [`pcg`]), [`cgls`](fn@crate::cgls), [`lsqr`](fn@crate::lsqr), and regularised inversion ([`regularized_inversion`],
//! [`normal_equations_inversion`]). They follow pylops 2.8's `pylops.optimization` solvers.
//!
//! Every solver takes the operator, the data `y` and a parameter struct built from `Default` with
//! setters (`CgParams::default().niter(50).tol(1e-10)`), and returns a [`Solution`]: the iterate
//! `x`, the number of `iterations`, the [`StopReason`], the residual-norm history `cost` (pylops'
//! `cost`, `iterations + 1` entries) and solver-specific diagnostics in `info`. A `*_with` form
//! takes a [`callback`] called after every iteration, which may stop the run.
//!
//! Work vectors are allocated once, in the layout the operator gives (`range_like`/`domain_like`
//! of `y` or `x0`); iterations only apply the operator with `forward_into`/`adjoint_into` and update
//! vectors in place. Reductions are summed in a fixed order, so for a given chunking the iterates do
//! not depend on the number of threads.
//!
//! ## For pylops users
//!
//! | pylops 2.8 | here |
//! |---|---|
//! | `cg(Op, y, x0, niter, damp, tol)` | [`cg`](fn@crate::cg)`(&op, &y, &CgParams::default().x0(x0).niter(..).damp(..).tol(..))` |
//! | `cgls(Op, y, x0, niter, damp, tol)` → `x, istop, iit, r1norm, r2norm, cost` | [`cgls`](fn@crate::cgls): `x`, `info.istop`, `iterations`, `info.gradient_norm_sqr`, `info.r2norm`, `cost` (and `info.cost1`) |
//! | `lsqr(Op, y, x0, damp, atol, btol, conlim, niter, calc_var)` → `x, istop, iit, r1norm, r2norm, anorm, acond, arnorm, xnorm, var, cost` | [`lsqr`](fn@crate::lsqr): `x`, `info.istop`, `iterations`, `info.{r1norm, r2norm, anorm, acond, arnorm, xnorm, var}`, `cost` |
//! | `regularized_inversion(Op, y, Regs, epsRs=, dataregs=, engine=)` | [`regularized_inversion`] with [`Regularization`]s and a [`RegularizedSolver`] |
//! | `normal_equations_inversion(Op, y, Regs, epsI=, epsRs=, engine="pylops")` | [`normal_equations_inversion`] (`epsI` is `CgParams::damp`) |
//! | `show=True` | [`callback::progress`] |
//! | callbacks with a `stop` flag | a closure returning [`Control::Stop`] |
//!
//! ## Where the defaults differ from pylops, and the `pylops_compat` switch
//!
//! The defaults do what the documentation of each parameter says; each parameter struct has a
//! `pylops_compat` flag that reproduces pylops 2.8 exactly instead (same iterates up to rounding,
//! same iteration counts and stop codes):
//!
//! * `cg`, `cgls`: `tol` is compared with the residual **norm** (pylops compares it with the
//!   squared norm). `tol = 0` gives the same iterates in both modes.
//! * `cg`: `damp` solves `(A + damp^2 I) x = y`, consistent with `cgls`/`lsqr` (pylops: `A + damp I`).
//! * `cgls` with a non-zero `x0`: the first direction is `A^H (y - A x0) - damp^2 x0` (pylops uses
//!   `damp` there, and in `cost1[0]`).
//! * `lsqr`: `istop = 7` when the iteration limit is reached (pylops 2.8 returns `0`), and for
//!   complex data `var` accumulates `|dk|^2` (pylops: `dk^2`, a complex number).
//!
//! Regardless of the mode: `lsqr` returns at once with `istop = 0` when `A^H (y - A x0) = 0`
//! (pylops goes on iterating on 0/0), `cg` fails with
//! [`Error::NotPositiveDefinite`](rylops_core::Error::NotPositiveDefinite) when `<p, A p> <= 0`
//! (pylops takes the modulus and carries on), and non-finite or zero denominators give
//! [`Error::Breakdown`](rylops_core::Error::Breakdown) rather than NaN iterates.
#![deny(missing_docs)]

pub mod callback;
pub mod cg;
pub mod cgls;
pub mod common;
pub mod lsqr;
pub mod regularized;

pub use callback::{Control, IterInfo};
pub use cg::{cg, cg_with, pcg, pcg_with, CgInfo, CgParams, CgSolution};
pub use cgls::{cgls, cgls_with, CglsInfo, CglsParams, CglsSolution};
pub use common::{Real, Solution, StopReason};
pub use lsqr::{lsqr, lsqr_with, LsqrInfo, LsqrParams, LsqrSolution};
pub use regularized::{
    normal_equations_inversion, normal_equations_inversion_with, regularized_inversion,
    regularized_inversion_with, Regularization, RegularizedInfo, RegularizedSolution,
    RegularizedSolver,
};
