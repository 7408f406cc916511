//! Compositions of the basic operators (sum, difference, scaling, product, power, adjoint, stacks)
//! checked against dense matrices computed by nalgebra, with dot tests in the four scalar types,
//! the composition errors, and a property test over random shapes and chunkings.

use nalgebra::{ComplexField, DMatrix, DVector};
use ndarray::IxDyn;
use num_complex::{Complex32, Complex64};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use rylops_core::vector::random_scalar;
use rylops_core::{
    dot_test, dot_test_with, BlockDiag, BoxOp, ChunkGrid, ChunkedArray, Error, HStack, LinearMap,
    LinearOperator, OperatorExt, Power, Product, RealScalar, Rng, Scalar, Stack, Sum, VStack,
    Vector,
};
use rylops_operators::{Diagonal, Identity, MatrixMult, Zero};

// ---------------------------------------------------------------------------------------------
// Helpers: flat views of (stacked) vectors and dense matrices of operators.

/// A vector seen as a flat list of entries (C order; parts of a stack one after the other).
trait Flat<T: Scalar>: Vector<T> {
    fn flat(&self) -> Vec<T>;
    fn set_flat(&mut self, j: usize, v: T);
}

impl<T: Scalar> Flat<T> for ChunkedArray<T> {
    fn flat(&self) -> Vec<T> {
        self.to_array().iter().copied().collect()
    }
    fn set_flat(&mut self, j: usize, v: T) {
        let shape = self.shape().to_vec();
        let grid = self.grid().clone();
        let mut rem = j;
        let mut bid = vec![0; shape.len()];
        let mut loc = vec![0; shape.len()];
        for ax in (0..shape.len()).rev() {
            let (b, l) = grid.locate(ax, rem % shape[ax]);
            bid[ax] = b;
            loc[ax] = l;
            rem /= shape[ax];
        }
        self.block_mut(&bid).unwrap()[IxDyn(&loc)] = v;
    }
}

impl<T: Scalar, V: Flat<T>> Flat<T> for Stack<V> {
    fn flat(&self) -> Vec<T> {
        self.parts().iter().flat_map(|p| p.flat()).collect()
    }
    fn set_flat(&mut self, mut j: usize, v: T) {
        for p in self.parts_mut() {
            if j < p.len() {
                return p.set_flat(j, v);
            }
            j -= p.len();
        }
        panic!("index out of range");
    }
}

/// The matrix of `op`, column `j` being `A e_j` with `e_j` laid out like `template`.
fn dense_forward<O>(op: &O, template: &O::Domain) -> DMatrix<O::Scalar>
where
    O: LinearOperator,
    O::Scalar: ComplexField,
    O::Domain: Flat<O::Scalar>,
    O::Range: Flat<O::Scalar>,
{
    let (m, n) = op.shape();
    let mut out = DMatrix::zeros(m, n);
    for j in 0..n {
        let mut e = template.zeros_like();
        e.set_flat(j, <O::Scalar as num_traits::One>::one());
        let col = op.forward(&e).unwrap().flat();
        assert_eq!(col.len(), m);
        out.column_mut(j).copy_from_slice(&col);
    }
    out
}

/// The matrix of `A^H`, column `i` being `A^H e_i` with `e_i` laid out like `template`.
fn dense_adjoint<O>(op: &O, template: &O::Range) -> DMatrix<O::Scalar>
where
    O: LinearOperator,
    O::Scalar: ComplexField,
    O::Domain: Flat<O::Scalar>,
    O::Range: Flat<O::Scalar>,
{
    let (m, n) = op.shape();
    let mut out = DMatrix::zeros(n, m);
    for i in 0..m {
        let mut e = template.zeros_like();
        e.set_flat(i, <O::Scalar as num_traits::One>::one());
        let col = op.adjoint(&e).unwrap().flat();
        assert_eq!(col.len(), n);
        out.column_mut(i).copy_from_slice(&col);
    }
    out
}

fn tolerance<T: Scalar>() -> f64 {
    if <T::Real as RealScalar>::EPS.to_f64_lossless() > 1e-10 {
        1e-5
    } else {
        1e-12
    }
}

