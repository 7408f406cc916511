//! The product `A B` and the power `A^k` of operators, with the work vectors they keep between
//! calls.

use super::{incompatible, Real};
use crate::error::{Error, Result};
use crate::operator::{LinearMap, LinearOperator, Scratch};
use crate::vector::Vector;

/// The product `A B` (`B` applied first).
pub struct Product<A: LinearMap, B: LinearMap> {
    a: A,
    b: B,
    // Work vectors keyed by the layout of the input they were made for, so that after the first call
    // of a given layout nothing is allocated.
    fwd: Scratch<(B::Domain, B::Range)>,
    adj: Scratch<(A::Range, B::Range)>,
}

impl<A, B> Product<A, B>
where
    A: LinearMap,
    B: LinearMap<Scalar = A::Scalar, Range = A::Domain>,
{
    /// `a * b`; `a.dims()` must equal `b.dimsd()`.
    ///
    /// # Errors
    /// [`Error::IncompatibleOperators`] when `a.dims() != b.dimsd()`.
    pub fn new(a: A, b: B) -> Result<Self> {
        if a.dims() != b.dimsd() {
            return Err(incompatible(
                "product A*B needs A.dims == B.dimsd",
                &a.dims(),
                &b.dimsd(),
            ));
        }
        Ok(Self {
            a,
            b,
            fwd: Scratch::new(),
            adj: Scratch::new(),
        })
    }
}

impl<A, B> LinearMap for Product<A, B>
where
    A: LinearMap,
    B: LinearMap<Scalar = A::Scalar, Range = A::Domain>,
{
    type Scalar = A::Scalar;
    type Domain = B::Domain;
    type Range = A::Range;
    fn dims(&self) -> Vec<usize> {
        self.b.dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.a.dimsd()
    }
    fn forward_into(&self, x: &B::Domain, y: &mut A::Range) -> Result<()> {
        let mut w = self.fwd.take(
            |(key, _)| key.same_layout(x),
            || Ok((x.zeros_like(), self.b.range_like(x)?)),
        )?;
        let r = self
            .b
            .forward_into(x, &mut w.1)
            .and_then(|_| self.a.forward_into(&w.1, y));
        self.fwd.give(w);
        r
    }
    fn forward_into_norm_sqr(&self, x: &B::Domain, y: &mut A::Range) -> Result<Real<A>> {
        let mut w = self.fwd.take(
            |(key, _)| key.same_layout(x),
            || Ok((x.zeros_like(), self.b.range_like(x)?)),
        )?;
        let r = self
            .b
            .forward_into(x, &mut w.1)
            .and_then(|_| self.a.forward_into_norm_sqr(&w.1, y));
        self.fwd.give(w);
        r
    }
    fn forward_into_dot(&self, x: &B::Domain, y: &mut A::Range, v: &A::Range) -> Result<A::Scalar> {
        let mut w = self.fwd.take(
            |(key, _)| key.same_layout(x),
            || Ok((x.zeros_like(), self.b.range_like(x)?)),
        )?;
        let r = self
            .b
            .forward_into(x, &mut w.1)
            .and_then(|_| self.a.forward_into_dot(&w.1, y, v));
        self.fwd.give(w);
        r
    }
    fn forward_xpby_norm_sqr(
        &self,
        x: &B::Domain,
        y: &mut A::Range,
        b: A::Scalar,
        tmp: &mut A::Range,
    ) -> Result<Real<A>> {
        let mut w = self.fwd.take(
            |(key, _)| key.same_layout(x),
            || Ok((x.zeros_like(), self.b.range_like(x)?)),
        )?;
        let r = self
            .b
            .forward_into(x, &mut w.1)
            .and_then(|_| self.a.forward_xpby_norm_sqr(&w.1, y, b, tmp));
        self.fwd.give(w);
        r
    }
    fn forward_add_into(&self, x: &B::Domain, y: &mut A::Range, tmp: &mut A::Range) -> Result<()> {
        let mut w = self.fwd.take(
            |(key, _)| key.same_layout(x),
            || Ok((x.zeros_like(), self.b.range_like(x)?)),
        )?;
        let r = self
            .b
            .forward_into(x, &mut w.1)
            .and_then(|_| self.a.forward_add_into(&w.1, y, tmp));
        self.fwd.give(w);
        r
    }
    fn forward_add_into_norm_sqr(
        &self,
        x: &B::Domain,
        y: &mut A::Range,
        tmp: &mut A::Range,
    ) -> Result<Real<A>> {
        let mut w = self.fwd.take(
            |(key, _)| key.same_layout(x),
            || Ok((x.zeros_like(), self.b.range_like(x)?)),
        )?;
        let r = self
            .b
            .forward_into(x, &mut w.1)
            .and_then(|_| self.a.forward_add_into_norm_sqr(&w.1, y, tmp));
        self.fwd.give(w);
        r
    }
    // The intermediate vector made here is exactly the work vector `forward_into` needs for an
    // input laid out like `x`: it is kept in the scratch pool (unless one is there already). In a
    // chain of nested products every level's intermediate is then made once, by the outermost
    // `range_like`, instead of once per enclosing level (which was quadratic in the depth).
    fn range_like(&self, x: &B::Domain) -> Result<A::Range> {
        let mid = self.b.range_like(x)?;
        let out = self.a.range_like(&mid)?;
        let w = self
            .fwd
            .take(|(key, _)| key.same_layout(x), || Ok((x.zeros_like(), mid)))?;
        self.fwd.give(w);
        Ok(out)
    }
    fn zeros_domain(&self) -> B::Domain {
        self.b.zeros_domain()
    }
    fn zeros_range(&self) -> A::Range {
        self.a.zeros_range()
    }
}

