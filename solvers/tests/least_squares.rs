//! cgls and lsqr on overdetermined least-squares problems: solutions against the dense normal
//! equations, damping, initial guesses, diagnostics, stop codes, callbacks and errors.

mod common;
use common::solve; // the dense solver, not rylops_solvers::solve
use common::*;
use ndarray::{Array1, Array2};
use proptest::prelude::*;
use rylops_core::{ChunkedArray, Error, LinearMap, Scalar, Vector};
use rylops_solvers::*;

const M: usize = 20;
const N: usize = 8;

fn problem<T: Scalar>(seed: u64) -> (Array2<T>, Array1<T>) {
    (randn::<T>(M, N, seed), randv::<T>(M, seed + 1))
}

fn norm<T: Scalar>(v: &Array1<T>) -> f64 {
    v.iter().map(|z| f(z.modulus_sqr())).sum::<f64>().sqrt()
}

/// Both solvers reach the damped least-squares solution (an inconsistent system).
fn both_solve<T: Scalar>(tol_x: f64) {
    let (a, y) = problem::<T>(100);
    let op = Dense::new(a.clone());
    let yv = op.rvec(&y);
    for damp in [0.0, 0.5] {
        let exact = lstsq(&a, &y, damp);
        let s = cgls(
            &op,
            &yv,
            &CglsParams::default().niter(60).damp(damp).tol(1e-10),
        )
        .unwrap();
        assert_eq!(s.stop, StopReason::Tolerance, "{}", T::DTYPE);
        assert!(
            rel_err(&arr(&s.x), &exact) < tol_x,
            "cgls {} damp {damp}",
            T::DTYPE
        );
        let p = LsqrParams::default()
            .niter(60)
            .damp(damp)
            .atol(1e-12)
            .btol(1e-12);
        let s = lsqr(&op, &yv, &p).unwrap();
        assert!(s.iterations < 60, "{}", T::DTYPE);
        assert!(
            rel_err(&arr(&s.x), &exact) < tol_x,
            "lsqr {} damp {damp}",
            T::DTYPE
        );
    }
}

#[test]
fn least_squares_solutions_in_every_precision() {
    both_solve::<f64>(1e-9);
    both_solve::<C64>(1e-9);
    // f32 cannot reach 1e-10 / 1e-12: loose tolerances, checked against the f32 dense solution.
    let (a, y) = problem::<f32>(100);
    let op = Dense::new(a.clone());
    let exact = lstsq(&a, &y, 0.0);
    let s = cgls(
        &op,
        &op.rvec(&y),
        &CglsParams::default().niter(30).tol(1e-4),
    )
    .unwrap();
    assert!(rel_err(&arr(&s.x), &exact) < 1e-4);
    let s = lsqr(&op, &op.rvec(&y), &LsqrParams::default().niter(30)).unwrap();
    assert!(rel_err(&arr(&s.x), &exact) < 1e-4);
}

#[test]
fn cgls_diagnostics_mean_what_they_say() {
    let (a, y) = problem::<C64>(200);
    let damp = 0.3;
    let op = Dense::chunked(a.clone(), 3, 7);
    let sol = cgls(
        &op,
        &op.rvec(&y),
        &CglsParams::default().niter(5).damp(damp).tol(0.0),
    )
    .unwrap();
    assert_eq!(
        (sol.iterations, sol.stop, sol.info.istop),
        (5, StopReason::MaxIterations, 2)
    );
    let x = arr(&sol.x);
    let r = &y - &matvec(&a, &x);
    let rn = norm(&r);
    let xn = norm(&x);
    assert!((sol.info.r1norm - rn).abs() < 1e-12 * rn);
    assert_eq!(sol.info.r1norm, sol.cost[5]);
    let r2 = (rn * rn + damp * damp * xn * xn).sqrt();
    assert!((sol.info.r2norm - r2).abs() < 1e-12 * r2);
    assert_eq!(sol.info.r2norm, sol.info.cost1[5]);
    assert_eq!(sol.info.cost1.len(), 6);
    let g = &matvec(&herm(&a), &r) - &x.mapv(|v| v * damp * damp);
    let gn2 = norm(&g).powi(2);
    assert!((sol.info.gradient_norm_sqr - gn2).abs() < 1e-8 * gn2);
    assert!((sol.cost[0] - norm(&y)).abs() < 1e-12 * norm(&y));
}