fn assert_close<T: Scalar + ComplexField>(got: &DMatrix<T>, want: &DMatrix<T>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let scale = want
        .iter()
        .map(|v| Scalar::modulus(*v).to_f64_lossless())
        .fold(1.0, f64::max);
    let err = got
        .iter()
        .zip(want.iter())
        .map(|(a, b)| Scalar::modulus(*a - *b).to_f64_lossless())
        .fold(0.0, f64::max);
    assert!(
        err <= tolerance::<T>() * scale,
        "{what} ({}): max error {err:e} for entries up to {scale}\n got {got}\nwant {want}",
        T::DTYPE
    );
}

/// Checks `op` against `want` in both directions, with the given layouts, and dot-tests it.
fn check<O>(op: &O, want: &DMatrix<O::Scalar>, dom: &O::Domain, rng: &O::Range, what: &str)
where
    O: LinearOperator,
    O::Scalar: ComplexField,
    O::Domain: Flat<O::Scalar>,
    O::Range: Flat<O::Scalar>,
{
    assert_close(&dense_forward(op, dom), want, &format!("{what}, forward"));
    assert_close(
        &dense_adjoint(op, rng),
        &want.adjoint(),
        &format!("{what}, adjoint"),
    );
    let r = dot_test(op, 21).unwrap();
    assert!(
        r.passed,
        "{what} ({}), dot test: {r:?}",
        <O::Scalar as Scalar>::DTYPE
    );
    let r = dot_test_with(op, dom.clone(), 22, None).unwrap();
    assert!(
        r.passed,
        "{what} ({}), chunked dot test: {r:?}",
        <O::Scalar as Scalar>::DTYPE
    );
}

fn random_matrix<T: Scalar + ComplexField>(nrows: usize, ncols: usize, seed: u64) -> DMatrix<T> {
    let mut rng = Rng::new(seed);
    DMatrix::from_fn(nrows, ncols, |_, _| random_scalar(&mut rng))
}

fn random_vec<T: Scalar>(n: usize, seed: u64) -> Vec<T> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| random_scalar(&mut rng)).collect()
}

fn chunked<T: Scalar>(shape: &[usize], chunk: &[usize]) -> ChunkedArray<T> {
    ChunkedArray::zeros(ChunkGrid::uniform(shape, chunk).unwrap())
}

fn boxed<T: Scalar, O>(op: O) -> BoxOp<T>
where
    O: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>> + 'static,
{
    Box::new(op)
}

// ---------------------------------------------------------------------------------------------
// Compositions against nalgebra.

