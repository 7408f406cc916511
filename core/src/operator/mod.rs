//! The `LinearOperator` trait (and [`LinearMap`], its forward half), with the checks of its fused
//! methods against their defaults ([`Unfused`], [`fused_test`], in `fused_check`).

use crate::chunked::ChunkedArray;
use crate::error::{shape_err, Result};
use crate::scalar::Scalar;
use crate::vector::Vector;
use std::sync::{Arc, Mutex};

mod fused_check;

pub use fused_check::{fused_test, Unfused};

/// The forward half of a linear operator, `A: Domain -> Range`: all that `rylops-solvers`' `cg` and
/// `pcg`, their preconditioners, and products of operators need. [`LinearOperator`] adds the adjoint.
///
/// `dims` is the model (domain) shape and `dimsd` the data (range) shape, as in pylops. The `*_into`
/// forms write into a caller's output and allocate nothing but halo slabs; `forward` allocates its
/// output, laid out (chunked) to match the input.
///
/// For an operator on [`ChunkedArray`]s, implement [`ChunkedOperator`](crate::ChunkedOperator) (or
/// build a [`FunctionOperator`](crate::FunctionOperator)) and wrap it in
/// [`Chunked`](crate::Chunked), which writes the layout methods for you. Implement `LinearMap`
/// yourself for another vector type, or for a forward-only operator on chunked arrays:
///
/// ```
/// use rylops_core::{ChunkedArray, LinearMap, Result, Vector};
///
/// /// `y = 2 x`, forward only.
/// struct Twice(Vec<usize>);
/// impl LinearMap for Twice {
///     type Scalar = f64;
///     type Domain = ChunkedArray<f64>;
///     type Range = ChunkedArray<f64>;
///     fn dims(&self) -> Vec<usize> { self.0.clone() }
///     fn dimsd(&self) -> Vec<usize> { self.0.clone() }
///     fn forward_into(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) -> Result<()> {
///         y.copy_from(x);
///         y.scale(2.0);
///         Ok(())
///     }
///     fn range_like(&self, x: &ChunkedArray<f64>) -> Result<ChunkedArray<f64>> { Ok(x.zeros_like()) }
///     fn zeros_domain(&self) -> ChunkedArray<f64> { ChunkedArray::zeros_single(&self.0) }
///     fn zeros_range(&self) -> ChunkedArray<f64> { ChunkedArray::zeros_single(&self.0) }
/// }
/// let y = Twice(vec![3]).forward(&ChunkedArray::zeros_single(&[3])).unwrap();
/// assert_eq!(y.shape(), &[3]);
/// ```
pub trait LinearMap: Send + Sync {
    /// The scalar type.
    type Scalar: Scalar;
    /// The model (input) vector type.
    type Domain: Vector<Self::Scalar>;
    /// The data (output) vector type.
    type Range: Vector<Self::Scalar>;

    /// Model shape (pylops' `dims`).
    fn dims(&self) -> Vec<usize>;
    /// Data shape (pylops' `dimsd`).
    fn dimsd(&self) -> Vec<usize>;
    /// `(rows, cols)` of the equivalent matrix.
    fn shape(&self) -> (usize, usize) {
        (self.dimsd().iter().product(), self.dims().iter().product())
    }
    /// `y = A x`, overwriting `y`.
    ///
    /// # Errors
    /// Implementations return [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) (or
    /// [`Error::ChunkMismatch`](crate::Error::ChunkMismatch)) when `x` or `y` do not have the
    /// shape (or layout) the operator works with, and any error of their arithmetic (e.g. a halo
    /// that cannot be built).
    fn forward_into(&self, x: &Self::Domain, y: &mut Self::Range) -> Result<()>;
    /// A zero range vector laid out to match the domain vector `x` (e.g. the same chunking).
    ///
    /// # Errors
    /// Implementations return [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) when `x` is
    /// not a model of this operator (other shape or length), or an error when no output layout
    /// matches `x`'s.
    fn range_like(&self, x: &Self::Domain) -> Result<Self::Range>;
    /// A zero domain vector in the default layout (one chunk).
    fn zeros_domain(&self) -> Self::Domain;
    /// A zero range vector in the default layout (one chunk).
    fn zeros_range(&self) -> Self::Range;

