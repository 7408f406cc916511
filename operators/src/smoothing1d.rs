//! Moving average along one axis (pylops' `Smoothing1D`).

use crate::convolve1d::Convolve1D;
use rylops_core::{BoxOp, Chunked, Error, Result, Scalar};

/// pylops' `Smoothing1D(nsmooth, dims, axis)`: a [`Convolve1D`] with the filter
/// `ones(nsmooth) / nsmooth` centred on its middle tap, `nsmooth` made odd first (an even length is
/// increased by one, as pylops does). Only a constructor: the operator is a [`Convolve1D`] (what it
/// computes and how it agrees with pylops is said there).
///
/// ```
/// use rylops_core::{ChunkedArray, LinearMap, ndarray::arr1};
/// use rylops_operators::Smoothing1D;
/// let s = Smoothing1D::new::<f64>(3, &[5], -1).unwrap();
/// let y = s.forward(&ChunkedArray::from_array(arr1(&[0.0, 3.0, 0.0, 0.0, 6.0]).into_dyn())).unwrap();
/// assert_eq!(y.to_array().as_slice().unwrap(), &[1.0, 1.0, 1.0, 2.0, 2.0]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Smoothing1D;

impl Smoothing1D {
    /// The filter and offset pylops uses for `nsmooth`.
    fn filter<T: Scalar>(nsmooth: usize) -> Result<(Vec<T>, isize)> {
        if nsmooth == 0 {
            return Err(Error::InvalidParameter {
                name: "nsmooth".into(),
                reason: "the smoothing length must be at least 1".into(),
            });
        }
        let n = if nsmooth % 2 == 0 {
            nsmooth + 1
        } else {
            nsmooth
        };
        let tap = T::one().np_div(T::from_f64(n as f64));
        Ok((vec![tap; n], ((n - 1) / 2) as isize))
    }
    // Named after pylops' class; the operator it builds is a more general type.
    #[allow(clippy::new_ret_no_self)]
    /// The moving average of `nsmooth` samples (made odd) along `axis` of arrays of shape `dims`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `nsmooth = 0` or a (made odd) length longer than the axis
    /// (see [`Smoothing1D::boxed`]); otherwise as
    /// [`Convolve1DBuilder::build`](crate::Convolve1DBuilder::build).
    pub fn new<T: Scalar>(
        nsmooth: usize,
        dims: &[usize],
        axis: isize,
    ) -> Result<Chunked<Convolve1D<T>>> {
        let (h, offset) = Self::filter::<T>(nsmooth)?;
        Convolve1D::builder(dims, &h)
            .offset(offset)
            .axis(axis)
            .build()
    }
    /// What pylops builds for any length: [`Smoothing1D::new`], or a
    /// [`Convolve1DLong`](crate::Convolve1DLong) (1-D models) when the filter is longer than the
    /// axis, boxed.
    ///
    /// # Errors
    /// As [`Convolve1DBuilder::build_boxed`](crate::Convolve1DBuilder::build_boxed).
    pub fn boxed<T: Scalar>(nsmooth: usize, dims: &[usize], axis: isize) -> Result<BoxOp<T>> {
        let (h, offset) = Self::filter::<T>(nsmooth)?;
        Convolve1D::builder(dims, &h)
            .offset(offset)
            .axis(axis)
            .build_boxed()
    }
}
