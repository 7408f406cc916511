//! Kronecker product of two operators (pylops' `Kronecker`).

use crate::block::flat;
use crate::identity::scatter_from;
use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;
use rylops_core::{
    check_apply, Chunked, ChunkedArray, ChunkedOperator, LinearOperator, Result, Scalar,
};

/// The Kronecker product `A ⊗ B` on flat vectors (pylops' `Kronecker(Op1, Op2)`): with `A` of
/// shape `(m1, n1)` and `B` of shape `(m2, n2)`, the model of length `n1 n2` is read as an
/// `n1 x n2` matrix `X` (C order), `B` is applied to each row of `X`, then `A` to each column of
/// the result, and the `m1 x m2` result is flattened. The adjoint does the same with `A^H`, `B^H`.
///
/// This is pylops' `_matvec` (`Op1.matmat(Op2.matmat(X.T).T)`), whose generic `matmat` applies the
/// operator column by column, so a product of bit-exact operators is bit-exact. (pylops'
/// `MatrixMult` has its own `matmat`, a BLAS matrix product, whose summation order may differ from
/// rylops' `MatrixMult` in the last bits.) Rows and columns are processed in parallel; each
/// application gets a single-chunk array of the operator's own `dims`.
///
/// ```
/// use rylops_core::{dot_test, LinearMap};
/// use rylops_operators::{FirstDerivative, Kronecker, Restriction};
/// let a = FirstDerivative::<f64>::builder(&[5]).build().unwrap();
/// let b = Restriction::<f64>::new(&[4], &[0, 3], 0).unwrap();
/// let op = Kronecker::new(a, b).unwrap();
/// assert_eq!((op.dims(), op.dimsd()), (vec![20], vec![10]));
/// assert!(dot_test(&op, 0).unwrap().passed);
/// ```
pub struct Kronecker<A, B> {
    a: A,
    b: B,
}

impl<T, A, B> Kronecker<A, B>
where
    T: Scalar,
    A: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>,
    B: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>,
{
    /// `op1 ⊗ op2` (pylops' `Kronecker(Op1, Op2)`).
    ///
    /// # Errors
    /// [`rylops_core::Error::InvalidParameter`] named `shape` if the product's sizes overflow.
    pub fn new(op1: A, op2: B) -> Result<Chunked<Self>> {
        let ((m1, n1), (m2, n2)) = (op1.shape(), op2.shape());
        rylops_core::grid::check_element_count(&[m1, m2])?;
        rylops_core::grid::check_element_count(&[n1, n2])?;
        Ok(Chunked(Self { a: op1, b: op2 }))
    }

    /// The two factors `(Op1, Op2)`.
    pub fn factors(&self) -> (&A, &B) {
        (&self.a, &self.b)
    }
}

/// Applies `op` (or its adjoint) to each of `count` vectors of length `len` read from `src` at
/// `src_at(k, i)` and writes output `i` of vector `k` to `dst_at(k, i)` in `dst`.
#[allow(clippy::too_many_arguments)]
fn apply_each<T, O>(
    op: &O,
    adjoint: bool,
    src: &[T],
    count: usize,
    src_at: impl Fn(usize, usize) -> usize + Sync,
    dst: &mut [T],
    dst_at: impl Fn(usize, usize) -> usize + Sync,
) -> Result<()>
where
    T: Scalar,
    O: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>,
{
    let (ishape, _oshape) = if adjoint {
        (op.dimsd(), op.dims())
    } else {
        (op.dims(), op.dimsd())
    };
    let len: usize = ishape.iter().product();
    let outs = (0..count)
        .into_par_iter()
        .map(|k| {
            let v: Vec<T> = (0..len).map(|i| src[src_at(k, i)]).collect();
            let a = ArrayD::from_shape_vec(IxDyn(&ishape), v).map_err(|_| {
                rylops_core::Error::ShapeMismatch {
                    context: "Kronecker part".into(),
                    expected: ishape.clone(),
                    got: vec![len],
                }
            })?;
            let x = ChunkedArray::from_array(a);
            let y = if adjoint {
                op.adjoint(&x)?
            } else {
                op.forward(&x)?
            };
            Ok(y.into_array().iter().copied().collect::<Vec<T>>())
        })
        .collect::<Result<Vec<_>>>()?;
    for (k, o) in outs.into_iter().enumerate() {
        for (i, v) in o.into_iter().enumerate() {
            dst[dst_at(k, i)] = v;
        }
    }
    Ok(())
}