    /// `y = A x`, returning `||y||^2`: the bits of [`forward_into`](Self::forward_into) then
    /// [`Vector::norm_sqr`] of `y` (which is what the default does), computed where the operator
    /// can in the same pass over memory as `y` is written (each piece of the output summed while
    /// it is still in cache). Solvers call it where a norm of `A x` follows the product.
    ///
    /// Overrides must return exactly those bits: the same `y`, and the same sum in the same order.
    ///
    /// ```
    /// use rylops_core::{ChunkedArray, FunctionOperator, LinearMap, Vector};
    /// let twice = FunctionOperator::<f64>::new(&[3], &[3], |x, y| { y.axpy(2.0, x); Ok(()) },
    ///     |y, x| { x.axpy(2.0, y); Ok(()) }).unwrap();
    /// let x = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 3.0]).into_dyn());
    /// let mut y = twice.zeros_range();
    /// let nn = twice.forward_into_norm_sqr(&x, &mut y).unwrap();
    /// assert_eq!(nn, y.norm_sqr());
    /// assert_eq!(nn, 56.0);
    /// ```
    ///
    /// # Errors
    /// Those of [`forward_into`](Self::forward_into).
    fn forward_into_norm_sqr(
        &self,
        x: &Self::Domain,
        y: &mut Self::Range,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.forward_into(x, y)?;
        Ok(y.norm_sqr())
    }
    /// `y = A x`, returning `w.dot(y)` (`sum conj(w_i) y_i`, e.g. `<p, A p>` in conjugate
    /// gradients with `w = x`): the bits of [`forward_into`](Self::forward_into) then
    /// [`Vector::dot`] (the default), computed where the operator can in the same pass as `y` is
    /// written. Overrides must return exactly those bits.
    ///
    /// # Errors
    /// Those of [`forward_into`](Self::forward_into).
    ///
    /// # Panics
    /// If `w` is not laid out like `y` (as [`Vector::dot`]).
    fn forward_into_dot(
        &self,
        x: &Self::Domain,
        y: &mut Self::Range,
        w: &Self::Range,
    ) -> Result<Self::Scalar> {
        self.forward_into(x, y)?;
        Ok(w.dot(y))
    }
    /// `y = A x + b y`, returning `||y||^2` (the update of LSQR's `u`): the bits of
    /// [`forward_into`](Self::forward_into) into the work vector `tmp` (laid out like `y`), then
    /// [`Vector::xpby_norm_sqr`]`(tmp, b)` on `y` (the default), computed where the operator can
    /// without writing `A x` to memory and reading it back. What `tmp` holds afterwards is
    /// unspecified. Overrides must return exactly those bits in `y`.
    ///
    /// # Errors
    /// Those of [`forward_into`](Self::forward_into) (into `tmp`).
    ///
    /// # Panics
    /// The default panics if `tmp` is not laid out like `y` (as [`Vector::xpby_norm_sqr`]);
    /// overrides may return an error instead.
    fn forward_xpby_norm_sqr(
        &self,
        x: &Self::Domain,
        y: &mut Self::Range,
        b: Self::Scalar,
        tmp: &mut Self::Range,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.forward_into(x, tmp)?;
        Ok(y.xpby_norm_sqr(tmp, b))
    }
    /// `y += A x` (the accumulation of a sum of operators, e.g. `HStack`'s forward): the bits of
    /// [`forward_into`](Self::forward_into) into the work vector `tmp` (laid out like `y`), then
    /// [`Vector::add_assign`]`(tmp)` on `y` (the default: `y[i] + t[i]` with `t[i]` exactly what
    /// `forward_into` writes), computed where the operator can without writing `A x` to memory and
    /// reading it back. What `tmp` holds afterwards is unspecified. Overrides must leave exactly
    /// those bits in `y`.
    ///
    /// ```
    /// use rylops_core::{ChunkedArray, FunctionOperator, LinearMap, Vector};
    /// let twice = FunctionOperator::<f64>::new(&[3], &[3], |x, y| { y.axpy(2.0, x); Ok(()) },
    ///     |y, x| { x.axpy(2.0, y); Ok(()) }).unwrap();
    /// let x = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 3.0]).into_dyn());
    /// let (mut y, mut tmp) = (x.clone(), twice.zeros_range());
    /// twice.forward_add_into(&x, &mut y, &mut tmp).unwrap(); // y = x + 2 x
    /// assert_eq!(y.to_array().as_slice().unwrap(), &[3.0, 6.0, 9.0]);
    /// ```
    ///
    /// # Errors
    /// Those of [`forward_into`](Self::forward_into) (into `tmp`).
    ///
    /// # Panics
    /// The default panics if `tmp` is not laid out like `y` (as [`Vector::add_assign`]);
    /// overrides may return an error instead.
    fn forward_add_into(
        &self,
        x: &Self::Domain,
        y: &mut Self::Range,
        tmp: &mut Self::Range,
    ) -> Result<()> {
        self.forward_into(x, tmp)?;
        y.add_assign(tmp);
        Ok(())
    }
    /// `y += A x`, returning `||y||^2` (of the sum): the bits of
    /// [`forward_into`](Self::forward_into) into `tmp`, then
    /// [`Vector::add_assign_norm_sqr`]`(tmp)` on `y` (the default; see
    /// [`forward_add_into`](Self::forward_add_into)).
    ///
    /// # Errors
    /// Those of [`forward_into`](Self::forward_into) (into `tmp`).
    ///
    /// # Panics
    /// The default panics if `tmp` is not laid out like `y`; overrides may return an error
    /// instead.
    fn forward_add_into_norm_sqr(
        &self,
        x: &Self::Domain,
        y: &mut Self::Range,
        tmp: &mut Self::Range,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.forward_into(x, tmp)?;
        Ok(y.add_assign_norm_sqr(tmp))
    }

