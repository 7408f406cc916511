//! [`FunctionOperator`]: an operator from one or two closures (pylops' `FunctionOperator`).

use crate::chunked::ChunkedArray;
use crate::chunked_op::{Chunked, ChunkedOperator};
use crate::error::{Error, Result};
use crate::scalar::Scalar;
use crate::vector::Vector;
use std::fmt;
use std::sync::Arc;

/// The closure type of a [`FunctionOperator`]: reads the input, writes the output.
pub type ApplyFn<T> = dyn Fn(&ChunkedArray<T>, &mut ChunkedArray<T>) -> Result<()> + Send + Sync;

/// A linear operator given by closures, as pylops' `FunctionOperator(f, fc, N, M)`: the forward
/// `y = A x` and, optionally, the adjoint `x = A^H y`.
///
/// Both constructors return the operator wrapped in [`Chunked`], a
/// [`LinearOperator`](crate::LinearOperator): shapes are checked before a closure runs, outputs are
/// laid out like their input, and the output a closure receives is zero-filled, so it may write
/// or accumulate into it. Without an adjoint, the operator still works wherever only the forward is
/// used (`cg`, `pcg`, products, ...), and its adjoint is an [`Error::NotImplemented`] (pylops raises
/// `NotImplementedError`).
///
/// ```
/// use rylops_core::{dot_test, ChunkedArray, FunctionOperator, LinearMap, Vector};
///
/// // pylops: FunctionOperator(lambda x: 2 * x, lambda y: 2 * y, 4, 4)
/// let twice = FunctionOperator::<f64>::new(
///     &[4],
///     &[4],
///     |x, y| { y.copy_from(x); y.scale(2.0); Ok(()) },
///     |y, x| { x.copy_from(y); x.scale(2.0); Ok(()) },
/// )?;
/// let x = ChunkedArray::from_array(ndarray::ArrayD::ones(ndarray::IxDyn(&[4])));
/// assert_eq!(twice.forward(&x)?.to_array()[[0]], 2.0);
/// assert!(dot_test(&twice, 0)?.passed);
/// # Ok::<(), rylops_core::Error>(())
/// ```
#[derive(Clone)]
pub struct FunctionOperator<T> {
    dims: Vec<usize>,
    dimsd: Vec<usize>,
    forward: Arc<ApplyFn<T>>,
    adjoint: Option<Arc<ApplyFn<T>>>,
}

/// Checks that a shape has an element count that an array can hold.
fn check_len(name: &str, dims: &[usize]) -> Result<()> {
    let total = dims
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .filter(|&n| n <= isize::MAX as usize);
    if total.is_none() {
        return Err(Error::InvalidParameter {
            name: name.into(),
            reason: format!("shape {dims:?} has more elements than an array can hold"),
        });
    }
    Ok(())
}

impl<T: Scalar> FunctionOperator<T> {
    /// The operator from model shape `dims` to data shape `dimsd` with `forward(x, y)` computing
    /// `y = A x` and `adjoint(y, x)` computing `x = A^H y`. Each closure receives an input of the
    /// right shape and a zero-filled output of the right shape.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if a shape has more elements than an array can hold.
    pub fn new<F, G>(
        dims: &[usize],
        dimsd: &[usize],
        forward: F,
        adjoint: G,
    ) -> Result<Chunked<Self>>
    where
        F: Fn(&ChunkedArray<T>, &mut ChunkedArray<T>) -> Result<()> + Send + Sync + 'static,
        G: Fn(&ChunkedArray<T>, &mut ChunkedArray<T>) -> Result<()> + Send + Sync + 'static,
    {
        Self::build(dims, dimsd, Arc::new(forward), Some(Arc::new(adjoint)))
    }

    /// The operator with a forward only (pylops' `FunctionOperator(f, N, M)`); its adjoint is an
    /// [`Error::NotImplemented`].
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if a shape has more elements than an array can hold.
    ///
    /// ```
    /// use rylops_core::{ChunkedArray, Error, FunctionOperator, LinearMap, LinearOperator, Vector};
    /// let op = FunctionOperator::<f64>::forward_only(&[3], &[3], |x, y| {
    ///     y.copy_from(x);
    ///     Ok(())
    /// })?;
    /// let x = ChunkedArray::zeros_single(&[3]);
    /// assert!(op.forward(&x).is_ok());
    /// assert!(matches!(op.adjoint(&x), Err(Error::NotImplemented(_))));
    /// # Ok::<(), rylops_core::Error>(())
    /// ```
    pub fn forward_only<F>(dims: &[usize], dimsd: &[usize], forward: F) -> Result<Chunked<Self>>
    where
        F: Fn(&ChunkedArray<T>, &mut ChunkedArray<T>) -> Result<()> + Send + Sync + 'static,
    {
        Self::build(dims, dimsd, Arc::new(forward), None)
    }

