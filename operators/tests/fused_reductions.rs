//! Every operator's fused reductions (`forward_into_norm_sqr`, `forward_into_dot`,
//! `forward_xpby_norm_sqr` and their adjoints) return the bits of the product followed by the
//! separate reduction, and its accumulating applies (`forward_add_into`,
//! `forward_add_into_norm_sqr` and their adjoints) those of the product into a work vector
//! followed by the separate addition, in every chunking.

use num_complex::Complex64;
use rylops_core::{fused_test, ChunkGrid, ChunkedArray, LinearOperator, Scalar};
use rylops_operators::{
    Convolve1D, Diagonal, FirstDerivative, Gradient, Identity, Kind, Laplacian, SecondDerivative,
};

/// Layouts of a 2-D model: blocks of several reduction pieces, uneven blocks, 1-wide blocks, and
/// empty arrays.
fn layouts() -> Vec<ChunkGrid> {
    let (n0, n1) = (181, 2 * 16384 / 181 + 11);
    let g = |s: &[usize], c: Vec<Vec<usize>>| ChunkGrid::new(s, c).unwrap();
    vec![
        ChunkGrid::single(&[n0, n1]),
        g(&[n0, n1], vec![vec![60, 121], vec![n1]]),
        g(&[n0, n1], vec![vec![n0], vec![1, n1 - 1]]),
        g(&[n0, n1], vec![vec![2, 177, 2], vec![n1 - 3, 3]]),
        ChunkGrid::uniform(&[5, 4], &[1, 1]).unwrap(),
        ChunkGrid::uniform(&[7, 3], &[1, 2]).unwrap(),
        ChunkGrid::single(&[0, 3]),
    ]
}

fn check<O>(what: &str, op: &O, x: &ChunkedArray<O::Scalar>, y: &ChunkedArray<O::Scalar>)
where
    O: LinearOperator<Domain = ChunkedArray<<O as rylops_core::LinearMap>::Scalar>>,
    O: LinearOperator<Range = ChunkedArray<<O as rylops_core::LinearMap>::Scalar>>,
{
    for seed in [1, 2] {
        let bad = fused_test(op, x, y, seed).unwrap();
        assert!(bad.is_empty(), "{what}: {bad:?} differ from their defaults");
    }
}

