//! Operators on chunked arrays in two methods: the [`ChunkedOperator`] trait and its [`Chunked`]
//! adapter, which supplies the rest of [`LinearOperator`] (shape checks, output layout, zeros).
//!
//! Every operator of `rylops-operators` on [`ChunkedArray`]s is written this way, and so can yours:
//!
//! ```
//! use rylops_core::{dot_test, Chunked, ChunkedArray, ChunkedOperator, LinearMap, Result, Vector};
//!
//! /// `y[i] = x[i] - x[i-1]` (with `x[-1] = 0`) on a 1-D array of length `n`.
//! struct Diff(usize);
//! impl ChunkedOperator for Diff {
//!     type Scalar = f64;
//!     fn dims(&self) -> Vec<usize> { vec![self.0] }
//!     fn dimsd(&self) -> Vec<usize> { vec![self.0] }
//!     fn forward_into(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) -> Result<()> {
//!         let (x, mut out) = (x.to_array(), y.to_array());
//!         for i in 0..self.0 {
//!             out[[i]] = x[[i]] - if i > 0 { x[[i - 1]] } else { 0.0 };
//!         }
//!         *y = ChunkedArray::from_array_grid(out.view(), y.grid().clone())?;
//!         Ok(())
//!     }
//!     fn adjoint_into(&self, y: &ChunkedArray<f64>, x: &mut ChunkedArray<f64>) -> Result<()> {
//!         let (y, mut out) = (y.to_array(), x.to_array());
//!         for i in 0..self.0 {
//!             out[[i]] = y[[i]] - if i + 1 < self.0 { y[[i + 1]] } else { 0.0 };
//!         }
//!         *x = ChunkedArray::from_array_grid(out.view(), x.grid().clone())?;
//!         Ok(())
//!     }
//! }
//! let op = Chunked(Diff(6));
//! let x = ChunkedArray::from_array_chunks(ndarray::ArrayD::ones(ndarray::IxDyn(&[6])).view(), &[4])?;
//! let y = op.forward(&x)?; // laid out like x: chunks [4, 2]
//! assert_eq!(y.grid().chunks(0), &[4, 2]);
//! assert_eq!(y.to_array().as_slice().unwrap(), &[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
//! assert!(dot_test(&op, 0)?.passed);
//! # Ok::<(), rylops_core::Error>(())
//! ```

use crate::chunked::ChunkedArray;
use crate::error::{shape_err, Result};
use crate::operator::{LinearMap, LinearOperator};
use crate::scalar::Scalar;
use crate::vector::Vector;
use std::ops::{Deref, DerefMut};