fn compositions<T: Scalar + ComplexField>() {
    let n = 5;
    let ma = random_matrix::<T>(n, n, 1);
    let mb = random_matrix::<T>(n, n, 2);
    let mc = random_matrix::<T>(n, 3, 3);
    let mt = random_matrix::<T>(4, n, 4);
    let dv = random_vec::<T>(n, 5);
    let md = DMatrix::from_diagonal(&DVector::from_vec(dv.clone()));
    let a = MatrixMult::new(ma.clone()).unwrap();
    let b = MatrixMult::new(mb.clone()).unwrap();
    let c = MatrixMult::new(mc.clone()).unwrap();
    let t = MatrixMult::new(mt.clone()).unwrap();
    // The diagonal chunked differently from the vectors it is applied to.
    let d = Diagonal::new(
        ChunkedArray::from_array_chunks(ndarray::arr1(&dv).into_dyn().view(), &[3]).unwrap(),
    )
    .unwrap();
    let alpha = T::from_parts(
        <T::Real as Scalar>::from_f64(0.7),
        <T::Real as Scalar>::from_f64(-1.3),
    );
    let (xn, x3, x4) = (
        chunked::<T>(&[n], &[2]),
        chunked(&[3], &[2]),
        chunked(&[4], &[2]),
    );

    check(&(&a).plus(&b).unwrap(), &(&ma + &mb), &xn, &xn, "A + B");
    check(&(&a).minus(&d).unwrap(), &(&ma - &md), &xn, &xn, "A - D");
    check(&(&d).plus(&a).unwrap(), &(&md + &ma), &xn, &xn, "D + A");
    let scaled = ma.map(|v| alpha * v);
    check(&(&a).scaled(alpha), &scaled, &xn, &xn, "alpha A");
    check(
        &(&d).scaled(alpha),
        &md.map(|v| alpha * v),
        &xn,
        &xn,
        "alpha D",
    );
    check(&(&a).times(&c).unwrap(), &(&ma * &mc), &x3, &xn, "A C");
    check(&(&t).times(&a).unwrap(), &(&mt * &ma), &xn, &x4, "T A");
    check(&(&a).times(&d).unwrap(), &(&ma * &md), &xn, &xn, "A D");
    check(&(&d).times(&a).unwrap(), &(&md * &ma), &xn, &xn, "D A");
    check(&(&a).pow(3).unwrap(), &(&ma * &ma * &ma), &xn, &xn, "A^3");
    check(&(&d).pow(3).unwrap(), &(&md * &md * &md), &xn, &xn, "D^3");
    check(
        &(&a).pow(0).unwrap(),
        &DMatrix::identity(n, n),
        &xn,
        &xn,
        "A^0",
    );
    check(&(&a).h(), &ma.adjoint(), &xn, &xn, "A^H");
    check(&(&c).h(), &mc.adjoint(), &xn, &x3, "C^H");
    check(&(&d).h(), &md.adjoint(), &xn, &xn, "D^H");
    check(
        &(&c).h().times(&a).unwrap(),
        &(mc.adjoint() * &ma),
        &xn,
        &x3,
        "C^H A",
    );

    // (A^H B + alpha D)^2 - I
    let id = Identity::<T>::new(n).unwrap();
    let nested = (&a)
        .h()
        .times(&b)
        .unwrap()
        .plus((&d).scaled(alpha))
        .unwrap()
        .pow(2)
        .unwrap()
        .minus(&id)
        .unwrap();
    let inner = ma.adjoint() * &mb + md.map(|v| alpha * v);
    let want = &inner * &inner - DMatrix::identity(n, n);
    check(&nested, &want, &xn, &xn, "(A^H B + alpha D)^2 - I");

    // Zero and rectangular identity in compositions.
    let z = Zero::<T>::nm(&[n], &[3]).unwrap();
    check(&(&c).plus(&z).unwrap(), &mc, &x3, &xn, "C + 0");
    let pad = Identity::<T>::nm(&[n], &[3]).unwrap();
    let mut mpad = DMatrix::zeros(n, 3);
    mpad.view_mut((0, 0), (3, 3)).fill_with_identity();
    check(
        &(&a).times(&pad).unwrap(),
        &(&ma * &mpad),
        &x3,
        &xn,
        "A Ipad",
    );

    // Stacks.
    let vs = VStack::new(vec![
        boxed(a.clone()),
        boxed(t.clone()),
        boxed(d.clone()),
        boxed(a.clone().times(d.clone()).unwrap()),
    ])
    .unwrap();
    let mut want = DMatrix::zeros(3 * n + 4, n);
    want.rows_mut(0, n).copy_from(&ma);
    want.rows_mut(n, 4).copy_from(&mt);
    want.rows_mut(n + 4, n).copy_from(&md);
    want.rows_mut(2 * n + 4, n).copy_from(&(&ma * &md));
    let vs_range = Stack(vec![xn.clone(), x4.clone(), xn.clone(), xn.clone()]);
    check(&vs, &want, &xn, &vs_range, "VStack[A; T; D; A D]");

    let hs = HStack::new(vec![boxed(a.clone()), boxed(c.clone()), boxed(d.clone())]).unwrap();
    let mut want = DMatrix::zeros(n, 2 * n + 3);
    want.columns_mut(0, n).copy_from(&ma);
    want.columns_mut(n, 3).copy_from(&mc);
    want.columns_mut(n + 3, n).copy_from(&md);
    let hs_dom = Stack(vec![xn.clone(), x3.clone(), xn.clone()]);
    check(&hs, &want, &hs_dom, &xn, "HStack[A, C, D]");

    let bd = BlockDiag::new(vec![boxed(a.clone()), boxed(c.clone()), boxed(d.clone())]).unwrap();
    let mut want = DMatrix::zeros(3 * n, 2 * n + 3);
    want.view_mut((0, 0), (n, n)).copy_from(&ma);
    want.view_mut((n, n), (n, 3)).copy_from(&mc);
    want.view_mut((2 * n, n + 3), (n, n)).copy_from(&md);
    let bd_range = Stack(vec![xn.clone(), xn.clone(), xn.clone()]);
    check(&bd, &want, &hs_dom, &bd_range, "BlockDiag(A, C, D)");

    // Composites of stacks: VStack^H VStack is the normal operator A^H A + ...
    let normal = (&vs).h().times(&vs).unwrap();
    let full = {
        let mut w = DMatrix::zeros(3 * n + 4, n);
        w.rows_mut(0, n).copy_from(&ma);
        w.rows_mut(n, 4).copy_from(&mt);
        w.rows_mut(n + 4, n).copy_from(&md);
        w.rows_mut(2 * n + 4, n).copy_from(&(&ma * &md));
        w
    };
    check(
        &normal,
        &(full.adjoint() * &full),
        &xn,
        &xn,
        "VStack^H VStack",
    );
    let scaled_bd = (&bd).scaled(alpha);
    let mut want = DMatrix::zeros(3 * n, 2 * n + 3);
    want.view_mut((0, 0), (n, n)).copy_from(&ma);
    want.view_mut((n, n), (n, 3)).copy_from(&mc);
    want.view_mut((2 * n, n + 3), (n, n)).copy_from(&md);
    check(
        &scaled_bd,
        &want.map(|v| alpha * v),
        &hs_dom,
        &bd_range,
        "alpha BlockDiag",
    );
}

