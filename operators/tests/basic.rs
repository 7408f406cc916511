//! Integration tests of the basic operators: values against pylops' definitions, dot tests in the
//! four scalar types with chunked layouts, output overwriting, and the typed errors of user input.

use nalgebra::{ComplexField, DMatrix};
use ndarray::{arr1, arr2, ArrayD, IxDyn};
use num_complex::{Complex32, Complex64};
use rylops_core::vector::random_scalar;
use rylops_core::{
    check_shape, dot_test, dot_test_with, normalize_axis, ChunkGrid, ChunkedArray, Error,
    LinearMap, LinearOperator, Rng, Scalar, Stack, VStack, Vector,
};
use rylops_operators::{Diagonal, Identity, MatrixMult, Zero};

fn chunked<T: Scalar>(shape: &[usize], chunk: &[usize]) -> ChunkedArray<T> {
    ChunkedArray::zeros(ChunkGrid::uniform(shape, chunk).unwrap())
}

fn random_matrix<T: Scalar + ComplexField>(nrows: usize, ncols: usize, seed: u64) -> DMatrix<T> {
    let mut rng = Rng::new(seed);
    DMatrix::from_fn(nrows, ncols, |_, _| random_scalar(&mut rng))
}

fn random_vec<T: Scalar>(n: usize, seed: u64) -> Vec<T> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| random_scalar(&mut rng)).collect()
}

/// Dot test in the default layout and with the given template, asserting both pass.
fn assert_dot<O>(op: &O, template: ChunkedArray<O::Scalar>, what: &str)
where
    O: LinearOperator<Domain = ChunkedArray<<O as LinearMap>::Scalar>>,
{
    let r = dot_test(op, 11).unwrap();
    assert!(
        r.passed,
        "{what} ({}), default layout: {r:?}",
        <O::Scalar as Scalar>::DTYPE
    );
    let r = dot_test_with(op, template, 12, None).unwrap();
    assert!(
        r.passed,
        "{what} ({}), chunked: {r:?}",
        <O::Scalar as Scalar>::DTYPE
    );
}

fn dot_tests_all_operators<T: Scalar + ComplexField>() {
    // Identity: 1-D, n-d chunked, rectangular in both directions.
    assert_dot(
        &Identity::<T>::new(9).unwrap(),
        chunked(&[9], &[4]),
        "Identity(9)",
    );
    let id = Identity::<T>::with_dims(&[5, 6, 3]).unwrap();
    assert_dot(&id, chunked(&[5, 6, 3], &[2, 4, 3]), "Identity nd");
    let pad = Identity::<T>::nm(&[7, 3], &[4, 6]).unwrap();
    assert_dot(&pad, chunked(&[4, 6], &[3, 2]), "Identity rectangular");

    // Zero, square and rectangular.
    assert_dot(
        &Zero::<T>::square(&[4, 5]).unwrap(),
        chunked(&[4, 5], &[3, 2]),
        "Zero",
    );
    let z = Zero::<T>::nm(&[5], &[8]).unwrap();
    assert_dot(&z, chunked(&[8], &[3]), "Zero rectangular");
    let z = Zero::<T>::nm(&[3, 2], &[8]).unwrap();
    assert!(
        dot_test(&z, 1).unwrap().passed,
        "Zero with another number of axes"
    );

    // Diagonal: d chunked differently from the model, and broadcast along each axis.
    let dims = [6, 5, 4];
    let dgrid = ChunkGrid::uniform(&dims, &[4, 2, 3]).unwrap();
    let d = Diagonal::new(ChunkedArray::<T>::random(dgrid, 3)).unwrap();
    assert_dot(&d, chunked(&dims, &[3, 5, 2]), "Diagonal");
    assert_dot(&d, chunked(&dims, &[4, 2, 3]), "Diagonal, same grid as d");
    for axis in [-1isize, 0, 1] {
        let ax = normalize_axis(axis, 3).unwrap();
        let da = Diagonal::along_axis(&random_vec::<T>(dims[ax], 4), &dims, axis).unwrap();
        assert_dot(&da, chunked(&dims, &[5, 3, 3]), "Diagonal along axis");
    }

    // MatrixMult: 1-D square and rectangular, and with otherdims.
    let mm = MatrixMult::new(random_matrix::<T>(7, 7, 5)).unwrap();
    assert_dot(&mm, chunked(&[7], &[3]), "MatrixMult square");
    let tall = MatrixMult::new(random_matrix::<T>(12, 5, 6)).unwrap();
    assert_dot(&tall, chunked(&[5], &[2]), "MatrixMult tall");
    let wide = MatrixMult::new(random_matrix::<T>(4, 10, 7)).unwrap();
    assert_dot(&wide, chunked(&[10], &[3]), "MatrixMult wide");
    let nd = MatrixMult::with_otherdims(random_matrix::<T>(6, 9, 8), &[4, 3]).unwrap();
    assert_dot(&nd, chunked(&[9, 4, 3], &[4, 3, 2]), "MatrixMult otherdims");
}