impl<A, B> LinearOperator for Product<A, B>
where
    A: LinearOperator,
    B: LinearOperator<Scalar = A::Scalar, Range = A::Domain>,
{
    fn adjoint_into(&self, y: &A::Range, x: &mut B::Domain) -> Result<()> {
        let mut w = self.adj.take(
            |(key, _)| key.same_layout(y),
            || Ok((y.zeros_like(), self.a.domain_like(y)?)),
        )?;
        let r = self
            .a
            .adjoint_into(y, &mut w.1)
            .and_then(|_| self.b.adjoint_into(&w.1, x));
        self.adj.give(w);
        r
    }
    fn adjoint_into_norm_sqr(&self, y: &A::Range, x: &mut B::Domain) -> Result<Real<A>> {
        let mut w = self.adj.take(
            |(key, _)| key.same_layout(y),
            || Ok((y.zeros_like(), self.a.domain_like(y)?)),
        )?;
        let r = self
            .a
            .adjoint_into(y, &mut w.1)
            .and_then(|_| self.b.adjoint_into_norm_sqr(&w.1, x));
        self.adj.give(w);
        r
    }
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &A::Range,
        x: &mut B::Domain,
        b: A::Scalar,
        tmp: &mut B::Domain,
    ) -> Result<Real<A>> {
        let mut w = self.adj.take(
            |(key, _)| key.same_layout(y),
            || Ok((y.zeros_like(), self.a.domain_like(y)?)),
        )?;
        let r = self
            .a
            .adjoint_into(y, &mut w.1)
            .and_then(|_| self.b.adjoint_xpby_norm_sqr(&w.1, x, b, tmp));
        self.adj.give(w);
        r
    }
    fn adjoint_add_into(&self, y: &A::Range, x: &mut B::Domain, tmp: &mut B::Domain) -> Result<()> {
        let mut w = self.adj.take(
            |(key, _)| key.same_layout(y),
            || Ok((y.zeros_like(), self.a.domain_like(y)?)),
        )?;
        let r = self
            .a
            .adjoint_into(y, &mut w.1)
            .and_then(|_| self.b.adjoint_add_into(&w.1, x, tmp));
        self.adj.give(w);
        r
    }
    fn adjoint_add_into_norm_sqr(
        &self,
        y: &A::Range,
        x: &mut B::Domain,
        tmp: &mut B::Domain,
    ) -> Result<Real<A>> {
        let mut w = self.adj.take(
            |(key, _)| key.same_layout(y),
            || Ok((y.zeros_like(), self.a.domain_like(y)?)),
        )?;
        let r = self
            .a
            .adjoint_into(y, &mut w.1)
            .and_then(|_| self.b.adjoint_add_into_norm_sqr(&w.1, x, tmp));
        self.adj.give(w);
        r
    }
    fn domain_like(&self, y: &A::Range) -> Result<B::Domain> {
        let mid = self.a.domain_like(y)?;
        let out = self.b.domain_like(&mid)?;
        let w = self
            .adj
            .take(|(key, _)| key.same_layout(y), || Ok((y.zeros_like(), mid)))?;
        self.adj.give(w);
        Ok(out)
    }
}

