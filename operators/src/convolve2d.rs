//! 2-D convolution over two axes (pylops' `Convolve2D`).

use crate::convolvend::ConvolveND;
use rylops_core::ndarray::ArrayD;
use rylops_core::{Chunked, Error, Result, Scalar};

/// pylops' `Convolve2D(dims, h, offset, axes)`: a [`ConvolveND`] with a 2-D filter over two axes
/// (pylops' defaults: `offset = (0, 0)`, `axes = (-2, -1)`). Only a constructor: the operator is a
/// [`ConvolveND`] (what it computes and how it agrees with pylops is said there).
///
/// ```
/// use rylops_core::{ndarray::ArrayD, ndarray::IxDyn, LinearMap};
/// use rylops_operators::Convolve2D;
/// let h = ArrayD::from_elem(IxDyn(&[3, 3]), 1.0 / 9.0);
/// let c = Convolve2D::new::<f64>(&[5, 6], h, [1, 1], [-2, -1]).unwrap();
/// assert_eq!(c.shape(), (30, 30));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Convolve2D;

impl Convolve2D {
    // Named after pylops' class; the operator it builds is a more general type.
    #[allow(clippy::new_ret_no_self)]
    /// The convolution of arrays of shape `dims` with the 2-D filter `h` over `axes`, `offset`
    /// being the index of the filter's centre.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `h` is not 2-D (pylops raises `ValueError`); otherwise as
    /// [`ConvolveNDBuilder::build`](crate::convolvend::ConvolveNDBuilder::build).
    pub fn new<T: Scalar>(
        dims: &[usize],
        h: ArrayD<T>,
        offset: [isize; 2],
        axes: [isize; 2],
    ) -> Result<Chunked<ConvolveND<T>>> {
        if h.ndim() != 2 {
            return Err(Error::InvalidParameter {
                name: "h".into(),
                reason: format!("`h` must be 2-dimensional, got {} axes", h.ndim()),
            });
        }
        ConvolveND::builder(dims, h)
            .offset(&offset)
            .axes(&axes)
            .build()
    }
}