impl<T, A, B> Kronecker<A, B>
where
    T: Scalar,
    A: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>,
    B: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>,
{
    /// `Y = A (B X^T)^T` (or with adjoints), `X` the `r x c` matrix of `src`.
    fn apply(&self, adjoint: bool, src: &[T]) -> Result<Vec<T>> {
        let ((m1, n1), (m2, n2)) = (self.a.shape(), self.b.shape());
        let (r, c, c2, r2) = if adjoint {
            (m1, m2, n2, n1)
        } else {
            (n1, n2, m2, m1)
        };
        // B on every row of the r x c matrix: r x c2.
        let mut mid = vec![T::zero(); r * c2];
        apply_each(
            &self.b,
            adjoint,
            src,
            r,
            |k, i| k * c + i,
            &mut mid,
            |k, i| k * c2 + i,
        )?;
        // A on every column of the r x c2 matrix: r2 x c2.
        let mut out = vec![T::zero(); r2 * c2];
        apply_each(
            &self.a,
            adjoint,
            &mid,
            c2,
            |k, i| i * c2 + k,
            &mut out,
            |k, i| i * c2 + k,
        )?;
        Ok(out)
    }
}

impl<T, A, B> ChunkedOperator for Kronecker<A, B>
where
    T: Scalar,
    A: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>,
    B: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>,
{
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        vec![self.a.shape().1 * self.b.shape().1]
    }
    fn dimsd(&self) -> Vec<usize> {
        vec![self.a.shape().0 * self.b.shape().0]
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        let out = self.apply(false, &flat(x))?;
        scatter_from(&out, y)
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        let out = self.apply(true, &flat(y))?;
        scatter_from(&out, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MatrixMult, Restriction, SecondDerivative};
    use nalgebra::DMatrix;
    use num_complex::Complex64;
    use rylops_core::{dot_test, dot_test_with, ChunkGrid, LinearMap};

    #[test]
    fn equals_the_dense_kronecker_product() {
        let a = DMatrix::from_fn(3, 2, |i, j| (1 + i + 3 * j) as f64);
        let b = DMatrix::from_fn(2, 4, |i, j| (i as f64) - 0.5 * j as f64);
        let op = Kronecker::new(
            MatrixMult::new(a.clone()).unwrap(),
            MatrixMult::new(b.clone()).unwrap(),
        )
        .unwrap();
        let k = a.kronecker(&b);
        let x: Vec<f64> = (0..8).map(|i| (i as f64).sin()).collect();
        let xc = ChunkedArray::from(ndarray::arr1(&x).into_dyn());
        let y = op.forward(&xc).unwrap().to_array();
        let want = &k * nalgebra::DVector::from_vec(x);
        for i in 0..6 {
            assert!((y[[i]] - want[i]).abs() < 1e-12);
        }
        assert!(dot_test(&op, 1).unwrap().passed);
        assert_eq!(op.factors().0.shape(), (3, 2));
    }

    #[test]
    fn chunked_and_complex() {
        let a = SecondDerivative::<Complex64>::builder(&[2, 3])
            .axis(0)
            .build()
            .unwrap();
        let b = Restriction::<Complex64>::new(&[5], &[4, 4, 1], 0).unwrap();
        let op = Kronecker::new(a, b).unwrap();
        assert_eq!((op.dims(), op.dimsd()), (vec![30], vec![18]));
        let g = ChunkGrid::uniform(&[30], &[7]).unwrap();
        assert!(
            dot_test_with(&op, ChunkedArray::zeros(g.clone()), 2, None)
                .unwrap()
                .passed
        );
        let x = ChunkedArray::<Complex64>::random(g, 4);
        let y = op.forward(&x).unwrap();
        let y1 = op
            .forward(&x.rechunk(ChunkGrid::single(&[30])).unwrap())
            .unwrap();
        assert_eq!(y.to_array(), y1.to_array());
    }
}
