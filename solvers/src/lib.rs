//! # rylops-solvers
//!
//! Iterative solvers over any [`LinearOperator`](rylops_core::LinearOperator), whatever its vectors
//! (chunked arrays, stacked vectors, arrays distributed over ranks): conjugate gradients
//! ([`cg`](fn@crate::cg), [`pcg`]), [`cgls`](fn@crate::cgls), [`lsqr`](fn@crate::lsqr), regularised inversion ([`regularized_inversion`],
//! [`normal_equations_inversion`]), [`preconditioned_inversion`] and the default least-squares
//! [`solve`](fn@crate::solve) (pylops' `Op / y`). They follow pylops 2.8's `pylops.optimization`
//! solvers.
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
//! | `Op / y`, `Op.div(y)` | [`solve`](fn@crate::solve)`(&op, &y)` (lsqr with [`LsqrParams::pylops_div`]) |
//! | `cg(Op, y, x0, niter, damp, tol)` → `x, iit, cost` | [`cg`](fn@crate::cg)`(&op, &y, &CgParams::default().x0(x0).niter(..).shift(damp).tol(..).pylops_compat(true))` (pylops' `damp` is a linear shift: [`CgParams::shift`]) |
//! | `scipy.sparse.linalg.cg(A, b, rtol=, atol=, maxiter=)` | [`cg`](fn@crate::cg) with [`CgParams::scipy`]`(&op)` (or `.rtol(rtol).tol(atol).niter(maxiter)`) |
//! | `cgls(Op, y, x0, niter, damp, tol)` → `x, istop, iit, r1norm, r2norm, cost` | [`cgls`](fn@crate::cgls): `x`, `info.istop`, `iterations`, `info.pylops_r1norm()` (= `info.gradient_norm_sqr`), `info.r2norm`, `cost` (and `info.cost1`) |
//! | `lsqr(Op, y, x0, damp, atol, btol, conlim, niter, calc_var)` → `x, istop, iit, r1norm, r2norm, anorm, acond, arnorm, xnorm, var, cost` | [`lsqr`](fn@crate::lsqr): `x`, `info.istop`, `iterations`, `info.{r1norm, r2norm, anorm, acond, arnorm, xnorm, var}`, `cost` |
//! | `scipy.sparse.linalg.lsqr(A, b, ...)` | [`lsqr`](fn@crate::lsqr) with [`LsqrParams::scipy`]`(&op)` |
//! | `regularized_inversion(Op, y, Regs, epsRs=, dataregs=, engine=)` | [`regularized_inversion`] with [`Regularization`]s and a [`RegularizedSolver`] (`engine="scipy"`: `RegularizedSolver::Lsqr(LsqrParams::scipy(&op))`) |
//! | `normal_equations_inversion(Op, y, Regs, epsI=, epsRs=, NRegs=, epsNRs=, engine="pylops")` | [`normal_equations_inversion`] (`epsI` is [`CgParams::damp`], which adds `epsI^2 I` as pylops; `NRegs` are [`Regularization::normal`]) |
//! | `preconditioned_inversion(Op, y, P, x0, engine=)` | [`preconditioned_inversion`] (`engine="scipy"`: `RegularizedSolver::Lsqr(LsqrParams::scipy(&p))`) |
//! | `show=True` | [`callback::progress`] |
//! | callbacks with a `stop` flag | a closure returning [`Control::Stop`] |
//!
//! ## Tolerances: absolute, relative, pylops', scipy's
//!
//! * `cg`/`pcg`/`cgls`: [`CgParams::tol`] and [`CglsParams::tol`] are **absolute** (pylops' `tol`).
//!   [`CgParams::rtol`] is scipy's **relative** tolerance (`||r|| <= rtol ||y||`), off by default;
//!   [`CgParams::scipy`] sets scipy's `cg` defaults (`rtol = 1e-5`, `atol = 0`, `maxiter = 10 n`).
//! * `lsqr`: `atol`/`btol` are **relative** (Paige–Saunders), in pylops and scipy alike. The
//!   defaults are pylops' own lsqr's (`1e-8`, 10 iterations); [`LsqrParams::scipy`] gives scipy's
//!   (`1e-6`, `2 n` iterations, scipy's stopping tests), which pylops' `engine="scipy"` uses.
//!
//! ## Where the defaults differ from pylops, and the `pylops_compat` switch
//!
//! The defaults do what the documentation of each parameter says; each parameter struct has a
//! `pylops_compat` flag that reproduces pylops 2.8's stopping and reporting quirks exactly instead
//! (same iterates up to rounding, same iteration counts and stop codes). **It never changes which
//! system is solved**: `damp`, `shift` and the regularisation weights mean the same in both modes.
//!
//! * `cg`, `cgls`: `tol` is compared with the residual **norm** (pylops compares it with the
//!   squared norm). `tol = 0` gives the same iterates in both modes.
//! * `cg`: `damp` adds `damp^2 I`, consistent with `cgls`/`lsqr` and with pylops' `epsI`; pylops'
//!   own `cg(damp=d)` adds `d I`, which is [`CgParams::shift`]`(d)` (in both modes).
//! * `cgls` with a non-zero `x0`: the first direction is `A^H (y - A x0) - damp^2 x0` (pylops uses
//!   `damp` there, and in `cost1[0]`: a pylops bug in the first step that `pylops_compat`
//!   reproduces; the objective stays `||y - A x||^2 + damp^2 ||x||^2`).
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
pub mod preconditioned;
pub mod regularized;
pub mod solve;

pub use callback::{Control, IterInfo};
pub use cg::{cg, cg_with, pcg, pcg_with, CgInfo, CgParams, CgSolution};
pub use cgls::{cgls, cgls_with, CglsInfo, CglsParams, CglsSolution};
pub use common::{Real, Solution, StopReason};
pub use lsqr::{lsqr, lsqr_with, LsqrInfo, LsqrParams, LsqrSolution};
pub use preconditioned::{
    preconditioned_inversion, preconditioned_inversion_with, PreconditionedSolution,
};
pub use regularized::{
    normal_equations_inversion, normal_equations_inversion_with, regularized_inversion,
    regularized_inversion_with, Regularization, RegularizedInfo, RegularizedSolution,
    RegularizedSolver,
};
pub use solve::solve;
