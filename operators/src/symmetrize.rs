//! Mirror extension along one axis (pylops' `Symmetrize`).

use crate::identity::check_dims;
use crate::lanes::map_lanes;
use rylops_core::{
    check_apply, normalize_axis, Chunked, ChunkedArray, ChunkedOperator, Error, Result, Scalar,
};
use std::marker::PhantomData;

/// Makes a lane symmetric about its first sample: with `n = dims[axis]`, the data have
/// `2n - 1` samples along `axis`, `y[n-1+i] = x[i]` and `y[n-1-i] = x[i]`.
///
/// The adjoint folds the data back: `x[0] = y[n-1]` and `x[i] = y[n-1+i] + y[n-1-i]` for
/// `i >= 1` (pylops' order of the two terms), so results are bit-for-bit pylops'. The data are
/// laid out like the model (see [`ChunkGrid::like`](rylops_core::ChunkGrid::like)).
///
/// ```
/// use ndarray::arr1;
/// use rylops_core::{dot_test, ChunkedArray, LinearMap, LinearOperator};
/// use rylops_operators::Symmetrize;
/// let op = Symmetrize::<f64>::new(&[3], -1).unwrap();
/// let y = op.forward(&ChunkedArray::from(arr1(&[1.0, 2.0, 3.0]).into_dyn())).unwrap();
/// assert_eq!(y.to_array().as_slice().unwrap(), &[3.0, 2.0, 1.0, 2.0, 3.0]);
/// assert_eq!(op.adjoint(&y).unwrap().to_array().as_slice().unwrap(), &[1.0, 4.0, 6.0]);
/// assert!(dot_test(&op, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct Symmetrize<T> {
    dims: Vec<usize>,
    axis: usize,
    _scalar: PhantomData<fn() -> T>,
}

impl<T: Scalar> Symmetrize<T> {
    /// Symmetrizes models of shape `dims` along `axis` (pylops' `Symmetrize(dims, axis=-1)`).
    ///
    /// # Errors
    /// [`Error::AxisOutOfRange`] if `axis` is not in `-dims.len()..dims.len()`;
    /// [`Error::InvalidParameter`] named `dims` if the axis is empty (pylops would make a
    /// negative length) or the data shape is too large.
    pub fn new(dims: &[usize], axis: isize) -> Result<Chunked<Self>> {
        check_dims("dims", dims)?;
        let axis = normalize_axis(axis, dims.len())?;
        let n = dims[axis];
        if n == 0 {
            return Err(Error::InvalidParameter {
                name: "dims".into(),
                reason: format!("axis {axis} is empty: the data would have -1 samples"),
            });
        }
        let mut d = dims.to_vec();
        d[axis] = n.checked_mul(2).map_or(usize::MAX, |m| m - 1);
        check_dims("dims", &d)?;
        Ok(Chunked(Self {
            dims: dims.to_vec(),
            axis,
            _scalar: PhantomData,
        }))
    }

    /// The symmetrized axis (non-negative).
    pub fn axis(&self) -> usize {
        self.axis
    }

    /// Forward on one lane: `y[j] = x[|j - (n-1)|]`.
    fn forward_lane(x: &[T], y: &mut [T]) {
        let n = x.len();
        for (j, d) in y.iter_mut().enumerate() {
            *d = x[j.abs_diff(n - 1)];
        }
    }

    /// Adjoint on one lane: `x[0] = y[n-1]`, `x[i] = y[n-1+i] + y[n-1-i]`.
    fn adjoint_lane(y: &[T], x: &mut [T]) {
        let n = x.len();
        x[0] = y[n - 1];
        for i in 1..n {
            x[i] = y[n - 1 + i] + y[n - 1 - i];
        }
    }
}

impl<T: Scalar> ChunkedOperator for Symmetrize<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        let mut d = self.dims.clone();
        d[self.axis] = 2 * d[self.axis] - 1;
        d
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        map_lanes(x, y, self.axis, Self::forward_lane);
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        map_lanes(y, x, self.axis, Self::adjoint_lane);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64;
    use rylops_core::{dot_test, dot_test_with, ChunkGrid, LinearMap, LinearOperator, Vector};

    #[test]
    fn chunked_equals_single_and_dot_tests_pass() {
        let dims = [4, 6, 1];
        let x = ChunkedArray::<Complex64>::random(ChunkGrid::single(&dims), 7);
        for axis in -3..3 {
            let op = Symmetrize::<Complex64>::new(&dims, axis).unwrap();
            let y = op.forward(&x).unwrap();
            let xa = op.adjoint(&y).unwrap();
            let xc = x.rechunk_uniform(&[3, 4, 1]).unwrap();
            let yc = op.forward(&xc).unwrap();
            assert_eq!(yc.to_array(), y.to_array());
            assert_eq!(op.adjoint(&yc).unwrap().to_array(), xa.to_array());
            assert!(dot_test_with(&op, xc.zeros_like(), 3, None).unwrap().passed);
        }
        assert!(
            dot_test(&Symmetrize::<f32>::new(&[5], 0).unwrap(), 1)
                .unwrap()
                .passed
        );
        assert!(Symmetrize::<f64>::new(&[3, 0], 1).is_err());
        assert!(Symmetrize::<f64>::new(&[3, 2], 2).is_err());
        assert_eq!(Symmetrize::<f64>::new(&[3, 2], 0).unwrap().axis(), 0);
    }
}