#[test]
fn dot_tests_f32() {
    dot_tests_all_operators::<f32>();
}

#[test]
fn dot_tests_f64() {
    dot_tests_all_operators::<f64>();
}

#[test]
fn dot_tests_complex32() {
    dot_tests_all_operators::<Complex32>();
}

#[test]
fn dot_tests_complex64() {
    dot_tests_all_operators::<Complex64>();
}

#[test]
fn identity_matches_pylops() {
    // pylops: Identity(5, 3) zero-pads the model, its adjoint truncates the data.
    let op = Identity::<f64>::nm(&[5], &[3]).unwrap();
    assert_eq!(op.shape(), (5, 3));
    let x = ChunkedArray::from(arr1(&[1.0, 2.0, 3.0]).into_dyn());
    let y = op.forward(&x).unwrap();
    assert_eq!(y.to_array(), arr1(&[1.0, 2.0, 3.0, 0.0, 0.0]).into_dyn());
    let y = ChunkedArray::from(arr1(&[1.0, 2.0, 3.0, 4.0, 5.0]).into_dyn());
    assert_eq!(
        op.adjoint(&y).unwrap().to_array(),
        arr1(&[1.0, 2.0, 3.0]).into_dyn()
    );
    // Identity(3, 5) truncates the model.
    let op = Identity::<f64>::nm(&[3], &[5]).unwrap();
    assert_eq!(
        op.forward(&y).unwrap().to_array(),
        arr1(&[1.0, 2.0, 3.0]).into_dyn()
    );
    assert_eq!(
        op.adjoint(&x).unwrap().to_array(),
        arr1(&[1.0, 2.0, 3.0, 0.0, 0.0]).into_dyn()
    );
}

#[test]
fn diagonal_matches_pylops() {
    // pylops: Diagonal(d, dims=(2, 3), axis=0) scales each row by d.
    let d = [Complex64::new(1.0, 2.0), Complex64::new(0.0, -1.0)];
    let op = Diagonal::along_axis(&d, &[2, 3], 0).unwrap();
    let xa = ArrayD::from_shape_fn(IxDyn(&[2, 3]), |i| {
        Complex64::new((i[0] * 3 + i[1]) as f64, 1.0)
    });
    // Chunked along the broadcast axis and across it.
    let x = ChunkedArray::from_array_chunks(xa.view(), &[1, 2]).unwrap();
    let y = op.forward(&x).unwrap().to_array();
    for i in 0..2 {
        for j in 0..3 {
            assert_eq!(y[[i, j]], d[i] * xa[[i, j]]);
        }
    }
    let xh = op.adjoint(&x).unwrap().to_array();
    for i in 0..2 {
        for j in 0..3 {
            assert_eq!(xh[[i, j]], d[i].conj() * xa[[i, j]]);
        }
    }
    // The full-diagonal form agrees bit for bit.
    let full = Diagonal::new(op.diagonal()).unwrap();
    assert_eq!(full.forward(&x).unwrap().to_array(), y);
}

