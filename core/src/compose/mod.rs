//! Composition: adjoint, scaling, sum, difference, product and power (in `product`), and stacks
//! (in `stack`).
//!
//! Every composite is a small generic struct that carries its operands and checks their shapes when
//! built. Results follow pylops' order of operations (`A x + B x`, `alpha * (A x)`,
//! `conj(alpha) * (A^H y)`), so composites of bit-exact operators stay bit-exact.

use crate::error::{Error, Result};
use crate::operator::{LinearMap, LinearOperator, Scratch};
use crate::scalar::Scalar;
use crate::vector::Vector;

mod product;
mod stack;

pub use product::{Power, Product};
pub use stack::{BlockDiag, HStack, VStack};

fn incompatible(what: &str, a: &[usize], b: &[usize]) -> Error {
    Error::IncompatibleOperators(format!("{what}: {a:?} vs {b:?}"))
}

/// The adjoint `A^H` of an operator (see [`OperatorExt::h`]).
#[derive(Clone, Debug)]
pub struct Adjoint<A>(pub A);

impl<A: LinearOperator> LinearMap for Adjoint<A> {
    type Scalar = A::Scalar;
    type Domain = A::Range;
    type Range = A::Domain;
    fn dims(&self) -> Vec<usize> {
        self.0.dimsd()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.0.dims()
    }
    fn forward_into(&self, x: &A::Range, y: &mut A::Domain) -> Result<()> {
        self.0.adjoint_into(x, y)
    }
    fn forward_into_norm_sqr(&self, x: &A::Range, y: &mut A::Domain) -> Result<Real<A>> {
        self.0.adjoint_into_norm_sqr(x, y)
    }
    fn forward_xpby_norm_sqr(
        &self,
        x: &A::Range,
        y: &mut A::Domain,
        b: A::Scalar,
        tmp: &mut A::Domain,
    ) -> Result<Real<A>> {
        self.0.adjoint_xpby_norm_sqr(x, y, b, tmp)
    }
    fn forward_add_into(&self, x: &A::Range, y: &mut A::Domain, tmp: &mut A::Domain) -> Result<()> {
        self.0.adjoint_add_into(x, y, tmp)
    }
    fn forward_add_into_norm_sqr(
        &self,
        x: &A::Range,
        y: &mut A::Domain,
        tmp: &mut A::Domain,
    ) -> Result<Real<A>> {
        self.0.adjoint_add_into_norm_sqr(x, y, tmp)
    }
    fn range_like(&self, x: &A::Range) -> Result<A::Domain> {
        self.0.domain_like(x)
    }
    fn zeros_domain(&self) -> A::Range {
        self.0.zeros_range()
    }
    fn zeros_range(&self) -> A::Domain {
        self.0.zeros_domain()
    }
}

impl<A: LinearOperator> LinearOperator for Adjoint<A> {
    fn adjoint_into(&self, y: &A::Domain, x: &mut A::Range) -> Result<()> {
        self.0.forward_into(y, x)
    }
    fn adjoint_into_norm_sqr(&self, y: &A::Domain, x: &mut A::Range) -> Result<Real<A>> {
        self.0.forward_into_norm_sqr(y, x)
    }
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &A::Domain,
        x: &mut A::Range,
        b: A::Scalar,
        tmp: &mut A::Range,
    ) -> Result<Real<A>> {
        self.0.forward_xpby_norm_sqr(y, x, b, tmp)
    }
    fn adjoint_add_into(&self, y: &A::Domain, x: &mut A::Range, tmp: &mut A::Range) -> Result<()> {
        self.0.forward_add_into(y, x, tmp)
    }
    fn adjoint_add_into_norm_sqr(
        &self,
        y: &A::Domain,
        x: &mut A::Range,
        tmp: &mut A::Range,
    ) -> Result<Real<A>> {
        self.0.forward_add_into_norm_sqr(y, x, tmp)
    }
    fn domain_like(&self, y: &A::Domain) -> Result<A::Range> {
        self.0.range_like(y)
    }
}

/// `alpha * A`; its adjoint is `conj(alpha) * A^H`.
#[derive(Clone, Debug)]
pub struct Scaled<A: LinearMap> {
    op: A,
    alpha: A::Scalar,
}

impl<A: LinearMap> Scaled<A> {
    /// `alpha * op`.
    pub fn new(op: A, alpha: A::Scalar) -> Self {
        Self { op, alpha }
    }
}

