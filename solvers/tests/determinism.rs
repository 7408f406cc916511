//! Chunking changes the iterates only by rounding; the number of threads does not change them at
//! all (reductions are summed in a fixed order for a given chunking).

mod common;
use common::*;
use ndarray::Array2;
use rylops_core::ChunkedArray;
use rylops_solvers::*;

const M: usize = 40;
const N: usize = 30;

struct Runs {
    xs: Vec<ChunkedArray<C64>>,
    costs: Vec<Vec<f64>>,
}

/// Runs every solver on the same problem with the given chunk sizes.
fn run_all(dchunk: usize, rchunk: usize) -> Runs {
    let a = randn::<C64>(M, N, 2000);
    let y = randv::<C64>(M, 2001);
    let x0 = randv::<C64>(N, 2002);
    let h = spd::<C64>(N, 1.0, 2003);
    let b = randv::<C64>(N, 2004);
    let jac = Array2::from_shape_fn((N, N), |(i, j)| {
        if i == j {
            C64::new(1.0 / h[[i, i]].re, 0.0)
        } else {
            C64::new(0.0, 0.0)
        }
    });
    let op = Dense::chunked(a, dchunk, rchunk);
    let sq = Dense::chunked(h, dchunk, dchunk);
    let m = Dense::chunked(jac, dchunk, dchunk);
    let reg = Dense::chunked(
        Array2::from_shape_fn((N, N), |(i, j)| {
            C64::new(if i == j { 1.0 } else { 0.0 }, 0.0)
        }),
        dchunk,
        dchunk,
    );
    let (yv, x0v, bv) = (op.rvec(&y), op.dvec(&x0), sq.dvec(&b));
    let mut xs = Vec::new();
    let mut costs = Vec::new();
    let mut push = |x: ChunkedArray<C64>, c: Vec<f64>| {
        xs.push(x);
        costs.push(c);
    };
    let p = CgParams::default()
        .x0(sq.dvec(&x0))
        .niter(15)
        .damp(0.2)
        .tol(0.0);
    let s = cg(&sq, &bv, &p).unwrap();
    push(s.x, s.cost);
    let s = pcg(&sq, &m, &bv, &p).unwrap();
    push(s.x, s.cost);
    let s = cgls(
        &op,
        &yv,
        &CglsParams::default()
            .x0(x0v.clone())
            .niter(15)
            .damp(0.3)
            .tol(0.0),
    )
    .unwrap();
    push(s.x, s.cost);
    let lp = LsqrParams::default().x0(x0v.clone()).niter(15).damp(0.3);
    let s = lsqr(&op, &yv, &lp).unwrap();
    push(s.info.var.unwrap(), s.cost.clone());
    push(s.x, s.cost);
    let regs = [Regularization::new(&reg, 0.5)];
    let s = regularized_inversion(&op, &yv, &regs, &RegularizedSolver::Lsqr(lp)).unwrap();
    push(s.x, s.cost);
    let s = normal_equations_inversion(&op, &yv, &regs, &CgParams::default().niter(15).tol(0.0))
        .unwrap();
    push(s.x, s.cost);
    Runs { xs, costs }
}

#[test]
fn one_and_two_threads_give_bit_identical_iterates() {
    let one = with_threads(1, || run_all(7, 9));
    let two = with_threads(2, || run_all(7, 9));
    assert!(one.xs[0].grid().nblocks() > 1);
    for (k, (a, b)) in one.xs.iter().zip(&two.xs).enumerate() {
        assert!(bit_equal(a, b), "run {k}");
    }
    assert_eq!(one.costs, two.costs);
}

#[test]
fn chunked_and_unchunked_runs_agree() {
    let chunked = run_all(7, 9);
    let single = run_all(N, M);
    assert_eq!(single.xs[0].grid().nblocks(), 1);
    for (k, (a, b)) in chunked.xs.iter().zip(&single.xs).enumerate() {
        let e = rel_err(&arr(a), &arr(b));
        assert!(e < 1e-10, "run {k}: {e}");
    }
    for (a, b) in chunked.costs.iter().zip(&single.costs) {
        assert_eq!(a.len(), b.len());
        for (u, v) in a.iter().zip(b) {
            assert!((u - v).abs() <= 1e-10 * b[0]);
        }
    }
}
