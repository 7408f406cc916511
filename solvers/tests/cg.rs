//! cg and pcg on Hermitian positive-definite systems with known solutions, damping, initial
//! guesses, tolerances, preconditioning, callbacks and every error condition.

mod common;
use common::solve; // the dense solver, not rylops_solvers::solve
use common::*;
use ndarray::{Array1, Array2};
use rylops_core::{ChunkedArray, Error, LinearMap, Scalar, Vector};
use rylops_solvers::*;

/// `A x = y` with `A` HPD (n = 12), solved to `tol = 1e-9 ||y||`; the error must be below `tol_x`.
fn solves_spd<T: Scalar>(tol_x: f64) {
    let n = 12;
    let a = spd::<T>(n, n as f64, 11);
    let x_true = randv::<T>(n, 12);
    let y = matvec(&a, &x_true);
    let op = Dense::new(a);
    let yv = op.dvec(&y);
    let tol = 1e-9 * f(yv.norm());
    let sol = cg(&op, &yv, &CgParams::default().niter(100).tol(tol)).unwrap();
    assert_eq!(sol.stop, StopReason::Tolerance, "{}", T::DTYPE);
    assert_eq!(sol.cost.len(), sol.iterations + 1);
    assert!(sol.iterations <= 2 * n);
    assert!((f(sol.cost[0]) - f(yv.norm())).abs() <= 1e-6 * f(yv.norm()));
    let e = rel_err(&arr(&sol.x), &x_true);
    assert!(e < tol_x, "{}: relative error {e}", T::DTYPE);
}

#[test]
fn cg_solves_spd_systems_in_every_precision() {
    solves_spd::<f64>(1e-9);
    solves_spd::<C64>(1e-9);
    solves_spd::<f32>(1e-4);
    solves_spd::<C32>(1e-4);
}

#[test]
fn cg_solves_with_a_chunked_layout() {
    let n = 17;
    let a = spd::<C64>(n, n as f64, 3);
    let x_true = randv::<C64>(n, 4);
    let y = matvec(&a, &x_true);
    let op = Dense::chunked(a, 5, 5);
    let sol = cg(&op, &op.dvec(&y), &CgParams::default().niter(60).tol(1e-10)).unwrap();
    assert_eq!(sol.x.grid().nblocks(), 4);
    assert!(rel_err(&arr(&sol.x), &x_true) < 1e-9);
}

#[test]
fn damp_shifts_by_its_square_and_shift_linearly_in_both_modes() {
    let n = 10;
    let a = spd::<f64>(n, 1.0, 5);
    let y = randv::<f64>(n, 6);
    let op = Dense::new(a.clone());
    for compat in [false, true] {
        // tol = 0: both modes run all iterations, so both must reach the same system's solution.
        let p = CgParams::default()
            .niter(200)
            .tol(0.0)
            .rtol(1e-13)
            .pylops_compat(compat);
        let sol = cg(&op, &op.dvec(&y), &p.clone().damp(0.5)).unwrap();
        let e = rel_err(&arr(&sol.x), &solve(&shift(&a, 0.25), &y));
        assert!(e < 1e-9, "damp, compat {compat}: {e}");
        let sol = cg(&op, &op.dvec(&y), &p.clone().shift(0.5)).unwrap();
        let e = rel_err(&arr(&sol.x), &solve(&shift(&a, 0.5), &y));
        assert!(e < 1e-9, "shift, compat {compat}: {e}");
        let sol = cg(&op, &op.dvec(&y), &p.clone().damp(0.5).shift(0.5)).unwrap();
        let e = rel_err(&arr(&sol.x), &solve(&shift(&a, 0.75), &y));
        assert!(e < 1e-9, "both, compat {compat}: {e}");
    }
}