/// A linear operator on [`ChunkedArray`]s given by its shapes and its two applications; wrap it in
/// [`Chunked`] to get a [`LinearOperator`].
///
/// [`Chunked`] calls `forward_into` only with `x` of shape [`dims`](Self::dims) and `y` of shape
/// [`dimsd`](Self::dimsd) (and `adjoint_into` the other way round). The output may be chunked
/// differently from the input and holds arbitrary values: overwrite all of it. Return an error for
/// anything else you cannot handle (e.g. [`Error::ChunkMismatch`](crate::Error::ChunkMismatch) if
/// your kernel needs both arrays on the same grid).
pub trait ChunkedOperator: Send + Sync {
    /// The scalar type.
    type Scalar: Scalar;
    /// Model shape (pylops' `dims`).
    fn dims(&self) -> Vec<usize>;
    /// Data shape (pylops' `dimsd`).
    fn dimsd(&self) -> Vec<usize>;
    /// `y = A x`, overwriting `y`. Through [`Chunked`], `x` has shape `dims` and `y` shape
    /// `dimsd` (checked before the call), but their chunkings may differ.
    ///
    /// # Errors
    /// Whatever the implementation reports: typically
    /// [`Error::ChunkMismatch`](crate::Error::ChunkMismatch) for chunkings it cannot combine, or
    /// a halo error.
    fn forward_into(
        &self,
        x: &ChunkedArray<Self::Scalar>,
        y: &mut ChunkedArray<Self::Scalar>,
    ) -> Result<()>;
    /// `x = A^H y`, overwriting `x` (shapes `dimsd` and `dims`, checked by [`Chunked`]).
    ///
    /// # Errors
    /// As [`forward_into`](Self::forward_into).
    fn adjoint_into(
        &self,
        y: &ChunkedArray<Self::Scalar>,
        x: &mut ChunkedArray<Self::Scalar>,
    ) -> Result<()>;
    /// `y = A x`, returning `||y||^2` with the bits of `forward_into` then
    /// [`norm_sqr`](crate::Vector::norm_sqr) (the default); what
    /// [`LinearMap::forward_into_norm_sqr`] of [`Chunked`] calls (after its shape checks).
    /// Override it where the output can be summed as it is written, e.g. with
    /// [`ChunkedArray::fill_norm_sqr`].
    ///
    /// # Errors
    /// As [`forward_into`](Self::forward_into).
    fn forward_into_norm_sqr(
        &self,
        x: &ChunkedArray<Self::Scalar>,
        y: &mut ChunkedArray<Self::Scalar>,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.forward_into(x, y)?;
        Ok(y.norm_sqr())
    }
    /// `y = A x`, returning `w.dot(y)` with the bits of `forward_into` then
    /// [`dot`](crate::Vector::dot) (the default; see [`LinearMap::forward_into_dot`]).
    ///
    /// # Errors
    /// As [`forward_into`](Self::forward_into).
    ///
    /// # Panics
    /// If `w` is not laid out like `y`.
    fn forward_into_dot(
        &self,
        x: &ChunkedArray<Self::Scalar>,
        y: &mut ChunkedArray<Self::Scalar>,
        w: &ChunkedArray<Self::Scalar>,
    ) -> Result<Self::Scalar> {
        self.forward_into(x, y)?;
        Ok(w.dot(y))
    }
    /// `x = A^H y`, returning `||x||^2` with the bits of `adjoint_into` then
    /// [`norm_sqr`](crate::Vector::norm_sqr) (the default; see
    /// [`forward_into_norm_sqr`](Self::forward_into_norm_sqr)).
    ///
    /// # Errors
    /// As [`adjoint_into`](Self::adjoint_into).
    fn adjoint_into_norm_sqr(
        &self,
        y: &ChunkedArray<Self::Scalar>,
        x: &mut ChunkedArray<Self::Scalar>,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.adjoint_into(y, x)?;
        Ok(x.norm_sqr())
    }
    /// `y = A x + b y`, returning `||y||^2` with the bits of `forward_into` into `tmp` then
    /// [`xpby_norm_sqr`](crate::Vector::xpby_norm_sqr) (the default; see
    /// [`LinearMap::forward_xpby_norm_sqr`]). Override it with e.g.
    /// [`ChunkedArray::fill_xpby_norm_sqr`].
    ///
    /// # Errors
    /// As [`forward_into`](Self::forward_into).
    ///
    /// # Panics
    /// The default panics if `tmp` is not laid out like `y` ([`Chunked`] checks its shape first).
    fn forward_xpby_norm_sqr(
        &self,
        x: &ChunkedArray<Self::Scalar>,
        y: &mut ChunkedArray<Self::Scalar>,
        b: Self::Scalar,
        tmp: &mut ChunkedArray<Self::Scalar>,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.forward_into(x, tmp)?;
        Ok(y.xpby_norm_sqr(tmp, b))
    }
    /// `x = A^H y + b x`, returning `||x||^2` with the bits of `adjoint_into` into `tmp` then
    /// [`xpby_norm_sqr`](crate::Vector::xpby_norm_sqr) (the default).
    ///
    /// # Errors
    /// As [`adjoint_into`](Self::adjoint_into).
    ///
    /// # Panics
    /// The default panics if `tmp` is not laid out like `x` ([`Chunked`] checks its shape first).
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &ChunkedArray<Self::Scalar>,
        x: &mut ChunkedArray<Self::Scalar>,
        b: Self::Scalar,
        tmp: &mut ChunkedArray<Self::Scalar>,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.adjoint_into(y, tmp)?;
        Ok(x.xpby_norm_sqr(tmp, b))
    }
    /// `y += A x` with the bits of `forward_into` into `tmp` then
    /// [`add_assign`](crate::Vector::add_assign) (the default; see
    /// [`LinearMap::forward_add_into`]). Override it where `A x` can be added to `y` piece by
    /// piece as it is computed.
    ///
    /// # Errors
    /// As [`forward_into`](Self::forward_into).
    ///
    /// # Panics
    /// The default panics if `tmp` is not laid out like `y` ([`Chunked`] checks its shape first).
    fn forward_add_into(
        &self,
        x: &ChunkedArray<Self::Scalar>,
        y: &mut ChunkedArray<Self::Scalar>,
        tmp: &mut ChunkedArray<Self::Scalar>,
    ) -> Result<()> {
        self.forward_into(x, tmp)?;
        y.add_assign(tmp);
        Ok(())
    }
    /// `y += A x`, returning `||y||^2`, with the bits of `forward_into` into `tmp` then
    /// [`add_assign_norm_sqr`](crate::Vector::add_assign_norm_sqr) (the default). Override it
    /// with e.g. [`ChunkedArray::fill_norm_sqr`], whose `fill` may read the values it adds to.
    ///
    /// # Errors
    /// As [`forward_into`](Self::forward_into).
    ///
    /// # Panics
    /// The default panics if `tmp` is not laid out like `y` ([`Chunked`] checks its shape first).
    fn forward_add_into_norm_sqr(
        &self,
        x: &ChunkedArray<Self::Scalar>,
        y: &mut ChunkedArray<Self::Scalar>,
        tmp: &mut ChunkedArray<Self::Scalar>,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.forward_into(x, tmp)?;
        Ok(y.add_assign_norm_sqr(tmp))
    }
    /// `x += A^H y` with the bits of `adjoint_into` into `tmp` then
    /// [`add_assign`](crate::Vector::add_assign) (the default; see
    /// [`LinearOperator::adjoint_add_into`]).
    ///
    /// # Errors
    /// As [`adjoint_into`](Self::adjoint_into).
    ///
    /// # Panics
    /// The default panics if `tmp` is not laid out like `x` ([`Chunked`] checks its shape first).
    fn adjoint_add_into(
        &self,
        y: &ChunkedArray<Self::Scalar>,
        x: &mut ChunkedArray<Self::Scalar>,
        tmp: &mut ChunkedArray<Self::Scalar>,
    ) -> Result<()> {
        self.adjoint_into(y, tmp)?;
        x.add_assign(tmp);
        Ok(())
    }
    /// `x += A^H y`, returning `||x||^2`, with the bits of `adjoint_into` into `tmp` then
    /// [`add_assign_norm_sqr`](crate::Vector::add_assign_norm_sqr) (the default).
    ///
    /// # Errors
    /// As [`adjoint_into`](Self::adjoint_into).
    ///
    /// # Panics
    /// The default panics if `tmp` is not laid out like `x` ([`Chunked`] checks its shape first).
    fn adjoint_add_into_norm_sqr(
        &self,
        y: &ChunkedArray<Self::Scalar>,
        x: &mut ChunkedArray<Self::Scalar>,
        tmp: &mut ChunkedArray<Self::Scalar>,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.adjoint_into(y, tmp)?;
        Ok(x.add_assign_norm_sqr(tmp))
    }
    /// `x = w + A^H y`, returning `||x||^2` if `norm` (zero otherwise), with the bits of
    /// `adjoint_into` into `x` then [`add_assign`](crate::Vector::add_assign)`(w)` (the default;
    /// see [`LinearOperator::adjoint_add_from`]).
    ///
    /// # Errors
    /// As [`adjoint_into`](Self::adjoint_into).
    ///
    /// # Panics
    /// The default panics if `w` is not laid out like `x` ([`Chunked`] checks its shape first).
    fn adjoint_add_from(
        &self,
        y: &ChunkedArray<Self::Scalar>,
        w: &ChunkedArray<Self::Scalar>,
        x: &mut ChunkedArray<Self::Scalar>,
        norm: bool,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.adjoint_into(y, x)?;
        Ok(crate::vector::add_norm_if(x, w, norm))
    }
    /// `Some(y)` when `A^H y` is `y` itself (see [`LinearOperator::adjoint_passthrough`]; the
    /// default is `None`). [`Chunked`] asks only for a `y` of the operator's data shape.
    fn adjoint_passthrough<'a>(
        &self,
        y: &'a ChunkedArray<Self::Scalar>,
    ) -> Option<&'a ChunkedArray<Self::Scalar>> {
        let _ = y;
        None
    }
}

