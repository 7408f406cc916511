//! Dense matrix multiplication (pylops' `MatrixMult`).

use crate::identity::{check_dims, gather_into, scatter_from};
use nalgebra::{ComplexField, DMatrix, DMatrixView, DMatrixViewMut, Dyn};
use rayon::prelude::*;
use rylops_core::{
    check_shape, Chunked, ChunkedArray, ChunkedOperator, Error, Result, Scalar, Scratch, Vector,
};

/// Number of multiply-adds per parallel piece of output rows.
const PIECE_WORK: usize = 1 << 16;

/// Multiplication by a dense matrix `A` (`nrows x ncols`): forward `y = A x`, adjoint `x = A^H y`
/// (conjugate transpose).
///
/// The model has shape `[ncols, otherdims...]` and the data `[nrows, otherdims...]`: as with
/// pylops' `MatrixMult(A, otherdims)`, `A` multiplies every column of the model seen as an
/// `ncols x prod(otherdims)` matrix (C order). Without `otherdims` model and data are 1-D.
///
/// Inputs and outputs may be chunked in any way; an input split in several blocks is assembled once
/// per call into a reused buffer. Output rows are computed in parallel.
///
/// ```
/// use nalgebra::DMatrix;
/// use ndarray::{arr1, ArrayD};
/// use rylops_core::{dot_test, ChunkedArray, LinearMap, LinearOperator};
/// use rylops_operators::MatrixMult;
///
/// let a = DMatrix::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// let op = MatrixMult::new(a).unwrap();
/// assert_eq!(op.shape(), (2, 3));
/// let x = ChunkedArray::from(arr1(&[1.0, 0.0, -1.0]).into_dyn());
/// assert_eq!(op.forward(&x).unwrap().to_array(), arr1(&[-2.0, -2.0]).into_dyn());
/// let y = ChunkedArray::from(arr1(&[1.0, 1.0]).into_dyn());
/// assert_eq!(op.adjoint(&y).unwrap().to_array(), arr1(&[5.0, 7.0, 9.0]).into_dyn());
/// assert!(dot_test(&op, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct MatrixMult<T: Scalar + ComplexField> {
    a: DMatrix<T>,
    otherdims: Vec<usize>,
    /// `prod(otherdims)`: columns of the model and data seen as matrices.
    ncols_other: usize,
    dims: Vec<usize>,
    dimsd: Vec<usize>,
    inbuf: Scratch<Vec<T>>,
    outbuf: Scratch<Vec<T>>,
}

impl<T: Scalar + ComplexField> MatrixMult<T> {
    /// Multiplication by `a` on 1-D models of length `a.ncols()`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if the matrix is too large to index (never in practice).
    ///
    /// ```
    /// use nalgebra::DMatrix;
    /// use rylops_core::{LinearMap, LinearOperator};
    /// use rylops_operators::MatrixMult;
    /// let op = MatrixMult::new(DMatrix::<f32>::identity(3, 4)).unwrap();
    /// assert_eq!((op.dims(), op.dimsd()), (vec![4], vec![3]));
    /// ```
    pub fn new(a: DMatrix<T>) -> Result<Chunked<Self>> {
        Self::with_otherdims(a, &[])
    }

    /// Multiplication by `a` applied to every column of models of shape
    /// `[a.ncols(), otherdims...]`, giving data of shape `[a.nrows(), otherdims...]`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if model or data shape has more elements than an array can hold.
    ///
    /// ```
    /// use nalgebra::DMatrix;
    /// use ndarray::{ArrayD, IxDyn};
    /// use rylops_core::{ChunkedArray, LinearMap, LinearOperator};
    /// use rylops_operators::MatrixMult;
    ///
    /// // Row sums of a 2x3 matrix of ones, for each of the 4x5 trailing positions.
    /// let op = MatrixMult::with_otherdims(DMatrix::from_element(2, 3, 1.0), &[4, 5]).unwrap();
    /// assert_eq!(op.dims(), vec![3, 4, 5]);
    /// let x = ChunkedArray::from(ArrayD::from_elem(IxDyn(&[3, 4, 5]), 2.0));
    /// let y = op.forward(&x).unwrap().to_array();
    /// assert_eq!(y.shape(), &[2, 4, 5]);
    /// assert!(y.iter().all(|&v| v == 6.0));
    /// ```
    pub fn with_otherdims(a: DMatrix<T>, otherdims: &[usize]) -> Result<Chunked<Self>> {
        let mut dims = vec![a.ncols()];
        dims.extend_from_slice(otherdims);
        let mut dimsd = vec![a.nrows()];
        dimsd.extend_from_slice(otherdims);
        check_dims("dims", &dims)?;
        check_dims("dimsd", &dimsd)?;
        Ok(Chunked(Self {
            a,
            otherdims: otherdims.to_vec(),
            ncols_other: otherdims.iter().product(),
            dims,
            dimsd,
            inbuf: Scratch::new(),
            outbuf: Scratch::new(),
        }))
    }