#[test]
fn rtol_is_relative_to_the_data_norm_as_scipy() {
    let n = 12;
    let a = spd::<f64>(n, 1.0, 15);
    let y = randv::<f64>(n, 16);
    let op = Dense::new(a);
    for scale in [1.0, 1e6] {
        let ys = y.mapv(|v| v * scale);
        let yv = op.dvec(&ys);
        let ynorm = ys.iter().map(|v| v * v).sum::<f64>().sqrt();
        let p = CgParams::default().niter(100).tol(0.0).rtol(1e-6);
        let sol = cg(&op, &yv, &p).unwrap();
        assert_eq!(sol.stop, StopReason::Tolerance);
        let k = sol.iterations;
        assert!(sol.cost[k] <= 1e-6 * ynorm, "scale {scale}");
        assert!(sol.cost[k - 1] > 1e-6 * ynorm, "scale {scale}");
        // The relative rule does not depend on the scale of y: same iteration count.
        let unscaled = cg(&op, &op.dvec(&y), &p).unwrap();
        assert_eq!(unscaled.iterations, k);
        // scipy's defaults: rtol 1e-5, atol 0, 10 n iterations.
        let sp = CgParams::<rylops_core::ChunkedArray<f64>>::scipy(&op);
        assert_eq!((sp.rtol, sp.tol, sp.niter), (1e-5, 0.0, 10 * n));
    }
}

#[test]
fn nonzero_x0_starts_from_its_residual() {
    let n = 10;
    let a = spd::<C64>(n, 2.0, 7);
    let x_true = randv::<C64>(n, 8);
    let x0 = randv::<C64>(n, 9);
    let y = matvec(&a, &x_true);
    let r0 = &y - &matvec(&a, &x0);
    let op = Dense::new(a);
    let p = CgParams::default().x0(op.dvec(&x0)).niter(100).tol(1e-11);
    let sol = cg(&op, &op.dvec(&y), &p).unwrap();
    let r0n = r0.iter().map(|v| v.norm_sqr()).sum::<f64>().sqrt();
    assert!((sol.cost[0] - r0n).abs() <= 1e-12 * r0n);
    assert!(rel_err(&arr(&sol.x), &x_true) < 1e-9);
}

#[test]
fn tol_is_compared_with_the_norm_by_default_and_its_square_in_pylops_mode() {
    // A diagonal system with spread eigenvalues converges slowly enough to see the difference.
    let n = 40;
    let a = Array2::from_shape_fn((n, n), |(i, j)| if i == j { 1.0 + i as f64 } else { 0.0 });
    let op = Dense::new(a);
    let y = op.dvec(&Array1::from_elem(n, 1.0));
    let tol = 0.1;
    let sol = cg(&op, &y, &CgParams::default().niter(100).tol(tol)).unwrap();
    let k = sol.iterations;
    assert!(sol.cost[k] <= tol && sol.cost[k - 1] > tol);
    let compat = cg(
        &op,
        &y,
        &CgParams::default().niter(100).tol(tol).pylops_compat(true),
    )
    .unwrap();
    let kc = compat.iterations;
    assert!(compat.cost[kc].powi(2) <= tol && compat.cost[kc - 1].powi(2) > tol);
    assert!(kc < k);
    // Same iterates up to the earlier stop.
    assert_eq!(compat.cost[..=kc], sol.cost[..=kc]);
}

#[test]
fn pcg_with_jacobi_converges_faster_to_the_same_solution() {
    let n = 30;
    // D B D with a badly scaled diagonal D: Jacobi removes the scaling.
    let b = spd::<f64>(n, n as f64, 21);
    let d: Vec<f64> = (0..n).map(|i| 10f64.powf(i as f64 / 10.0)).collect();
    let a = Array2::from_shape_fn((n, n), |(i, j)| d[i] * b[[i, j]] * d[j]);
    let x_true = randv::<f64>(n, 22);
    let y = matvec(&a, &x_true);
    let jacobi = Dense::new(Array2::from_shape_fn((n, n), |(i, j)| {
        if i == j {
            1.0 / a[[i, i]]
        } else {
            0.0
        }
    }));
    let op = Dense::new(a);
    let yv = op.dvec(&y);
    let p = CgParams::default().niter(500).tol(1e-10 * f(yv.norm()));
    let plain = cg(&op, &yv, &p).unwrap();
    let pre = pcg(&op, &jacobi, &yv, &p).unwrap();
    assert_eq!(pre.stop, StopReason::Tolerance);
    assert!(rel_err(&arr(&pre.x), &x_true) < 1e-7);
    assert!(
        pre.iterations < plain.iterations,
        "{} vs {}",
        pre.iterations,
        plain.iterations
    );
    // cost is the unpreconditioned residual norm.
    assert!(pre.cost[pre.iterations] <= 1e-10 * f(yv.norm()));
}