impl<A: LinearMap> LinearMap for Scaled<A> {
    type Scalar = A::Scalar;
    type Domain = A::Domain;
    type Range = A::Range;
    fn dims(&self) -> Vec<usize> {
        self.op.dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.op.dimsd()
    }
    fn forward_into(&self, x: &A::Domain, y: &mut A::Range) -> Result<()> {
        self.op.forward_into(x, y)?;
        y.scale(self.alpha);
        Ok(())
    }
    fn forward_into_norm_sqr(&self, x: &A::Domain, y: &mut A::Range) -> Result<Real<A>> {
        self.op.forward_into(x, y)?;
        Ok(y.scale_norm_sqr(self.alpha))
    }
    // `y += alpha t` with `t = A x` in the work vector: the bits of `t * alpha` then `y += t`
    // (products and sums of two floats commute exactly), one pass fewer.
    fn forward_add_into(&self, x: &A::Domain, y: &mut A::Range, tmp: &mut A::Range) -> Result<()> {
        self.op.forward_into(x, tmp)?;
        y.axpy(self.alpha, tmp);
        Ok(())
    }
    fn forward_add_into_norm_sqr(
        &self,
        x: &A::Domain,
        y: &mut A::Range,
        tmp: &mut A::Range,
    ) -> Result<Real<A>> {
        self.op.forward_into(x, tmp)?;
        Ok(y.axpy_norm_sqr(self.alpha, tmp))
    }
    fn range_like(&self, x: &A::Domain) -> Result<A::Range> {
        self.op.range_like(x)
    }
    fn zeros_domain(&self) -> A::Domain {
        self.op.zeros_domain()
    }
    fn zeros_range(&self) -> A::Range {
        self.op.zeros_range()
    }
}

impl<A: LinearOperator> LinearOperator for Scaled<A> {
    fn adjoint_into(&self, y: &A::Range, x: &mut A::Domain) -> Result<()> {
        self.op.adjoint_into(y, x)?;
        x.scale(self.alpha.conj());
        Ok(())
    }
    fn adjoint_into_norm_sqr(&self, y: &A::Range, x: &mut A::Domain) -> Result<Real<A>> {
        self.op.adjoint_into(y, x)?;
        Ok(x.scale_norm_sqr(self.alpha.conj()))
    }
    fn adjoint_add_into(&self, y: &A::Range, x: &mut A::Domain, tmp: &mut A::Domain) -> Result<()> {
        self.op.adjoint_into(y, tmp)?;
        x.axpy(self.alpha.conj(), tmp);
        Ok(())
    }
    fn adjoint_add_into_norm_sqr(
        &self,
        y: &A::Range,
        x: &mut A::Domain,
        tmp: &mut A::Domain,
    ) -> Result<Real<A>> {
        self.op.adjoint_into(y, tmp)?;
        Ok(x.axpy_norm_sqr(self.alpha.conj(), tmp))
    }
    fn domain_like(&self, y: &A::Range) -> Result<A::Domain> {
        self.op.domain_like(y)
    }
}

/// `A + B` (or `A - B`): both applied to the same input, outputs added (subtracted). `A + B` adds
/// `B`'s output through its accumulating apply ([`LinearMap::forward_add_into`],
/// [`LinearOperator::adjoint_add_into`]): one pass where `B` overrides it, the same bits either way.
pub struct Sum<A: LinearMap, B> {
    a: A,
    b: B,
    minus: bool,
    fwd: Scratch<A::Range>,
    adj: Scratch<A::Domain>,
}

impl<A, B> Sum<A, B>
where
    A: LinearMap,
    B: LinearMap<Scalar = A::Scalar, Domain = A::Domain, Range = A::Range>,
{
    /// `a + b`; their `dims` and `dimsd` must agree.
    ///
    /// # Errors
    /// [`Error::IncompatibleOperators`] when the `dims` or the `dimsd` of `a` and `b` differ.
    pub fn new(a: A, b: B) -> Result<Self> {
        Self::build(a, b, false)
    }
    /// `a - b`; their `dims` and `dimsd` must agree.
    ///
    /// # Errors
    /// As [`Sum::new`].
    pub fn difference(a: A, b: B) -> Result<Self> {
        Self::build(a, b, true)
    }
    fn build(a: A, b: B, minus: bool) -> Result<Self> {
        if a.dims() != b.dims() {
            return Err(incompatible(
                "sum with different dims",
                &a.dims(),
                &b.dims(),
            ));
        }
        if a.dimsd() != b.dimsd() {
            return Err(incompatible(
                "sum with different dimsd",
                &a.dimsd(),
                &b.dimsd(),
            ));
        }
        Ok(Self {
            a,
            b,
            minus,
            fwd: Scratch::new(),
            adj: Scratch::new(),
        })
    }
}

impl<A, B> LinearMap for Sum<A, B>
where
    A: LinearMap,
    B: LinearMap<Scalar = A::Scalar, Domain = A::Domain, Range = A::Range>,
{
    type Scalar = A::Scalar;
    type Domain = A::Domain;
    type Range = A::Range;
    fn dims(&self) -> Vec<usize> {
        self.a.dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.a.dimsd()
    }
    fn forward_into(&self, x: &A::Domain, y: &mut A::Range) -> Result<()> {
        self.a.forward_into(x, y)?;
        let mut t = self.fwd.take(|t| t.same_layout(y), || Ok(y.zeros_like()))?;
        let r = if self.minus {
            self.b.forward_into(x, &mut t).map(|()| y.sub_assign(&t))
        } else {
            self.b.forward_add_into(x, y, &mut t)
        };
        self.fwd.give(t);
        r
    }
    fn forward_into_norm_sqr(&self, x: &A::Domain, y: &mut A::Range) -> Result<Real<A>> {
        self.a.forward_into(x, y)?;
        let mut t = self.fwd.take(|t| t.same_layout(y), || Ok(y.zeros_like()))?;
        let r = if self.minus {
            self.b
                .forward_into(x, &mut t)
                .map(|()| y.sub_assign_norm_sqr(&t))
        } else {
            self.b.forward_add_into_norm_sqr(x, y, &mut t)
        };
        self.fwd.give(t);
        r
    }
    fn range_like(&self, x: &A::Domain) -> Result<A::Range> {
        self.a.range_like(x)
    }
    fn zeros_domain(&self) -> A::Domain {
        self.a.zeros_domain()
    }
    fn zeros_range(&self) -> A::Range {
        self.a.zeros_range()
    }
}

