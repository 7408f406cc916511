//! Summation along one axis (pylops' `Sum`).

use crate::identity::check_dims;
use crate::lanes::{innermost, np_sum, reduce_lanes, spread_lanes};
use rylops_core::{check_apply, Chunked, ChunkedArray, ChunkedOperator, Result, Scalar};
use std::marker::PhantomData;

/// Sums the model along one axis: `y = x.sum(axis)`; the data drop that axis. The adjoint copies
/// each data value along the axis (numpy's `tile`).
///
/// **Summation order.** pylops calls numpy's `sum`, which adds pairwise (8 partial sums, halves
/// above 128 values; for complex numbers 4 and 64) when the summed axis is the innermost one with
/// more than one entry in memory (every later axis has length 1), and left to right otherwise.
/// This operator does the same, so results are bit-for-bit pylops' in every chunking (lanes are
/// summed whole, in parallel over the data's blocks).
///
/// **1-D models.** As pylops, a 1-D `dims = [n]` becomes `[n, 1]` (so `axis = -1` sums single
/// values and keeps all `n`; use `axis = 0` to sum the `n` values): `dims()` returns `[n, 1]`.
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use rylops_core::{dot_test, ChunkedArray, LinearMap, LinearOperator};
/// use rylops_operators::Sum;
/// let op = Sum::<f64>::new(&[2, 3], -1).unwrap();
/// assert_eq!(op.dimsd(), vec![2]);
/// let x = ArrayD::from_shape_fn(IxDyn(&[2, 3]), |i| (3 * i[0] + i[1]) as f64);
/// let y = op.forward(&ChunkedArray::from(x)).unwrap();
/// assert_eq!(y.to_array().as_slice().unwrap(), &[3.0, 12.0]);
/// assert_eq!(op.adjoint(&y).unwrap().to_array().as_slice().unwrap(), &[3.0, 3.0, 3.0, 12.0, 12.0, 12.0]);
/// assert!(dot_test(&op, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct Sum<T> {
    dims: Vec<usize>,
    axis: usize,
    _scalar: PhantomData<fn() -> T>,
}

impl<T: Scalar> Sum<T> {
    /// Sums models of shape `dims` along `axis` (pylops' `Sum(dims, axis=-1)`; `axis` may be
    /// negative; 1-D `dims` become `[n, 1]` first, as in pylops).
    ///
    /// # Errors
    /// [`rylops_core::Error::AxisOutOfRange`] if `axis` is not in `-ndim..ndim` (pylops raises `IndexError`),
    /// also for 0-d `dims`; [`rylops_core::Error::InvalidParameter`] for a shape too large.
    pub fn new(dims: &[usize], axis: isize) -> Result<Chunked<Self>> {
        let dims = if dims.len() == 1 {
            vec![dims[0], 1]
        } else {
            dims.to_vec()
        };
        check_dims("dims", &dims)?;
        let axis = rylops_core::normalize_axis(axis, dims.len())?;
        Ok(Chunked(Self {
            dims,
            axis,
            _scalar: PhantomData,
        }))
    }

    /// The summed axis (non-negative, counted in `dims()`).
    pub fn axis(&self) -> usize {
        self.axis
    }
}

impl<T: Scalar> ChunkedOperator for Sum<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        let mut d = self.dims.clone();
        d.remove(self.axis);
        d
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        let pairwise = innermost(&self.dims, self.axis);
        reduce_lanes(x, y, self.axis, |lane| np_sum(lane, pairwise));
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        spread_lanes(y, x, self.axis);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64;
    use rylops_core::{dot_test, dot_test_with, ChunkGrid, LinearMap};

    #[test]
    fn sums_in_any_chunking_and_passes_dot_tests() {
        let dims = [5, 140, 3];
        let x = ChunkedArray::<Complex64>::random(ChunkGrid::single(&dims), 5);
        for axis in -3..3 {
            let op = Sum::<Complex64>::new(&dims, axis).unwrap();
            let y = op.forward(&x).unwrap();
            let ax = op.axis();
            let naive = x.to_array().sum_axis(ndarray::Axis(ax));
            let (ya, scale) = (y.to_array(), 1e-12 * 140.0);
            for (a, b) in ya.iter().zip(naive.iter()) {
                assert!((a - b).norm() <= scale);
            }
            let xc = x.rechunk_uniform(&[2, 50, 2]).unwrap();
            assert_eq!(op.forward(&xc).unwrap().to_array(), ya);
            let g = ChunkGrid::uniform(&dims, &[3, 64, 2]).unwrap();
            assert!(
                dot_test_with(&op, ChunkedArray::zeros(g), 1, None)
                    .unwrap()
                    .passed
            );
        }
        let op = Sum::<f32>::new(&[7], 0).unwrap();
        assert_eq!((op.dims(), op.dimsd()), (vec![7, 1], vec![1]));
        assert!(dot_test(&op, 3).unwrap().passed);
        assert!(Sum::<f64>::new(&[3, 4], 2).is_err());
        assert!(Sum::<f64>::new(&[], 0).is_err());
    }
}