#[test]
fn matrixmult_matches_pylops() {
    // pylops: MatrixMult(A) @ x == A @ x and .H @ y == A.conj().T @ y.
    let a = DMatrix::from_row_slice(
        2,
        2,
        &[
            Complex64::new(1.0, 1.0),
            Complex64::new(2.0, 0.0),
            Complex64::new(3.0, 0.0),
            Complex64::new(4.0, -1.0),
        ],
    );
    let op = MatrixMult::new(a).unwrap();
    let one = Complex64::new(1.0, 0.0);
    let x = ChunkedArray::from(arr1(&[one, one]).into_dyn());
    assert_eq!(
        op.forward(&x).unwrap().to_array(),
        arr1(&[Complex64::new(3.0, 1.0), Complex64::new(7.0, -1.0)]).into_dyn()
    );
    assert_eq!(
        op.adjoint(&x).unwrap().to_array(),
        arr1(&[Complex64::new(4.0, -1.0), Complex64::new(6.0, 1.0)]).into_dyn()
    );
    // otherdims: A applied to every column of a 2 x 3 model.
    let op = MatrixMult::with_otherdims(DMatrix::from_row_slice(1, 2, &[1.0, 10.0]), &[3]).unwrap();
    let x = ChunkedArray::from(arr2(&[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).into_dyn());
    assert_eq!(
        op.forward(&x).unwrap().to_array(),
        arr2(&[[41.0, 52.0, 63.0]]).into_dyn()
    );
}

/// Every operator overwrites its output (garbage in `y` must not leak), in every layout.
#[test]
fn outputs_are_overwritten() {
    fn check<O>(op: &O, x: &ChunkedArray<f64>, ygrid: ChunkGrid)
    where
        O: LinearOperator<Scalar = f64, Domain = ChunkedArray<f64>, Range = ChunkedArray<f64>>,
    {
        let want = op.forward(x).unwrap().to_array();
        let mut y = ChunkedArray::zeros(ygrid);
        y.fill(f64::NAN);
        op.forward_into(x, &mut y).unwrap();
        assert_eq!(y.to_array(), want);
        let want_back = op.adjoint(&y).unwrap().to_array();
        let mut xb = x.zeros_like();
        xb.fill(f64::NAN);
        op.adjoint_into(&y, &mut xb).unwrap();
        assert_eq!(xb.to_array(), want_back);
    }
    let x = ChunkedArray::random(ChunkGrid::uniform(&[6, 4], &[4, 3]).unwrap(), 1);
    let g = |s: &[usize], c: &[usize]| ChunkGrid::uniform(s, c).unwrap();
    check(
        &Identity::with_dims(&[6, 4]).unwrap(),
        &x,
        g(&[6, 4], &[5, 1]),
    );
    check(
        &Identity::nm(&[3, 7], &[6, 4]).unwrap(),
        &x,
        g(&[3, 7], &[2, 2]),
    );
    check(&Zero::nm(&[5], &[6, 4]).unwrap(), &x, g(&[5], &[2]));
    let d = ChunkedArray::random(g(&[6, 4], &[2, 2]), 2);
    check(&Diagonal::new(d).unwrap(), &x, x.grid().clone());
    let mm = MatrixMult::with_otherdims(random_matrix(3, 6, 3), &[4]).unwrap();
    check(&mm, &x, g(&[3, 4], &[2, 3]));
    check(&mm, &x, g(&[3, 4], &[1, 4]));
}

/// Wrong input or output shapes give `ShapeMismatch`, never a panic, for every operator.
fn assert_shape_errors<O>(op: &O, what: &str)
where
    O: LinearOperator<Scalar = f64, Domain = ChunkedArray<f64>, Range = ChunkedArray<f64>>,
{
    let bad = |s: Vec<usize>| {
        let mut s = s;
        s[0] += 1;
        ChunkedArray::<f64>::zeros_single(&s)
    };
    let (x, y) = (op.zeros_domain(), op.zeros_range());
    let shape_err = |r: rylops_core::Result<()>| matches!(r, Err(Error::ShapeMismatch { .. }));
    assert!(
        shape_err(op.forward_into(&bad(op.dims()), &mut y.clone())),
        "{what} fwd in"
    );
    assert!(
        shape_err(op.forward_into(&x, &mut bad(op.dimsd()))),
        "{what} fwd out"
    );
    assert!(
        shape_err(op.adjoint_into(&bad(op.dimsd()), &mut x.clone())),
        "{what} adj in"
    );
    assert!(
        shape_err(op.adjoint_into(&y, &mut bad(op.dims()))),
        "{what} adj out"
    );
    assert!(op.range_like(&bad(op.dims())).is_err(), "{what} range_like");
    assert!(
        op.domain_like(&bad(op.dimsd())).is_err(),
        "{what} domain_like"
    );
}

#[test]
fn error_shape_mismatch() {
    assert_shape_errors(&Identity::new(4).unwrap(), "Identity");
    assert_shape_errors(&Identity::nm(&[3, 3], &[4, 2]).unwrap(), "Identity rect");
    assert_shape_errors(&Zero::nm(&[2, 2], &[4]).unwrap(), "Zero");
    let d = ChunkedArray::from(ArrayD::from_elem(IxDyn(&[3, 2]), 2.0));
    assert_shape_errors(&Diagonal::new(d).unwrap(), "Diagonal");
    assert_shape_errors(
        &Diagonal::along_axis(&[1.0, 2.0], &[3, 2], 1).unwrap(),
        "Diag axis",
    );
    assert_shape_errors(
        &MatrixMult::new(DMatrix::zeros(2, 3)).unwrap(),
        "MatrixMult",
    );
    let mm = MatrixMult::with_otherdims(DMatrix::zeros(2, 3), &[2]).unwrap();
    assert_shape_errors(&mm, "MatrixMult nd");

    // The core's own checks.
    let x = ChunkedArray::<f64>::zeros_single(&[3, 2]);
    let e = check_shape(&x, &[2, 3], "here").unwrap_err();
    assert_eq!(
        e,
        Error::ShapeMismatch {
            context: "here".into(),
            expected: vec![2, 3],
            got: vec![3, 2]
        }
    );
    assert!(e.to_string().contains("here"));
    let a = ArrayD::<f64>::zeros(IxDyn(&[4]));
    assert!(matches!(
        ChunkedArray::from_array_grid(a.view(), ChunkGrid::single(&[5])),
        Err(Error::ShapeMismatch { .. })
    ));
    // A stacked vector with the wrong number of parts.
    let vs = VStack::new(vec![Identity::<f64>::new(2).unwrap(); 2]).unwrap();
    let mut y = Stack(vec![ChunkedArray::zeros_single(&[2])]);
    assert!(matches!(
        vs.forward_into(&ChunkedArray::zeros_single(&[2]), &mut y),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn error_axis_out_of_range() {
    assert_eq!(
        normalize_axis(2, 2),
        Err(Error::AxisOutOfRange { axis: 2, ndim: 2 })
    );
    assert!(normalize_axis(-3, 2).is_err());
    assert_eq!(
        Diagonal::along_axis(&[1.0f64, 2.0], &[2, 2], 2).unwrap_err(),
        Error::AxisOutOfRange { axis: 2, ndim: 2 }
    );
    assert!(matches!(
        Diagonal::along_axis(&[1.0f64], &[], 0),
        Err(Error::AxisOutOfRange { axis: 0, ndim: 0 })
    ));
    assert!(matches!(
        Diagonal::along_axis(&[1.0f64, 2.0], &[2, 2], -3),
        Err(Error::AxisOutOfRange { .. })
    ));
}

#[test]
fn error_inconsistent_chunks() {
    let bad = [
        ChunkGrid::new(&[5], vec![vec![2, 2]]),
        ChunkGrid::new(&[5], vec![vec![5, 0]]),
        ChunkGrid::new(&[5, 2], vec![vec![5]]),
        ChunkGrid::new(&[4], vec![vec![]]),
        ChunkGrid::uniform(&[5], &[0]),
        ChunkGrid::uniform(&[5], &[2, 2]),
    ];
    for g in bad {
        assert!(matches!(g, Err(Error::InconsistentChunks(_))), "{g:?}");
    }
    let g = ChunkGrid::uniform(&[4], &[2]).unwrap();
    assert!(matches!(
        ChunkedArray::<f64>::from_blocks(g.clone(), vec![ArrayD::zeros(IxDyn(&[2]))]),
        Err(Error::InconsistentChunks(_))
    ));
    assert!(matches!(
        ChunkedArray::<f64>::zeros(g).block(&[2]),
        Err(Error::InconsistentChunks(_))
    ));
}

#[test]
fn error_chunk_mismatch() {
    let a = chunked::<f64>(&[6], &[3]);
    let b = chunked::<f64>(&[6], &[2]);
    assert!(matches!(
        a.check_same_grid(&b, "test"),
        Err(Error::ChunkMismatch(_))
    ));
    // Diagonal needs input and output on one grid.
    let op = Diagonal::new(ArrayD::from_elem(IxDyn(&[6]), 2.0)).unwrap();
    let mut y = b.clone();
    assert!(matches!(
        op.forward_into(&a, &mut y),
        Err(Error::ChunkMismatch(_))
    ));
    let mut x = a.clone();
    assert!(matches!(
        op.adjoint_into(&b, &mut x),
        Err(Error::ChunkMismatch(_))
    ));
    let e = op.forward_into(&a, &mut y).unwrap_err();
    assert!(e.to_string().contains("rechunk"), "{e}");
}

#[test]
fn error_invalid_parameter() {
    assert!(matches!(
        Diagonal::along_axis(&[1.0f64, 2.0, 3.0], &[2, 4], 1),
        Err(Error::InvalidParameter { ref name, .. }) if name == "diag"
    ));
    assert!(matches!(
        MatrixMult::<f64>::from_row_slice(2, 3, &[0.0; 7]),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        Identity::<f64>::nm(&[4], &[2, 2]),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        Zero::<f64>::nm(&[1], &[1 << 40, 1 << 40]),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        Identity::<f32>::with_dims(&[usize::MAX, 2]),
        Err(Error::InvalidParameter { .. })
    ));
    let e = Diagonal::along_axis(&[1.0f64], &[2], 0).unwrap_err();
    assert!(e.to_string().contains("diag"), "{e}");
}
