//! LSQR (Paige and Saunders, 1982).
//!
//! # Memory passes per iteration
//!
//! Counting one pass per read or write of a whole vector and one per operator application, an
//! iteration made 17 passes, then 15, and now makes 11 (`calc_var` adds 3):
//! - `u = A v - alfa u` and `||u||^2`: 4 before, 3 now
//!   ([`forward_xpby_norm_sqr`](rylops_core::LinearMap::forward_xpby_norm_sqr) combines each piece
//!   of `A v` with `u` while it is in cache; the stencil operators compute each piece into a
//!   buffer in cache, and until 2026-12-02 also wrote it to the work vector, which made 4);
//! - `u /= beta`: 2 before, none now (below);
//! - `v = A^H u - beta v` and `||v||^2`: 4 before, 3 now
//!   ([`adjoint_xpby_norm_sqr`](rylops_core::LinearOperator::adjoint_xpby_norm_sqr));
//! - `v /= alfa`: 2 before, none now;
//! - `x += t1 w`, `w = v + t2 w` and `||w||^2`: 5.
//!
//! The normalisations need the norm that the update before them computes, so they cannot join
//! that pass; since 2026-12-02 they are not made at all. The iteration keeps arrays `U`, `V`, `W`
//! and real factors with `u = su U`, `v = sv V`, `w = sw W`, and folds the factors into the
//! coefficients of the passes it makes anyway: `U = A V - (alfa su / sv) U` gives `beta = sv ||U||`
//! and `su = sv / beta`; `V = A^H U - (beta sv / su) V` gives `alfa = su ||V||` and `sv = su /
//! alfa`; `x += (t1 sw) W`, `W = V + (t2 sw / sv) W`, `sw = sv`. The same algorithm in exact
//! arithmetic, with the rounding of each element moved from the division by the norm to the
//! coefficient that multiplies it. The factors change by about `1 / (alfa beta)` per iteration;
//! before one leaves `[2^-64, 2^64]` (`[2^-8, 2^8]` for `f32`), its array is scaled by a power of
//! two, which rounds nothing (one pass; with `alfa beta` near 2^3-2^6 per iteration, as on a
//! Laplacian, every 10 to 20 iterations in `f64`). An operator that
//! does not override the fused methods makes 2 more passes for each of `u` and `v`; the results
//! are the same bits either way.
//!
//! Inside the products, a stacked operator such as `[I; L]` (a `VStack`, model of `n` elements)
//! computes `A^H u` into the work vector, then `v = (A^H u) - beta v` with `||v||^2` (3 passes;
//! the stack's sum must be finished before `beta v` is added, so this is a pass of its own). With
//! an identity first part, `A^H u = u_0 + L^H u_1` is one pass of 3 that reads `u_0` in place
//! ([`adjoint_passthrough`](rylops_core::LinearOperator::adjoint_passthrough),
//! [`adjoint_add_from`](rylops_core::LinearOperator::adjoint_add_from)), where it was 5 (a copy,
//! then an addition). Counted in passes of `n`, an iteration on `[I; L]` made 26, then 23, and now
//! makes 17 (6 for `u`, 6 for `v`, 5 for `x` and `w`; `calc_var` off).

use crate::callback::{noop, Control, IterInfo};
use crate::common::{
    breakdown, check_nonneg, param_setters, real, sc, start, Real, Solution, StopReason,
};
use num_traits::{Float, One, ToPrimitive, Zero};
use rylops_core::{LinearOperator, Result, Scalar, Vector};