/// `A^k` for a square operator (`A^0` is the identity).
pub struct Power<A: LinearMap> {
    a: A,
    k: u32,
    scratch: Scratch<A::Domain>,
}

impl<A: LinearMap<Range = <A as LinearMap>::Domain>> Power<A> {
    /// `a^k`; `a` must be square (`dims == dimsd`).
    ///
    /// # Errors
    /// [`Error::IncompatibleOperators`] when `a.dims() != a.dimsd()`.
    pub fn new(a: A, k: u32) -> Result<Self> {
        if a.dims() != a.dimsd() {
            return Err(incompatible(
                "power of a non-square operator",
                &a.dims(),
                &a.dimsd(),
            ));
        }
        Ok(Self {
            a,
            k,
            scratch: Scratch::new(),
        })
    }
    /// `y = A^k x` where `go(i, o)` applies `A` (or `A^H`) once.
    fn apply(
        &self,
        x: &A::Domain,
        y: &mut A::Domain,
        go: impl Fn(&A::Domain, &mut A::Domain) -> Result<()>,
    ) -> Result<()> {
        if self.k == 0 {
            // Check the input as any other power would (through the operator: its shape, not only
            // its length), once per layout: a vector in the pool was made for a validated input.
            // `copy_from` panics on different layouts, so the output must match the input.
            let t = self.scratch.take(
                |t| t.same_layout(x),
                || {
                    // Square: `dims == dimsd`, so `range_like` checks the adjoint's input too.
                    let probe = self.a.range_like(x)?;
                    Ok(if probe.same_layout(x) {
                        probe
                    } else {
                        x.zeros_like()
                    })
                },
            )?;
            self.scratch.give(t);
            if !y.same_layout(x) {
                // The operator names a wrong output shape; otherwise only the chunking differs.
                self.a.range_like(y)?;
                return Err(Error::ChunkMismatch(
                    "A^0 (identity): input and output are laid out differently".into(),
                ));
            }
            y.copy_from(x);
            return Ok(());
        }
        let mut t = self
            .scratch
            .take(|t| t.same_layout(x), || Ok(x.zeros_like()))?;
        // Ping-pong so that the last application lands in `y`.
        let mut r = Ok(());
        for step in 0..self.k {
            let remaining = self.k - step;
            r = if step == 0 {
                if remaining % 2 == 1 {
                    go(x, y)
                } else {
                    go(x, &mut t)
                }
            } else if remaining % 2 == 1 {
                go(&t, y)
            } else {
                go(y, &mut t)
            };
            if r.is_err() {
                break;
            }
        }
        self.scratch.give(t);
        r
    }
}

impl<A: LinearMap<Range = <A as LinearMap>::Domain>> LinearMap for Power<A> {
    type Scalar = A::Scalar;
    type Domain = A::Domain;
    type Range = A::Domain;
    fn dims(&self) -> Vec<usize> {
        self.a.dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.a.dimsd()
    }
    fn forward_into(&self, x: &A::Domain, y: &mut A::Domain) -> Result<()> {
        self.apply(x, y, |i, o| self.a.forward_into(i, o))
    }
    fn range_like(&self, x: &A::Domain) -> Result<A::Domain> {
        Ok(x.zeros_like())
    }
    fn zeros_domain(&self) -> A::Domain {
        self.a.zeros_domain()
    }
    fn zeros_range(&self) -> A::Domain {
        self.a.zeros_domain()
    }
}

impl<A: LinearOperator<Range = <A as LinearMap>::Domain>> LinearOperator for Power<A> {
    fn adjoint_into(&self, y: &A::Domain, x: &mut A::Domain) -> Result<()> {
        self.apply(y, x, |i, o| self.a.adjoint_into(i, o))
    }
    fn domain_like(&self, y: &A::Domain) -> Result<A::Domain> {
        Ok(y.zeros_like())
    }
}