    /// `A x`, allocating the output.
    ///
    /// # Errors
    /// Those of [`range_like`](Self::range_like) and [`forward_into`](Self::forward_into).
    fn forward(&self, x: &Self::Domain) -> Result<Self::Range> {
        let mut y = self.range_like(x)?;
        self.forward_into(x, &mut y)?;
        Ok(y)
    }
}

/// A matrix-free linear operator `A: Domain -> Range` with its adjoint `A^H: Range -> Domain`: a
/// [`LinearMap`] plus the adjoint half.
///
/// Every composition, the dot test and all solvers accept it. On [`ChunkedArray`]s, write two
/// methods with [`ChunkedOperator`](crate::ChunkedOperator) and wrap it in
/// [`Chunked`](crate::Chunked), or pass two closures to
/// [`FunctionOperator`](crate::FunctionOperator):
///
/// ```
/// use rylops_core::{dot_test, FunctionOperator, Vector};
///
/// let twice = FunctionOperator::<f64>::new(
///     &[3, 4],
///     &[3, 4],
///     |x, y| { y.axpy(2.0, x); Ok(()) },
///     |y, x| { x.axpy(2.0, y); Ok(()) },
/// ).unwrap();
/// assert!(dot_test(&twice, 0).unwrap().passed);
/// ```
pub trait LinearOperator: LinearMap {
    /// `x = A^H y`, overwriting `x`.
    ///
    /// # Errors
    /// Implementations return [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) (or
    /// [`Error::ChunkMismatch`](crate::Error::ChunkMismatch)) when `y` or `x` do not have the
    /// shape (or layout) the operator works with, and any error of their arithmetic (e.g. a halo
    /// that cannot be built).
    fn adjoint_into(&self, y: &Self::Range, x: &mut Self::Domain) -> Result<()>;
    /// A zero domain vector laid out to match the range vector `y`.
    ///
    /// # Errors
    /// Implementations return [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) when `y` is
    /// not data of this operator (other shape or length), or an error when no output layout
    /// matches `y`'s.
    fn domain_like(&self, y: &Self::Range) -> Result<Self::Domain>;