/// The [`LinearOperator`] made of a [`ChunkedOperator`]: it checks the shapes of inputs and outputs
/// before calling the operator, makes outputs laid out like their input (axes whose length the
/// operator keeps keep their chunks; see [`ChunkGrid::like`](crate::ChunkGrid::like)), and zero
/// vectors in one chunk.
///
/// It dereferences to the wrapped operator, so its own methods stay callable.
///
/// ```
/// use rylops_core::{Chunked, ChunkedArray, ChunkedOperator, Error, LinearMap, Result, Vector};
/// struct Twice(usize);
/// impl ChunkedOperator for Twice {
///     type Scalar = f64;
///     fn dims(&self) -> Vec<usize> { vec![self.0] }
///     fn dimsd(&self) -> Vec<usize> { vec![self.0] }
///     fn forward_into(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) -> Result<()> {
///         x.check_same_grid(y, "Twice")?;
///         y.copy_from(x);
///         y.scale(2.0);
///         Ok(())
///     }
///     fn adjoint_into(&self, y: &ChunkedArray<f64>, x: &mut ChunkedArray<f64>) -> Result<()> {
///         self.forward_into(y, x)
///     }
/// }
/// let op = Chunked(Twice(3));
/// assert_eq!(op.shape(), (3, 3));
/// // A wrong shape is an error, found before `Twice` runs.
/// assert!(matches!(op.forward(&ChunkedArray::zeros_single(&[4])), Err(Error::ShapeMismatch { .. })));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Chunked<O>(pub O);

