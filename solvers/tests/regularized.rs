//! Regularised inversion (stacked, with lsqr or cgls) and normal-equations inversion (cg) against
//! the dense solution of the regularised normal equations.

mod common;
use common::solve; // the dense solver, not rylops_solvers::solve
use common::*;
use ndarray::{Array1, Array2};
use rylops_core::{ChunkedArray, Error, Scalar, Vector};
use rylops_solvers::*;

const M: usize = 14;
const N: usize = 9;

/// First differences, (n-1) x n.
fn diff<T: Scalar>(n: usize) -> Array2<T> {
    Array2::from_shape_fn((n - 1, n), |(i, j)| {
        if j == i + 1 {
            T::one()
        } else if j == i {
            -T::one()
        } else {
            T::zero()
        }
    })
}

fn eye<T: Scalar>(n: usize) -> Array2<T> {
    Array2::from_shape_fn((n, n), |(i, j)| if i == j { T::one() } else { T::zero() })
}

/// A regularisation term: `R`, `eps`, optional data `d`.
type Term<'a, T> = (&'a Array2<T>, f64, Option<&'a Array1<T>>);

/// `x` minimising `||y - A x||^2 + sum eps_i^2 ||d_i - R_i x||^2 (+ damp^2 ||x||^2)`, densely.
fn dense_solution<T: Scalar>(
    a: &Array2<T>,
    y: &Array1<T>,
    terms: &[Term<'_, T>],
    damp: f64,
) -> Array1<T> {
    let mut h = shift(&matmul(&herm(a), a), damp * damp);
    let mut rhs = matvec(&herm(a), y);
    for (r, eps, d) in terms {
        let w = T::from_f64(eps * eps);
        h = &h + &matmul(&herm(r), r).mapv(|v| v * w);
        if let Some(d) = d {
            rhs = &rhs + &matvec(&herm(r), d).mapv(|v| v * w);
        }
    }
    solve(&h, &rhs)
}

fn check<T: Scalar>(tol_x: f64) {
    let a = randn::<T>(M, N, 1000);
    let y = randv::<T>(M, 1001);
    let r1m = diff::<T>(N);
    let r2m = eye::<T>(N);
    let d2 = randv::<T>(N, 1002);
    let (e1, e2) = (0.7, 0.3);
    let exact = dense_solution(&a, &y, &[(&r1m, e1, None), (&r2m, e2, Some(&d2))], 0.0);

    let op = Dense::chunked(a, 4, 5);
    let r1 = Dense::chunked(r1m, 4, 3);
    let r2 = Dense::chunked(r2m, 4, 4);
    let d2v = r2.rvec(&d2);
    let yv = op.rvec(&y);
    let regs = [
        Regularization::new(&r1, e1),
        Regularization::new(&r2, e2).with_data(&d2v),
    ];

    let solvers = [
        RegularizedSolver::Lsqr(LsqrParams::default().niter(100).atol(1e-12).btol(1e-12)),
        RegularizedSolver::Cgls(CglsParams::default().niter(100).tol(1e-11)),
    ];
    for solver in &solvers {
        let s = regularized_inversion(&op, &yv, &regs, solver).unwrap();
        assert!(
            rel_err(&arr(&s.x), &exact) < tol_x,
            "{} {:?}",
            T::DTYPE,
            s.stop
        );
        // cost[0] is the norm of the stacked data [y; 0; eps2 d2].
        let stacked0 = (f(yv.norm_sqr()) + e2 * e2 * f(d2v.norm_sqr())).sqrt();
        assert!((f(s.cost[0]) - stacked0).abs() < 1e-6 * stacked0);
        match (&s.info, solver) {
            (RegularizedInfo::Lsqr(i), RegularizedSolver::Lsqr(_)) => {
                assert!(i.istop == 1 || i.istop == 2)
            }
            (RegularizedInfo::Cgls(i), RegularizedSolver::Cgls(_)) => assert_eq!(i.istop, 1),
            _ => panic!("info of the other solver"),
        }
    }
    let p = CgParams::default().niter(100).tol(1e-11);
    let s = normal_equations_inversion(&op, &yv, &regs, &p).unwrap();
    assert_eq!(s.stop, StopReason::Tolerance);
    assert!(
        rel_err(&arr(&s.x), &exact) < tol_x,
        "normal equations {}",
        T::DTYPE
    );
}

#[test]
fn regularized_inversions_match_the_dense_solution() {
    check::<f64>(1e-9);
    check::<C64>(1e-9);
}

#[test]
fn damping_and_initial_guess_pass_through() {
    let a = randn::<f64>(M, N, 1100);
    let y = randv::<f64>(M, 1101);
    let x0 = randv::<f64>(N, 1102);
    let rm = diff::<f64>(N);
    let op = Dense::new(a.clone());
    let r = Dense::new(rm.clone());
    let regs = [Regularization::new(&r, 0.5)];
    let yv = op.rvec(&y);
    // cgls' damp adds damp^2 ||x||^2 (x0 is only the start).
    let exact = dense_solution(&a, &y, &[(&rm, 0.5, None)], 0.4);
    let p = CglsParams::default()
        .x0(op.dvec(&x0))
        .niter(100)
        .damp(0.4)
        .tol(1e-11);
    let s = regularized_inversion(&op, &yv, &regs, &RegularizedSolver::Cgls(p)).unwrap();
    assert!(rel_err(&arr(&s.x), &exact) < 1e-9);
    // normal equations: cg's damp is pylops' epsI (adds damp^2 I).
    let p = CgParams::default()
        .x0(op.dvec(&x0))
        .niter(100)
        .damp(0.4)
        .tol(1e-11);
    let s = normal_equations_inversion(&op, &yv, &regs, &p).unwrap();
    assert!(rel_err(&arr(&s.x), &exact) < 1e-9);
    // No regularisation at all: plain least squares.
    let s = regularized_inversion(&op, &yv, &[], &RegularizedSolver::default()).unwrap();
    assert!(s.iterations <= 10); // lsqr's default niter
    let s = regularized_inversion(
        &op,
        &yv,
        &[],
        &RegularizedSolver::Lsqr(LsqrParams::default().niter(50)),
    )
    .unwrap();
    assert!(rel_err(&arr(&s.x), &lstsq(&a, &y, 0.0)) < 1e-9);
}

#[test]
fn callbacks_reach_the_inner_solver() {
    let op = Dense::new(randn::<f64>(M, N, 1200));
    let r = Dense::new(eye::<f64>(N));
    let yv = op.rvec(&randv(M, 1201));
    let regs = [Regularization::new(&r, 1.0)];
    let stop_at_2 = |info: &IterInfo<'_, f64, ChunkedArray<f64>>| {
        if info.iteration == 2 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let s = regularized_inversion_with(&op, &yv, &regs, &RegularizedSolver::default(), stop_at_2)
        .unwrap();
    assert_eq!((s.iterations, s.stop), (2, StopReason::Callback));
    let s =
        normal_equations_inversion_with(&op, &yv, &regs, &CgParams::default(), stop_at_2).unwrap();
    assert_eq!((s.iterations, s.stop), (2, StopReason::Callback));
}

#[test]
fn bad_terms_are_rejected() {
    let op = Dense::new(randn::<f64>(M, N, 1300));
    let yv = op.rvec(&randv(M, 1301));
    let wrong = Dense::new(eye::<f64>(N + 1));
    let r = Dense::new(diff::<f64>(N));
    let solver = RegularizedSolver::default();
    let p = CgParams::default();
    let regs = [Regularization::new(&wrong, 1.0)];
    assert!(matches!(
        regularized_inversion(&op, &yv, &regs, &solver),
        Err(Error::IncompatibleOperators(_))
    ));
    assert!(matches!(
        normal_equations_inversion(&op, &yv, &regs, &p),
        Err(Error::IncompatibleOperators(_))
    ));
    let regs = [Regularization::new(&r, -1.0)];
    assert!(matches!(
        regularized_inversion(&op, &yv, &regs, &solver),
        Err(Error::InvalidParameter { .. })
    ));
    let short = single(&randv::<f64>(N - 2, 1302));
    let regs = [Regularization::new(&r, 1.0).with_data(&short)];
    assert!(matches!(
        regularized_inversion(&op, &yv, &regs, &solver),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut nan = randv::<f64>(N - 1, 1303);
    nan[0] = f64::NAN;
    let nan = r.rvec(&nan);
    let regs = [Regularization::new(&r, 1.0).with_data(&nan)];
    assert!(matches!(
        normal_equations_inversion(&op, &yv, &regs, &p),
        Err(Error::NonFinite(_))
    ));
}
