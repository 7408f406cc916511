//! The dot test: `<A u, v> == <u, A^H v>` for random `u`, `v`.

use crate::error::Result;
use crate::operator::LinearOperator;
use crate::rng::Rng;
use crate::scalar::{RealScalar, Scalar};
use crate::vector::{rel_diff, Vector};

/// The outcome of a dot test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DotTestReport<T: Scalar> {
    /// `<A u, v>` (complex inner product, conjugating the first argument).
    pub forward: T,
    /// `<u, A^H v>`.
    pub adjoint: T,
    /// `|forward - adjoint| / max(||A u|| ||v||, ||u|| ||A^H v||)`: the difference relative to
    /// the scale of the terms summed in the two inner products (zero when that scale is zero).
    ///
    /// By Cauchy-Schwarz the scale bounds `|forward|` and `|adjoint|`, and it does not shrink when
    /// the inner products cancel to nearly zero, which rounding cannot follow: a correct operator
    /// on a large vector passes in single precision whatever the random vectors.
    pub rel_error: T::Real,
    /// The tolerance used.
    pub rtol: T::Real,
    /// Whether `rel_error <= rtol`.
    pub passed: bool,
}

/// Dot test with random vectors in the operator's default layout and the default tolerance of the
/// precision (1e-12 for f64/c64, 1e-4 for f32/c32).
///
/// # Errors
/// Those of the operator's `range_like`, `forward` and `adjoint_into`.
pub fn dot_test<O: LinearOperator>(op: &O, seed: u64) -> Result<DotTestReport<O::Scalar>> {
    dot_test_with(op, op.zeros_domain(), seed, None)
}

/// Dot test with `u` laid out like `template` (e.g. a chunked array) and an optional tolerance.
///
/// `v` is laid out by [`LinearMap::range_like`](crate::LinearMap::range_like) from `u`.
///
/// # Errors
/// Those of the operator's `range_like`, `forward` and `adjoint_into` (for instance a `template`
/// of the wrong shape).
///
/// # Panics
/// If the operator returns vectors laid out unlike `u` or `v` (a broken operator).
pub fn dot_test_with<O: LinearOperator>(
    op: &O,
    template: O::Domain,
    seed: u64,
    rtol: Option<<O::Scalar as Scalar>::Real>,
) -> Result<DotTestReport<O::Scalar>> {
    let mut rng = Rng::new(seed);
    let mut u = template;
    u.fill_random(&mut rng);
    let mut v = op.range_like(&u)?;
    v.fill_random(&mut rng);
    let au = op.forward(&u)?;
    let mut ahv = u.zeros_like();
    op.adjoint_into(&v, &mut ahv)?;
    let forward = au.dot(&v);
    let adjoint = u.dot(&ahv);
    let fscale = au.norm() * v.norm();
    let ascale = u.norm() * ahv.norm();
    let scale = if fscale > ascale { fscale } else { ascale };
    let diff = (forward - adjoint).modulus();
    let rel_error = if diff == <<O::Scalar as Scalar>::Real as num_traits::Zero>::zero() {
        diff
    } else if scale.is_finite() && scale > <<O::Scalar as Scalar>::Real as num_traits::Zero>::zero()
    {
        diff / scale
    } else {
        // Overflowing norms (or NaN): fall back to the inner products themselves.
        rel_diff(forward, adjoint)
    };
    let rtol = rtol.unwrap_or(<<O::Scalar as Scalar>::Real as RealScalar>::DOT_TEST_RTOL);
    Ok(DotTestReport {
        forward,
        adjoint,
        rel_error,
        rtol,
        passed: rel_error <= rtol,
    })
}