/// Parameters of [`lsqr`](fn@crate::lsqr), built with setters from [`Default`]
/// (`LsqrParams::default().niter(30).damp(0.1).calc_var(false)`); the defaults are those of pylops'
/// own `pylops.optimization.basic.lsqr` (`atol = btol = 1e-8`, `niter = 10`, `calc_var = true`).
///
/// pylops also calls scipy's `scipy.sparse.linalg.lsqr`, whose defaults differ:
/// [`LsqrParams::scipy`] gives them (`atol = btol = 1e-6`, `niter = 2 n`, `calc_var = false`; used
/// by pylops' `regularized_inversion` and `preconditioned_inversion` with their default
/// `engine="scipy"`), and [`LsqrParams::pylops_div`] those of pylops' `Op / y`. Both tolerances
/// are **relative** in every case (Paige–Saunders' tests, the same in pylops and scipy; see
/// `atol`/`btol`), unlike `cg`'s absolute `tol`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LsqrParams<V> {
    /// Initial guess (default: zero). LSQR then works on `y - A x0` and returns `x0 + dx`, so `damp`
    /// regularises the update `dx` (as pylops and scipy).
    pub x0: Option<V>,
    /// Damping `damp` of `||y - A x||^2 + damp^2 ||x||^2` (default 0).
    pub damp: f64,
    /// **Relative** stopping tolerance on the least-squares residual: stops (`istop = 2`) once
    /// `||A^H r|| <= atol ||A^H r_0||` (default `1e-8`, pylops' lsqr; scipy's default is `1e-6`).
    /// It also scales `btol`'s test by `||A|| ||x||`.
    pub atol: f64,
    /// **Relative** stopping tolerance on the residual: stops (`istop = 1`) once
    /// `||r|| <= btol ||r_0|| + atol ||A|| ||x||` with `r_0 = y - A x0` (default `1e-8`, pylops'
    /// lsqr; scipy's default is `1e-6`). With `atol = btol = 1e-9`, `||y - A x||` is accurate to
    /// about 9 digits.
    pub btol: f64,
    /// Stop when the estimate of `cond([A; damp I])` exceeds `conlim` (default `1e8`; 0 disables).
    pub conlim: f64,
    /// Maximum number of iterations (default 10, as pylops).
    pub niter: usize,
    /// Estimate the diagonal of `(A^H A + damp^2 I)^{-1}` in `info.var` (default `true`, as pylops).
    pub calc_var: bool,
    /// Use the stopping tests of scipy's `scipy.sparse.linalg.lsqr` (default `false`: those of
    /// pylops' own lsqr): `istop = 2` when `||A^H r|| <= atol (||A|| ||r|| + eps)` instead of
    /// `||A^H r|| <= atol ||A^H r_0||`, the condition test on `1 / (cond + eps)`, and `btol`'s test
    /// scaled by `||y||` instead of `||y - A x0||` (`eps` is `f64::EPSILON`, as scipy's). It changes
    /// when the run stops, never the system or the iterates. [`LsqrParams::scipy`] and
    /// [`LsqrParams::pylops_div`] switch it on.
    pub scipy_tests: bool,
    /// Reproduce pylops 2.8's `lsqr` exactly (default `false`): when the iteration limit is reached
    /// `istop` stays `0` (pylops tests the limit before counting the iteration; Paige–Saunders and
    /// scipy give `7`), and for complex data `var` accumulates `dk^2` instead of `|dk|^2`.
    pub pylops_compat: bool,
}

impl<V> Default for LsqrParams<V> {
    fn default() -> Self {
        Self {
            x0: None,
            damp: 0.0,
            atol: 1e-8,
            btol: 1e-8,
            conlim: 1e8,
            niter: 10,
            calc_var: true,
            scipy_tests: false,
            pylops_compat: false,
        }
    }
}

impl<V> LsqrParams<V> {
    /// The defaults of scipy's `scipy.sparse.linalg.lsqr` for the operator `op`: `atol = btol =
    /// 1e-6`, `conlim = 1e8`, `niter = 2 n` for `n` unknowns (scipy's `iter_lim=None`),
    /// `calc_var = false`, `damp = 0`. pylops' `regularized_inversion` and
    /// `preconditioned_inversion` run scipy's lsqr with these unless told otherwise.
    ///
    /// With `scipy_tests` on, the iterates and the stopping rule are scipy's (up to rounding: scipy
    /// computes its rotations with `_sym_ortho`, rylops with `sqrt(a^2 + b^2)`).
    pub fn scipy<O: rylops_core::LinearMap + ?Sized>(op: &O) -> Self {
        Self {
            atol: 1e-6,
            btol: 1e-6,
            niter: op.shape().1.saturating_mul(2),
            calc_var: false,
            scipy_tests: true,
            ..Self::default()
        }
    }
    /// The parameters pylops' `Op / y` (and `Op.div(y)`) gives scipy's lsqr: `niter = 100`,
    /// `atol = btol = 1e-8`, and scipy's other defaults (`conlim = 1e8`, `calc_var = false`,
    /// `damp = 0`). See [`solve`](fn@crate::solve).
    pub fn pylops_div() -> Self {
        Self {
            atol: 1e-8,
            btol: 1e-8,
            niter: 100,
            calc_var: false,
            scipy_tests: true,
            ..Self::default()
        }
    }
}

