//! Regularised least squares: `min ||y - A x||^2 + sum_i eps_i^2 ||d_i - R_i x||^2`, by stacking
//! ([`regularized_inversion`], pylops' `regularized_inversion`) or through the normal equations
//! ([`normal_equations_inversion`], pylops' `normal_equations_inversion`).

use crate::callback::{noop, Control, IterInfo};
use crate::cg::{cg_core, CgParams, CgSolution};
use crate::cgls::{cgls_core, CglsInfo, CglsParams};
use crate::common::{check_nonneg, check_vector, layout_err, Real, Solution};
use crate::lsqr::{lsqr_core, LsqrInfo, LsqrParams};
use rylops_core::{
    Error, LinearMap, LinearOperator, Result, Scalar, Scaled, Stack, VStack, Vector,
};
use std::sync::Mutex;

type DynOp<'a, T, D, R> = dyn LinearOperator<Scalar = T, Domain = D, Range = R> + 'a;

/// One regularisation term, in one of two forms:
///
/// * [`Regularization::new`]: `eps^2 ||d - R x||^2`, an operator `R` on the model, a weight `eps`,
///   and optional regularisation data `d` (pylops' `Regs`, `epsRs`, `dataregs`; `d` defaults to
///   0). Both [`regularized_inversion`] and [`normal_equations_inversion`] take it.
/// * [`Regularization::normal`]: a square operator `N` on the model added as `eps^2 N` to the
///   normal equations (pylops' `NRegs` and `epsNRs`; e.g. `N = R^H R` given as one operator). Only
///   [`normal_equations_inversion`] takes it (as pylops: `regularized_inversion` has no `NRegs`).
pub struct Regularization<'a, T, D, R> {
    term: Term<'a, T, D, R>,
    eps: f64,
    /// `with_data` was called on a normal term (reported as an error by the inversions).
    data_on_normal: bool,
}

/// The two forms of a [`Regularization`].
enum Term<'a, T, D, R> {
    /// `R` and its data `d`.
    Misfit {
        op: &'a DynOp<'a, T, D, R>,
        data: Option<&'a R>,
    },
    /// `N`, added to the normal equations.
    Normal(&'a DynOp<'a, T, D, D>),
}

impl<T, D, R> Clone for Term<'_, T, D, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, D, R> Copy for Term<'_, T, D, R> {}

impl<T, D, R> Clone for Regularization<'_, T, D, R> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, D, R> Copy for Regularization<'_, T, D, R> {}

impl<'a, T: Scalar, D: Vector<T>, R: Vector<T>> Regularization<'a, T, D, R> {
    /// The term `eps^2 ||R x||^2` (`R` must have the model operator's `dims`; `eps >= 0`); in the
    /// normal equations it adds `eps^2 R^H R` (pylops' `Regs` with `epsRs`).
    pub fn new<Op>(op: &'a Op, eps: f64) -> Self
    where
        Op: LinearOperator<Scalar = T, Domain = D, Range = R> + 'a,
    {
        Self {
            term: Term::Misfit { op, data: None },
            eps,
            data_on_normal: false,
        }
    }
    /// The term `eps^2 N` added to the normal equations as it is (pylops' `NRegs` with `epsNRs`):
    /// `N` maps the model to itself (`dims == dimsd ==` the model operator's `dims`) and should be
    /// Hermitian positive semi-definite, as `R^H R` is, for `cg` to apply. Only
    /// [`normal_equations_inversion`] takes it.
    pub fn normal<Op>(op: &'a Op, eps: f64) -> Self
    where
        Op: LinearOperator<Scalar = T, Domain = D, Range = D> + 'a,
    {
        Self {
            term: Term::Normal(op),
            eps,
            data_on_normal: false,
        }
    }
    /// Uses `eps^2 ||d - R x||^2` instead, with `d` laid out like `R`'s output. A term made with
    /// [`Regularization::normal`] takes no data (nor does pylops' `NRegs`): the inversion functions
    /// then return [`Error::InvalidParameter`].
    pub fn with_data(mut self, d: &'a R) -> Self {
        match &mut self.term {
            Term::Misfit { data, .. } => *data = Some(d),
            Term::Normal(_) => self.data_on_normal = true,
        }
        self
    }
    /// The weight `eps`.
    pub fn eps(&self) -> f64 {
        self.eps
    }
    /// Whether the term was made with [`Regularization::normal`] (pylops' `NRegs`).
    pub fn is_normal(&self) -> bool {
        matches!(self.term, Term::Normal(_))
    }
}

/// The solver used by [`regularized_inversion`] on the stacked system, with its parameters.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RegularizedSolver<V> {
    /// [`lsqr`](fn@crate::lsqr) with the given parameters. pylops' `engine="scipy"` (its default)
    /// runs scipy's lsqr with scipy's defaults: `Lsqr(LsqrParams::scipy(&op))`. The
    /// [`Default`] of this enum is `Lsqr(LsqrParams::default())`, pylops' *own* lsqr defaults
    /// (`atol = btol = 1e-8`, 10 iterations), which are not scipy's (`1e-6`, `2 n` iterations).
    Lsqr(LsqrParams<V>),
    /// [`cgls`](fn@crate::cgls) (pylops' engine `pylops`).
    Cgls(CglsParams<V>),
}

impl<V> Default for RegularizedSolver<V> {
    fn default() -> Self {
        Self::Lsqr(LsqrParams::default())
    }
}

/// Diagnostics of [`regularized_inversion`]: those of the solver used.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RegularizedInfo<V, R> {
    /// The run used lsqr.
    Lsqr(LsqrInfo<V, R>),
    /// The run used cgls.
    Cgls(CglsInfo<R>),
}