    /// `x = A^H y`, returning `||x||^2`: the bits of [`adjoint_into`](Self::adjoint_into) then
    /// [`Vector::norm_sqr`] of `x` (the default), computed where the operator can in the same pass
    /// over memory as `x` is written (see [`LinearMap::forward_into_norm_sqr`]). Overrides must
    /// return exactly those bits.
    ///
    /// # Errors
    /// Those of [`adjoint_into`](Self::adjoint_into).
    fn adjoint_into_norm_sqr(
        &self,
        y: &Self::Range,
        x: &mut Self::Domain,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.adjoint_into(y, x)?;
        Ok(x.norm_sqr())
    }
    /// `x = A^H y + b x`, returning `||x||^2`: the bits of [`adjoint_into`](Self::adjoint_into)
    /// into the work vector `tmp`, then [`Vector::xpby_norm_sqr`]`(tmp, b)` on `x` (the default;
    /// see [`LinearMap::forward_xpby_norm_sqr`]).
    ///
    /// # Errors
    /// Those of [`adjoint_into`](Self::adjoint_into) (into `tmp`).
    ///
    /// # Panics
    /// The default panics if `tmp` is not laid out like `x`; overrides may return an error
    /// instead.
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &Self::Range,
        x: &mut Self::Domain,
        b: Self::Scalar,
        tmp: &mut Self::Domain,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.adjoint_into(y, tmp)?;
        Ok(x.xpby_norm_sqr(tmp, b))
    }
    /// `x += A^H y` (the accumulation of `VStack`'s adjoint): the bits of
    /// [`adjoint_into`](Self::adjoint_into) into the work vector `tmp`, then
    /// [`Vector::add_assign`]`(tmp)` on `x` (the default; see [`LinearMap::forward_add_into`]).
    ///
    /// # Errors
    /// Those of [`adjoint_into`](Self::adjoint_into) (into `tmp`).
    ///
    /// # Panics
    /// The default panics if `tmp` is not laid out like `x`; overrides may return an error
    /// instead.
    fn adjoint_add_into(
        &self,
        y: &Self::Range,
        x: &mut Self::Domain,
        tmp: &mut Self::Domain,
    ) -> Result<()> {
        self.adjoint_into(y, tmp)?;
        x.add_assign(tmp);
        Ok(())
    }
    /// `x += A^H y`, returning `||x||^2` (of the sum): the bits of
    /// [`adjoint_into`](Self::adjoint_into) into `tmp`, then
    /// [`Vector::add_assign_norm_sqr`]`(tmp)` on `x` (the default).
    ///
    /// # Errors
    /// Those of [`adjoint_into`](Self::adjoint_into) (into `tmp`).
    ///
    /// # Panics
    /// The default panics if `tmp` is not laid out like `x`; overrides may return an error
    /// instead.
    fn adjoint_add_into_norm_sqr(
        &self,
        y: &Self::Range,
        x: &mut Self::Domain,
        tmp: &mut Self::Domain,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.adjoint_into(y, tmp)?;
        Ok(x.add_assign_norm_sqr(tmp))
    }

    /// `x = w + A^H y`, returning `||x||^2` if `norm` (zero otherwise): the bits of
    /// [`adjoint_into`](Self::adjoint_into) into `x`, then [`Vector::add_assign`]`(w)` (or
    /// [`Vector::add_assign_norm_sqr`]; the default), computed where the operator can in one pass
    /// that reads `w` and writes `x`, each piece of `A^H y` added to `w` while in cache. A
    /// [`VStack`](crate::VStack) whose first part passes its input through
    /// ([`adjoint_passthrough`](Self::adjoint_passthrough), e.g. the identity of `[I; L]`) starts
    /// its adjoint's sum with it, without copying that part. Overrides must leave exactly those
    /// bits in `x` and return exactly that sum.
    ///
    /// ```
    /// use rylops_core::{ChunkedArray, FunctionOperator, LinearOperator, Vector};
    /// let twice = FunctionOperator::<f64>::new(&[3], &[3], |x, y| { y.axpy(2.0, x); Ok(()) },
    ///     |y, x| { x.axpy(2.0, y); Ok(()) }).unwrap();
    /// let y = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 3.0]).into_dyn());
    /// let w = ChunkedArray::from_array(ndarray::arr1(&[10.0, 20.0, 30.0]).into_dyn());
    /// let mut x = w.zeros_like();
    /// let nn = twice.adjoint_add_from(&y, &w, &mut x, true).unwrap(); // x = w + 2 y
    /// assert_eq!(x.to_array().as_slice().unwrap(), &[12.0, 24.0, 36.0]);
    /// assert_eq!(nn, x.norm_sqr());
    /// ```
    ///
    /// # Errors
    /// Those of [`adjoint_into`](Self::adjoint_into).
    ///
    /// # Panics
    /// The default panics if `w` is not laid out like `x` (as [`Vector::add_assign`]); overrides
    /// may return an error instead.
    fn adjoint_add_from(
        &self,
        y: &Self::Range,
        w: &Self::Domain,
        x: &mut Self::Domain,
        norm: bool,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        self.adjoint_into(y, x)?;
        Ok(crate::vector::add_norm_if(x, w, norm))
    }
    /// `Some(y)` when `A^H y` is `y` itself, element for element (a square identity), so that a
    /// caller may read `y` where it would write `A^H y` and read it back: a
    /// [`VStack`](crate::VStack) whose first part passes its input through starts its adjoint's
    /// sum from it ([`adjoint_add_from`](Self::adjoint_add_from)). The default is `None`, always
    /// correct. The caller checks that `y` is laid out as its output (an identity writes its
    /// output in the output's layout, whatever the input's).
    fn adjoint_passthrough<'a>(&self, y: &'a Self::Range) -> Option<&'a Self::Domain> {
        let _ = y;
        None
    }

    /// `A^H y`, allocating the output.
    ///
    /// # Errors
    /// Those of [`domain_like`](LinearOperator::domain_like) and
    /// [`adjoint_into`](LinearOperator::adjoint_into).
    fn adjoint(&self, y: &Self::Range) -> Result<Self::Domain> {
        let mut x = self.domain_like(y)?;
        self.adjoint_into(y, &mut x)?;
        Ok(x)
    }
}