param_setters!(LsqrParams {
    /// Sets the damping.
    damp: f64,
    /// Sets `atol`.
    atol: f64,
    /// Sets `btol`.
    btol: f64,
    /// Sets `conlim`.
    conlim: f64,
    /// Sets the maximum number of iterations.
    niter: usize,
    /// Switches the variance estimate on or off.
    calc_var: bool,
    /// Switches scipy's stopping tests on or off.
    scipy_tests: bool,
    /// Switches pylops-compatible mode on or off.
    pylops_compat: bool,
});

/// Diagnostics of [`lsqr`](fn@crate::lsqr) (the names and meanings of pylops and Paige–Saunders).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LsqrInfo<V, R> {
    /// Paige–Saunders' `istop`: 0 `x0` already solves the problem, 1–6 the reasons of
    /// [`StopReason`] (`ResidualTolerance` ... `ConditionMachinePrecision`), 7 iteration limit
    /// (`0` in pylops-compatible mode, as pylops 2.8 returns). A callback that stops the run before
    /// any test fires leaves it at `0` (pylops' lsqr has no callback stop).
    pub istop: u8,
    /// Estimate of `||y - A x||` (negative when the estimate of its square is negative).
    pub r1norm: R,
    /// Estimate of `sqrt(||y - A x||^2 + damp^2 ||x - x0||^2)`.
    pub r2norm: R,
    /// Estimate of the Frobenius norm of `[A; damp I]`.
    pub anorm: R,
    /// Estimate of `cond([A; damp I])`.
    pub acond: R,
    /// Estimate of `||A^H (y - A x) - damp^2 (x - x0)||`.
    pub arnorm: R,
    /// Estimate of `||x - x0||` (`||x||` for a zero `x0`).
    pub xnorm: R,
    /// With `calc_var`, the estimate of the diagonal of `(A^H A + damp^2 I)^{-1}` (in the domain's
    /// layout, real values stored in the scalar type).
    pub var: Option<V>,
}

/// The result of [`lsqr`](fn@crate::lsqr).
pub type LsqrSolution<V, R> = Solution<V, R, LsqrInfo<V, R>>;

/// Minimises `||y - A x||^2 + damp^2 ||x||^2` with LSQR (Golub–Kahan bidiagonalisation), as pylops'
/// and Paige–Saunders' `lsqr`.
///
/// `cost[0] = ||y - A x0||`, then `cost[k]` is LSQR's estimate of `||y - A x_k||` (`|r1norm|`).
/// Stops after `niter` iterations or when one of Paige–Saunders' tests fires (see `info.istop`
/// and [`StopReason`]); a callback may stop it earlier. When `A^H (y - A x0) = 0` (e.g. `y = 0`
/// or a zero operator) it returns `x0` at once with `istop = 0` (pylops would iterate on 0/0).
///
/// # Errors
/// [`Error::Breakdown`](rylops_core::Error::Breakdown) when a rotation becomes zero or non-finite;
/// [`Error::NonFinite`](rylops_core::Error::NonFinite) for a NaN/Inf in `y` or `x0`;
/// [`Error::ShapeMismatch`](rylops_core::Error::ShapeMismatch) when `y` or `x0` do not fit the
/// operator; [`Error::InvalidParameter`](rylops_core::Error::InvalidParameter) for a negative or
/// non-finite `damp`, `atol`, `btol` or `conlim`; and any error of the operator.
///
/// ```
/// use rylops_core::{Chunked, ChunkedArray, ChunkedOperator, Result, Vector};
/// use rylops_solvers::{lsqr, LsqrParams, StopReason};
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
/// let sol = lsqr(&op, &y, &LsqrParams::default().niter(10)).unwrap();
/// assert_eq!(sol.stop, StopReason::LeastSquaresTolerance);
/// assert_eq!(sol.info.istop, 2);
/// let x = sol.x.to_array();
/// assert!((x[[0]] - 2.0).abs() < 1e-12 && (x[[1]] - 4.0).abs() < 1e-12);
/// // ||y - A x|| = ||[-1, -2, 1, 2]||
/// assert!((sol.info.r1norm - 10f64.sqrt()).abs() < 1e-12);
/// assert_eq!(sol.cost.len(), sol.iterations + 1);
/// ```
pub fn lsqr<O: LinearOperator>(
    op: &O,
    y: &O::Range,
    params: &LsqrParams<O::Domain>,
) -> Result<LsqrSolution<O::Domain, Real<O>>> {
    lsqr_core(op, y, params, &mut noop)
}