impl<O> Chunked<O> {
    /// Wraps `op` (the same as `Chunked(op)`).
    pub fn new(op: O) -> Self {
        Self(op)
    }
    /// The wrapped operator.
    pub fn inner(&self) -> &O {
        &self.0
    }
    /// Unwraps the operator.
    pub fn into_inner(self) -> O {
        self.0
    }
}

impl<O> Deref for Chunked<O> {
    type Target = O;
    fn deref(&self) -> &O {
        &self.0
    }
}

impl<O> DerefMut for Chunked<O> {
    fn deref_mut(&mut self) -> &mut O {
        &mut self.0
    }
}

impl<O> From<O> for Chunked<O> {
    fn from(op: O) -> Self {
        Self(op)
    }
}

/// The last path segment of `O`'s type name without generics (`"FirstDerivative"`), for messages.
fn short_name<O: ?Sized>() -> &'static str {
    let full = std::any::type_name::<O>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// Checks the shapes of one application of `op`: forward `input` of shape `dims` into `output` of
/// shape `dimsd`, or (`adjoint`) the other way round.
///
/// [`Chunked`] calls it before every application; an operator whose kernel must not see other
/// shapes even when called directly can call it too.
///
/// # Errors
/// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) naming the operator, the direction and
/// whether the input or the output is wrong.
///
/// ```
/// use rylops_core::{check_apply, ChunkedArray, ChunkedOperator, Result};
/// struct Sum3;
/// impl ChunkedOperator for Sum3 {
///     type Scalar = f64;
///     fn dims(&self) -> Vec<usize> { vec![3] }
///     fn dimsd(&self) -> Vec<usize> { vec![1] }
///     fn forward_into(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) -> Result<()> { Ok(()) }
///     fn adjoint_into(&self, y: &ChunkedArray<f64>, x: &mut ChunkedArray<f64>) -> Result<()> { Ok(()) }
/// }
/// let (x, y) = (ChunkedArray::<f64>::zeros_single(&[3]), ChunkedArray::<f64>::zeros_single(&[1]));
/// assert!(check_apply(&Sum3, false, &x, &y).is_ok());
/// assert!(check_apply(&Sum3, true, &x, &y).is_err());
/// ```
pub fn check_apply<O: ChunkedOperator + ?Sized>(
    op: &O,
    adjoint: bool,
    input: &ChunkedArray<O::Scalar>,
    output: &ChunkedArray<O::Scalar>,
) -> Result<()> {
    let (dims, dimsd) = (op.dims(), op.dimsd());
    let (from, to, dir) = if adjoint {
        (&dimsd, &dims, "adjoint")
    } else {
        (&dims, &dimsd, "forward")
    };
    if input.shape() != from.as_slice() {
        return Err(shape_err(
            format!("{} {dir} input", short_name::<O>()),
            from,
            input.shape(),
        ));
    }
    if output.shape() != to.as_slice() {
        return Err(shape_err(
            format!("{} {dir} output", short_name::<O>()),
            to,
            output.shape(),
        ));
    }
    Ok(())
}

