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
    /// `|forward - adjoint| / max(|forward|, |adjoint|)`.
    pub rel_error: T::Real,
    /// The tolerance used.
    pub rtol: T::Real,
    /// Whether `rel_error <= rtol`.
    pub passed: bool,
}

/// Dot test with random vectors in the operator's default layout and the default tolerance of the
/// precision (1e-12 for f64/c64, 1e-4 for f32/c32).
pub fn dot_test<O: LinearOperator>(op: &O, seed: u64) -> Result<DotTestReport<O::Scalar>> {
    dot_test_with(op, op.zeros_domain(), seed, None)
}

/// Dot test with `u` laid out like `template` (e.g. a chunked array) and an optional tolerance.
///
/// `v` is laid out by [`LinearMap::range_like`](crate::LinearMap::range_like) from `u`.
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
    let rel_error = rel_diff(forward, adjoint);
    let rtol = rtol.unwrap_or(<<O::Scalar as Scalar>::Real as RealScalar>::DOT_TEST_RTOL);
    Ok(DotTestReport {
        forward,
        adjoint,
        rel_error,
        rtol,
        passed: rel_error <= rtol,
    })
}