/// Shorthand for a boxed operator on chunked arrays that owns everything it holds (`'static`):
/// [`ScopedBoxOp<'static, T>`](ScopedBoxOp). For one that holds borrowed operators, use
/// [`ScopedBoxOp<'a, T>`](ScopedBoxOp).
pub type BoxOp<T> = ScopedBoxOp<'static, T>;

/// A boxed operator on chunked arrays that may borrow for `'a`, e.g. a `VStack` of `&A` and `&B`
/// whose parts live on the caller's stack:
///
/// ```
/// use rylops_core::{dot_test, FunctionOperator, ScopedBoxOp, VStack, Vector};
///
/// let twice = FunctionOperator::<f64>::new(&[3], &[3], |x, y| { y.axpy(2.0, x); Ok(()) },
///     |y, x| { x.axpy(2.0, y); Ok(()) })?;
/// let thrice = FunctionOperator::<f64>::new(&[3], &[3], |x, y| { y.axpy(3.0, x); Ok(()) },
///     |y, x| { x.axpy(3.0, y); Ok(()) })?;
/// // Borrowed, not moved: `twice` and `thrice` stay usable.
/// let parts: Vec<ScopedBoxOp<'_, f64>> = vec![Box::new(&twice), Box::new(&thrice)];
/// let both = VStack::new(parts)?;
/// assert!(dot_test(&both, 0)?.passed && dot_test(&twice, 1)?.passed);
/// # Ok::<(), rylops_core::Error>(())
/// ```
///
/// (`BoxOp<T>` keeps its meaning, `ScopedBoxOp<'static, T>`: a lifetime parameter on `BoxOp`
/// itself would have broken every struct that holds a `BoxOp<T>`.)
pub type ScopedBoxOp<'a, T> =
    Box<dyn LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>> + 'a>;

/// Shorthand for a boxed forward-only operator on chunked arrays (`'static`; see [`ScopedBoxMap`]).
pub type BoxMap<T> = ScopedBoxMap<'static, T>;

/// A boxed forward-only operator on chunked arrays that may borrow for `'a` (as [`ScopedBoxOp`]).
pub type ScopedBoxMap<'a, T> =
    Box<dyn LinearMap<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>> + 'a>;