fn every_operator<T: Scalar>(c: T) {
    for g in layouts() {
        let dims = g.shape().to_vec();
        let x = ChunkedArray::<T>::zeros(g.clone());
        let what = |w: &str| format!("{w} on {:?}", g.all_chunks());
        check(
            &what("Identity"),
            &Identity::<T>::with_dims(&dims).unwrap(),
            &x,
            &x,
        );
        // The same identity between two chunkings (the copy across blocks, then the reduction).
        let other = ChunkedArray::<T>::zeros(ChunkGrid::single(&dims));
        let id = Identity::<T>::with_dims(&dims).unwrap();
        check(&what("Identity to one chunk"), &id, &x, &other);
        // Rectangular: data longer along axis 0.
        let mut longer = dims.clone();
        longer[0] += 3;
        let pad = Identity::<T>::nm(&longer, &dims).unwrap();
        check(
            &what("Identity::nm"),
            &pad,
            &x,
            &ChunkedArray::zeros(ChunkGrid::single(&longer)),
        );

        let d = ChunkedArray::<T>::random(g.clone(), 11);
        check(
            &what("Diagonal"),
            &Diagonal::new(d.clone()).unwrap(),
            &x,
            &x,
        );
        // A diagonal laid out unlike the model.
        let d1 = ChunkedArray::from_array(d.to_array());
        check(
            &what("Diagonal, other grid"),
            &Diagonal::new(d1).unwrap(),
            &x,
            &x,
        );
        for axis in [0, 1] {
            let dv: Vec<T> = (0..dims[axis])
                .map(|i| c * T::from_f64(1.0 + 0.01 * i as f64))
                .collect();
            let op = Diagonal::along_axis(&dv, &dims, axis as isize).unwrap();
            check(&what(&format!("Diagonal axis {axis}")), &op, &x, &x);
        }

        let lap = Laplacian::<T>::builder(&dims)
            .weights(&[1.5, -0.5])
            .build()
            .unwrap();
        check(&what("Laplacian"), &lap, &x, &x);
        let lap = Laplacian::<T>::builder(&dims)
            .edge(true)
            .kind(Kind::Forward)
            .build()
            .unwrap();
        check(&what("Laplacian edge forward"), &lap, &x, &x);
        // One output per axis, stacked along a leading axis in one chunk (`edge` needs two rows).
        let grad = Gradient::<T>::builder(&dims)
            .sampling_per_axis(&[1.0, 0.5])
            .edge(dims.iter().all(|&n| n >= 2))
            .build()
            .unwrap();
        let gy = ChunkedArray::<T>::zeros(g.prepend_axis(2));
        check(&what("Gradient"), &grad, &x, &gy);
        for axis in [0, 1] {
            let sd = SecondDerivative::<T>::builder(&dims)
                .axis(axis)
                .sampling(0.7)
                .build()
                .unwrap();
            check(&what(&format!("SecondDerivative {axis}")), &sd, &x, &x);
            for (kind, order, edge) in [
                (Kind::Centered, 3, false),
                (Kind::Centered, 5, true),
                (Kind::Forward, 3, true),
            ] {
                let fd = FirstDerivative::<T>::builder(&dims)
                    .axis(axis)
                    .kind(kind)
                    .order(order)
                    .edge(edge)
                    .build();
                // Refused on axes too short for the stencil (tested elsewhere).
                let Ok(fd) = fd else {
                    assert!(dims[axis as usize] < 3, "{:?}", fd.err());
                    continue;
                };
                check(
                    &what(&format!("FirstDerivative {axis} {kind:?} {order}")),
                    &fd,
                    &x,
                    &x,
                );
            }
            let h = [c, T::from_f64(-0.5), T::from_f64(0.25)];
            if dims[axis as usize] >= h.len() {
                let conv = Convolve1D::<T>::new(&dims, &h, 1, axis).unwrap();
                check(&what(&format!("Convolve1D {axis}")), &conv, &x, &x);
            }
        }
    }
    // The centered order-5 `edge` derivative on an axis of length 3 (its adjoint's short path).
    let g = ChunkGrid::new(&[3, 40], vec![vec![1, 2], vec![40]]).unwrap();
    let x = ChunkedArray::<T>::zeros(g);
    let fd = FirstDerivative::<T>::builder(&[3, 40])
        .order(5)
        .edge(true)
        .build()
        .unwrap();
    check("FirstDerivative order 5 on 3 rows", &fd, &x, &x);
    // A 3-D Laplacian (three terms summed, then added): one chunk, uneven chunks, 1-wide chunks.
    let dims = [9, 7, 2 * 16384 / 63 + 5];
    let g = |c: Vec<Vec<usize>>| ChunkGrid::new(&dims, c).unwrap();
    for grid in [
        ChunkGrid::single(&dims),
        g(vec![vec![4, 5], vec![1, 6], vec![dims[2] - 9, 9]]),
        g(vec![vec![1; 9], vec![7], vec![dims[2]]]),
    ] {
        let x = ChunkedArray::<T>::zeros(grid.clone());
        for weights in [[1.0, 1.0, 1.0], [0.5, -2.0, 1.25]] {
            let lap = Laplacian::<T>::builder(&dims)
                .axes(&[0, 1, 2])
                .weights(&weights)
                .sampling(&[1.0, 0.5, 2.0])
                .build()
                .unwrap();
            let what = format!("3-D Laplacian {weights:?} on {:?}", grid.all_chunks());
            check(&what, &lap, &x, &x);
        }
    }
}

#[test]
fn fused_reductions_equal_their_defaults_f64() {
    every_operator::<f64>(1.25);
}

#[test]
fn fused_reductions_equal_their_defaults_complex128() {
    every_operator::<Complex64>(Complex64::new(0.75, -1.5));
}

/// A work vector that does not fit is a typed error, not a panic.
#[test]
fn a_work_vector_of_another_layout_is_an_error() {
    use rylops_core::{Error, LinearMap};
    let dims = [9, 8];
    let g = ChunkGrid::uniform(&dims, &[4, 8]).unwrap();
    let x = ChunkedArray::<f64>::random(g.clone(), 1);
    let mut y = ChunkedArray::<f64>::zeros(g);
    let mut other = ChunkedArray::<f64>::zeros(ChunkGrid::single(&dims));
    let mut short = ChunkedArray::<f64>::zeros(ChunkGrid::single(&[9, 7]));
    let lap = Laplacian::<f64>::builder(&dims).build().unwrap();
    let id = Identity::<f64>::with_dims(&dims).unwrap();
    let diag = Diagonal::new(x.clone()).unwrap();
    let ops: [&dyn LinearOperator<Scalar = f64, Domain = _, Range = _>; 3] = [&lap, &id, &diag];
    for op in ops {
        let r = op.forward_xpby_norm_sqr(&x, &mut y, 0.5, &mut short);
        assert!(matches!(r, Err(Error::ShapeMismatch { .. })), "{r:?}");
        let r = op.adjoint_xpby_norm_sqr(&x, &mut y, 0.5, &mut short);
        assert!(matches!(r, Err(Error::ShapeMismatch { .. })), "{r:?}");
        let r = op.forward_add_into(&x, &mut y, &mut short);
        assert!(matches!(r, Err(Error::ShapeMismatch { .. })), "{r:?}");
        let r = op.adjoint_add_into_norm_sqr(&x, &mut y, &mut short);
        assert!(matches!(r, Err(Error::ShapeMismatch { .. })), "{r:?}");
    }
    let r = lap.forward_xpby_norm_sqr(&x, &mut y, 0.5, &mut other);
    assert!(matches!(r, Err(Error::ChunkMismatch(_))), "{r:?}");
    let r = diag.adjoint_xpby_norm_sqr(&x, &mut y, 0.5, &mut other);
    assert!(matches!(r, Err(Error::ChunkMismatch(_))), "{r:?}");
    let r = lap.adjoint_add_into(&x, &mut y, &mut other);
    assert!(matches!(r, Err(Error::ChunkMismatch(_))), "{r:?}");
    let r = diag.forward_add_into_norm_sqr(&x, &mut y, &mut other);
    assert!(matches!(r, Err(Error::ChunkMismatch(_))), "{r:?}");
}

