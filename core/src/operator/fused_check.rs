//! Checking an operator's fused methods against their defaults: the [`Unfused`] wrapper, which
//! passes on only the required methods, and [`fused_test`], which compares the two.

use super::{LinearMap, LinearOperator};
use crate::error::Result;
use crate::scalar::Scalar;
use crate::vector::Vector;
use num_traits::Zero;

/// An operator with only its required methods passed on, so that the fused provided methods
/// ([`LinearMap::forward_into_norm_sqr`], [`LinearMap::forward_into_dot`],
/// [`LinearMap::forward_xpby_norm_sqr`], [`LinearMap::forward_add_into`],
/// [`LinearMap::forward_add_into_norm_sqr`], [`LinearOperator::adjoint_into_norm_sqr`],
/// [`LinearOperator::adjoint_xpby_norm_sqr`], [`LinearOperator::adjoint_add_into`],
/// [`LinearOperator::adjoint_add_into_norm_sqr`], [`LinearOperator::adjoint_add_from`]) run their
/// defaults, and [`LinearOperator::adjoint_passthrough`] its `None`: the product, then a separate
/// reduction (or addition). Their results must be the same bits as the wrapped operator's; this wrapper is how
/// tests (and timings) compare the two.
///
/// ```
/// use rylops_core::{ChunkedArray, FunctionOperator, LinearMap, Unfused, Vector};
/// let twice = FunctionOperator::<f64>::new(&[3], &[3], |x, y| { y.axpy(2.0, x); Ok(()) },
///     |y, x| { x.axpy(2.0, y); Ok(()) }).unwrap();
/// let x = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 3.0]).into_dyn());
/// let (mut y1, mut y2) = (twice.zeros_range(), twice.zeros_range());
/// let fused = twice.forward_into_norm_sqr(&x, &mut y1).unwrap();
/// let plain = Unfused(&twice).forward_into_norm_sqr(&x, &mut y2).unwrap();
/// assert_eq!((fused.to_bits(), y1), (plain.to_bits(), y2));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Unfused<O>(pub O);

impl<O: LinearMap> LinearMap for Unfused<O> {
    type Scalar = O::Scalar;
    type Domain = O::Domain;
    type Range = O::Range;
    fn dims(&self) -> Vec<usize> {
        self.0.dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.0.dimsd()
    }
    fn shape(&self) -> (usize, usize) {
        self.0.shape()
    }
    fn forward_into(&self, x: &Self::Domain, y: &mut Self::Range) -> Result<()> {
        self.0.forward_into(x, y)
    }
    fn range_like(&self, x: &Self::Domain) -> Result<Self::Range> {
        self.0.range_like(x)
    }
    fn zeros_domain(&self) -> Self::Domain {
        self.0.zeros_domain()
    }
    fn zeros_range(&self) -> Self::Range {
        self.0.zeros_range()
    }
}

impl<O: LinearOperator> LinearOperator for Unfused<O> {
    fn adjoint_into(&self, y: &Self::Range, x: &mut Self::Domain) -> Result<()> {
        self.0.adjoint_into(y, x)
    }
    fn domain_like(&self, y: &Self::Range) -> Result<Self::Domain> {
        self.0.domain_like(y)
    }
}