#[test]
fn pcg_with_the_identity_is_cg_bit_for_bit() {
    let n = 15;
    let a = spd::<C64>(n, 1.0, 31);
    let y = randv::<C64>(n, 32);
    let x0 = randv::<C64>(n, 33);
    let identity = Dense::new(Array2::from_shape_fn((n, n), |(i, j)| {
        if i == j {
            C64::new(1.0, 0.0)
        } else {
            C64::new(0.0, 0.0)
        }
    }));
    let op = Dense::new(a);
    let p = CgParams::default()
        .x0(op.dvec(&x0))
        .niter(12)
        .damp(0.3)
        .tol(0.0);
    let a1 = cg(&op, &op.dvec(&y), &p).unwrap();
    let a2 = pcg(&op, &identity, &op.dvec(&y), &p).unwrap();
    assert_eq!(a1.iterations, 12);
    assert!(bit_equal(&a1.x, &a2.x));
    assert_eq!(a1.cost, a2.cost);
}

#[test]
fn zero_data_and_zero_iterations() {
    let n = 6;
    let op = Dense::new(spd::<f64>(n, 1.0, 41));
    let zero = op.zeros_range();
    let sol = cg(&op, &zero, &CgParams::default().tol(0.0).niter(usize::MAX)).unwrap();
    assert_eq!((sol.iterations, sol.stop), (0, StopReason::Tolerance));
    assert_eq!(sol.cost, vec![0.0]);
    assert_eq!(sol.x.norm(), 0.0);

    let x0 = op.dvec(&randv(n, 42));
    let y = op.dvec(&randv(n, 43));
    let sol = cg(&op, &y, &CgParams::default().niter(0).x0(x0.clone())).unwrap();
    assert_eq!((sol.iterations, sol.stop), (0, StopReason::MaxIterations));
    assert!(bit_equal(&sol.x, &x0));
}

#[test]
fn callback_sees_every_iterate_and_can_stop_the_run() {
    let n = 20;
    let a = spd::<f64>(n, 0.5, 51);
    let op = Dense::new(a.clone());
    let y = op.dvec(&randv(n, 52));
    let mut seen = Vec::new();
    let sol = cg_with(
        &op,
        &y,
        &CgParams::default().niter(50).tol(0.0),
        |info: &IterInfo<'_, f64, ChunkedArray<f64>>| {
            assert_eq!((info.solver, info.niter, info.r2norm), ("cg", 50, None));
            seen.push((info.iteration, info.residual_norm, info.x.clone()));
            if info.iteration == 3 {
                Control::Stop
            } else {
                Control::Continue
            }
        },
    )
    .unwrap();
    assert_eq!((sol.iterations, sol.stop), (3, StopReason::Callback));
    assert_eq!(sol.cost.len(), 4);
    assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(seen.iter().map(|s| s.1).collect::<Vec<_>>(), sol.cost[1..]);
    assert!(bit_equal(&seen[2].2, &sol.x));

    // Abort propagates the callback's error.
    let err = cg_with(&op, &y, &CgParams::default(), |_: &IterInfo<'_, f64, _>| {
        Control::Abort(Error::NonFinite("test".into()))
    })
    .unwrap_err();
    assert_eq!(err, Error::NonFinite("test".into()));
}