macro_rules! forward_impl {
    ($($ptr:tt)*) => {
        impl<O: LinearMap + ?Sized> LinearMap for $($ptr)*<O> {
            type Scalar = O::Scalar;
            type Domain = O::Domain;
            type Range = O::Range;
            fn dims(&self) -> Vec<usize> { (**self).dims() }
            fn dimsd(&self) -> Vec<usize> { (**self).dimsd() }
            fn shape(&self) -> (usize, usize) { (**self).shape() }
            fn forward_into(&self, x: &Self::Domain, y: &mut Self::Range) -> Result<()> { (**self).forward_into(x, y) }
            fn forward_into_norm_sqr(&self, x: &Self::Domain, y: &mut Self::Range) -> Result<<Self::Scalar as Scalar>::Real> { (**self).forward_into_norm_sqr(x, y) }
            fn forward_into_dot(&self, x: &Self::Domain, y: &mut Self::Range, w: &Self::Range) -> Result<Self::Scalar> { (**self).forward_into_dot(x, y, w) }
            fn forward_xpby_norm_sqr(&self, x: &Self::Domain, y: &mut Self::Range, b: Self::Scalar, tmp: &mut Self::Range) -> Result<<Self::Scalar as Scalar>::Real> { (**self).forward_xpby_norm_sqr(x, y, b, tmp) }
            fn forward_add_into(&self, x: &Self::Domain, y: &mut Self::Range, tmp: &mut Self::Range) -> Result<()> { (**self).forward_add_into(x, y, tmp) }
            fn forward_add_into_norm_sqr(&self, x: &Self::Domain, y: &mut Self::Range, tmp: &mut Self::Range) -> Result<<Self::Scalar as Scalar>::Real> { (**self).forward_add_into_norm_sqr(x, y, tmp) }
            fn range_like(&self, x: &Self::Domain) -> Result<Self::Range> { (**self).range_like(x) }
            fn zeros_domain(&self) -> Self::Domain { (**self).zeros_domain() }
            fn zeros_range(&self) -> Self::Range { (**self).zeros_range() }
        }
        impl<O: LinearOperator + ?Sized> LinearOperator for $($ptr)*<O> {
            fn adjoint_into(&self, y: &Self::Range, x: &mut Self::Domain) -> Result<()> { (**self).adjoint_into(y, x) }
            fn adjoint_into_norm_sqr(&self, y: &Self::Range, x: &mut Self::Domain) -> Result<<Self::Scalar as Scalar>::Real> { (**self).adjoint_into_norm_sqr(y, x) }
            fn adjoint_xpby_norm_sqr(&self, y: &Self::Range, x: &mut Self::Domain, b: Self::Scalar, tmp: &mut Self::Domain) -> Result<<Self::Scalar as Scalar>::Real> { (**self).adjoint_xpby_norm_sqr(y, x, b, tmp) }
            fn adjoint_add_into(&self, y: &Self::Range, x: &mut Self::Domain, tmp: &mut Self::Domain) -> Result<()> { (**self).adjoint_add_into(y, x, tmp) }
            fn adjoint_add_into_norm_sqr(&self, y: &Self::Range, x: &mut Self::Domain, tmp: &mut Self::Domain) -> Result<<Self::Scalar as Scalar>::Real> { (**self).adjoint_add_into_norm_sqr(y, x, tmp) }
            fn adjoint_add_from(&self, y: &Self::Range, w: &Self::Domain, x: &mut Self::Domain, norm: bool) -> Result<<Self::Scalar as Scalar>::Real> { (**self).adjoint_add_from(y, w, x, norm) }
            fn adjoint_passthrough<'a>(&self, y: &'a Self::Range) -> Option<&'a Self::Domain> { (**self).adjoint_passthrough(y) }
            fn domain_like(&self, y: &Self::Range) -> Result<Self::Domain> { (**self).domain_like(y) }
        }
    };
}
forward_impl!(Box);
forward_impl!(Arc);