    /// Multiplication by the `nrows x ncols` matrix whose entries are given row by row (C order,
    /// like a numpy array) on 1-D models.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `data.len() != nrows * ncols`.
    ///
    /// ```
    /// use rylops_core::{LinearMap, LinearOperator};
    /// use rylops_operators::MatrixMult;
    /// let op = MatrixMult::from_row_slice(2, 2, &[0.0, 1.0, 1.0, 0.0]).unwrap();
    /// assert_eq!(op.matrix()[(0, 1)], 1.0);
    /// assert!(MatrixMult::from_row_slice(2, 2, &[0.0, 1.0, 1.0]).is_err());
    /// ```
    pub fn from_row_slice(nrows: usize, ncols: usize, data: &[T]) -> Result<Chunked<Self>> {
        if nrows.checked_mul(ncols) != Some(data.len()) {
            return Err(Error::InvalidParameter {
                name: "data".into(),
                reason: format!(
                    "has {} entries, a {nrows} x {ncols} matrix needs {}",
                    data.len(),
                    nrows as u128 * ncols as u128
                ),
            });
        }
        Self::new(DMatrix::from_row_slice(nrows, ncols, data))
    }

    /// The matrix `A`.
    ///
    /// ```
    /// use nalgebra::DMatrix;
    /// use rylops_operators::MatrixMult;
    /// let op = MatrixMult::new(DMatrix::<f64>::zeros(2, 5)).unwrap();
    /// assert_eq!(op.matrix().shape(), (2, 5));
    /// ```
    pub fn matrix(&self) -> &DMatrix<T> {
        &self.a
    }

    /// The trailing model/data axes the matrix is broadcast over (empty for 1-D models).
    ///
    /// ```
    /// use nalgebra::DMatrix;
    /// use rylops_operators::MatrixMult;
    /// let op = MatrixMult::with_otherdims(DMatrix::<f64>::zeros(2, 5), &[3]).unwrap();
    /// assert_eq!(op.otherdims(), &[3]);
    /// ```
    pub fn otherdims(&self) -> &[usize] {
        &self.otherdims
    }

    /// `out = A x` (or `A^H x` if `adjoint`), with shapes already checked.
    fn apply(&self, x: &ChunkedArray<T>, out: &mut ChunkedArray<T>, adjoint: bool) -> Result<()> {
        let k = self.ncols_other;
        let in_rows = x.shape()[0];
        if out.is_empty() {
            return Ok(());
        }
        if in_rows == 0 {
            // An empty inner dimension: the product is zero.
            out.fill(T::zero());
            return Ok(());
        }
        // The input as one contiguous C-order buffer.
        let gathered = if x.grid().nblocks() == 1 {
            None
        } else {
            let mut buf = self
                .inbuf
                .take(|b| b.len() == x.len(), || Ok(vec![T::zero(); x.len()]))?;
            if let Err(e) = gather_into(x, &mut buf) {
                self.inbuf.give(buf);
                return Err(e);
            }
            Some(buf)
        };
        let xs = match &gathered {
            Some(b) => b.as_slice(),
            None => x.block_slice(0),
        };
        let ogrid = out.grid().clone();
        let rows_only = (1..ogrid.ndim()).all(|ax| !ogrid.is_chunked_along(ax));
        let r = if rows_only {
            // Every output block is a contiguous range of rows.
            let offsets = ogrid.offsets(0);
            out.blocks_mut()
                .par_iter_mut()
                .enumerate()
                .for_each(|(b, block)| {
                    let Some(s) = block.as_slice_mut() else {
                        unreachable!("chunked arrays keep standard-layout blocks")
                    };
                    self.rows_into(xs, in_rows, k, offsets[b], s, adjoint);
                });
            Ok(())
        } else {
            let n = out.len();
            let mut buf = self
                .outbuf
                .take(|b| b.len() == n, || Ok(vec![T::zero(); n]))?;
            self.rows_into(xs, in_rows, k, 0, &mut buf, adjoint);
            let r = scatter_from(&buf, out);
            self.outbuf.give(buf);
            r
        };
        if let Some(buf) = gathered {
            self.inbuf.give(buf);
        }
        r
    }

