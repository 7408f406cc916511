//! The solvers give bit-identical results whether the operator's fused reductions (`||A x||^2`,
//! `<p, A p>` and `A x + b y` taken in the pass of the product) and accumulating applies
//! (`x += A_k^H y_k` in the pass of the product, inside the stack's adjoint) are used or hidden
//! behind [`Unfused`] (the product, then the separate reduction or addition): CGLS, LSQR and CG on
//! `[I; L]` (and `[I; L; D]`) and on a chunked Laplacian, in f64 and complex128, chunked and not,
//! damped and not.

use num_complex::Complex64;
use rylops_core::{
    BoxOp, ChunkGrid, ChunkedArray, LinearMap, OperatorExt, Scalar, Stack, Unfused, VStack,
};
use rylops_operators::{Diagonal, Identity, Laplacian};
use rylops_solvers::{cg, cgls, lsqr, CgParams, CglsParams, LsqrParams};
use std::fmt::Debug;

/// Two solutions agree bit for bit: the same iterate, and the same history and diagnostics
/// (their `Debug` text, which shows every bit of a float, signed zeros included).
fn same<V: PartialEq + Debug, R: Debug, I: Debug>(
    what: &str,
    a: &rylops_solvers::Solution<V, R, I>,
    b: &rylops_solvers::Solution<V, R, I>,
) {
    assert!(a.x == b.x, "{what}: the solutions differ");
    assert_eq!(a.iterations, b.iterations, "{what}");
    assert_eq!(
        format!("{:?}", a.cost),
        format!("{:?}", b.cost),
        "{what}: cost"
    );
    assert_eq!(
        format!("{:?}", a.info),
        format!("{:?}", b.info),
        "{what}: info"
    );
    assert!(a.iterations > 3, "{what}: too few iterations to compare");
}

/// `[I; eps L]` on an `n0 x n1` model laid out by `grid` (with `diag`, `[I; eps L; D]`), and data
/// `[d; 0]` (`[d; 0; 0]`) laid out alike. With `unfused`, every part is wrapped in [`Unfused`], so
/// that the stack's own sums go through a work vector too.
fn stacked<T: Scalar>(
    grid: &ChunkGrid,
    eps: f64,
    diag: bool,
    unfused: bool,
) -> (VStack<BoxOp<T>>, Stack<ChunkedArray<T>>) {
    let dims = grid.shape().to_vec();
    let lap = Laplacian::<T>::builder(&dims)
        .weights(&[eps, eps])
        .build()
        .unwrap();
    let id = Identity::<T>::with_dims(&dims).unwrap();
    let dg = Diagonal::new(ChunkedArray::<T>::random(grid.clone(), 8)).unwrap();
    let mut parts: Vec<BoxOp<T>> = if unfused {
        vec![Box::new(Unfused(id)), Box::new(Unfused(lap))]
    } else {
        vec![Box::new(id), Box::new(lap)]
    };
    if diag {
        parts.push(if unfused {
            Box::new(Unfused(dg))
        } else {
            Box::new(dg)
        });
    }
    let n = parts.len();
    let op = VStack::new(parts).unwrap();
    let d = ChunkedArray::<T>::random(grid.clone(), 3);
    let mut y = vec![d];
    y.extend((1..n).map(|_| ChunkedArray::zeros(grid.clone())));
    (op, Stack(y))
}

fn grids() -> Vec<ChunkGrid> {
    let (n0, n1) = (131, 127); // 16637 elements: more than one reduction piece
    vec![
        ChunkGrid::single(&[n0, n1]),
        ChunkGrid::new(&[n0, n1], vec![vec![60, 71], vec![1, 126]]).unwrap(),
    ]
}

fn least_squares<T: Scalar>() {
    for (g, diag) in grids()
        .into_iter()
        .flat_map(|g| [(g.clone(), false), (g, true)])
    {
        let (op, y) = stacked::<T>(&g, 0.7, diag, false);
        let (parts, _) = stacked::<T>(&g, 0.7, diag, true);
        let plain = Unfused(&parts);
        for damp in [0.0, 0.3] {
            let what = format!(
                "{} damp {damp} diag {diag} on {:?}",
                std::any::type_name::<T>(),
                g.all_chunks()
            );
            let p = CglsParams::default().niter(12).tol(0.0).damp(damp);
            same(
                &format!("cgls {what}"),
                &cgls(&op, &y, &p).unwrap(),
                &cgls(&plain, &y, &p).unwrap(),
            );
            let mut p = p.clone();
            p.x0 = Some(ChunkedArray::random(g.clone(), 9));
            same(
                &format!("cgls x0 {what}"),
                &cgls(&op, &y, &p).unwrap(),
                &cgls(&plain, &y, &p).unwrap(),
            );
            let p = LsqrParams::default()
                .niter(12)
                .atol(0.0)
                .btol(0.0)
                .conlim(0.0)
                .damp(damp);
            same(
                &format!("lsqr {what}"),
                &lsqr(&op, &y, &p).unwrap(),
                &lsqr(&plain, &y, &p).unwrap(),
            );
        }
        // The chunked Laplacian alone, as a least-squares problem.
        let lap = Laplacian::<T>::builder(g.shape())
            .weights(&[1.0, 0.5])
            .build()
            .unwrap();
        let d = ChunkedArray::<T>::random(g.clone(), 5);
        let p = CglsParams::default().niter(8).tol(0.0);
        same(
            "cgls on L",
            &cgls(&lap, &d, &p).unwrap(),
            &cgls(&Unfused(&lap), &d, &p).unwrap(),
        );
        let p = LsqrParams::default()
            .niter(8)
            .atol(0.0)
            .btol(0.0)
            .conlim(0.0);
        same(
            "lsqr on L",
            &lsqr(&lap, &d, &p).unwrap(),
            &lsqr(&Unfused(&lap), &d, &p).unwrap(),
        );
    }
}

fn conjugate_gradients<T: Scalar>() {
    for g in grids() {
        // The normal equations of [I; L] (a product: its fused <p, A p> ends in the last factor).
        let (op, _) = stacked::<T>(&g, 0.7, false, false);
        let normal = (&op).h().times(&op).unwrap();
        let (parts, _) = stacked::<T>(&g, 0.7, false, true);
        let normal_plain = (&parts).h().times(&parts).unwrap();
        let b = ChunkedArray::<T>::random(g.clone(), 4);
        let p = CgParams::default().niter(10).tol(0.0);
        same(
            "cg on [I; L]^H [I; L]",
            &cg(&normal, &b, &p).unwrap(),
            &cg(&Unfused(&normal_plain), &b, &p).unwrap(),
        );
        // -L, positive semi-definite, chunked: the stencil's own fused <p, A p>.
        let neg = Laplacian::<T>::builder(g.shape())
            .weights(&[-1.0, -1.0])
            .build()
            .unwrap();
        assert_eq!(neg.dims(), g.shape().to_vec());
        for p in [
            CgParams::default().niter(10).tol(0.0),
            CgParams::default().niter(10).tol(0.0).shift(0.25),
        ] {
            same(
                "cg on -L",
                &cg(&neg, &b, &p).unwrap(),
                &cg(&Unfused(&neg), &b, &p).unwrap(),
            );
        }
    }
}

#[test]
fn least_squares_solvers_are_bit_identical_with_and_without_fusion() {
    least_squares::<f64>();
    least_squares::<Complex64>();
}

#[test]
fn cg_is_bit_identical_with_and_without_fusion() {
    conjugate_gradients::<f64>();
    conjugate_gradients::<Complex64>();
}