#[test]
fn compositions_f32() {
    compositions::<f32>();
}

#[test]
fn compositions_f64() {
    compositions::<f64>();
}

#[test]
fn compositions_complex32() {
    compositions::<Complex32>();
}

#[test]
fn compositions_complex64() {
    compositions::<Complex64>();
}

#[test]
fn complex_scaling_conjugates_in_the_adjoint() {
    let i = Complex64::new(0.0, 1.0);
    let op = Identity::<Complex64>::new(1).unwrap().scaled(i);
    let x = ChunkedArray::from(ndarray::arr1(&[Complex64::new(1.0, 0.0)]).into_dyn());
    assert_eq!(op.forward(&x).unwrap().to_array()[[0]], i);
    assert_eq!(op.adjoint(&x).unwrap().to_array()[[0]], -i);
}

#[test]
fn stack_vectors_dot_and_norm() {
    let g1 = ChunkGrid::uniform(&[7], &[3]).unwrap();
    let g2 = ChunkGrid::uniform(&[2, 3], &[1, 2]).unwrap();
    let a = Stack(vec![
        ChunkedArray::<Complex64>::random(g1.clone(), 1),
        ChunkedArray::random(g2.clone(), 2),
    ]);
    let b = Stack(vec![
        ChunkedArray::<Complex64>::random(g1, 3),
        ChunkedArray::random(g2, 4),
    ]);
    let fa: Vec<Complex64> = a.flat();
    let fb: Vec<Complex64> = b.flat();
    assert_eq!(a.len(), 13);
    let dot: Complex64 = fa.iter().zip(&fb).map(|(x, y)| x.conj() * y).sum();
    assert!((a.dot(&b) - dot).norm() <= 1e-12 * dot.norm());
    assert_eq!(
        a.dot(&b),
        a.parts()[0].dot(&b.parts()[0]) + a.parts()[1].dot(&b.parts()[1])
    );
    let nrm = fa.iter().map(|v| v.norm_sqr()).sum::<f64>().sqrt();
    assert!((a.norm() - nrm).abs() <= 1e-12 * nrm);
    assert!((a.dot(&a).re - a.norm_sqr()).abs() <= 1e-12 * a.norm_sqr());
    assert!(a.same_layout(&b) && !a.same_layout(&Stack(vec![a.parts()[0].clone()])));
    let mut c = a.zeros_like();
    c.lincomb(Complex64::new(2.0, 0.0), &a, Complex64::new(-1.0, 0.0), &b);
    let fc = c.flat();
    for k in 0..13 {
        assert_eq!(fc[k], fa[k] * 2.0 - fb[k]);
    }
}

// ---------------------------------------------------------------------------------------------
// Composition errors.

