//! The zero operator (pylops' `Zero`).

use crate::identity::check_dims;
use rylops_core::{check_apply, Chunked, ChunkedArray, ChunkedOperator, Result, Scalar, Vector};
use std::marker::PhantomData;

/// The zero operator `0`: maps every model of shape `dims` to the zero data of shape `dimsd`
/// (and every data to the zero model). The shapes may differ, also in their number of axes.
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use rylops_core::{dot_test, ChunkedArray, LinearMap, LinearOperator, Vector};
/// use rylops_operators::Zero;
///
/// let op = Zero::<f64>::nm(&[2, 3], &[4]).unwrap();
/// assert_eq!(op.shape(), (6, 4));
/// let x = ChunkedArray::from(ArrayD::from_elem(IxDyn(&[4]), 1.0));
/// let y = op.forward(&x).unwrap();
/// assert_eq!(y.shape(), &[2, 3]);
/// assert_eq!(y.norm(), 0.0);
/// assert!(dot_test(&op, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct Zero<T> {
    dims: Vec<usize>,
    dimsd: Vec<usize>,
    _scalar: PhantomData<fn() -> T>,
}

impl<T: Scalar> Zero<T> {
    /// pylops' `Zero(N, M)`, in pylops' argument order: `n` is the **data** shape (`dimsd`, pylops'
    /// `N`) and `m` the **model** shape (`dims`, pylops' `M`); they may differ in their number of
    /// axes.
    ///
    /// # Errors
    /// [`rylops_core::Error::InvalidParameter`] if a shape has more elements than an array can hold.
    ///
    /// ```
    /// use rylops_core::{LinearMap, LinearOperator};
    /// use rylops_operators::Zero;
    /// let op = Zero::<f32>::nm(&[5], &[3, 2]).unwrap(); // pylops' Zero(5, 6), model of shape (3, 2)
    /// assert_eq!((op.dims(), op.dimsd()), (vec![3, 2], vec![5]));
    /// assert_eq!(op.shape(), (5, 6));
    /// ```
    pub fn nm(n: &[usize], m: &[usize]) -> Result<Chunked<Self>> {
        check_dims("dims", m)?;
        check_dims("dimsd", n)?;
        Ok(Chunked(Self {
            dims: m.to_vec(),
            dimsd: n.to_vec(),
            _scalar: PhantomData,
        }))
    }

    /// The zero operator from model shape `dims` to data shape `dimsd`: `Zero::nm(dimsd, dims)`.
    ///
    /// # Errors
    /// As [`Zero::nm`].
    #[deprecated(
        since = "0.1.0",
        note = "takes (model, data), the reverse of pylops' Zero(N, M); use Zero::nm(dimsd, dims), \
                which takes pylops' order"
    )]
    pub fn new(dims: &[usize], dimsd: &[usize]) -> Result<Chunked<Self>> {
        Self::nm(dimsd, dims)
    }

    /// The square zero operator on arrays of shape `dims`.
    ///
    /// # Errors
    /// As [`Zero::nm`].
    ///
    /// ```
    /// use rylops_core::{LinearMap, LinearOperator};
    /// use rylops_operators::Zero;
    /// assert_eq!(Zero::<f64>::square(&[4, 4]).unwrap().shape(), (16, 16));
    /// ```
    pub fn square(dims: &[usize]) -> Result<Chunked<Self>> {
        Self::nm(dims, dims)
    }
}

impl<T: Scalar> ChunkedOperator for Zero<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dimsd.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        y.fill(T::zero());
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        x.fill(T::zero());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rylops_core::{ChunkGrid, Error};
    use rylops_core::{ChunkedArray, LinearMap, LinearOperator, Vector};

    #[test]
    fn overwrites_output_with_zeros() {
        let op = Zero::<f64>::nm(&[3], &[6, 4]).unwrap();
        let x = ChunkedArray::random(ChunkGrid::uniform(&[6, 4], &[4, 3]).unwrap(), 1);
        let mut y = ChunkedArray::zeros_single(&[3]);
        y.fill(f64::NAN);
        op.forward_into(&x, &mut y).unwrap();
        assert_eq!(y.norm(), 0.0);
        let mut xb = x.clone();
        op.adjoint_into(&y, &mut xb).unwrap();
        assert_eq!(xb.norm(), 0.0);
        assert_eq!(xb.grid(), x.grid());
    }

    #[test]
    fn keeps_chunking_where_it_can() {
        let op = Zero::<f32>::square(&[8]).unwrap();
        let x = ChunkedArray::zeros(ChunkGrid::uniform(&[8], &[3]).unwrap());
        assert_eq!(op.range_like(&x).unwrap().grid(), x.grid());
    }

    #[test]
    fn checks_shapes() {
        let op = Zero::<f64>::nm(&[3], &[2]).unwrap();
        let mut y = ChunkedArray::zeros_single(&[2]);
        assert!(matches!(
            op.forward_into(&ChunkedArray::zeros_single(&[2]), &mut y),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(Zero::<f64>::nm(&[1], &[usize::MAX, 3]).is_err());
    }
}