#[test]
fn cgls_damp_acts_on_x_and_lsqr_damp_on_the_update() {
    let (a, y) = problem::<f64>(300);
    let x0 = randv::<f64>(N, 302);
    let op = Dense::new(a.clone());
    let yv = op.rvec(&y);
    let damp = 0.8;
    // cgls: min ||y - A x||^2 + damp^2 ||x||^2 whatever x0.
    let s = cgls(
        &op,
        &yv,
        &CglsParams::default()
            .x0(op.dvec(&x0))
            .niter(60)
            .damp(damp)
            .tol(1e-11),
    )
    .unwrap();
    assert!(rel_err(&arr(&s.x), &lstsq(&a, &y, damp)) < 1e-9);
    // lsqr: x0 + argmin ||(y - A x0) - A dx||^2 + damp^2 ||dx||^2 (as pylops and scipy).
    let p = LsqrParams::default()
        .x0(op.dvec(&x0))
        .niter(60)
        .damp(damp)
        .atol(1e-12)
        .btol(1e-12);
    let s = lsqr(&op, &yv, &p).unwrap();
    let dx = lstsq(&a, &(&y - &matvec(&a, &x0)), damp);
    assert!(rel_err(&arr(&s.x), &(&x0 + &dx)) < 1e-9);
    assert!((s.cost[0] - norm(&(&y - &matvec(&a, &x0)))).abs() < 1e-12 * s.cost[0]);
    assert!((s.info.xnorm - norm(&dx)).abs() < 1e-8 * norm(&dx));
}

#[test]
fn lsqr_diagnostics_and_variance() {
    let (a, y) = problem::<f64>(400);
    let damp = 0.5;
    let op = Dense::new(a.clone());
    // n iterations span the whole model space: var is then diag((A^H A + damp^2 I)^{-1}).
    let p = LsqrParams::default()
        .niter(N)
        .damp(damp)
        .atol(0.0)
        .btol(0.0)
        .conlim(0.0);
    let s = lsqr(&op, &op.rvec(&y), &p).unwrap();
    assert_eq!(s.iterations, N);
    let x = arr(&s.x);
    assert!(rel_err(&x, &lstsq(&a, &y, damp)) < 1e-9);
    let r = &y - &matvec(&a, &x);
    let (rn, xn) = (norm(&r), norm(&x));
    assert!((s.info.r1norm - rn).abs() < 1e-9 * rn);
    assert!((s.info.r2norm - (rn * rn + damp * damp * xn * xn).sqrt()).abs() < 1e-9 * rn);
    assert!((s.info.xnorm - xn).abs() < 1e-9 * xn);
    assert_eq!(*s.cost.last().unwrap(), s.info.r1norm.abs());
    let g = &matvec(&herm(&a), &r) - &x.mapv(|v| v * damp * damp);
    assert!(s.info.arnorm < 1e-8 && norm(&g) < 1e-8);
    // Frobenius norm of [A; damp I] is at least the estimate; acond >= 1.
    let fro = (a.iter().map(|v| v * v).sum::<f64>() + N as f64 * damp * damp).sqrt();
    assert!(s.info.anorm <= fro * (1.0 + 1e-12) && s.info.acond >= 1.0);
    let h = shift(&matmul(&herm(&a), &a), damp * damp);
    let diag_inv = Array1::from_shape_fn(N, |k| {
        let e = Array1::from_shape_fn(N, |i| if i == k { 1.0 } else { 0.0 });
        solve(&h, &e)[k]
    });
    assert!(rel_err(&arr(s.info.var.as_ref().unwrap()), &diag_inv) < 1e-8);
    // calc_var(false) gives no var and the same iterates.
    let s2 = lsqr(&op, &op.rvec(&y), &p.calc_var(false)).unwrap();
    assert!(s2.info.var.is_none() && bit_equal(&s.x, &s2.x));
}