/// Checks an operator's fused methods against their defaults (through [`Unfused`]): for the model
/// `x` and a data vector laid out like `y` (whose values are not used), every fused method must
/// return the same bits and leave the same output as the product followed by the separate
/// reduction (for the accumulating `*_add_into*` methods: the product into the work vector, then
/// the separate addition). Outputs and work vectors start from random values (the same for both),
/// so an override that does not overwrite its output (or does not add to it), or reads what it
/// should not, is caught. Returns the names of the methods that differ (empty when all agree).
///
/// ```
/// use rylops_core::{fused_test, FunctionOperator, LinearMap, Vector};
/// let twice = FunctionOperator::<f64>::new(&[5], &[5], |x, y| { y.axpy(2.0, x); Ok(()) },
///     |y, x| { x.axpy(2.0, y); Ok(()) }).unwrap();
/// let (x, y) = (twice.zeros_domain(), twice.zeros_range());
/// assert!(fused_test(&twice, &x, &y, 1).unwrap().is_empty());
/// ```
///
/// # Errors
/// Any error of the operator.
pub fn fused_test<O>(op: &O, x: &O::Domain, y: &O::Range, seed: u64) -> Result<Vec<&'static str>>
where
    O: LinearOperator,
    O::Domain: PartialEq,
    O::Range: PartialEq,
{
    use crate::rng::Rng;
    use crate::scalar::RealScalar;
    use crate::vector::random_scalar;
    let mut rng = Rng::new(seed);
    let mut random = |v: &mut dyn FnMut(&mut Rng)| v(&mut rng);
    let bits = |r: <O::Scalar as Scalar>::Real| r.to_f64_lossless().to_bits();
    let sbits = |t: O::Scalar| (bits(t.re()), bits(t.im()));
    let (plain, mut bad) = (Unfused(op), Vec::new());
    let mut x0 = x.clone();
    random(&mut |r| x0.fill_random(r));
    let mut y0 = y.clone();
    random(&mut |r| y0.fill_random(r));
    let mut b = O::Scalar::zero();
    random(&mut |r| b = random_scalar(r));
    // Outputs start from other random values, the same for both.
    let (mut ya, mut xa, mut wy) = (y.clone(), x.clone(), y.clone());
    random(&mut |r| ya.fill_random(r));
    random(&mut |r| xa.fill_random(r));
    random(&mut |r| wy.fill_random(r));

    let (mut y1, mut y2) = (ya.clone(), ya.clone());
    let (n1, n2) = (
        op.forward_into_norm_sqr(&x0, &mut y1)?,
        plain.forward_into_norm_sqr(&x0, &mut y2)?,
    );
    if bits(n1) != bits(n2) || y1 != y2 {
        bad.push("forward_into_norm_sqr");
    }
    let (mut y1, mut y2) = (ya.clone(), ya.clone());
    let (d1, d2) = (
        op.forward_into_dot(&x0, &mut y1, &wy)?,
        plain.forward_into_dot(&x0, &mut y2, &wy)?,
    );
    if sbits(d1) != sbits(d2) || y1 != y2 {
        bad.push("forward_into_dot");
    }
    let (mut y1, mut y2, mut t1, mut t2) = (ya.clone(), ya.clone(), wy.clone(), wy.clone());
    let (n1, n2) = (
        op.forward_xpby_norm_sqr(&x0, &mut y1, b, &mut t1)?,
        plain.forward_xpby_norm_sqr(&x0, &mut y2, b, &mut t2)?,
    );
    if bits(n1) != bits(n2) || y1 != y2 {
        bad.push("forward_xpby_norm_sqr");
    }
    let (mut y1, mut y2, mut t1, mut t2) = (ya.clone(), ya.clone(), wy.clone(), wy.clone());
    op.forward_add_into(&x0, &mut y1, &mut t1)?;
    plain.forward_add_into(&x0, &mut y2, &mut t2)?;
    if y1 != y2 {
        bad.push("forward_add_into");
    }
    let (mut y1, mut y2, mut t1, mut t2) = (ya.clone(), ya.clone(), wy.clone(), wy.clone());
    let (n1, n2) = (
        op.forward_add_into_norm_sqr(&x0, &mut y1, &mut t1)?,
        plain.forward_add_into_norm_sqr(&x0, &mut y2, &mut t2)?,
    );
    if bits(n1) != bits(n2) || y1 != y2 {
        bad.push("forward_add_into_norm_sqr");
    }
    let (mut x1, mut x2) = (xa.clone(), xa.clone());
    let (n1, n2) = (
        op.adjoint_into_norm_sqr(&y0, &mut x1)?,
        plain.adjoint_into_norm_sqr(&y0, &mut x2)?,
    );
    if bits(n1) != bits(n2) || x1 != x2 {
        bad.push("adjoint_into_norm_sqr");
    }
    let (mut x1, mut x2, mut t1, mut t2) = (xa.clone(), xa.clone(), x0.clone(), x0.clone());
    let (n1, n2) = (
        op.adjoint_xpby_norm_sqr(&y0, &mut x1, b, &mut t1)?,
        plain.adjoint_xpby_norm_sqr(&y0, &mut x2, b, &mut t2)?,
    );
    if bits(n1) != bits(n2) || x1 != x2 {
        bad.push("adjoint_xpby_norm_sqr");
    }
    let (mut x1, mut x2, mut t1, mut t2) = (xa.clone(), xa.clone(), x0.clone(), x0.clone());
    op.adjoint_add_into(&y0, &mut x1, &mut t1)?;
    plain.adjoint_add_into(&y0, &mut x2, &mut t2)?;
    if x1 != x2 {
        bad.push("adjoint_add_into");
    }
    let (mut x1, mut x2, mut t1, mut t2) = (xa.clone(), xa.clone(), x0.clone(), x0.clone());
    let (n1, n2) = (
        op.adjoint_add_into_norm_sqr(&y0, &mut x1, &mut t1)?,
        plain.adjoint_add_into_norm_sqr(&y0, &mut x2, &mut t2)?,
    );
    if bits(n1) != bits(n2) || x1 != x2 {
        bad.push("adjoint_add_into_norm_sqr");
    }
    // `x = w + A^H y` with `w` random, `x` starting from other random values.
    let mut wx = x.clone();
    random(&mut |r| wx.fill_random(r));
    for norm in [false, true] {
        let (mut x1, mut x2) = (xa.clone(), xa.clone());
        let (n1, n2) = (
            op.adjoint_add_from(&y0, &wx, &mut x1, norm)?,
            plain.adjoint_add_from(&y0, &wx, &mut x2, norm)?,
        );
        if bits(n1) != bits(n2) || x1 != x2 {
            bad.push("adjoint_add_from");
        }
    }
    // A passed-through input must be what the adjoint writes (compared where it is laid out as
    // the output, which is where callers use it).
    if let Some(w) = op.adjoint_passthrough(&y0) {
        let mut x1 = xa.clone();
        op.adjoint_into(&y0, &mut x1)?;
        if w.same_layout(&x1) && *w != x1 {
            bad.push("adjoint_passthrough");
        }
    }
    Ok(bad)
}