    fn build(
        dims: &[usize],
        dimsd: &[usize],
        forward: Arc<ApplyFn<T>>,
        adjoint: Option<Arc<ApplyFn<T>>>,
    ) -> Result<Chunked<Self>> {
        check_len("dims", dims)?;
        check_len("dimsd", dimsd)?;
        Ok(Chunked(Self {
            dims: dims.to_vec(),
            dimsd: dimsd.to_vec(),
            forward,
            adjoint,
        }))
    }

    /// Whether an adjoint was given.
    pub fn has_adjoint(&self) -> bool {
        self.adjoint.is_some()
    }
}

impl<T> fmt::Debug for FunctionOperator<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionOperator")
            .field("dims", &self.dims)
            .field("dimsd", &self.dimsd)
            .field("has_adjoint", &self.adjoint.is_some())
            .finish()
    }
}

impl<T: Scalar> ChunkedOperator for FunctionOperator<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dimsd.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        crate::chunked_op::check_apply(self, false, x, y)?;
        y.fill(T::zero());
        (self.forward)(x, y)
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        let adjoint = self.adjoint.as_ref().ok_or_else(|| {
            Error::NotImplemented(
                "the adjoint of a FunctionOperator built without one (use \
                 FunctionOperator::new(dims, dimsd, forward, adjoint))"
                    .into(),
            )
        })?;
        crate::chunked_op::check_apply(self, true, y, x)?;
        x.fill(T::zero());
        adjoint(y, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{dot_test, dot_test_with, ChunkGrid, LinearMap, LinearOperator};
    use ndarray::{ArrayD, IxDyn};
    use num_complex::Complex64;

    /// `y = c * x` elementwise with a complex `c`, accumulating into the zero-filled output.
    fn scale_op(c: Complex64, dims: &[usize]) -> Chunked<FunctionOperator<Complex64>> {
        FunctionOperator::new(
            dims,
            dims,
            move |x, y| {
                y.axpy(c, x);
                Ok(())
            },
            move |y, x| {
                x.axpy(c.conj(), y);
                Ok(())
            },
        )
        .unwrap()
    }

    #[test]
    fn complex_closures_pass_the_dot_test_chunked() {
        let op = scale_op(Complex64::new(1.5, -0.5), &[6, 5]);
        assert!(dot_test(&op, 3).unwrap().passed);
        let x0 = ChunkedArray::<Complex64>::zeros(ChunkGrid::uniform(&[6, 5], &[4, 2]).unwrap());
        assert!(dot_test_with(&op, x0, 4, None).unwrap().passed);
    }

    #[test]
    fn outputs_are_zero_filled_before_the_closure() {
        let op = scale_op(Complex64::new(2.0, 0.0), &[3]);
        let x = ChunkedArray::from_array(ArrayD::from_elem(IxDyn(&[3]), Complex64::new(1.0, 0.0)));
        let mut y = x.zeros_like();
        y.fill(Complex64::new(f64::NAN, 0.0));
        op.forward_into(&x, &mut y).unwrap();
        assert!(y.to_array().iter().all(|v| *v == Complex64::new(2.0, 0.0)));
    }

    #[test]
    fn missing_adjoint_and_bad_shapes_are_errors() {
        let called = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let seen = called.clone();
        let op = FunctionOperator::<f64>::forward_only(&[4], &[2], move |_, _| {
            seen.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
        assert!(!op.has_adjoint());
        let y = ChunkedArray::<f64>::zeros_single(&[2]);
        assert!(matches!(op.adjoint(&y), Err(Error::NotImplemented(_))));
        assert!(matches!(
            op.forward(&ChunkedArray::zeros_single(&[3])),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(!called.load(std::sync::atomic::Ordering::SeqCst));
        assert_eq!(
            op.forward(&ChunkedArray::zeros_single(&[4]))
                .unwrap()
                .shape(),
            &[2]
        );
        assert!(called.load(std::sync::atomic::Ordering::SeqCst));
        assert!(format!("{:?}", op.inner()).contains("has_adjoint: false"));
        assert!(matches!(
            FunctionOperator::<f64>::forward_only(&[usize::MAX, 3], &[1], |_, _| Ok(())),
            Err(Error::InvalidParameter { .. })
        ));
    }

    #[test]
    fn closure_errors_propagate() {
        let op = FunctionOperator::<f64>::new(
            &[2],
            &[2],
            |_, _| Err(Error::NonFinite("user forward".into())),
            |_, _| Ok(()),
        )
        .unwrap();
        assert_eq!(
            op.forward(&ChunkedArray::zeros_single(&[2])),
            Err(Error::NonFinite("user forward".into()))
        );
    }
}
