//! Reversal along one axis (pylops' `Flip`).

use crate::identity::check_dims;
use crate::lanes::map_lanes;
use rylops_core::{
    check_apply, normalize_axis, Chunked, ChunkedArray, ChunkedOperator, Result, Scalar,
};
use std::marker::PhantomData;

/// Reverses the order of the samples along one axis: `y[.., i, ..] = x[.., n-1-i, ..]`. It is its
/// own adjoint (and inverse). A pure copy, so bit-for-bit pylops' in every chunking; the data are
/// laid out like the model, and output blocks are filled in parallel.
///
/// ```
/// use ndarray::arr1;
/// use rylops_core::{dot_test, ChunkedArray, LinearMap};
/// use rylops_operators::Flip;
/// let op = Flip::<f64>::new(&[3], -1).unwrap();
/// let y = op.forward(&ChunkedArray::from(arr1(&[1.0, 2.0, 3.0]).into_dyn())).unwrap();
/// assert_eq!(y.to_array().as_slice().unwrap(), &[3.0, 2.0, 1.0]);
/// assert!(dot_test(&op, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct Flip<T> {
    dims: Vec<usize>,
    axis: usize,
    _scalar: PhantomData<fn() -> T>,
}

impl<T: Scalar> Flip<T> {
    /// Flips models of shape `dims` along `axis` (pylops' `Flip(dims, axis=-1)`); `axis` may be
    /// negative.
    ///
    /// # Errors
    /// [`rylops_core::Error::AxisOutOfRange`] if `axis` is not in `-dims.len()..dims.len()`
    /// (pylops raises when applied); [`rylops_core::Error::InvalidParameter`] for a shape too large.
    pub fn new(dims: &[usize], axis: isize) -> Result<Chunked<Self>> {
        check_dims("dims", dims)?;
        let axis = normalize_axis(axis, dims.len())?;
        Ok(Chunked(Self {
            dims: dims.to_vec(),
            axis,
            _scalar: PhantomData,
        }))
    }

    /// The flipped axis (non-negative).
    pub fn axis(&self) -> usize {
        self.axis
    }

    /// The kernel on one lane (forward and adjoint): `y[i] = x[n-1-i]`.
    fn flip_lane(x: &[T], y: &mut [T]) {
        for (d, &s) in y.iter_mut().zip(x.iter().rev()) {
            *d = s;
        }
    }
}

impl<T: Scalar> ChunkedOperator for Flip<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        map_lanes(x, y, self.axis, Self::flip_lane);
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        map_lanes(y, x, self.axis, Self::flip_lane);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex32;
    use rylops_core::{dot_test, ChunkGrid, LinearMap, LinearOperator};

    #[test]
    fn flips_twice_to_identity_in_any_chunking() {
        let dims = [4, 5, 3];
        let x =
            ChunkedArray::<Complex32>::random(ChunkGrid::uniform(&dims, &[3, 2, 2]).unwrap(), 1);
        for axis in -3..3 {
            let op = Flip::<Complex32>::new(&dims, axis).unwrap();
            let y = op.forward(&x).unwrap();
            let a = y.to_array();
            let xa = x.to_array();
            let ax = op.axis();
            assert_eq!(
                a.index_axis(ndarray::Axis(ax), 0),
                xa.index_axis(ndarray::Axis(ax), dims[ax] - 1)
            );
            assert_eq!(op.adjoint(&y).unwrap(), x);
            assert!(dot_test(&op, 2).unwrap().passed);
        }
        assert!(Flip::<f64>::new(&dims, 3).is_err());
    }
}
