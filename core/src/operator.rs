//! The `LinearOperator` trait.

use crate::chunked::ChunkedArray;
use crate::error::{shape_err, Result};
use crate::scalar::Scalar;
use crate::vector::Vector;
use std::sync::{Arc, Mutex};

/// A matrix-free linear operator `A: Domain -> Range` with its adjoint `A^H: Range -> Domain`.
///
/// `dims` is the model (domain) shape and `dimsd` the data (range) shape, as in pylops. The `*_into`
/// forms write into a caller's output and allocate nothing but halo slabs; `forward`/`adjoint`
/// allocate their output, laid out (chunked) to match the input.
///
/// Implement it for your own operator and every composition, the dot test and all solvers accept it:
///
/// ```
/// use rylops_core::{ChunkedArray, LinearOperator, Result, Vector, dot_test};
///
/// /// Multiplies every entry by 2.
/// struct Twice(Vec<usize>);
/// impl LinearOperator for Twice {
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
///     fn adjoint_into(&self, y: &ChunkedArray<f64>, x: &mut ChunkedArray<f64>) -> Result<()> {
///         self.forward_into(y, x)
///     }
///     fn range_like(&self, x: &ChunkedArray<f64>) -> Result<ChunkedArray<f64>> { Ok(x.zeros_like()) }
///     fn domain_like(&self, y: &ChunkedArray<f64>) -> Result<ChunkedArray<f64>> { Ok(y.zeros_like()) }
///     fn zeros_domain(&self) -> ChunkedArray<f64> { ChunkedArray::zeros_single(&self.0) }
///     fn zeros_range(&self) -> ChunkedArray<f64> { ChunkedArray::zeros_single(&self.0) }
/// }
/// let report = dot_test(&Twice(vec![3, 4]), 0).unwrap();
/// assert!(report.passed);
/// ```
pub trait LinearOperator: Send + Sync {
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
    fn forward_into(&self, x: &Self::Domain, y: &mut Self::Range) -> Result<()>;
    /// `x = A^H y`, overwriting `x`.
    fn adjoint_into(&self, y: &Self::Range, x: &mut Self::Domain) -> Result<()>;
    /// A zero range vector laid out to match the domain vector `x` (e.g. the same chunking).
    fn range_like(&self, x: &Self::Domain) -> Result<Self::Range>;
    /// A zero domain vector laid out to match the range vector `y`.
    fn domain_like(&self, y: &Self::Range) -> Result<Self::Domain>;
    /// A zero domain vector in the default layout (one chunk).
    fn zeros_domain(&self) -> Self::Domain;
    /// A zero range vector in the default layout (one chunk).
    fn zeros_range(&self) -> Self::Range;

    /// `A x`, allocating the output.
    fn forward(&self, x: &Self::Domain) -> Result<Self::Range> {
        let mut y = self.range_like(x)?;
        self.forward_into(x, &mut y)?;
        Ok(y)
    }
    /// `A^H y`, allocating the output.
    fn adjoint(&self, y: &Self::Range) -> Result<Self::Domain> {
        let mut x = self.domain_like(y)?;
        self.adjoint_into(y, &mut x)?;
        Ok(x)
    }
}

/// Shorthand for a boxed operator on chunked arrays.
pub type BoxOp<T> =
    Box<dyn LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>>;

macro_rules! forward_impl {
    ($($ptr:tt)*) => {
        impl<O: LinearOperator + ?Sized> LinearOperator for $($ptr)*<O> {
            type Scalar = O::Scalar;
            type Domain = O::Domain;
            type Range = O::Range;
            fn dims(&self) -> Vec<usize> { (**self).dims() }
            fn dimsd(&self) -> Vec<usize> { (**self).dimsd() }
            fn forward_into(&self, x: &Self::Domain, y: &mut Self::Range) -> Result<()> { (**self).forward_into(x, y) }
            fn adjoint_into(&self, y: &Self::Range, x: &mut Self::Domain) -> Result<()> { (**self).adjoint_into(y, x) }
            fn range_like(&self, x: &Self::Domain) -> Result<Self::Range> { (**self).range_like(x) }
            fn domain_like(&self, y: &Self::Range) -> Result<Self::Domain> { (**self).domain_like(y) }
            fn zeros_domain(&self) -> Self::Domain { (**self).zeros_domain() }
            fn zeros_range(&self) -> Self::Range { (**self).zeros_range() }
        }
    };
}
forward_impl!(Box);
forward_impl!(Arc);

impl<O: LinearOperator + ?Sized> LinearOperator for &O {
    type Scalar = O::Scalar;
    type Domain = O::Domain;
    type Range = O::Range;
    fn dims(&self) -> Vec<usize> {
        (**self).dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        (**self).dimsd()
    }
    fn forward_into(&self, x: &Self::Domain, y: &mut Self::Range) -> Result<()> {
        (**self).forward_into(x, y)
    }
    fn adjoint_into(&self, y: &Self::Range, x: &mut Self::Domain) -> Result<()> {
        (**self).adjoint_into(y, x)
    }
    fn range_like(&self, x: &Self::Domain) -> Result<Self::Range> {
        (**self).range_like(x)
    }
    fn domain_like(&self, y: &Self::Range) -> Result<Self::Domain> {
        (**self).domain_like(y)
    }
    fn zeros_domain(&self) -> Self::Domain {
        (**self).zeros_domain()
    }
    fn zeros_range(&self) -> Self::Range {
        (**self).zeros_range()
    }
}

/// Checks that a chunked array has the shape an operator expects.
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