#[test]
fn lsqr_stop_codes() {
    // Compatible square system: istop 1.
    let a = spd::<f64>(N, 1.0, 500);
    let x_true = randv::<f64>(N, 501);
    let op = Dense::new(a.clone());
    let s = lsqr(
        &op,
        &op.rvec(&matvec(&a, &x_true)),
        &LsqrParams::default().niter(50),
    )
    .unwrap();
    assert_eq!((s.info.istop, s.stop), (1, StopReason::ResidualTolerance));
    assert!(rel_err(&arr(&s.x), &x_true) < 1e-7);
    // Inconsistent least squares: istop 2.
    let (a, y) = problem::<f64>(510);
    let op = Dense::new(a);
    let yv = op.rvec(&y);
    let s = lsqr(&op, &yv, &LsqrParams::default().niter(50)).unwrap();
    assert_eq!(
        (s.info.istop, s.stop),
        (2, StopReason::LeastSquaresTolerance)
    );
    // Iteration limit: 7 (0 in pylops mode).
    let s = lsqr(&op, &yv, &LsqrParams::default().niter(3)).unwrap();
    assert_eq!(
        (s.iterations, s.info.istop, s.stop),
        (3, 7, StopReason::MaxIterations)
    );
    assert_eq!(s.cost.len(), 4);
    let s = lsqr(
        &op,
        &yv,
        &LsqrParams::default().niter(3).pylops_compat(true),
    )
    .unwrap();
    assert_eq!(
        (s.iterations, s.info.istop, s.stop),
        (3, 0, StopReason::MaxIterations)
    );
    // A tiny conlim: istop 3.
    let ill = Array2::from_shape_fn(
        (M, N),
        |(i, j)| if i == j { 10f64.powi(-(j as i32)) } else { 0.0 },
    );
    let op = Dense::new(ill);
    let s = lsqr(
        &op,
        &op.rvec(&Array1::from_elem(M, 1.0)),
        &LsqrParams::default().niter(50).conlim(10.0),
    )
    .unwrap();
    assert_eq!((s.info.istop, s.stop), (3, StopReason::ConditionLimit));
    assert!(s.info.acond >= 10.0);
}

#[test]
fn zero_operator_or_zero_data_returns_x0_at_once() {
    let zero = Dense::new(Array2::<C64>::zeros((M, N)));
    let y = zero.rvec(&randv(M, 600));
    let s = lsqr(&zero, &y, &LsqrParams::default()).unwrap();
    assert_eq!(
        (s.iterations, s.info.istop, s.stop),
        (0, 0, StopReason::InitialGuessSolves)
    );
    assert_eq!(s.x.norm(), 0.0);
    assert_eq!(s.cost, vec![y.norm()]);
    let s = cgls(&zero, &y, &CglsParams::default().tol(0.0)).unwrap();
    assert_eq!(
        (s.iterations, s.info.istop, s.stop),
        (0, 1, StopReason::Tolerance)
    );
    assert_eq!(s.x.norm(), 0.0);

    let (a, _) = problem::<C64>(610);
    let op = Dense::new(a);
    let x0 = op.dvec(&randv(N, 611));
    let y0 = op.forward(&x0).unwrap();
    let s = lsqr(&op, &y0, &LsqrParams::default().x0(x0.clone())).unwrap();
    assert_eq!((s.iterations, s.stop), (0, StopReason::InitialGuessSolves));
    assert!(bit_equal(&s.x, &x0));
}