/// The result of [`regularized_inversion`].
pub type RegularizedSolution<V, R> = Solution<V, R, RegularizedInfo<V, R>>;

/// Minimises `||y - A x||^2 + sum_i eps_i^2 ||d_i - R_i x||^2` by solving the stacked least-squares
/// problem `[A; eps_1 R_1; ...] x ≈ [y; eps_1 d_1; ...]` with lsqr or cgls (pylops'
/// `regularized_inversion`, without `Weight`: pass `W A` and `W y` for a weighted misfit).
///
/// The solver's `x0`, `damp` and other parameters apply to the stacked problem, and its `cost` is
/// the norm of the stacked residual (data misfit and regularisation terms together). The data
/// vector of the stacked operator is a [`Stack`] (`y` followed by one part per term).
///
/// # Errors
/// [`Error::IncompatibleOperators`] when an `R_i` has other `dims` than `A`;
/// [`Error::InvalidParameter`] for a negative or non-finite `eps_i`, or a term made with
/// [`Regularization::normal`] (pylops' `regularized_inversion` has no `NRegs` either); the checks on
/// `y`, `x0` and the `d_i`; and the errors of the solver.
///
/// ```
/// use rylops_core::{Chunked, ChunkedArray, ChunkedOperator, LinearMap, Result, Vector};
/// use rylops_solvers::{regularized_inversion, Regularization, RegularizedSolver, LsqrParams};
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
/// // `Diag(d)` multiplies by `d` entry-wise (on one chunk); `Chunked` makes it an operator.
/// // With A = diag(1, 2), R = I, eps = 1:
/// // x_i = a_i y_i / (a_i^2 + 1).
/// let a = Chunked(Diag(vec![1.0, 2.0]));
/// let identity = Chunked(Diag(vec![1.0, 1.0]));
/// let mut y = a.zeros_range();
/// y.fill(1.0);
/// let regs = [Regularization::new(&identity, 1.0)];
/// let solver = RegularizedSolver::Lsqr(LsqrParams::default().niter(10));
/// let sol = regularized_inversion(&a, &y, &regs, &solver).unwrap();
/// let x = sol.x.to_array();
/// assert!((x[[0]] - 0.5).abs() < 1e-12 && (x[[1]] - 0.4).abs() < 1e-12);
/// ```
pub fn regularized_inversion<'a, O: LinearOperator>(
    op: &'a O,
    y: &O::Range,
    regs: &[Regularization<'a, O::Scalar, O::Domain, O::Range>],
    solver: &RegularizedSolver<O::Domain>,
) -> Result<RegularizedSolution<O::Domain, Real<O>>> {
    regularized_core(op, y, regs, solver, &mut noop)
}

