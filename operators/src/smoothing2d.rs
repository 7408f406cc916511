//! Moving average over two axes (pylops' `Smoothing2D`).

use crate::convolvend::ConvolveND;
use rylops_core::ndarray::{ArrayD, IxDyn};
use rylops_core::{Chunked, Error, Result, Scalar};

/// pylops' `Smoothing2D(nsmooth, dims, axes)`: a [`ConvolveND`] with the 2-D filter
/// `ones(n0, n1) / (n0 n1)` centred on its middle tap, each length made odd first (as pylops does;
/// default axes `(-2, -1)`). Only a constructor: the operator is a [`ConvolveND`] (pylops convolves
/// through FFTs here, so rylops agrees to rounding, not bit for bit; see there).
///
/// ```
/// use rylops_core::{ChunkedArray, LinearMap, ndarray::{ArrayD, IxDyn}};
/// use rylops_operators::Smoothing2D;
/// let s = Smoothing2D::new::<f64>([3, 3], &[4, 4], [-2, -1]).unwrap();
/// let y = s.forward(&ChunkedArray::from_array(ArrayD::from_elem(IxDyn(&[4, 4]), 9.0))).unwrap();
/// assert_eq!(y.to_array()[[1, 1]], 9.0);
/// assert_eq!(y.to_array()[[0, 0]], 4.0);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Smoothing2D;

impl Smoothing2D {
    // Named after pylops' class; the operator it builds is a more general type.
    #[allow(clippy::new_ret_no_self)]
    /// The moving average of `nsmooth[0] x nsmooth[1]` samples (each made odd) over `axes` of
    /// arrays of shape `dims`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a zero length; otherwise as
    /// [`ConvolveNDBuilder::build`](crate::convolvend::ConvolveNDBuilder::build).
    pub fn new<T: Scalar>(
        nsmooth: [usize; 2],
        dims: &[usize],
        axes: [isize; 2],
    ) -> Result<Chunked<ConvolveND<T>>> {
        if nsmooth.contains(&0) {
            return Err(Error::InvalidParameter {
                name: "nsmooth".into(),
                reason: format!("smoothing lengths must be at least 1, got {nsmooth:?}"),
            });
        }
        let n = nsmooth.map(|v| if v % 2 == 0 { v + 1 } else { v });
        let tap = T::one().np_div(T::from_f64((n[0] * n[1]) as f64));
        let h = ArrayD::from_elem(IxDyn(&n), tap);
        ConvolveND::builder(dims, h)
            .offset(&[((n[0] - 1) / 2) as isize, ((n[1] - 1) / 2) as isize])
            .axes(&axes)
            .build()
    }
}