    /// Computes the output rows starting at `row0` into `out` (row-major, `k` columns), in
    /// parallel pieces of rows.
    fn rows_into(
        &self,
        xs: &[T],
        in_rows: usize,
        k: usize,
        row0: usize,
        out: &mut [T],
        adjoint: bool,
    ) {
        let rows_per_piece = (PIECE_WORK / (in_rows * k).max(1)).max(1);
        let xv: DMatrixView<'_, T, Dyn, Dyn> =
            DMatrixView::from_slice_with_strides(xs, in_rows, k, k, 1);
        out.par_chunks_mut(rows_per_piece * k)
            .enumerate()
            .for_each(|(p, piece)| {
                let n = piece.len() / k;
                let r0 = row0 + p * rows_per_piece;
                let mut yv: DMatrixViewMut<'_, T, Dyn, Dyn> =
                    DMatrixViewMut::from_slice_with_strides_mut(piece, n, k, k, 1);
                if adjoint {
                    yv.gemm_ad(T::one(), &self.a.columns(r0, n), &xv, T::zero());
                } else {
                    yv.gemm(T::one(), &self.a.rows(r0, n), &xv, T::zero());
                }
            });
    }
}

impl<T: Scalar + ComplexField> ChunkedOperator for MatrixMult<T> {
    type Scalar = T;

    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dimsd.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_shape(x, &self.dims, "MatrixMult forward input")?;
        check_shape(y, &self.dimsd, "MatrixMult forward output")?;
        self.apply(x, y, false)
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_shape(y, &self.dimsd, "MatrixMult adjoint input")?;
        check_shape(x, &self.dims, "MatrixMult adjoint output")?;
        self.apply(y, x, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};
    use num_complex::Complex64;
    use rylops_core::{dot_test_with, ChunkGrid, LinearMap, LinearOperator};

    fn matrix(nrows: usize, ncols: usize) -> DMatrix<Complex64> {
        DMatrix::from_fn(nrows, ncols, |i, j| {
            Complex64::new(
                (i * ncols + j) as f64 * 0.25 - 1.0,
                (i as f64) - 0.5 * j as f64,
            )
        })
    }