/// [`lsqr`](fn@crate::lsqr) with a callback called after every iteration (see [`crate::callback`]).
///
/// # Errors
/// Those of [`lsqr`](fn@crate::lsqr), and the error carried by a callback that returns
/// [`Control::Abort`].
pub fn lsqr_with<O, F>(
    op: &O,
    y: &O::Range,
    params: &LsqrParams<O::Domain>,
    mut callback: F,
) -> Result<LsqrSolution<O::Domain, Real<O>>>
where
    O: LinearOperator,
    F: FnMut(&IterInfo<'_, O::Scalar, O::Domain>) -> Control,
{
    lsqr_core(op, y, params, &mut callback)
}

/// `sqrt(a^2 + b^2)` as numpy's `linalg.norm([a, b])`.
fn norm2<R: Float>(a: R, b: R) -> R {
    (a * a + b * b).sqrt()
}

fn stop_of(istop: u8) -> StopReason {
    match istop {
        1 => StopReason::ResidualTolerance,
        2 => StopReason::LeastSquaresTolerance,
        3 => StopReason::ConditionLimit,
        4 => StopReason::ResidualMachinePrecision,
        5 => StopReason::LeastSquaresMachinePrecision,
        6 => StopReason::ConditionMachinePrecision,
        _ => StopReason::MaxIterations,
    }
}

pub(crate) fn lsqr_core<T: Scalar, D: Vector<T>, R: Vector<T>>(
    op: &(dyn LinearOperator<Scalar = T, Domain = D, Range = R> + '_),
    y: &R,
    params: &LsqrParams<D>,
    callback: &mut dyn FnMut(&IterInfo<'_, T, D>) -> Control,
) -> Result<LsqrSolution<D, T::Real>> {
    const SOLVER: &str = "lsqr";
    for (name, v) in [
        ("damp", params.damp),
        ("atol", params.atol),
        ("btol", params.btol),
        ("conlim", params.conlim),
    ] {
        check_nonneg(SOLVER, name, v)?;
    }
    let compat = params.pylops_compat;
    let niter = params.niter;
    let zero = T::Real::zero();
    let one = T::Real::one();
    let damp: T::Real = real(params.damp);
    let dampsq: T::Real = real(params.damp * params.damp);
    let atol: T::Real = real(params.atol);
    let btol: T::Real = real(params.btol);
    let ctol: T::Real = if params.conlim > 0.0 {
        real(1.0 / params.conlim)
    } else {
        zero
    };

    // Work vectors, allocated once: u and Av in the range, v, w and A^H u in the domain.
    let (mut x, mut av) = start(SOLVER, op, y, params.x0.as_ref(), || op.domain_like(y))?;
    let mut u = y.clone();
    let mut v = x.zeros_like();
    let mut atu = x.zeros_like();
    let mut var = params.calc_var.then(|| x.zeros_like());

    // beta u = y - A x0, alfa v = A^H u.
    if params.x0.is_some() {
        op.forward_into(&x, &mut av)?;
        u.sub_assign(&av);
    }
    let mut alfa = zero;
    let mut beta = u.norm();
    if !Float::is_finite(beta) {
        return Err(breakdown(0, "lsqr: ||y - A x0|| is not finite".into()));
    }
    if beta > zero {
        u.scale(sc(one / beta));
        op.adjoint_into(&u, &mut v)?;
        alfa = v.norm();
        if !Float::is_finite(alfa) {
            return Err(breakdown(0, "lsqr: ||A^H u|| is not finite".into()));
        }
        if alfa > zero {
            v.scale(sc(one / alfa));
        }
    }
    let mut w = v.clone();
    let mut wn2 = w.norm_sqr(); // ||w||^2, kept by the fused update of w
    let arnorm0 = alfa * beta;
    let mut cost = Vec::with_capacity(niter.min(1 << 12) + 1);
    cost.push(beta);
    let mut info = LsqrInfo {
        istop: 0,
        r1norm: beta,
        r2norm: beta,
        anorm: zero,
        acond: zero,
        arnorm: arnorm0,
        xnorm: zero,
        var: None,
    };
    if arnorm0 == zero {
        info.var = var;
        return Ok(Solution {
            x,
            iterations: 0,
            stop: StopReason::InitialGuessSolves,
            cost,
            info,
        });
    }

    // The scale of btol's test: ||y - A x0|| (pylops), or ||y|| (scipy).
    let bnorm = if params.scipy_tests && params.x0.is_some() {
        y.norm()
    } else {
        beta
    };
    let scipy_eps: T::Real = real(f64::EPSILON);
    let (mut rhobar, mut phibar) = (alfa, beta);
    let (mut ddnorm, mut res2, mut xxnorm, mut z) = (zero, zero, zero, zero);
    let (mut cs2, mut sn2) = (-one, zero);
    let mut istop = 0u8;
    let mut it = 0;
    let mut by_callback = false;
    // The vectors of the iteration are kept unnormalised: u = su U, v = sv V, w = sw W with the
    // arrays U (`u`), V (`v`), W (`w`) and real factors su, sv, sw, so that no pass divides a
    // vector by its norm (see the module docs). `rebalance` brings a factor back towards one, by
    // a power of two (exactly), before it leaves a safe range.
    let (mut su, mut sv, mut sw) = (one, one, one);
    while it < niter && istop == 0 {
        // Bidiagonalisation: beta u = A v - alfa u, alfa v = A^H u - beta v.
        // A v - alfa u = sv (A V - (alfa su / sv) U): U's update and its norm, in the operator's
        // pass where it can (`av`: work vector).
        let nu = op.forward_xpby_norm_sqr(&v, &mut u, sc(-(alfa * su / sv)), &mut av)?;
        beta = sv * Float::sqrt(nu);
        if beta > zero {
            su = rebalance(&mut u, sv / beta);
            info.anorm = (info.anorm * info.anorm + alfa * alfa + beta * beta + damp * damp).sqrt();
            // A^H u - beta v = su (A^H U - (beta sv / su) V).
            let nv = op.adjoint_xpby_norm_sqr(&u, &mut v, sc(-(beta * sv / su)), &mut atu)?;
            alfa = su * Float::sqrt(nv);
            if alfa > zero {
                sv = rebalance(&mut v, su / alfa);
            }
        }
        if !(Float::is_finite(beta) && Float::is_finite(alfa)) {
            return Err(breakdown(
                it + 1,
                "lsqr: the bidiagonalisation is not finite".into(),
            ));
        }

        // Rotation eliminating the damping, then the subdiagonal beta.
        let rhobar1 = norm2(rhobar, damp);
        let cs1 = rhobar / rhobar1;
        let sn1 = damp / rhobar1;
        let psi = sn1 * phibar;
        phibar = cs1 * phibar;
        let rho = norm2(rhobar1, beta);
        if !(rho > zero && Float::is_finite(rho)) {
            return Err(breakdown(
                it + 1,
                format!("lsqr: rotation with rho = {rho}"),
            ));
        }
        let cs = rhobar1 / rho;
        let sn = beta / rho;
        let theta = sn * alfa;
        rhobar = -cs * alfa;
        let phi = cs * phibar;
        phibar = sn * phibar;
        let tau = sn * phi;

        // Update x and w; dk = w / rho feeds the norm and variance estimates.
        let t1 = phi / rho;
        let t2 = -theta / rho;
        let dkn = Float::sqrt(wn2) / rho;
        ddnorm += dkn * dkn;
        if let Some(var) = var.as_mut() {
            let (rho_s, sw_s): (T, T) = (sc(rho), sc(sw));
            if compat {
                var.zip_apply(&w, move |s, wi| {
                    let d = (wi * sw_s).np_div(rho_s);
                    *s += d * d;
                });
            } else {
                var.zip_apply(&w, move |s, wi| {
                    let d = (wi * sw_s).np_div(rho_s);
                    *s += T::from_real(d.modulus_sqr());
                });
            }
        }
        // x += t1 w = (t1 sw) W, then w = v + t2 w = sv (V + (t2 sw / sv) W), in one pass.
        let nw = w.step_direction(sc(t1 * sw), &mut x, &v, sc(t2 * sw / sv));
        sw = sv;
        wn2 = sw * sw * nw;

        // Rotation on the right eliminating theta, to estimate ||x||.
        let delta = sn2 * rho;
        let gambar = -cs2 * rho;
        let rhs = phi - delta * z;
        let zbar = rhs / gambar;
        info.xnorm = (xxnorm + zbar * zbar).sqrt();
        let gamma = norm2(gambar, theta);
        if !(gamma > zero && Float::is_finite(gamma)) {
            return Err(breakdown(
                it + 1,
                format!("lsqr: rotation with gamma = {gamma}"),
            ));
        }
        cs2 = gambar / gamma;
        sn2 = theta / gamma;
        z = rhs / gamma;
        xxnorm += z * z;

        // Convergence tests.
        info.acond = info.anorm * ddnorm.sqrt();
        let res1 = phibar * phibar;
        res2 += psi * psi;
        let rnorm = (res1 + res2).sqrt();
        info.arnorm = alfa * tau.abs();
        let r1sq = rnorm * rnorm - dampsq * xxnorm;
        let r1 = r1sq.abs().sqrt();
        cost.push(r1);
        info.r1norm = if r1sq < zero { -r1 } else { r1 };
        info.r2norm = rnorm;
        let test1 = rnorm / bnorm;
        let (test2, test3) = if params.scipy_tests {
            (
                info.arnorm / (info.anorm * rnorm + scipy_eps),
                one / (info.acond + scipy_eps),
            )
        } else {
            (info.arnorm / arnorm0, one / info.acond)
        };
        let t1 = test1 / (one + info.anorm * info.xnorm / bnorm);
        let rtol = btol + atol * info.anorm * info.xnorm / bnorm;
        it += 1;
        if !compat && it >= niter {
            istop = 7;
        }
        if one + test3 <= one {
            istop = 6;
        }
        if one + test2 <= one {
            istop = 5;
        }
        if one + t1 <= one {
            istop = 4;
        }
        if test3 <= ctol {
            istop = 3;
        }
        if test2 <= atol {
            istop = 2;
        }
        if test1 <= rtol {
            istop = 1;
        }

        let iter_info = IterInfo {
            solver: SOLVER,
            iteration: it,
            niter,
            x: &x,
            residual_norm: r1,
            initial_residual_norm: cost[0],
            r2norm: Some(rnorm),
        };
        if callback(&iter_info).should_stop()? {
            by_callback = true;
            break;
        }
    }
    if !compat && istop == 0 && !by_callback {
        // Only reached with niter == 0.
        istop = 7;
    }
    let stop = if istop == 0 && by_callback {
        StopReason::Callback
    } else {
        stop_of(istop)
    };
    info.istop = istop;
    info.var = var;
    Ok(Solution {
        x,
        iterations: it,
        stop,
        cost,
        info,
    })
}

/// The factor `s` of a vector kept as `s a` ([`lsqr`](fn@crate::lsqr)'s `u` and `v`), brought back
/// to one by a power of two where it has left `[2^-e, 2^e]`, `e` a sixteenth of the largest binary
/// exponent of the type (64 for `f64`, 8 for `f32`): `a` is scaled by that power of two (exact
/// unless an element is subnormal), and the factor returned is what remains. Each iteration
/// multiplies the factors by about `1 / (alfa beta)`, so without this they would underflow or
/// overflow after enough iterations. The range is kept narrow because `a`'s elements are those of
/// a unit vector divided by `s`: with `[2^-32, 2^32]` in `f32`, an operator of norm `2^-40` made
/// `A^H U` subnormal where `A^H u` was not, and the iterates drifted by 1% from those of the same
/// problem scaled up.
fn rebalance<T: Scalar, V: Vector<T>>(a: &mut V, s: T::Real) -> T::Real {
    let two = T::Real::one() + T::Real::one();
    let sixteen = two * two * two * two;
    let e = Float::floor(Float::log2(T::Real::max_value()) / sixteen);
    let k = Float::floor(Float::log2(s));
    if !Float::is_finite(k) || Float::abs(k) <= e {
        return s;
    }
    let p = Float::powi(two, k.to_i32().unwrap_or(0));
    a.scale(sc(p));
    s / p
}