impl<O: LinearMap + ?Sized> LinearMap for &O {
    type Scalar = O::Scalar;
    type Domain = O::Domain;
    type Range = O::Range;
    fn dims(&self) -> Vec<usize> {
        (**self).dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        (**self).dimsd()
    }
    fn shape(&self) -> (usize, usize) {
        (**self).shape()
    }
    fn forward_into(&self, x: &Self::Domain, y: &mut Self::Range) -> Result<()> {
        (**self).forward_into(x, y)
    }
    fn forward_into_norm_sqr(
        &self,
        x: &Self::Domain,
        y: &mut Self::Range,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        (**self).forward_into_norm_sqr(x, y)
    }
    fn forward_into_dot(
        &self,
        x: &Self::Domain,
        y: &mut Self::Range,
        w: &Self::Range,
    ) -> Result<Self::Scalar> {
        (**self).forward_into_dot(x, y, w)
    }
    fn forward_xpby_norm_sqr(
        &self,
        x: &Self::Domain,
        y: &mut Self::Range,
        b: Self::Scalar,
        tmp: &mut Self::Range,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        (**self).forward_xpby_norm_sqr(x, y, b, tmp)
    }
    fn forward_add_into(
        &self,
        x: &Self::Domain,
        y: &mut Self::Range,
        tmp: &mut Self::Range,
    ) -> Result<()> {
        (**self).forward_add_into(x, y, tmp)
    }
    fn forward_add_into_norm_sqr(
        &self,
        x: &Self::Domain,
        y: &mut Self::Range,
        tmp: &mut Self::Range,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        (**self).forward_add_into_norm_sqr(x, y, tmp)
    }
    fn range_like(&self, x: &Self::Domain) -> Result<Self::Range> {
        (**self).range_like(x)
    }
    fn zeros_domain(&self) -> Self::Domain {
        (**self).zeros_domain()
    }
    fn zeros_range(&self) -> Self::Range {
        (**self).zeros_range()
    }
}

impl<O: LinearOperator + ?Sized> LinearOperator for &O {
    fn adjoint_into(&self, y: &Self::Range, x: &mut Self::Domain) -> Result<()> {
        (**self).adjoint_into(y, x)
    }
    fn adjoint_into_norm_sqr(
        &self,
        y: &Self::Range,
        x: &mut Self::Domain,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        (**self).adjoint_into_norm_sqr(y, x)
    }
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &Self::Range,
        x: &mut Self::Domain,
        b: Self::Scalar,
        tmp: &mut Self::Domain,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        (**self).adjoint_xpby_norm_sqr(y, x, b, tmp)
    }
    fn adjoint_add_into(
        &self,
        y: &Self::Range,
        x: &mut Self::Domain,
        tmp: &mut Self::Domain,
    ) -> Result<()> {
        (**self).adjoint_add_into(y, x, tmp)
    }
    fn adjoint_add_into_norm_sqr(
        &self,
        y: &Self::Range,
        x: &mut Self::Domain,
        tmp: &mut Self::Domain,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        (**self).adjoint_add_into_norm_sqr(y, x, tmp)
    }
    fn adjoint_add_from(
        &self,
        y: &Self::Range,
        w: &Self::Domain,
        x: &mut Self::Domain,
        norm: bool,
    ) -> Result<<Self::Scalar as Scalar>::Real> {
        (**self).adjoint_add_from(y, w, x, norm)
    }
    fn adjoint_passthrough<'a>(&self, y: &'a Self::Range) -> Option<&'a Self::Domain> {
        (**self).adjoint_passthrough(y)
    }
    fn domain_like(&self, y: &Self::Range) -> Result<Self::Domain> {
        (**self).domain_like(y)
    }
}

/// Checks that a chunked array has the shape an operator expects.
///
/// # Errors
/// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) naming `context`, `expected` and the
/// shape of `x` when they differ.
pub fn check_shape<T: Scalar>(
    x: &ChunkedArray<T>,
    expected: &[usize],
    context: &str,
) -> Result<()> {
    if x.shape() != expected {
        return Err(shape_err(context, expected, x.shape()));
    }
    Ok(())
}

/// A reusable work vector kept by composite operators, so that repeated applications allocate nothing
/// after the first (each concurrent caller gets its own vector).
#[derive(Debug, Default)]
pub struct Scratch<V>(Mutex<Vec<V>>);

impl<V> Scratch<V> {
    /// An empty scratch pool.
    pub fn new() -> Self {
        Self(Mutex::new(Vec::new()))
    }
    /// Takes a vector that satisfies `fits`, or makes a new one.
    ///
    /// # Errors
    /// The error of `make`, when no pooled vector fits and making one fails.
    pub fn take(&self, fits: impl Fn(&V) -> bool, make: impl FnOnce() -> Result<V>) -> Result<V> {
        let mut pool = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pos) = pool.iter().position(&fits) {
            return Ok(pool.swap_remove(pos));
        }
        drop(pool);
        make()
    }
    /// Returns a vector to the pool.
    pub fn give(&self, v: V) {
        let mut pool = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < 4 {
            pool.push(v);
        }
    }
}

impl<V> Clone for Scratch<V> {
    fn clone(&self) -> Self {
        Self::new()
    }
}