#[test]
fn error_incompatible_operators() {
    let i3 = Identity::<f64>::new(3).unwrap();
    let i4 = Identity::<f64>::new(4).unwrap();
    let m = MatrixMult::new(DMatrix::<f64>::zeros(2, 3)).unwrap();
    let is_incompatible = |e: Error| matches!(e, Error::IncompatibleOperators(_));
    // Sum / difference of different shapes (dims, then dimsd).
    assert!(is_incompatible(Sum::new(&i3, &i4).err().unwrap()));
    assert!(is_incompatible((&i3).minus(&i4).err().unwrap()));
    let z = Zero::<f64>::nm(&[3], &[3]).unwrap();
    assert!(is_incompatible((&m).plus(&z).err().unwrap()));
    // Product of non-chaining shapes.
    assert!(is_incompatible(Product::new(&m, &m).err().unwrap()));
    assert!(is_incompatible((&i4).times(&m).err().unwrap()));
    // Power of a non-square operator.
    assert!(is_incompatible(Power::new(&m, 2).err().unwrap()));
    // Empty stacks, stacks of mismatched operators.
    assert!(is_incompatible(
        VStack::<BoxOp<f64>>::new(vec![]).err().unwrap()
    ));
    assert!(is_incompatible(
        HStack::<BoxOp<f64>>::new(vec![]).err().unwrap()
    ));
    assert!(is_incompatible(
        BlockDiag::<BoxOp<f64>>::new(vec![]).err().unwrap()
    ));
    assert!(is_incompatible(VStack::new(vec![&i3, &i4]).err().unwrap()));
    let e = HStack::new(vec![boxed(i3.clone()), boxed(m.clone())])
        .err()
        .unwrap();
    assert!(e.to_string().contains("incompatible operators"), "{e}");
    assert!(is_incompatible(e));
}

/// Errors from an operand surface unchanged through a composite.
#[test]
fn composite_errors_propagate() {
    let d = Diagonal::new(ndarray::arr1(&[1.0, 2.0, 3.0, 4.0]).into_dyn()).unwrap();
    let op = (&d).plus(&d).unwrap().pow(2).unwrap();
    let x = chunked::<f64>(&[4], &[2]);
    let mut y = chunked::<f64>(&[4], &[3]);
    assert!(matches!(
        op.forward_into(&x, &mut y),
        Err(Error::ChunkMismatch(_))
    ));
    let mut short = chunked::<f64>(&[3], &[3]);
    assert!(matches!(
        op.forward_into(&x, &mut short),
        Err(Error::ShapeMismatch { .. })
    ));
    // The composite is still usable after an error.
    let x = ChunkedArray::from(ndarray::arr1(&[1.0; 4]).into_dyn());
    let mut y = x.zeros_like();
    op.forward_into(&x, &mut y).unwrap();
    assert_eq!(
        y.to_array(),
        ndarray::arr1(&[4.0, 16.0, 36.0, 64.0]).into_dyn()
    );
}

