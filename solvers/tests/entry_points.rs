//! The solver entry points of issue 14 against pylops 2.8.0: `solve` (pylops' `Op / y`),
//! `preconditioned_inversion`, `normal_equations_inversion` with `epsI` and `NRegs`, and the
//! scipy-like parameter sets.
//!
//! The inputs and pylops' answers are the `.npy` files in `tests/pylops_ref/`, written by
//! `tests/pylops_ref/generate.py` (run with pylops 2.8.0). Agreement is to rounding (1e-9
//! relative): rylops sums in other orders than numpy, and computes lsqr's rotations with
//! `sqrt(a^2 + b^2)` where scipy uses `_sym_ortho`.

mod common;
use common::*;
use ndarray::{Array1, Array2, Ix1, Ix2};
use rylops_core::npy::read_npy;
use rylops_core::{ChunkedArray, Error, LinearMap};
use rylops_solvers::*;

fn load(name: &str) -> ndarray::ArrayD<f64> {
    let path = format!("{}/tests/pylops_ref/{name}.npy", env!("CARGO_MANIFEST_DIR"));
    read_npy::<f64>(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
fn vec1(name: &str) -> Array1<f64> {
    load(name).into_dimensionality::<Ix1>().unwrap()
}
fn mat(name: &str) -> Array2<f64> {
    load(name).into_dimensionality::<Ix2>().unwrap()
}

/// Asserts a relative error below `tol`.
fn close(what: &str, got: &ChunkedArray<f64>, want: &Array1<f64>, tol: f64) {
    let e = rel_err(&arr(got), want);
    assert!(e <= tol, "{what}: relative error {e} > {tol}");
}

struct Problem {
    a: Dense<f64>,
    y: ChunkedArray<f64>,
    d: Dense<f64>,
    n: Dense<f64>,
    p: Dense<f64>,
    x0: Array1<f64>,
}

fn problem() -> Problem {
    // Chunked domains and ranges, so that layouts are exercised too.
    let a = Dense::chunked(mat("A"), 4, 5);
    let y = a.rvec(&vec1("y"));
    Problem {
        y,
        a,
        d: Dense::chunked(mat("D"), 4, 3),
        n: Dense::chunked(mat("N"), 4, 4),
        p: Dense::chunked(mat("P"), 4, 4),
        x0: vec1("x0"),
    }
}

#[test]
fn solve_is_pylops_div() {
    let pb = problem();
    let x = rylops_solvers::solve(&pb.a, &pb.y).unwrap();
    close("Op / y", &x, &vec1("div"), 1e-9);
    // The iterates themselves: Op.div(y, niter=5) stops after 5 lsqr iterations.
    let s = lsqr(&pb.a, &pb.y, &LsqrParams::pylops_div().niter(5)).unwrap();
    assert_eq!(s.iterations, 5);
    close("Op.div(y, niter=5)", &s.x, &vec1("div_niter5"), 1e-9);
}

#[test]
fn lsqr_scipy_defaults_stop_where_scipy_stops() {
    let pb = problem();
    let s = lsqr(&pb.a, &pb.y, &LsqrParams::scipy(&pb.a)).unwrap();
    let want = vec1("scipy_lsqr_istop_itn");
    assert_eq!(
        (s.info.istop as f64, s.iterations as f64),
        (want[0], want[1])
    );
    close("scipy lsqr", &s.x, &vec1("scipy_lsqr"), 1e-9);
    // Where the data is mostly outside the range of A, ||A^H y|| is small next to ||A|| ||r||, so
    // scipy's test2 (relative to ||A|| ||r||) fires before pylops' (relative to ||A^H y||).
    let a = Array2::from_shape_fn((16, 10), |(i, j)| {
        if i == j {
            10f64.powf(-(i as f64) / 3.0)
        } else {
            0.0
        }
    });
    let y = Array1::from_shape_fn(16, |i| if i < 10 { 1e-3 } else { 1.0 });
    let op = Dense::new(a);
    let yv = op.rvec(&y);
    let scipy = lsqr(&op, &yv, &LsqrParams::scipy(&op)).unwrap();
    let own = lsqr(&op, &yv, &LsqrParams::scipy(&op).scipy_tests(false)).unwrap();
    assert_eq!(scipy.info.istop, 2);
    assert!(
        scipy.iterations < own.iterations,
        "scipy's tests: {} iterations, pylops': {}",
        scipy.iterations,
        own.iterations
    );
    // scipy's rule held where it stopped: ||A^H r|| <= atol (||A|| ||r|| + eps).
    let i = &scipy.info;
    assert!(i.arnorm <= 1e-6 * (i.anorm * i.r2norm + f64::EPSILON));
}

#[test]
fn preconditioned_inversion_matches_pylops() {
    let pb = problem();
    let solver = RegularizedSolver::Lsqr(LsqrParams::scipy(&pb.p));
    let s = preconditioned_inversion(&pb.a, &pb.y, &pb.p, &solver).unwrap();
    let want = vec1("precond_istop_itn");
    let RegularizedInfo::Lsqr(info) = &s.info else {
        panic!("lsqr was asked for")
    };
    assert_eq!((info.istop as f64, s.iterations as f64), (want[0], want[1]));
    close("preconditioned_inversion", &s.x, &vec1("precond"), 1e-9);
    // x = P p: the model layout is P's output layout.
    assert_eq!(s.x.shape(), &[10]);

    // x0 is an initial p (pylops hands it to the solver as is).
    let solver = RegularizedSolver::Lsqr(LsqrParams::scipy(&pb.p).x0(pb.p.dvec(&pb.x0)));
    let s = preconditioned_inversion(&pb.a, &pb.y, &pb.p, &solver).unwrap();
    let want = vec1("precond_x0_istop_itn");
    assert_eq!(s.iterations as f64, want[1]);
    close(
        "preconditioned_inversion x0",
        &s.x,
        &vec1("precond_x0"),
        1e-9,
    );

    // engine="pylops": cgls, 6 iterations, not converged.
    let solver = RegularizedSolver::Cgls(CglsParams::default().niter(6).tol(0.0));
    let s = preconditioned_inversion(&pb.a, &pb.y, &pb.p, &solver).unwrap();
    assert_eq!(s.iterations, 6);
    close(
        "preconditioned_inversion cgls",
        &s.x,
        &vec1("precond_cgls6"),
        1e-9,
    );
}

#[test]
fn preconditioned_inversion_checks_the_product() {
    let pb = problem();
    let wrong = Dense::new(Array2::<f64>::zeros((7, 3))); // P: 3 -> 7, A needs 10
    let e = preconditioned_inversion(&pb.a, &pb.y, &wrong, &RegularizedSolver::default());
    assert!(matches!(e, Err(Error::IncompatibleOperators(_))), "{e:?}");
}

#[test]
fn normal_equations_with_eps_i_and_nregs_match_pylops() {
    let pb = problem();
    let regs = [
        Regularization::new(&pb.d, 0.5),
        Regularization::normal(&pb.n, 0.7),
    ];
    // engine="pylops": pylops' cg, tol compared with the squared norm, epsI squared.
    for (niter, tol, want) in [
        (8, 1e-4, "neq_pylops_niter8"),
        (200, 1e-20, "neq_pylops_converged"),
    ] {
        let p = CgParams::default()
            .niter(niter)
            .tol(tol)
            .damp(0.3)
            .pylops_compat(true);
        let s = normal_equations_inversion(&pb.a, &pb.y, &regs, &p).unwrap();
        close(want, &s.x, &vec1(want), 1e-9);
    }
    // default engine="scipy": scipy's cg with its defaults.
    let p = CgParams::scipy(&pb.a).damp(0.3);
    let s = normal_equations_inversion(&pb.a, &pb.y, &regs, &p).unwrap();
    close("scipy engine", &s.x, &vec1("neq_scipy"), 1e-9);
}

/// The trap of issue 14: with `pylops_compat(true)`, `damp` (pylops' `epsI`) used to be added
/// linearly, so the system solved was `A^T A + epsI I` instead of pylops' `A^T A + epsI^2 I`
/// (0.44 relative off in the report). Both modes now solve pylops' system.
#[test]
fn eps_i_enters_squared_in_both_modes() {
    let pb = problem();
    let want = vec1("neq_epsI");
    for compat in [false, true] {
        let p = CgParams::default()
            .niter(200)
            .tol(0.0)
            .rtol(1e-14)
            .damp(0.8)
            .pylops_compat(compat);
        let s = normal_equations_inversion(&pb.a, &pb.y, &[], &p).unwrap();
        close(&format!("epsI, compat {compat}"), &s.x, &want, 1e-9);
    }
    // An independent dense check: (A^T A + 0.64 I) x = A^T y.
    let a = mat("A");
    let at = herm(&a);
    let dense = common::solve(&shift(&matmul(&at, &a), 0.64), &matvec(&at, &vec1("y")));
    assert!(rel_err(&want, &dense) < 1e-10);
}

#[test]
fn normal_terms_are_checked() {
    let pb = problem();
    // regularized_inversion has no NRegs (as pylops).
    let regs = [Regularization::normal(&pb.n, 0.7)];
    let e = regularized_inversion(&pb.a, &pb.y, &regs, &RegularizedSolver::default());
    assert!(matches!(e, Err(Error::InvalidParameter { .. })), "{e:?}");
    // N must map the model to itself (an R need not).
    let square = Dense::new(Array2::<f64>::zeros((10, 10)));
    let not_square = Dense::new(Array2::<f64>::zeros((9, 10)));
    let ok = [
        Regularization::normal(&square, 1.0),
        Regularization::new(&not_square, 1.0),
    ];
    assert!(normal_equations_inversion(&pb.a, &pb.y, &ok, &CgParams::default()).is_ok());
    let bad = [Regularization::normal(&not_square, 1.0)];
    let e = normal_equations_inversion(&pb.a, &pb.y, &bad, &CgParams::default());
    assert!(matches!(e, Err(Error::IncompatibleOperators(_))), "{e:?}");
    // No data on a normal term.
    let d = not_square.zeros_range();
    let bad = [Regularization::normal(&square, 1.0).with_data(&d)];
    let e = normal_equations_inversion(&pb.a, &pb.y, &bad, &CgParams::default());
    assert!(matches!(e, Err(Error::InvalidParameter { .. })), "{e:?}");
}

#[test]
fn cgls_reports_pylops_r1norm_under_its_name() {
    let pb = problem();
    let s = cgls(&pb.a, &pb.y, &CglsParams::default().niter(4).tol(0.0)).unwrap();
    assert_eq!(s.info.pylops_r1norm(), s.info.gradient_norm_sqr);
    // ||A^T (y - A x)||^2, computed here independently of the recursion.
    let a = mat("A");
    let r = &vec1("y") - &matvec(&a, &arr(&s.x));
    let g = matvec(&herm(&a), &r);
    let g2: f64 = g.iter().map(|v| v * v).sum();
    assert!((s.info.pylops_r1norm() - g2).abs() <= 1e-8 * g2);
    // and r1norm here is ||y - A x||.
    let rn: f64 = r.iter().map(|v| v * v).sum::<f64>().sqrt();
    assert!((s.info.r1norm - rn).abs() <= 1e-10 * rn);
}