/// [`regularized_inversion`] with a callback called after every iteration (see
/// [`crate::callback`]).
///
/// # Errors
/// Those of [`regularized_inversion`], and the error carried by a callback that returns
/// [`Control::Abort`].
pub fn regularized_inversion_with<'a, O, F>(
    op: &'a O,
    y: &O::Range,
    regs: &[Regularization<'a, O::Scalar, O::Domain, O::Range>],
    solver: &RegularizedSolver<O::Domain>,
    mut callback: F,
) -> Result<RegularizedSolution<O::Domain, Real<O>>>
where
    O: LinearOperator,
    F: FnMut(&IterInfo<'_, O::Scalar, O::Domain>) -> Control,
{
    regularized_core(op, y, regs, solver, &mut callback)
}

const REG: &str = "regularized_inversion";
const NEQ: &str = "normal_equations_inversion";

/// Checks the terms against the operator: weights, `dims`, and the data `d_i`.
fn check_terms<T: Scalar, D: Vector<T>, R: Vector<T>>(
    ctx: &str,
    op: &DynOp<'_, T, D, R>,
    regs: &[Regularization<'_, T, D, R>],
) -> Result<()> {
    for (i, r) in regs.iter().enumerate() {
        check_nonneg(ctx, &format!("eps[{i}]"), r.eps)?;
        if r.data_on_normal {
            return Err(Error::InvalidParameter {
                name: format!("regs[{i}]"),
                reason: format!(
                    "{ctx}: regularization {i} is a normal term (`Regularization::normal`, \
                     pylops' NRegs), which takes no data"
                ),
            });
        }
        let (dims, dimsd) = match r.term {
            Term::Misfit { op, .. } => (op.dims(), None),
            Term::Normal(n) => (n.dims(), Some(n.dimsd())),
        };
        if dims != op.dims() {
            return Err(Error::IncompatibleOperators(format!(
                "{ctx}: regularization {i} acts on dims {dims:?}, the operator on {:?}",
                op.dims()
            )));
        }
        if let Some(dimsd) = dimsd {
            if dimsd != dims {
                return Err(Error::IncompatibleOperators(format!(
                    "{ctx}: normal regularization {i} maps dims {dims:?} to {dimsd:?}; it must map \
                     the model to itself"
                )));
            }
        }
        if let Term::Misfit {
            op: rop,
            data: Some(d),
        } = r.term
        {
            check_vector(
                ctx,
                &format!("data of regularization {i}"),
                d,
                rop.shape().0,
                rop.dimsd(),
            )?;
        }
    }
    Ok(())
}

fn regularized_core<'a, T: Scalar, D: Vector<T>, R: Vector<T>>(
    op: &'a DynOp<'a, T, D, R>,
    y: &R,
    regs: &[Regularization<'a, T, D, R>],
    solver: &RegularizedSolver<D>,
    callback: &mut dyn FnMut(&IterInfo<'_, T, D>) -> Control,
) -> Result<RegularizedSolution<D, T::Real>> {
    check_vector(REG, "y", y, op.shape().0, op.dimsd())?;
    check_terms(REG, op, regs)?;
    if let Some(i) = regs.iter().position(Regularization::is_normal) {
        return Err(Error::InvalidParameter {
            name: format!("regs[{i}]"),
            reason: format!(
                "{REG}: regularization {i} is a normal term (`Regularization::normal`, pylops' \
                 NRegs); only normal_equations_inversion takes those"
            ),
        });
    }
    let x0 = match solver {
        RegularizedSolver::Lsqr(p) => p.x0.as_ref(),
        RegularizedSolver::Cgls(p) => p.x0.as_ref(),
    };
    let layout = match x0 {
        Some(_) => None,
        None => Some(op.domain_like(y)?),
    };
    let xl = x0.or(layout.as_ref()).expect("one of them is set");

    // The stacked operator [A; eps_1 R_1; ...] and data [y; eps_1 d_1; ...].
    let mut ops: Vec<Box<DynOp<'a, T, D, R>>> = Vec::with_capacity(regs.len() + 1);
    ops.push(Box::new(op));
    let mut parts = Vec::with_capacity(regs.len() + 1);
    parts.push(y.clone());
    for (i, r) in regs.iter().enumerate() {
        let Term::Misfit { op: rop, data } = r.term else {
            unreachable!("normal terms were rejected above")
        };
        let eps = T::from_f64(r.eps);
        ops.push(Box::new(Scaled::new(rop, eps)));
        let mut d = rop.range_like(xl)?;
        if let Some(data) = data {
            if !data.same_layout(&d) {
                return Err(layout_err(
                    REG,
                    &format!("the data of regularization {i}"),
                    data,
                    "the regularization's output",
                    &d,
                ));
            }
            d.copy_from(data);
            d.scale(eps);
        }
        parts.push(d);
    }
    let stacked = VStack::new(ops)?;
    let data = Stack(parts);
    match solver {
        RegularizedSolver::Lsqr(p) => {
            Ok(lsqr_core(&stacked, &data, p, callback)?.map_info(RegularizedInfo::Lsqr))
        }
        RegularizedSolver::Cgls(p) => {
            Ok(cgls_core(&stacked, &data, p, callback)?.map_info(RegularizedInfo::Cgls))
        }
    }
}

/// Minimises `||y - A x||^2 + sum_i eps_i^2 ||d_i - R_i x||^2` by solving the normal equations
/// `(A^H A + epsI^2 I + sum_i eps_i^2 R_i^H R_i + sum_j epsN_j^2 N_j) x = A^H y + sum_i eps_i^2 R_i^H d_i`
/// with [`cg`](fn@crate::cg) (pylops' `normal_equations_inversion`).
///
/// * `regs`: the terms [`Regularization::new`] (pylops' `Regs`, `epsRs`, `dataregs`: adds
///   `eps_i^2 R_i^H R_i`) and [`Regularization::normal`] (pylops' `NRegs`, `epsNRs`: adds
///   `epsN_j^2 N_j` as given).
/// * `epsI` is `params.damp`: [`CgParams::damp`] adds `damp^2 I`, exactly pylops' `epsI^2` on the
///   diagonal, in both modes. (pylops' `cg` keyword `damp` with `engine="pylops"`, a linear shift, is
///   [`CgParams::shift`].)
/// * `params` are those of `cg` on the normal equations; its `cost` is the norm of the
///   normal-equations residual. pylops' default `engine="scipy"` runs scipy's cg:
///   [`CgParams::scipy`]`(&op)` gives its defaults (relative tolerance `1e-5`, `10 n` iterations);
///   pylops maps a `tol` keyword to scipy's absolute `atol`, which is [`CgParams::tol`] here.
///
/// The normal operator is applied matrix-free (`A^H (A x)` plus `eps_i^2 R_i^H (R_i x)` plus
/// `epsN_j^2 N_j x`, with work vectors allocated at the first application).
///
/// # Errors
/// As [`regularized_inversion`] (and [`Error::IncompatibleOperators`] for an `N_j` that does not
/// map the model to itself, [`Error::InvalidParameter`] for data given to an `N_j`), and the
/// errors of [`cg`](fn@crate::cg).
///
/// ```
/// use rylops_core::{Chunked, ChunkedArray, ChunkedOperator, LinearMap, Result, Vector};
/// use rylops_solvers::{normal_equations_inversion, Regularization, CgParams};
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
/// // `Diag(d)` multiplies by `d` entry-wise (on one chunk); `Chunked` makes it an operator.
/// // With A = diag(1, 2), R = I, eps = 1:
/// // x_i = a_i y_i / (a_i^2 + 1).
/// let a = Chunked(Diag(vec![1.0, 2.0]));
/// let identity = Chunked(Diag(vec![1.0, 1.0]));
/// let mut y = a.zeros_range();
/// y.fill(1.0);
/// let regs = [Regularization::new(&identity, 1.0)];
/// let sol = normal_equations_inversion(&a, &y, &regs, &CgParams::default().tol(1e-12)).unwrap();
/// let x = sol.x.to_array();
/// assert!((x[[0]] - 0.5).abs() < 1e-12 && (x[[1]] - 0.4).abs() < 1e-12);
/// ```
pub fn normal_equations_inversion<'a, O: LinearOperator>(
    op: &'a O,
    y: &O::Range,
    regs: &[Regularization<'a, O::Scalar, O::Domain, O::Range>],
    params: &CgParams<O::Domain>,
) -> Result<CgSolution<O::Domain, Real<O>>> {
    normal_core(op, y, regs, params, &mut noop)
}

/// [`normal_equations_inversion`] with a callback called after every iteration (see
/// [`crate::callback`]).
///
/// # Errors
/// Those of [`normal_equations_inversion`], and the error carried by a callback that returns
/// [`Control::Abort`].
pub fn normal_equations_inversion_with<'a, O, F>(
    op: &'a O,
    y: &O::Range,
    regs: &[Regularization<'a, O::Scalar, O::Domain, O::Range>],
    params: &CgParams<O::Domain>,
    mut callback: F,
) -> Result<CgSolution<O::Domain, Real<O>>>
where
    O: LinearOperator,
    F: FnMut(&IterInfo<'_, O::Scalar, O::Domain>) -> Control,
{
    normal_core(op, y, regs, params, &mut callback)
}

fn normal_core<'a, T: Scalar, D: Vector<T>, R: Vector<T>>(
    op: &'a DynOp<'a, T, D, R>,
    y: &R,
    regs: &[Regularization<'a, T, D, R>],
    params: &CgParams<D>,
    callback: &mut dyn FnMut(&IterInfo<'_, T, D>) -> Control,
) -> Result<CgSolution<D, T::Real>> {
    check_vector(NEQ, "y", y, op.shape().0, op.dimsd())?;
    check_terms(NEQ, op, regs)?;
    // Right-hand side A^H y + sum eps_i^2 R_i^H d_i, laid out like x.
    let mut rhs = match &params.x0 {
        Some(x0) => x0.zeros_like(),
        None => op.domain_like(y)?,
    };
    op.adjoint_into(y, &mut rhs)?;
    let mut tmp = None;
    for r in regs {
        if let Term::Misfit {
            op: rop,
            data: Some(d),
        } = r.term
        {
            let t = tmp.get_or_insert_with(|| rhs.zeros_like());
            rop.adjoint_into(d, t)?;
            rhs.axpy(T::from_f64(r.eps * r.eps), t);
        }
    }
    let mut misfit = Vec::new();
    let mut nregs = Vec::new();
    for r in regs {
        let w = T::from_f64(r.eps * r.eps);
        match r.term {
            Term::Misfit { op: rop, .. } => misfit.push((rop, w)),
            Term::Normal(n) => nregs.push((n, w)),
        }
    }
    let normal = Normal {
        op,
        regs: misfit,
        nregs,
        work: Mutex::new(None),
    };
    cg_core("cg", &normal, None, &rhs, params, callback)
}

/// Work vectors of [`Normal`]: `A x`, the `R_i x`, and one model-space vector.
struct Work<D, R> {
    ax: R,
    rx: Vec<R>,
    tmp: D,
}

/// The normal operator `A^H A + sum_i w_i R_i^H R_i + sum_j v_j N_j` (`dims -> dims`; Hermitian
/// when the `N_j` are).
struct Normal<'a, T, D, R> {
    op: &'a DynOp<'a, T, D, R>,
    regs: Vec<(&'a DynOp<'a, T, D, R>, T)>,
    nregs: Vec<(&'a DynOp<'a, T, D, D>, T)>,
    work: Mutex<Option<Work<D, R>>>,
}

impl<T: Scalar, D: Vector<T>, R: Vector<T>> LinearMap for Normal<'_, T, D, R> {
    type Scalar = T;
    type Domain = D;
    type Range = D;
    fn dims(&self) -> Vec<usize> {
        self.op.dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.op.dims()
    }
    fn forward_into(&self, x: &D, y: &mut D) -> Result<()> {
        let mut guard = self.work.lock().unwrap_or_else(|e| e.into_inner());
        if !guard.as_ref().is_some_and(|w| w.tmp.same_layout(x)) {
            *guard = Some(Work {
                ax: self.op.range_like(x)?,
                rx: self
                    .regs
                    .iter()
                    .map(|(r, _)| r.range_like(x))
                    .collect::<Result<_>>()?,
                tmp: x.zeros_like(),
            });
        }
        let w = guard.as_mut().expect("allocated above");
        self.op.forward_into(x, &mut w.ax)?;
        self.op.adjoint_into(&w.ax, y)?;
        for ((r, e2), rx) in self.regs.iter().zip(w.rx.iter_mut()) {
            r.forward_into(x, rx)?;
            r.adjoint_into(rx, &mut w.tmp)?;
            y.axpy(*e2, &w.tmp);
        }
        for (n, e2) in &self.nregs {
            n.forward_into(x, &mut w.tmp)?;
            y.axpy(*e2, &w.tmp);
        }
        Ok(())
    }
    fn range_like(&self, x: &D) -> Result<D> {
        Ok(x.zeros_like())
    }
    fn zeros_domain(&self) -> D {
        self.op.zeros_domain()
    }
    fn zeros_range(&self) -> D {
        self.op.zeros_domain()
    }
}

impl<T: Scalar, D: Vector<T>, R: Vector<T>> LinearOperator for Normal<'_, T, D, R> {
    fn adjoint_into(&self, y: &D, x: &mut D) -> Result<()> {
        // Hermitian (the weights are real and the `N_j` are taken to be Hermitian); cg never calls
        // this.
        self.forward_into(y, x)
    }
    fn domain_like(&self, y: &D) -> Result<D> {
        Ok(y.zeros_like())
    }
}