#[test]
fn cgls_istop_codes_and_callbacks() {
    let (a, y) = problem::<f64>(700);
    let op = Dense::new(a);
    let yv = op.rvec(&y);
    let s = cgls(&op, &yv, &CglsParams::default().niter(3).tol(0.0)).unwrap();
    assert_eq!((s.info.istop, s.stop), (2, StopReason::MaxIterations));
    let mut count = 0;
    let s = cgls_with(
        &op,
        &yv,
        &CglsParams::default().niter(30).damp(0.1),
        |info: &IterInfo<'_, f64, ChunkedArray<f64>>| {
            count += 1;
            assert_eq!(info.solver, "cgls");
            assert!(info.r2norm.unwrap() >= info.residual_norm);
            if info.iteration == 2 {
                Control::Stop
            } else {
                Control::Continue
            }
        },
    )
    .unwrap();
    assert_eq!(
        (s.iterations, s.info.istop, s.stop, count),
        (2, 3, StopReason::Callback, 2)
    );
    let s = lsqr_with(
        &op,
        &yv,
        &LsqrParams::default().niter(30),
        |info: &IterInfo<'_, f64, ChunkedArray<f64>>| {
            assert!(info.r2norm.is_some());
            if info.iteration == 4 {
                Control::Stop
            } else {
                Control::Continue
            }
        },
    )
    .unwrap();
    assert_eq!(
        (s.iterations, s.info.istop, s.stop),
        (4, 0, StopReason::Callback)
    );
    assert_eq!(s.cost.len(), 5);
}

