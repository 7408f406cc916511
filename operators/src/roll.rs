//! Circular shift along one axis (pylops' `Roll`).

use crate::identity::check_dims;
use crate::lanes::map_lanes;
use rylops_core::{
    check_apply, normalize_axis, Chunked, ChunkedArray, ChunkedOperator, Result, Scalar,
};
use std::marker::PhantomData;

/// Shifts the samples along one axis circularly by `shift` (numpy's `roll`):
/// `y[.., (i + shift) mod n, ..] = x[.., i, ..]`; the adjoint shifts by `-shift`. A pure copy, so
/// bit-for-bit pylops' in every chunking; the data are laid out like the model.
///
/// ```
/// use ndarray::arr1;
/// use rylops_core::{dot_test, ChunkedArray, LinearMap, LinearOperator};
/// use rylops_operators::Roll;
/// let op = Roll::<f64>::new(&[4], -1, 1).unwrap();
/// let x = ChunkedArray::from(arr1(&[1.0, 2.0, 3.0, 4.0]).into_dyn());
/// assert_eq!(op.forward(&x).unwrap().to_array().as_slice().unwrap(), &[4.0, 1.0, 2.0, 3.0]);
/// assert_eq!(op.adjoint(&x).unwrap().to_array().as_slice().unwrap(), &[2.0, 3.0, 4.0, 1.0]);
/// assert!(dot_test(&op, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct Roll<T> {
    dims: Vec<usize>,
    axis: usize,
    shift: i64,
    _scalar: PhantomData<fn() -> T>,
}

impl<T: Scalar> Roll<T> {
    /// Rolls models of shape `dims` by `shift` samples along `axis` (pylops'
    /// `Roll(dims, axis=-1, shift=1)`); `axis` may be negative, `shift` any integer.
    ///
    /// # Errors
    /// [`rylops_core::Error::AxisOutOfRange`] if `axis` is not in `-dims.len()..dims.len()`
    /// (pylops raises when applied); [`rylops_core::Error::InvalidParameter`] for a shape too large.
    pub fn new(dims: &[usize], axis: isize, shift: i64) -> Result<Chunked<Self>> {
        check_dims("dims", dims)?;
        let axis = normalize_axis(axis, dims.len())?;
        Ok(Chunked(Self {
            dims: dims.to_vec(),
            axis,
            shift,
            _scalar: PhantomData,
        }))
    }

    /// The rolled axis (non-negative).
    pub fn axis(&self) -> usize {
        self.axis
    }

    /// `y[(i + shift) mod n] = x[i]` on one lane.
    fn roll_lane(x: &[T], y: &mut [T], shift: i64) {
        let n = x.len();
        if n == 0 {
            return;
        }
        let s = shift.rem_euclid(n as i64) as usize;
        y[s..].copy_from_slice(&x[..n - s]);
        y[..s].copy_from_slice(&x[n - s..]);
    }
}

impl<T: Scalar> ChunkedOperator for Roll<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        map_lanes(x, y, self.axis, |a, b| Self::roll_lane(a, b, self.shift));
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        // -shift without overflow: rolling by n - (shift mod n) is the same.
        let n = self.dims[self.axis].max(1) as i64;
        let back = n - self.shift.rem_euclid(n);
        map_lanes(y, x, self.axis, |a, b| Self::roll_lane(a, b, back));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64;
    use rylops_core::{dot_test, ChunkGrid, LinearMap, LinearOperator};

    #[test]
    fn roll_and_unroll_in_any_chunking() {
        let dims = [5, 7];
        let x = ChunkedArray::<Complex64>::random(ChunkGrid::uniform(&dims, &[2, 3]).unwrap(), 4);
        for shift in [-13i64, -1, 0, 3, 7, 22, i64::MIN, i64::MAX] {
            for axis in -2..2 {
                let op = Roll::<Complex64>::new(&dims, axis, shift).unwrap();
                let y = op.forward(&x).unwrap();
                assert_eq!(op.adjoint(&y).unwrap(), x, "shift {shift} axis {axis}");
                let ax = op.axis();
                let n = dims[ax] as i64;
                let (xa, ya) = (x.to_array(), y.to_array());
                let j = (2 + shift.rem_euclid(n)) % n;
                assert_eq!(
                    ya.index_axis(ndarray::Axis(ax), j as usize),
                    xa.index_axis(ndarray::Axis(ax), 2)
                );
            }
        }
        let op = Roll::<f32>::new(&[6, 0], 1, 2).unwrap();
        assert!(dot_test(&op, 1).unwrap().passed);
        assert!(Roll::<f64>::new(&dims, -3, 1).is_err());
    }
}