/// Gradient's adjoint reductions and accumulating applies take a stacked input chunked along its
/// component axis as its product does (rechunked first), with the bits of the product.
#[test]
fn gradient_adjoint_reductions_take_a_component_chunked_input() {
    use rylops_core::Vector;
    let dims = [30, 41];
    let g = ChunkGrid::uniform(&dims, &[7, 20]).unwrap();
    let grad = Gradient::<f64>::builder(&dims).build().unwrap();
    let split = ChunkGrid::uniform(&[2, 30, 41], &[1, 7, 20]).unwrap();
    let y = ChunkedArray::<f64>::random(split, 3);
    let bits = |a: &ChunkedArray<f64>| a.to_array().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    let mut x = ChunkedArray::zeros(g.clone());
    grad.adjoint_into(&y, &mut x).unwrap();
    let mut x2 = ChunkedArray::zeros(g.clone());
    let n = grad.adjoint_into_norm_sqr(&y, &mut x2).unwrap();
    assert_eq!(bits(&x2), bits(&x));
    assert_eq!(n.to_bits(), x.norm_sqr().to_bits());
    let r = ChunkedArray::<f64>::random(g.clone(), 5);
    let mut want = r.clone();
    want.add_assign(&x);
    let (mut x3, mut tmp) = (r.clone(), ChunkedArray::zeros(g.clone()));
    grad.adjoint_add_into(&y, &mut x3, &mut tmp).unwrap();
    assert_eq!(bits(&x3), bits(&want));
    let mut x4 = r.clone();
    let n4 = grad
        .adjoint_add_into_norm_sqr(&y, &mut x4, &mut tmp)
        .unwrap();
    assert_eq!(bits(&x4), bits(&want));
    assert_eq!(n4.to_bits(), want.norm_sqr().to_bits());
}

/// `[I; L]`'s adjoint starts from `y_0` read in place (the identity passes its input through, the
/// Laplacian adds its adjoint to it in one pass): the same bits as the copy then the addition
/// that the stack takes when the identity does not say so (`Unfused`), in every chunking, with
/// and without the norm, and inside `adjoint_xpby_norm_sqr`; and `y_0` in another layout than
/// the output falls back to the copy.
#[test]
fn identity_first_stack_adjoint_equals_a_copy_then_an_addition() {
    use rylops_core::{BoxOp, Unfused, VStack, Vector};
    for g in layouts() {
        let dims = g.shape().to_vec();
        let lap = || -> BoxOp<f64> {
            Box::new(
                Laplacian::<f64>::builder(&dims)
                    .weights(&[0.5, -1.5])
                    .build()
                    .unwrap(),
            )
        };
        let id = || Identity::<f64>::with_dims(&dims).unwrap();
        let fast = VStack::new(vec![Box::new(id()) as BoxOp<f64>, lap()]).unwrap();
        let slow = VStack::new(vec![Box::new(Unfused(id())) as BoxOp<f64>, lap()]).unwrap();
        let what = format!("{:?}", g.all_chunks());
        for y0_grid in [g.clone(), ChunkGrid::single(&dims)] {
            let y = rylops_core::vector::Stack(vec![
                ChunkedArray::<f64>::random(y0_grid.clone(), 1),
                ChunkedArray::<f64>::random(g.clone(), 2),
            ]);
            let start = ChunkedArray::<f64>::random(g.clone(), 3);
            let (mut a, mut b) = (start.clone(), start.clone());
            fast.adjoint_into(&y, &mut a).unwrap();
            slow.adjoint_into(&y, &mut b).unwrap();
            assert!(a == b, "adjoint on {what}");
            let (mut a, mut b) = (start.clone(), start.clone());
            let na = fast.adjoint_into_norm_sqr(&y, &mut a).unwrap();
            let nb = slow.adjoint_into_norm_sqr(&y, &mut b).unwrap();
            assert!(a == b && na.to_bits() == nb.to_bits(), "norm on {what}");
            assert_eq!(na.to_bits(), a.norm_sqr().to_bits(), "norm on {what}");
            let (mut a, mut b, mut t) = (start.clone(), start.clone(), start.clone());
            let na = fast
                .adjoint_xpby_norm_sqr(&y, &mut a, -0.75, &mut t)
                .unwrap();
            let nb = slow
                .adjoint_xpby_norm_sqr(&y, &mut b, -0.75, &mut t)
                .unwrap();
            assert!(a == b && na.to_bits() == nb.to_bits(), "xpby on {what}");
        }
    }
}