#[test]
fn bad_inputs_are_rejected() {
    let (a, y) = problem::<f64>(800);
    let op = Dense::new(a);
    let mut nan = y.clone();
    nan[3] = f64::NAN;
    assert!(matches!(
        cgls(&op, &op.rvec(&nan), &CglsParams::default()),
        Err(Error::NonFinite(_))
    ));
    assert!(matches!(
        lsqr(&op, &op.rvec(&nan), &LsqrParams::default()),
        Err(Error::NonFinite(_))
    ));
    let short = single(&randv::<f64>(M - 1, 801));
    assert!(matches!(
        cgls(&op, &short, &CglsParams::default()),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        lsqr(&op, &short, &LsqrParams::default()),
        Err(Error::ShapeMismatch { .. })
    ));
    let yv = op.rvec(&y);
    let bad_x0 = single(&randv::<f64>(N + 1, 802));
    assert!(matches!(
        lsqr(&op, &yv, &LsqrParams::default().x0(bad_x0.clone())),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        cgls(&op, &yv, &CglsParams::default().x0(bad_x0)),
        Err(Error::ShapeMismatch { .. })
    ));
    let chunked = Dense::chunked(problem::<f64>(800).0, 4, 4);
    match lsqr(&chunked, &single(&y), &LsqrParams::default()) {
        Err(e @ Error::ChunkMismatch(_)) => {
            let m = e.to_string();
            assert!(m.contains(&format!("chunks [[{M}]]")), "{m}");
            assert!(m.contains("chunks [[4, 4, 4, 4, 4]]"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        cgls(&op, &yv, &CglsParams::default().damp(-1.0)),
        Err(Error::InvalidParameter { .. })
    ));
    for p in [
        LsqrParams::default().damp(f64::INFINITY),
        LsqrParams::default().atol(-1.0),
        LsqrParams::default().btol(f64::NAN),
        LsqrParams::default().conlim(-1.0),
    ] {
        assert!(matches!(
            lsqr(&op, &yv, &p),
            Err(Error::InvalidParameter { .. })
        ));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    /// Random full-rank problems: both solvers agree with the dense normal equations.
    #[test]
    fn random_problems_agree_with_the_normal_equations(
        seed in 0u64..1000,
        m in 6usize..14,
        n in 1usize..6,
        damp in 0.0f64..1.0,
        chunk in 1usize..6,
    ) {
        let a = shift(&randn::<f64>(m, n, seed), 3.0);
        let y = randv::<f64>(m, seed + 7);
        let exact = lstsq(&a, &y, damp);
        let op = Dense::chunked(a, chunk, chunk);
        let yv = op.rvec(&y);
        let s = cgls(&op, &yv, &CglsParams::default().niter(100).damp(damp).tol(1e-12)).unwrap();
        prop_assert!(rel_err(&arr(&s.x), &exact) < 1e-8);
        let p = LsqrParams::default().niter(100).damp(damp).atol(1e-13).btol(1e-13);
        let s = lsqr(&op, &yv, &p).unwrap();
        prop_assert!(rel_err(&arr(&s.x), &exact) < 1e-8);
    }
}

/// LSQR keeps `u`, `v` and `w` unnormalised, each times a scale factor that every iteration
/// multiplies by about `1 / (alfa beta)`. On an operator scaled by `c = 2^k`, the factors leave the
/// floating-point range within a few dozen iterations unless they are brought back (by powers of
/// two, which round nothing); every iterate must then be that of the unscaled problem divided by
/// `c`, bit for bit, as scaling by a power of two rounds nothing either.
fn lsqr_scale_invariance<T: Scalar>(k: i32, niter: usize) {
    let n = 120;
    let c = 2f64.powi(k);
    // A diagonal with entries from 1 to 1000 (slow convergence: every iteration is a real one).
    let d = |i: usize| 10f64.powf(3.0 * i as f64 / (n - 1) as f64);
    let a = |s: f64| {
        Array2::from_shape_fn((n, n), |(i, j)| {
            T::from_f64(if i == j { s * d(i) } else { 0.0 })
        })
    };
    let y = randv::<T>(n, 7);
    let p = LsqrParams::default()
        .niter(niter)
        .atol(0.0)
        .btol(0.0)
        .conlim(0.0);
    let (op1, opc) = (Dense::new(a(1.0)), Dense::new(a(c)));
    let s1 = lsqr(&op1, &op1.rvec(&y), &p).unwrap();
    let sc = lsqr(&opc, &opc.rvec(&y), &p).unwrap();
    assert_eq!(
        (s1.iterations, sc.iterations),
        (niter, niter),
        "{}",
        T::DTYPE
    );
    let xc = arr(&sc.x).mapv(|v| v.mul_real(T::Real::from_f64(c)));
    assert!(xc.iter().all(|v| v.is_finite()), "{}", T::DTYPE);
    assert!(
        bit_equal(&op1.dvec(&xc), &s1.x),
        "{}: iterates differ",
        T::DTYPE
    );
    assert_eq!(s1.cost, sc.cost, "{}", T::DTYPE);
    assert_eq!(s1.info.r1norm, sc.info.r1norm, "{}", T::DTYPE);
    assert_eq!(f(s1.info.anorm) * c, f(sc.info.anorm), "{}", T::DTYPE);
}

#[test]
fn lsqr_scale_factors_stay_in_range_on_long_runs() {
    // alfa beta grows by about 2^40 (f64) or 2^20 (f32) with the scaling: the factors would pass
    // 2^-1074 (f64) after ~30 iterations and 2^-149 (f32) after ~8 without being brought back.
    lsqr_scale_invariance::<f64>(20, 80);
    lsqr_scale_invariance::<C64>(20, 80);
    lsqr_scale_invariance::<f32>(10, 30);
    // Tiny operators: the factors grow instead (at scales whose squares do not underflow; below
    // that the norms of any LSQR, scipy's and pylops' included, are zero). With the factors
    // allowed as far as 2^32 in f32, the f32 case drifted by 1% (subnormal elements in `A^H U`).
    lsqr_scale_invariance::<f64>(-400, 40);
    lsqr_scale_invariance::<C64>(-400, 40);
    lsqr_scale_invariance::<f32>(-40, 20);
}