/// Checks that `v` has `shape`, naming `O` in the error.
fn check_in<O: ?Sized, T: Scalar>(v: &ChunkedArray<T>, shape: &[usize], what: &str) -> Result<()> {
    if v.shape() != shape {
        return Err(shape_err(
            format!("{} {what}", short_name::<O>()),
            shape,
            v.shape(),
        ));
    }
    Ok(())
}

/// Checks that a work vector has the shape of the output it stands in for (already checked).
fn check_work<O: ?Sized, T: Scalar>(tmp: &ChunkedArray<T>, out: &ChunkedArray<T>) -> Result<()> {
    if tmp.shape() != out.shape() {
        return Err(shape_err(
            format!("{} work vector", short_name::<O>()),
            out.shape(),
            tmp.shape(),
        ));
    }
    Ok(())
}

impl<O: ChunkedOperator> LinearMap for Chunked<O> {
    type Scalar = O::Scalar;
    type Domain = ChunkedArray<O::Scalar>;
    type Range = ChunkedArray<O::Scalar>;
    fn dims(&self) -> Vec<usize> {
        self.0.dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.0.dimsd()
    }
    fn forward_into(
        &self,
        x: &ChunkedArray<O::Scalar>,
        y: &mut ChunkedArray<O::Scalar>,
    ) -> Result<()> {
        check_apply(&self.0, false, x, y)?;
        self.0.forward_into(x, y)
    }
    fn forward_into_norm_sqr(
        &self,
        x: &ChunkedArray<O::Scalar>,
        y: &mut ChunkedArray<O::Scalar>,
    ) -> Result<<O::Scalar as Scalar>::Real> {
        check_apply(&self.0, false, x, y)?;
        self.0.forward_into_norm_sqr(x, y)
    }
    fn forward_into_dot(
        &self,
        x: &ChunkedArray<O::Scalar>,
        y: &mut ChunkedArray<O::Scalar>,
        w: &ChunkedArray<O::Scalar>,
    ) -> Result<O::Scalar> {
        check_apply(&self.0, false, x, y)?;
        self.0.forward_into_dot(x, y, w)
    }
    fn forward_xpby_norm_sqr(
        &self,
        x: &ChunkedArray<O::Scalar>,
        y: &mut ChunkedArray<O::Scalar>,
        b: O::Scalar,
        tmp: &mut ChunkedArray<O::Scalar>,
    ) -> Result<<O::Scalar as Scalar>::Real> {
        check_apply(&self.0, false, x, y)?;
        check_work::<O, _>(tmp, y)?;
        self.0.forward_xpby_norm_sqr(x, y, b, tmp)
    }
    fn forward_add_into(
        &self,
        x: &ChunkedArray<O::Scalar>,
        y: &mut ChunkedArray<O::Scalar>,
        tmp: &mut ChunkedArray<O::Scalar>,
    ) -> Result<()> {
        check_apply(&self.0, false, x, y)?;
        check_work::<O, _>(tmp, y)?;
        self.0.forward_add_into(x, y, tmp)
    }
    fn forward_add_into_norm_sqr(
        &self,
        x: &ChunkedArray<O::Scalar>,
        y: &mut ChunkedArray<O::Scalar>,
        tmp: &mut ChunkedArray<O::Scalar>,
    ) -> Result<<O::Scalar as Scalar>::Real> {
        check_apply(&self.0, false, x, y)?;
        check_work::<O, _>(tmp, y)?;
        self.0.forward_add_into_norm_sqr(x, y, tmp)
    }
    fn range_like(&self, x: &ChunkedArray<O::Scalar>) -> Result<ChunkedArray<O::Scalar>> {
        check_in::<O, _>(x, &self.0.dims(), "forward input")?;
        Ok(ChunkedArray::zeros(x.grid().like(&self.0.dimsd())))
    }
    fn zeros_domain(&self) -> ChunkedArray<O::Scalar> {
        ChunkedArray::zeros_single(&self.0.dims())
    }
    fn zeros_range(&self) -> ChunkedArray<O::Scalar> {
        ChunkedArray::zeros_single(&self.0.dimsd())
    }
}