impl<A, B> LinearOperator for Sum<A, B>
where
    A: LinearOperator,
    B: LinearOperator<Scalar = A::Scalar, Domain = A::Domain, Range = A::Range>,
{
    fn adjoint_into(&self, y: &A::Range, x: &mut A::Domain) -> Result<()> {
        self.a.adjoint_into(y, x)?;
        let mut t = self.adj.take(|t| t.same_layout(x), || Ok(x.zeros_like()))?;
        let r = if self.minus {
            self.b.adjoint_into(y, &mut t).map(|()| x.sub_assign(&t))
        } else {
            self.b.adjoint_add_into(y, x, &mut t)
        };
        self.adj.give(t);
        r
    }
    fn adjoint_into_norm_sqr(&self, y: &A::Range, x: &mut A::Domain) -> Result<Real<A>> {
        self.a.adjoint_into(y, x)?;
        let mut t = self.adj.take(|t| t.same_layout(x), || Ok(x.zeros_like()))?;
        let r = if self.minus {
            self.b
                .adjoint_into(y, &mut t)
                .map(|()| x.sub_assign_norm_sqr(&t))
        } else {
            self.b.adjoint_add_into_norm_sqr(y, x, &mut t)
        };
        self.adj.give(t);
        r
    }
    fn domain_like(&self, y: &A::Range) -> Result<A::Domain> {
        self.a.domain_like(y)
    }
}

/// The real type of an operator's scalars.
type Real<O> = <<O as LinearMap>::Scalar as Scalar>::Real;

/// Composition methods available on every operator (the adjoint `h` on those that have one).
///
/// ```
/// use rylops_core::{dot_test, ChunkedArray, FunctionOperator, LinearMap, OperatorExt, Vector};
/// let a = FunctionOperator::<f64>::new(
///     &[5],
///     &[5],
///     |x, y| { y.axpy(2.0, x); Ok(()) },
///     |y, x| { x.axpy(2.0, y); Ok(()) },
/// ).unwrap();
/// // (A^H A + 3 A)^2, built from references so `a` stays usable.
/// let op = (&a).h().times(&a).unwrap().plus((&a).scaled(3.0)).unwrap().pow(2).unwrap();
/// let x = ChunkedArray::from_array(ndarray::ArrayD::from_elem(ndarray::IxDyn(&[5]), 1.0));
/// assert_eq!(op.forward(&x).unwrap().to_array()[[0]], 100.0); // (4 + 6)^2
/// assert!(dot_test(&op, 1).unwrap().passed);
/// ```
pub trait OperatorExt: LinearMap + Sized {
    /// The adjoint `A^H` (of an operator with an adjoint).
    fn h(self) -> Adjoint<Self>
    where
        Self: LinearOperator,
    {
        Adjoint(self)
    }
    /// `alpha * A`.
    fn scaled(self, alpha: Self::Scalar) -> Scaled<Self> {
        Scaled::new(self, alpha)
    }
    /// `A + B`.
    ///
    /// # Errors
    /// As [`Sum::new`].
    fn plus<B>(self, b: B) -> Result<Sum<Self, B>>
    where
        B: LinearMap<Scalar = Self::Scalar, Domain = Self::Domain, Range = Self::Range>,
    {
        Sum::new(self, b)
    }
    /// `A - B`.
    ///
    /// # Errors
    /// As [`Sum::difference`].
    fn minus<B>(self, b: B) -> Result<Sum<Self, B>>
    where
        B: LinearMap<Scalar = Self::Scalar, Domain = Self::Domain, Range = Self::Range>,
    {
        Sum::difference(self, b)
    }
    /// The product `A B` (`B` applied first).
    ///
    /// # Errors
    /// As [`Product::new`].
    fn times<B>(self, b: B) -> Result<Product<Self, B>>
    where
        B: LinearMap<Scalar = Self::Scalar, Range = Self::Domain>,
    {
        Product::new(self, b)
    }
    /// `A^k`.
    ///
    /// # Errors
    /// As [`Power::new`].
    fn pow(self, k: u32) -> Result<Power<Self>>
    where
        Self: LinearMap<Range = <Self as LinearMap>::Domain>,
    {
        Power::new(self, k)
    }
}

impl<O: LinearMap + Sized> OperatorExt for O {}

#[allow(dead_code)]
fn _object_safe<T: Scalar>(_: &crate::operator::BoxOp<T>) {}

#[cfg(test)]
mod fused_tests;
