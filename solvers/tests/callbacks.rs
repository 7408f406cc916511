//! The ready-made callbacks: progress log, relative-residual stop, NaN detection, chaining.

mod common;
use common::*;
use ndarray::{Array1, Array2};
use rylops_core::{ChunkedArray, Error};
use rylops_solvers::callback::{chain, fail_on_non_finite, progress_to, stop_on_relative_residual};
use rylops_solvers::*;

/// A diagonal SPD system with eigenvalues 1..=n: CG needs many iterations.
fn slow_system(n: usize) -> (Dense<f64>, ChunkedArray<f64>) {
    let a = Array2::from_shape_fn((n, n), |(i, j)| if i == j { 1.0 + i as f64 } else { 0.0 });
    let op = Dense::new(a);
    let y = op.dvec(&Array1::from_elem(n, 1.0));
    (op, y)
}

#[test]
fn progress_log_shows_first_last_and_every_tenth_iteration() {
    let (op, y) = slow_system(200);
    let mut log = Vec::new();
    let p = CgParams::default().niter(35).tol(0.0);
    let sol = cg_with(&op, &y, &p, progress_to(&mut log, [10, 10, 10])).unwrap();
    assert_eq!(sol.iterations, 35);
    let text = String::from_utf8(log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "CG (rylops-solvers)");
    assert!(lines[2].starts_with("niter = 35"));
    let rows: Vec<usize> = lines
        .iter()
        .skip(5)
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    let want: Vec<usize> = (1..=11).chain([21]).chain(27..=35).collect();
    assert_eq!(rows, want);
    // Each row: iteration, residual norm, relative residual.
    let last: Vec<&str> = lines.last().unwrap().split_whitespace().collect();
    assert_eq!(last.len(), 3);
    let r: f64 = last[1].parse().unwrap();
    assert!((r - sol.cost[35]).abs() <= 1e-4 * sol.cost[35]);
}

#[test]
fn progress_log_shows_r2norm_for_cgls() {
    let op = Dense::new(randn::<f64>(12, 5, 3000));
    let y = op.rvec(&randv(12, 3001));
    let mut log = Vec::new();
    let p = CglsParams::default().niter(3).damp(0.5).tol(0.0);
    cgls_with(&op, &y, &p, progress_to(&mut log, [10, 10, 10])).unwrap();
    let text = String::from_utf8(log).unwrap();
    assert!(text.starts_with("CGLS"));
    assert!(text.contains("r2norm"));
    assert_eq!(text.lines().last().unwrap().split_whitespace().count(), 4);
}

#[test]
fn relative_residual_rule_stops_once_the_residual_dropped_enough() {
    let (op, y) = slow_system(100);
    let p = CgParams::default().niter(500).tol(0.0);
    let s = cg_with(&op, &y, &p, stop_on_relative_residual(1e-3)).unwrap();
    assert_eq!(s.stop, StopReason::Callback);
    let k = s.iterations;
    assert!(s.cost[k] <= 1e-3 * s.cost[0] && s.cost[k - 1] > 1e-3 * s.cost[0]);
    // lsqr's cost[0] is ||y - A x0||, so the rule works there as well.
    let op = Dense::new(randn::<f64>(30, 20, 3100));
    let a = op.a.clone();
    let y = op.rvec(&matvec(&a, &randv(20, 3101)));
    let s = lsqr_with(
        &op,
        &y,
        &LsqrParams::default().niter(100).atol(0.0).btol(0.0),
        stop_on_relative_residual(1e-2),
    )
    .unwrap();
    assert_eq!(s.stop, StopReason::Callback);
    assert!(s.cost[s.iterations] <= 1e-2 * s.cost[0]);
}

#[test]
fn non_finite_detection_lets_healthy_runs_through() {
    let (op, y) = slow_system(30);
    let p = CgParams::default().niter(5).tol(0.0);
    let plain = cg(&op, &y, &p).unwrap();
    let checked = cg_with(&op, &y, &p, fail_on_non_finite()).unwrap();
    assert!(bit_equal(&plain.x, &checked.x));
    assert_eq!(checked.stop, StopReason::MaxIterations);
}

#[test]
fn chain_runs_both_until_one_stops() {
    let (op, y) = slow_system(30);
    let p = CgParams::default().niter(20).tol(0.0);
    let mut calls = (0, 0);
    {
        let first = |info: &IterInfo<'_, f64, ChunkedArray<f64>>| {
            calls.0 += 1;
            if info.iteration == 4 {
                Control::Stop
            } else {
                Control::Continue
            }
        };
        let second = |_: &IterInfo<'_, f64, ChunkedArray<f64>>| {
            calls.1 += 1;
            Control::Continue
        };
        let s = cg_with(&op, &y, &p, chain(first, second)).unwrap();
        assert_eq!((s.iterations, s.stop), (4, StopReason::Callback));
    }
    assert_eq!(calls, (4, 3));
    let abort =
        |_: &IterInfo<'_, f64, ChunkedArray<f64>>| Control::Abort(Error::NonFinite("stop".into()));
    let err = cg_with(&op, &y, &p, chain(fail_on_non_finite(), abort)).unwrap_err();
    assert_eq!(err, Error::NonFinite("stop".into()));
}