impl<O: ChunkedOperator> LinearOperator for Chunked<O> {
    fn adjoint_into(
        &self,
        y: &ChunkedArray<O::Scalar>,
        x: &mut ChunkedArray<O::Scalar>,
    ) -> Result<()> {
        check_apply(&self.0, true, y, x)?;
        self.0.adjoint_into(y, x)
    }
    fn adjoint_into_norm_sqr(
        &self,
        y: &ChunkedArray<O::Scalar>,
        x: &mut ChunkedArray<O::Scalar>,
    ) -> Result<<O::Scalar as Scalar>::Real> {
        check_apply(&self.0, true, y, x)?;
        self.0.adjoint_into_norm_sqr(y, x)
    }
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &ChunkedArray<O::Scalar>,
        x: &mut ChunkedArray<O::Scalar>,
        b: O::Scalar,
        tmp: &mut ChunkedArray<O::Scalar>,
    ) -> Result<<O::Scalar as Scalar>::Real> {
        check_apply(&self.0, true, y, x)?;
        check_work::<O, _>(tmp, x)?;
        self.0.adjoint_xpby_norm_sqr(y, x, b, tmp)
    }
    fn adjoint_add_into(
        &self,
        y: &ChunkedArray<O::Scalar>,
        x: &mut ChunkedArray<O::Scalar>,
        tmp: &mut ChunkedArray<O::Scalar>,
    ) -> Result<()> {
        check_apply(&self.0, true, y, x)?;
        check_work::<O, _>(tmp, x)?;
        self.0.adjoint_add_into(y, x, tmp)
    }
    fn adjoint_add_into_norm_sqr(
        &self,
        y: &ChunkedArray<O::Scalar>,
        x: &mut ChunkedArray<O::Scalar>,
        tmp: &mut ChunkedArray<O::Scalar>,
    ) -> Result<<O::Scalar as Scalar>::Real> {
        check_apply(&self.0, true, y, x)?;
        check_work::<O, _>(tmp, x)?;
        self.0.adjoint_add_into_norm_sqr(y, x, tmp)
    }
    fn adjoint_add_from(
        &self,
        y: &ChunkedArray<O::Scalar>,
        w: &ChunkedArray<O::Scalar>,
        x: &mut ChunkedArray<O::Scalar>,
        norm: bool,
    ) -> Result<<O::Scalar as Scalar>::Real> {
        check_apply(&self.0, true, y, x)?;
        check_in::<O, _>(w, &self.0.dims(), "addend")?;
        self.0.adjoint_add_from(y, w, x, norm)
    }
    fn adjoint_passthrough<'a>(
        &self,
        y: &'a ChunkedArray<O::Scalar>,
    ) -> Option<&'a ChunkedArray<O::Scalar>> {
        if y.shape() != self.0.dimsd().as_slice() {
            return None;
        }
        self.0.adjoint_passthrough(y)
    }
    fn domain_like(&self, y: &ChunkedArray<O::Scalar>) -> Result<ChunkedArray<O::Scalar>> {
        check_in::<O, _>(y, &self.0.dimsd(), "adjoint input")?;
        Ok(ChunkedArray::zeros(y.grid().like(&self.0.dims())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::grid::ChunkGrid;
    use crate::{dot_test, dot_test_with};
    use ndarray::{ArrayD, Dimension, IxDyn};
    use num_complex::Complex64;

    /// Sums pairs along the last axis: `[.., 2m] -> [.., m]`, any chunking (via global arrays).
    struct PairSum<T>(Vec<usize>, std::marker::PhantomData<T>);
    impl<T: Scalar> PairSum<T> {
        fn new(dims: &[usize]) -> Self {
            Self(dims.to_vec(), std::marker::PhantomData)
        }
    }
    impl<T: Scalar> ChunkedOperator for PairSum<T> {
        type Scalar = T;
        fn dims(&self) -> Vec<usize> {
            self.0.clone()
        }
        fn dimsd(&self) -> Vec<usize> {
            let mut d = self.0.clone();
            *d.last_mut().unwrap() /= 2;
            d
        }
        fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
            let xa = x.to_array();
            let ya = ArrayD::from_shape_fn(IxDyn(&self.dimsd()), |i| {
                let mut j = i.slice().to_vec();
                let last = j.len() - 1;
                j[last] *= 2;
                let a = xa[IxDyn(&j)];
                j[last] += 1;
                a + xa[IxDyn(&j)]
            });
            *y = ChunkedArray::from_array_grid(ya.view(), y.grid().clone())?;
            Ok(())
        }
        fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
            let ya = y.to_array();
            let xa = ArrayD::from_shape_fn(IxDyn(&self.0), |i| {
                let mut j = i.slice().to_vec();
                let last = j.len() - 1;
                j[last] /= 2;
                ya[IxDyn(&j)]
            });
            *x = ChunkedArray::from_array_grid(xa.view(), x.grid().clone())?;
            Ok(())
        }
    }

    #[test]
    fn adapter_passes_dot_test_in_every_layout() {
        let op = Chunked(PairSum::<f64>::new(&[5, 8]));
        assert!(dot_test(&op, 1).unwrap().passed);
        let opc = Chunked(PairSum::<Complex64>::new(&[5, 8]));
        for chunk in [[5, 8], [2, 8], [5, 2], [3, 4]] {
            let x0 = ChunkedArray::<Complex64>::zeros(ChunkGrid::uniform(&[5, 8], &chunk).unwrap());
            assert!(dot_test_with(&opc, x0, 2, None).unwrap().passed);
        }
    }

    #[test]
    fn outputs_keep_the_input_chunking_where_shapes_allow() {
        let op = Chunked(PairSum::<f64>::new(&[6, 8]));
        let x = ChunkedArray::<f64>::zeros(ChunkGrid::uniform(&[6, 8], &[4, 4]).unwrap());
        let y = op.range_like(&x).unwrap();
        assert_eq!(y.shape(), &[6, 4]);
        assert_eq!(y.grid().chunks(0), &[4, 2]); // same length: same chunks
        assert_eq!(y.grid().chunks(1), &[4]); // shorter: re-split with the first chunk length
        let x2 = op.domain_like(&y).unwrap();
        assert_eq!(x2.grid().chunks(0), &[4, 2]);
        assert_eq!(x2.grid().chunks(1), &[8]); // y is not split along axis 1
        assert_eq!(op.zeros_domain().grid().nblocks(), 1);
        assert_eq!(op.zeros_range().shape(), &[6, 4]);
        // forward allocates through range_like
        let y = op.forward(&x).unwrap();
        assert_eq!(y.grid(), op.range_like(&x).unwrap().grid());
    }

    #[test]
    fn shapes_are_checked_before_the_operator_runs() {
        let op = Chunked(PairSum::<f64>::new(&[4]));
        let bad = ChunkedArray::<f64>::zeros_single(&[3]);
        let mut y = ChunkedArray::<f64>::zeros_single(&[2]);
        let err = op.forward_into(&bad, &mut y).unwrap_err();
        match err {
            Error::ShapeMismatch { context, .. } => {
                assert_eq!(context, "PairSum forward input")
            }
            e => panic!("unexpected {e}"),
        }
        let x = ChunkedArray::<f64>::zeros_single(&[4]);
        let mut bad_out = ChunkedArray::<f64>::zeros_single(&[4]);
        assert!(matches!(
            op.forward_into(&x, &mut bad_out),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(op.adjoint(&x).is_err());
        assert!(op.range_like(&bad).is_err());
        assert!(op.domain_like(&x).is_err());
        let mut xo = ChunkedArray::<f64>::zeros_single(&[3]);
        assert!(op.adjoint_into(&y, &mut xo).is_err());
    }

    #[test]
    fn wraps_and_unwraps() {
        let op: Chunked<_> = PairSum::<f64>::new(&[2, 4]).into();
        assert_eq!(op.inner().0, vec![2, 4]);
        assert_eq!(op.shape(), (4, 8));
        assert_eq!(Chunked::new(3).into_inner(), 3);
        assert_eq!(short_name::<PairSum<f64>>(), "PairSum");
    }
}