    fn close(a: &ArrayD<Complex64>, b: &ArrayD<Complex64>) -> bool {
        a.shape() == b.shape()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x - y).norm() <= 1e-12 * (1.0 + y.norm()))
    }

    /// The reference `A X` with `X` the model seen as a `ncols x K` matrix (C order).
    fn reference(
        a: &DMatrix<Complex64>,
        x: &ArrayD<Complex64>,
        adjoint: bool,
    ) -> ArrayD<Complex64> {
        let m = if adjoint { a.adjoint() } else { a.clone() };
        let k: usize = x.shape()[1..].iter().product();
        let xm =
            DMatrix::from_row_slice(x.shape()[0], k, x.as_standard_layout().as_slice().unwrap());
        let y = &m * xm;
        let mut shape = x.shape().to_vec();
        shape[0] = m.nrows();
        let data: Vec<Complex64> = (0..m.nrows())
            .flat_map(|i| (0..k).map(move |j| (i, j)))
            .map(|(i, j)| y[(i, j)])
            .collect();
        ArrayD::from_shape_vec(IxDyn(&shape), data).unwrap()
    }

    #[test]
    fn every_layout_gives_the_reference_product() {
        let a = matrix(9, 7);
        let op = MatrixMult::with_otherdims(a.clone(), &[4, 3]).unwrap();
        let x = ChunkedArray::<Complex64>::random(ChunkGrid::single(&[7, 4, 3]), 4);
        let want = reference(&a, &x.to_array(), false);
        for xc in [[7, 4, 3], [3, 4, 3], [2, 3, 2]] {
            let xx = x.rechunk_uniform(&xc).unwrap();
            for yc in [[9, 4, 3], [4, 4, 3], [5, 2, 3], [9, 1, 1]] {
                let mut y = ChunkedArray::zeros(ChunkGrid::uniform(&[9, 4, 3], &yc).unwrap());
                y.fill(Complex64::new(f64::NAN, 0.0));
                op.forward_into(&xx, &mut y).unwrap();
                assert!(close(&y.to_array(), &want), "x {xc:?} y {yc:?}");
                // Twice, to use the recycled buffers.
                op.forward_into(&xx, &mut y).unwrap();
                assert!(close(&y.to_array(), &want));
                let back = op.adjoint(&y).unwrap();
                assert!(close(&back.to_array(), &reference(&a, &want, true)));
            }
        }
        let r = dot_test_with(&op, x.rechunk_uniform(&[2, 3, 2]).unwrap(), 1, None).unwrap();
        assert!(r.passed, "{r:?}");
    }

    #[test]
    fn large_outputs_are_split_in_pieces() {
        let a = DMatrix::from_fn(300, 400, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
        let op = MatrixMult::new(a.clone()).unwrap();
        let xv: Vec<f64> = (0..400).map(|i| (i % 13) as f64 * 0.5).collect();
        let x = ChunkedArray::from(ArrayD::from_shape_vec(IxDyn(&[400]), xv.clone()).unwrap());
        let y = op.forward(&x).unwrap();
        let want = &a * nalgebra::DVector::from_vec(xv);
        // Integer-valued products: exact.
        assert_eq!(y.to_array().as_slice().unwrap(), want.as_slice());
        let back = op.adjoint(&y).unwrap();
        let want_back = a.transpose() * want;
        assert_eq!(back.to_array().as_slice().unwrap(), want_back.as_slice());
    }

    #[test]
    fn empty_matrices() {
        let op = MatrixMult::new(DMatrix::<f64>::zeros(3, 0)).unwrap();
        let mut y = ChunkedArray::zeros_single(&[3]);
        y.fill(1.0);
        op.forward_into(&ChunkedArray::zeros_single(&[0]), &mut y)
            .unwrap();
        assert_eq!(y.norm(), 0.0);
        let op = MatrixMult::with_otherdims(DMatrix::<f64>::zeros(0, 2), &[3]).unwrap();
        let x = op.adjoint(&ChunkedArray::zeros_single(&[0, 3])).unwrap();
        assert_eq!(x.shape(), &[2, 3]);
        let op = MatrixMult::with_otherdims(DMatrix::<f64>::zeros(2, 2), &[0]).unwrap();
        assert_eq!(
            op.forward(&ChunkedArray::zeros_single(&[2, 0]))
                .unwrap()
                .shape(),
            &[2, 0]
        );
    }

    #[test]
    fn checks_shapes() {
        let op = MatrixMult::new(DMatrix::<f64>::zeros(2, 3)).unwrap();
        let mut y = ChunkedArray::zeros_single(&[2]);
        assert!(matches!(
            op.forward_into(&ChunkedArray::zeros_single(&[2]), &mut y),
            Err(Error::ShapeMismatch { .. })
        ));
        let mut x = ChunkedArray::zeros_single(&[3]);
        assert!(matches!(
            op.adjoint_into(&ChunkedArray::zeros_single(&[3]), &mut x),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            MatrixMult::<f64>::from_row_slice(2, 3, &[1.0; 5]),
            Err(Error::InvalidParameter { .. })
        ));
    }

    #[test]
    fn wrong_shapes_are_named_by_direction_not_by_method() {
        let op = MatrixMult::new(DMatrix::<f64>::identity(3, 4)).unwrap();
        let x5 = ChunkedArray::<f64>::zeros_single(&[5]);
        for (what, e) in [
            ("forward", op.forward(&x5).unwrap_err()),
            ("forward_into", {
                let mut y = ChunkedArray::zeros_single(&[3]);
                op.forward_into(&x5, &mut y).unwrap_err()
            }),
        ] {
            let m = e.to_string();
            assert!(m.contains("MatrixMult forward input"), "{what}: {m}");
            assert!(m.contains("[4]") && m.contains("[5]"), "{what}: {m}");
            assert!(!m.contains("range_like"), "{what}: {m}");
        }
        let m = op
            .adjoint(&ChunkedArray::zeros_single(&[4]))
            .unwrap_err()
            .to_string();
        assert!(m.contains("MatrixMult adjoint input"), "{m}");
        assert!(!m.contains("domain_like"), "{m}");
    }
}