/// `A^0` is the identity: it checks lengths and layouts like any operator instead of panicking.
#[test]
fn power_zero_checks_its_vectors() {
    let d = Diagonal::new(ndarray::arr1(&[1.0, 2.0, 3.0, 4.0]).into_dyn()).unwrap();
    let op = (&d).pow(0).unwrap();
    let x = chunked::<f64>(&[4], &[2]);
    let mut y = chunked::<f64>(&[4], &[3]);
    assert!(matches!(
        op.forward_into(&x, &mut y),
        Err(Error::ChunkMismatch(_))
    ));
    let mut y5 = chunked::<f64>(&[5], &[5]);
    assert!(matches!(
        op.adjoint_into(&x, &mut y5),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut x = x;
    x.fill(2.0);
    let mut y = x.zeros_like();
    op.forward_into(&x, &mut y).unwrap();
    assert_eq!(y, x);
}

// ---------------------------------------------------------------------------------------------
// Property test: dot tests of Diagonal and composites over random shapes, chunkings and types.

/// Per axis: (length, chunk of the model, chunk of the diagonal).
fn axes() -> impl Strategy<Value = Vec<(usize, usize, usize)>> {
    prop::collection::vec(
        (1usize..=6).prop_flat_map(|n| (Just(n), 1..=n, 1..=n)),
        1..=3,
    )
}

fn dot_ok<O: LinearOperator>(op: &O, template: O::Domain, seed: u64, what: &str) {
    let r = dot_test_with(op, template, seed, None).unwrap();
    assert!(r.passed, "{what} ({}): {r:?}", <O::Scalar as Scalar>::DTYPE);
}

fn property_case<T: Scalar + ComplexField>(axes: &[(usize, usize, usize)], seed: u64) {
    let dims: Vec<usize> = axes.iter().map(|a| a.0).collect();
    let xchunk: Vec<usize> = axes.iter().map(|a| a.1).collect();
    let dchunk: Vec<usize> = axes.iter().map(|a| a.2).collect();
    let dgrid = ChunkGrid::uniform(&dims, &dchunk).unwrap();
    let xgrid = ChunkGrid::uniform(&dims, &xchunk).unwrap();
    let x = ChunkedArray::<T>::zeros(xgrid.clone());
    let d1 = Diagonal::new(ChunkedArray::<T>::random(dgrid, seed)).unwrap();
    let last = *dims.last().unwrap();
    let d2 = Diagonal::along_axis(&random_vec::<T>(last, seed ^ 1), &dims, -1).unwrap();
    let d0 = Diagonal::along_axis(&random_vec::<T>(dims[0], seed ^ 2), &dims, 0).unwrap();
    let id = Identity::<T>::with_dims(&dims).unwrap();
    let alpha = T::from_parts(
        <T::Real as Scalar>::from_f64(-0.4),
        <T::Real as Scalar>::from_f64(2.1),
    );

    dot_ok(&d1, x.clone(), seed, "D1");
    dot_ok(&d2, x.clone(), seed, "D2");
    dot_ok(&(&d1).plus(&d2).unwrap(), x.clone(), seed, "D1 + D2");
    dot_ok(&(&d1).minus(&id).unwrap(), x.clone(), seed, "D1 - I");
    dot_ok(&(&d1).scaled(alpha), x.clone(), seed, "alpha D1");
    dot_ok(&(&d1).times(&d0).unwrap(), x.clone(), seed, "D1 D0");
    dot_ok(&(&d2).pow(3).unwrap(), x.clone(), seed, "D2^3");
    dot_ok(&(&d1).h().times(&d2).unwrap(), x.clone(), seed, "D1^H D2");
    let vs = VStack::new(vec![&d1, &d2, &d0]).unwrap();
    dot_ok(&vs, x.clone(), seed, "VStack");
    let stacked = Stack(vec![x.clone(), x.clone()]);
    let hs = HStack::new(vec![&d1, &d0]).unwrap();
    dot_ok(&hs, stacked.clone(), seed, "HStack");
    let bd = BlockDiag::new(vec![&d1, &d2]).unwrap();
    dot_ok(&bd, stacked, seed, "BlockDiag");
    let normal = (&vs).h().times(&vs).unwrap();
    dot_ok(&normal, x.clone(), seed, "VStack^H VStack");

    // Chunking never changes the values of these element-wise operators.
    let mut xr = x.clone();
    xr.fill_random(&mut Rng::new(seed));
    let xs = xr.rechunk(ChunkGrid::single(&dims)).unwrap();
    let op = (&d1).plus(&d2).unwrap().pow(2).unwrap();
    assert_eq!(
        op.forward(&xr).unwrap().to_array(),
        op.forward(&xs).unwrap().to_array()
    );
    assert_eq!(
        op.adjoint(&xr).unwrap().to_array(),
        op.adjoint(&xs).unwrap().to_array()
    );
    assert_eq!(op.forward(&xr).unwrap().grid(), &xgrid);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        rng_seed: RngSeed::Fixed(0x7279_6c6f_7073),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn dot_tests_over_random_layouts(axes in axes(), ty in 0u8..4, seed in any::<u64>()) {
        match ty {
            0 => property_case::<f32>(&axes, seed),
            1 => property_case::<f64>(&axes, seed),
            2 => property_case::<Complex32>(&axes, seed),
            _ => property_case::<Complex64>(&axes, seed),
        }
    }
}