#[test]
fn indefinite_and_zero_operators_are_not_positive_definite() {
    let d = Array2::from_shape_fn((4, 4), |(i, j)| match (i, j) {
        (0, 0) => 1.0,
        (1, 1) => -3.0,
        (2, 2) => 2.0,
        (3, 3) => 1.0,
        _ => 0.0,
    });
    let op = Dense::new(d);
    let y = op.dvec(&Array1::from_vec(vec![0.0, 1.0, 0.0, 0.0]));
    match cg(&op, &y, &CgParams::default()) {
        Err(Error::NotPositiveDefinite {
            iteration: 1,
            value,
        }) => assert_eq!(value, -3.0),
        other => panic!("{other:?}"),
    }
    // pylops mode checks it too (pylops would take |<p, A p>| and go on).
    assert!(matches!(
        cg(&op, &y, &CgParams::default().pylops_compat(true)),
        Err(Error::NotPositiveDefinite { .. })
    ));
    let zero = Dense::new(Array2::<f64>::zeros((4, 4)));
    match cg(&zero, &y, &CgParams::default()) {
        Err(Error::NotPositiveDefinite {
            iteration: 1,
            value,
        }) => assert_eq!(value, 0.0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_zero_preconditioner_breaks_down() {
    let n = 5;
    let op = Dense::new(spd::<f64>(n, 1.0, 61));
    let m = Dense::new(Array2::<f64>::zeros((n, n)));
    let y = op.dvec(&randv(n, 62));
    assert!(matches!(
        pcg(&op, &m, &y, &CgParams::default()),
        Err(Error::Breakdown { iteration: 1, .. })
    ));
}

#[test]
fn bad_inputs_are_rejected() {
    let n = 6;
    let op = Dense::new(spd::<f64>(n, 1.0, 71));
    let good = randv::<f64>(n, 72);
    let p = CgParams::default();

    let mut nan = good.clone();
    nan[2] = f64::NAN;
    assert!(matches!(
        cg(&op, &op.dvec(&nan), &p),
        Err(Error::NonFinite(_))
    ));
    let px0 = CgParams::default().x0(op.dvec(&nan));
    assert!(matches!(
        cg(&op, &op.dvec(&good), &px0),
        Err(Error::NonFinite(_))
    ));
    let mut inf = good.clone();
    inf[0] = f64::INFINITY;
    assert!(matches!(
        cg(&op, &op.dvec(&inf), &p),
        Err(Error::NonFinite(_))
    ));

    let short = single(&randv::<f64>(n - 1, 73));
    assert!(matches!(
        cg(&op, &short, &p),
        Err(Error::ShapeMismatch { .. })
    ));
    let px0 = CgParams::default().x0(short.clone());
    assert!(matches!(
        cg(&op, &op.dvec(&good), &px0),
        Err(Error::ShapeMismatch { .. })
    ));
    // Right length, other chunking than the operator produces.
    let chunked_op = Dense::chunked(spd::<f64>(n, 1.0, 71), 2, 2);
    // The message names both grids (it used to read "expected [6], got [6]").
    match cg(&chunked_op, &single(&good), &p) {
        Err(e @ Error::ChunkMismatch(_)) => {
            let m = e.to_string();
            assert!(m.contains("chunks [[6]]"), "{m}");
            assert!(m.contains("chunks [[2, 2, 2]]"), "{m}");
            assert!(m.contains("`y`"), "{m}");
        }
        other => panic!("{other:?}"),
    }

    let wide = Dense::new(randn::<f64>(n, n + 1, 74));
    assert!(matches!(
        cg(&wide, &wide.dvec(&randv(n + 1, 75)), &p),
        Err(Error::IncompatibleOperators(_))
    ));
    for bad in [
        CgParams::default().tol(-1.0),
        CgParams::default().tol(f64::NAN),
        CgParams::default().damp(-0.1),
    ] {
        assert!(matches!(
            cg(&op, &op.dvec(&good), &bad),
            Err(Error::InvalidParameter { .. })
        ));
    }
}
