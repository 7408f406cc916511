//! Composition: adjoint, scaling, sum, difference, product, power, and stacks.
//!
//! Every composite is a small generic struct that carries its operands and checks their shapes when
//! built. Results follow pylops' order of operations (`A x + B x`, `alpha * (A x)`,
//! `conj(alpha) * (A^H y)`), so composites of bit-exact operators stay bit-exact.

use crate::error::{Error, Result};
use crate::operator::{LinearMap, LinearOperator, Scratch};
use crate::scalar::Scalar;
use crate::vector::{Stack, Vector};
use num_traits::Zero;

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
    fn domain_like(&self, y: &A::Range) -> Result<A::Domain> {
        self.op.domain_like(y)
    }
}

/// `A + B` (or `A - B`): both applied to the same input, outputs added (subtracted).
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
        let r = self.b.forward_into(x, &mut t);
        if r.is_ok() {
            if self.minus {
                y.sub_assign(&t)
            } else {
                y.add_assign(&t)
            }
        }
        self.fwd.give(t);
        r
    }
    fn forward_into_norm_sqr(&self, x: &A::Domain, y: &mut A::Range) -> Result<Real<A>> {
        self.a.forward_into(x, y)?;
        let mut t = self.fwd.take(|t| t.same_layout(y), || Ok(y.zeros_like()))?;
        let r = self.b.forward_into(x, &mut t).map(|()| {
            if self.minus {
                y.sub_assign_norm_sqr(&t)
            } else {
                y.add_assign_norm_sqr(&t)
            }
        });
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
        let r = self.b.adjoint_into(y, &mut t);
        if r.is_ok() {
            if self.minus {
                x.sub_assign(&t)
            } else {
                x.add_assign(&t)
            }
        }
        self.adj.give(t);
        r
    }
    fn adjoint_into_norm_sqr(&self, y: &A::Range, x: &mut A::Domain) -> Result<Real<A>> {
        self.a.adjoint_into(y, x)?;
        let mut t = self.adj.take(|t| t.same_layout(x), || Ok(x.zeros_like()))?;
        let r = self.b.adjoint_into(y, &mut t).map(|()| {
            if self.minus {
                x.sub_assign_norm_sqr(&t)
            } else {
                x.add_assign_norm_sqr(&t)
            }
        });
        self.adj.give(t);
        r
    }
    fn domain_like(&self, y: &A::Range) -> Result<A::Domain> {
        self.a.domain_like(y)
    }
}

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

/// Vertical stack `[A1; A2; ...]`: one model, a stacked data vector (one part per operator).
pub struct VStack<O: LinearMap> {
    ops: Vec<O>,
    scratch: Scratch<O::Domain>,
}

impl<O: LinearMap> VStack<O> {
    /// Stacks operators that share the same `dims`.
    ///
    /// # Errors
    /// [`Error::IncompatibleOperators`] for an empty list or operators with different `dims`.
    pub fn new(ops: Vec<O>) -> Result<Self> {
        let first = ops
            .first()
            .ok_or_else(|| Error::IncompatibleOperators("VStack of no operators".into()))?
            .dims();
        for o in &ops[1..] {
            if o.dims() != first {
                return Err(incompatible(
                    "VStack operators with different dims",
                    &first,
                    &o.dims(),
                ));
            }
        }
        Ok(Self {
            ops,
            scratch: Scratch::new(),
        })
    }
    /// The stacked operators.
    pub fn ops(&self) -> &[O] {
        &self.ops
    }
}

/// The real type of an operator's scalars.
type Real<O> = <<O as LinearMap>::Scalar as Scalar>::Real;

/// The panic of a binary operation on stacks with different numbers of parts (as `Stack::dot`).
#[track_caller]
fn assert_same_parts<V>(w: &Stack<V>, y: &Stack<V>) {
    assert_eq!(
        w.0.len(),
        y.0.len(),
        "stacked vectors with {} and {} parts",
        w.0.len(),
        y.0.len()
    );
}

/// `out += apply(op_i, in_i)` for every operator in turn (through the work vector `t`), as the
/// sums of `VStack::adjoint_into` and `HStack::forward_into`, with the squared norm of `out` taken
/// in the pass of the last addition. `ops` and `ins` are not empty.
fn sum_into<O: LinearMap, I, V: Vector<O::Scalar>>(
    ops: &[O],
    ins: &[I],
    out: &mut V,
    t: &mut V,
    apply: impl Fn(&O, &I, &mut V) -> Result<()>,
) -> Result<Real<O>> {
    let last = ops.len() - 1;
    for (o, i) in ops[..last].iter().zip(ins) {
        apply(o, i, t)?;
        out.add_assign(t);
    }
    apply(&ops[last], &ins[last], t)?;
    Ok(out.add_assign_norm_sqr(t))
}

fn check_parts<V>(s: &Stack<V>, n: usize, what: &str) -> Result<()> {
    if s.0.len() != n {
        return Err(Error::ShapeMismatch {
            context: format!("{what}: number of stacked parts"),
            expected: vec![n],
            got: vec![s.0.len()],
        });
    }
    Ok(())
}

impl<O: LinearMap> LinearMap for VStack<O> {
    type Scalar = O::Scalar;
    type Domain = O::Domain;
    type Range = Stack<O::Range>;
    fn dims(&self) -> Vec<usize> {
        self.ops[0].dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        vec![self.ops.iter().map(|o| o.shape().0).sum()]
    }
    fn forward_into(&self, x: &O::Domain, y: &mut Stack<O::Range>) -> Result<()> {
        check_parts(y, self.ops.len(), "VStack forward output")?;
        for (o, yi) in self.ops.iter().zip(y.0.iter_mut()) {
            o.forward_into(x, yi)?;
        }
        Ok(())
    }
    // The parts' norms summed in the order of `Stack::norm_sqr`.
    fn forward_into_norm_sqr(&self, x: &O::Domain, y: &mut Stack<O::Range>) -> Result<Real<O>> {
        check_parts(y, self.ops.len(), "VStack forward output")?;
        let mut acc = Real::<O>::zero();
        for (o, yi) in self.ops.iter().zip(y.0.iter_mut()) {
            acc += o.forward_into_norm_sqr(x, yi)?;
        }
        Ok(acc)
    }
    // Part by part, the norms summed in the order of `Stack::xpby_norm_sqr`.
    fn forward_xpby_norm_sqr(
        &self,
        x: &O::Domain,
        y: &mut Stack<O::Range>,
        b: O::Scalar,
        tmp: &mut Stack<O::Range>,
    ) -> Result<Real<O>> {
        check_parts(y, self.ops.len(), "VStack forward output")?;
        assert_same_parts(tmp, y);
        let mut acc = Real::<O>::zero();
        for ((o, yi), ti) in self.ops.iter().zip(y.0.iter_mut()).zip(tmp.0.iter_mut()) {
            acc += o.forward_xpby_norm_sqr(x, yi, b, ti)?;
        }
        Ok(acc)
    }
    // The parts' inner products summed in the order of `Stack::dot`.
    fn forward_into_dot(
        &self,
        x: &O::Domain,
        y: &mut Stack<O::Range>,
        w: &Stack<O::Range>,
    ) -> Result<O::Scalar> {
        check_parts(y, self.ops.len(), "VStack forward output")?;
        assert_same_parts(w, y);
        let mut acc = O::Scalar::zero();
        for ((o, yi), wi) in self.ops.iter().zip(y.0.iter_mut()).zip(&w.0) {
            acc += o.forward_into_dot(x, yi, wi)?;
        }
        Ok(acc)
    }
    fn range_like(&self, x: &O::Domain) -> Result<Stack<O::Range>> {
        Ok(Stack(
            self.ops
                .iter()
                .map(|o| o.range_like(x))
                .collect::<Result<_>>()?,
        ))
    }
    fn zeros_domain(&self) -> O::Domain {
        self.ops[0].zeros_domain()
    }
    fn zeros_range(&self) -> Stack<O::Range> {
        Stack(self.ops.iter().map(|o| o.zeros_range()).collect())
    }
}

impl<O: LinearOperator> LinearOperator for VStack<O> {
    fn adjoint_into(&self, y: &Stack<O::Range>, x: &mut O::Domain) -> Result<()> {
        check_parts(y, self.ops.len(), "VStack adjoint input")?;
        self.ops[0].adjoint_into(&y.0[0], x)?;
        if self.ops.len() == 1 {
            return Ok(());
        }
        let mut t = self
            .scratch
            .take(|t| t.same_layout(x), || Ok(x.zeros_like()))?;
        let mut r = Ok(());
        for (o, yi) in self.ops.iter().zip(&y.0).skip(1) {
            r = o.adjoint_into(yi, &mut t);
            if r.is_err() {
                break;
            }
            x.add_assign(&t);
        }
        self.scratch.give(t);
        r
    }
    // As `adjoint_into`, the norm taken in the pass of the last addition.
    fn adjoint_into_norm_sqr(&self, y: &Stack<O::Range>, x: &mut O::Domain) -> Result<Real<O>> {
        check_parts(y, self.ops.len(), "VStack adjoint input")?;
        if self.ops.len() == 1 {
            return self.ops[0].adjoint_into_norm_sqr(&y.0[0], x);
        }
        self.ops[0].adjoint_into(&y.0[0], x)?;
        let mut t = self
            .scratch
            .take(|t| t.same_layout(x), || Ok(x.zeros_like()))?;
        let r = sum_into(&self.ops[1..], &y.0[1..], x, &mut t, |o, yi, t| {
            o.adjoint_into(yi, t)
        });
        self.scratch.give(t);
        r
    }
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &Stack<O::Range>,
        x: &mut O::Domain,
        b: O::Scalar,
        tmp: &mut O::Domain,
    ) -> Result<Real<O>> {
        check_parts(y, self.ops.len(), "VStack adjoint input")?;
        if self.ops.len() == 1 {
            return self.ops[0].adjoint_xpby_norm_sqr(&y.0[0], x, b, tmp);
        }
        self.adjoint_into(y, tmp)?;
        Ok(x.xpby_norm_sqr(tmp, b))
    }
    fn domain_like(&self, y: &Stack<O::Range>) -> Result<O::Domain> {
        check_parts(y, self.ops.len(), "VStack")?;
        self.ops[0].domain_like(&y.0[0])
    }
}

/// Horizontal stack `[A1, A2, ...]`: a stacked model, one data vector (`sum_i A_i x_i`).
pub struct HStack<O: LinearMap> {
    ops: Vec<O>,
    scratch: Scratch<O::Range>,
}

impl<O: LinearMap> HStack<O> {
    /// Stacks operators that share the same `dimsd`.
    ///
    /// # Errors
    /// [`Error::IncompatibleOperators`] for an empty list or operators with different `dimsd`.
    pub fn new(ops: Vec<O>) -> Result<Self> {
        let first = ops
            .first()
            .ok_or_else(|| Error::IncompatibleOperators("HStack of no operators".into()))?
            .dimsd();
        for o in &ops[1..] {
            if o.dimsd() != first {
                return Err(incompatible(
                    "HStack operators with different dimsd",
                    &first,
                    &o.dimsd(),
                ));
            }
        }
        Ok(Self {
            ops,
            scratch: Scratch::new(),
        })
    }
}

impl<O: LinearMap> LinearMap for HStack<O> {
    type Scalar = O::Scalar;
    type Domain = Stack<O::Domain>;
    type Range = O::Range;
    fn dims(&self) -> Vec<usize> {
        vec![self.ops.iter().map(|o| o.shape().1).sum()]
    }
    fn dimsd(&self) -> Vec<usize> {
        self.ops[0].dimsd()
    }
    fn forward_into(&self, x: &Stack<O::Domain>, y: &mut O::Range) -> Result<()> {
        check_parts(x, self.ops.len(), "HStack forward input")?;
        self.ops[0].forward_into(&x.0[0], y)?;
        if self.ops.len() == 1 {
            return Ok(());
        }
        let mut t = self
            .scratch
            .take(|t| t.same_layout(y), || Ok(y.zeros_like()))?;
        let mut r = Ok(());
        for (o, xi) in self.ops.iter().zip(&x.0).skip(1) {
            r = o.forward_into(xi, &mut t);
            if r.is_err() {
                break;
            }
            y.add_assign(&t);
        }
        self.scratch.give(t);
        r
    }
    // As `forward_into`, the norm taken in the pass of the last addition.
    fn forward_into_norm_sqr(&self, x: &Stack<O::Domain>, y: &mut O::Range) -> Result<Real<O>> {
        check_parts(x, self.ops.len(), "HStack forward input")?;
        if self.ops.len() == 1 {
            return self.ops[0].forward_into_norm_sqr(&x.0[0], y);
        }
        self.ops[0].forward_into(&x.0[0], y)?;
        let mut t = self
            .scratch
            .take(|t| t.same_layout(y), || Ok(y.zeros_like()))?;
        let r = sum_into(&self.ops[1..], &x.0[1..], y, &mut t, |o, xi, t| {
            o.forward_into(xi, t)
        });
        self.scratch.give(t);
        r
    }
    fn forward_xpby_norm_sqr(
        &self,
        x: &Stack<O::Domain>,
        y: &mut O::Range,
        b: O::Scalar,
        tmp: &mut O::Range,
    ) -> Result<Real<O>> {
        check_parts(x, self.ops.len(), "HStack forward input")?;
        if self.ops.len() == 1 {
            return self.ops[0].forward_xpby_norm_sqr(&x.0[0], y, b, tmp);
        }
        self.forward_into(x, tmp)?;
        Ok(y.xpby_norm_sqr(tmp, b))
    }
    fn range_like(&self, x: &Stack<O::Domain>) -> Result<O::Range> {
        check_parts(x, self.ops.len(), "HStack")?;
        self.ops[0].range_like(&x.0[0])
    }
    fn zeros_domain(&self) -> Stack<O::Domain> {
        Stack(self.ops.iter().map(|o| o.zeros_domain()).collect())
    }
    fn zeros_range(&self) -> O::Range {
        self.ops[0].zeros_range()
    }
}

impl<O: LinearOperator> LinearOperator for HStack<O> {
    fn adjoint_into(&self, y: &O::Range, x: &mut Stack<O::Domain>) -> Result<()> {
        check_parts(x, self.ops.len(), "HStack adjoint output")?;
        for (o, xi) in self.ops.iter().zip(x.0.iter_mut()) {
            o.adjoint_into(y, xi)?;
        }
        Ok(())
    }
    // The parts' norms summed in the order of `Stack::norm_sqr`.
    fn adjoint_into_norm_sqr(&self, y: &O::Range, x: &mut Stack<O::Domain>) -> Result<Real<O>> {
        check_parts(x, self.ops.len(), "HStack adjoint output")?;
        let mut acc = Real::<O>::zero();
        for (o, xi) in self.ops.iter().zip(x.0.iter_mut()) {
            acc += o.adjoint_into_norm_sqr(y, xi)?;
        }
        Ok(acc)
    }
    // Part by part, the norms summed in the order of `Stack::xpby_norm_sqr`.
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &O::Range,
        x: &mut Stack<O::Domain>,
        b: O::Scalar,
        tmp: &mut Stack<O::Domain>,
    ) -> Result<Real<O>> {
        check_parts(x, self.ops.len(), "HStack adjoint output")?;
        assert_same_parts(tmp, x);
        let mut acc = Real::<O>::zero();
        for ((o, xi), ti) in self.ops.iter().zip(x.0.iter_mut()).zip(tmp.0.iter_mut()) {
            acc += o.adjoint_xpby_norm_sqr(y, xi, b, ti)?;
        }
        Ok(acc)
    }
    fn domain_like(&self, y: &O::Range) -> Result<Stack<O::Domain>> {
        Ok(Stack(
            self.ops
                .iter()
                .map(|o| o.domain_like(y))
                .collect::<Result<_>>()?,
        ))
    }
}

/// Block-diagonal operator `diag(A1, A2, ...)` on stacked vectors.
pub struct BlockDiag<O>(Vec<O>);

impl<O: LinearMap> BlockDiag<O> {
    /// A block-diagonal operator (any shapes).
    ///
    /// # Errors
    /// [`Error::IncompatibleOperators`] for an empty list.
    pub fn new(ops: Vec<O>) -> Result<Self> {
        if ops.is_empty() {
            return Err(Error::IncompatibleOperators(
                "BlockDiag of no operators".into(),
            ));
        }
        Ok(Self(ops))
    }
}

impl<O: LinearMap> LinearMap for BlockDiag<O> {
    type Scalar = O::Scalar;
    type Domain = Stack<O::Domain>;
    type Range = Stack<O::Range>;
    fn dims(&self) -> Vec<usize> {
        vec![self.0.iter().map(|o| o.shape().1).sum()]
    }
    fn dimsd(&self) -> Vec<usize> {
        vec![self.0.iter().map(|o| o.shape().0).sum()]
    }
    fn forward_into(&self, x: &Stack<O::Domain>, y: &mut Stack<O::Range>) -> Result<()> {
        check_parts(x, self.0.len(), "BlockDiag forward input")?;
        check_parts(y, self.0.len(), "BlockDiag forward output")?;
        for ((o, xi), yi) in self.0.iter().zip(&x.0).zip(y.0.iter_mut()) {
            o.forward_into(xi, yi)?;
        }
        Ok(())
    }
    // The parts' norms summed in the order of `Stack::norm_sqr`.
    fn forward_into_norm_sqr(
        &self,
        x: &Stack<O::Domain>,
        y: &mut Stack<O::Range>,
    ) -> Result<Real<O>> {
        check_parts(x, self.0.len(), "BlockDiag forward input")?;
        check_parts(y, self.0.len(), "BlockDiag forward output")?;
        let mut acc = Real::<O>::zero();
        for ((o, xi), yi) in self.0.iter().zip(&x.0).zip(y.0.iter_mut()) {
            acc += o.forward_into_norm_sqr(xi, yi)?;
        }
        Ok(acc)
    }
    // Part by part, the norms summed in the order of `Stack::xpby_norm_sqr`.
    fn forward_xpby_norm_sqr(
        &self,
        x: &Stack<O::Domain>,
        y: &mut Stack<O::Range>,
        b: O::Scalar,
        tmp: &mut Stack<O::Range>,
    ) -> Result<Real<O>> {
        check_parts(x, self.0.len(), "BlockDiag forward input")?;
        check_parts(y, self.0.len(), "BlockDiag forward output")?;
        assert_same_parts(tmp, y);
        let mut acc = Real::<O>::zero();
        for (((o, xi), yi), ti) in self
            .0
            .iter()
            .zip(&x.0)
            .zip(y.0.iter_mut())
            .zip(tmp.0.iter_mut())
        {
            acc += o.forward_xpby_norm_sqr(xi, yi, b, ti)?;
        }
        Ok(acc)
    }
    // The parts' inner products summed in the order of `Stack::dot`.
    fn forward_into_dot(
        &self,
        x: &Stack<O::Domain>,
        y: &mut Stack<O::Range>,
        w: &Stack<O::Range>,
    ) -> Result<O::Scalar> {
        check_parts(x, self.0.len(), "BlockDiag forward input")?;
        check_parts(y, self.0.len(), "BlockDiag forward output")?;
        assert_same_parts(w, y);
        let mut acc = O::Scalar::zero();
        for (((o, xi), yi), wi) in self.0.iter().zip(&x.0).zip(y.0.iter_mut()).zip(&w.0) {
            acc += o.forward_into_dot(xi, yi, wi)?;
        }
        Ok(acc)
    }
    fn range_like(&self, x: &Stack<O::Domain>) -> Result<Stack<O::Range>> {
        check_parts(x, self.0.len(), "BlockDiag")?;
        Ok(Stack(
            self.0
                .iter()
                .zip(&x.0)
                .map(|(o, xi)| o.range_like(xi))
                .collect::<Result<_>>()?,
        ))
    }
    fn zeros_domain(&self) -> Stack<O::Domain> {
        Stack(self.0.iter().map(|o| o.zeros_domain()).collect())
    }
    fn zeros_range(&self) -> Stack<O::Range> {
        Stack(self.0.iter().map(|o| o.zeros_range()).collect())
    }
}

impl<O: LinearOperator> LinearOperator for BlockDiag<O> {
    fn adjoint_into(&self, y: &Stack<O::Range>, x: &mut Stack<O::Domain>) -> Result<()> {
        check_parts(x, self.0.len(), "BlockDiag adjoint output")?;
        check_parts(y, self.0.len(), "BlockDiag adjoint input")?;
        for ((o, yi), xi) in self.0.iter().zip(&y.0).zip(x.0.iter_mut()) {
            o.adjoint_into(yi, xi)?;
        }
        Ok(())
    }
    // The parts' norms summed in the order of `Stack::norm_sqr`.
    fn adjoint_into_norm_sqr(
        &self,
        y: &Stack<O::Range>,
        x: &mut Stack<O::Domain>,
    ) -> Result<Real<O>> {
        check_parts(x, self.0.len(), "BlockDiag adjoint output")?;
        check_parts(y, self.0.len(), "BlockDiag adjoint input")?;
        let mut acc = Real::<O>::zero();
        for ((o, yi), xi) in self.0.iter().zip(&y.0).zip(x.0.iter_mut()) {
            acc += o.adjoint_into_norm_sqr(yi, xi)?;
        }
        Ok(acc)
    }
    // Part by part, the norms summed in the order of `Stack::xpby_norm_sqr`.
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &Stack<O::Range>,
        x: &mut Stack<O::Domain>,
        b: O::Scalar,
        tmp: &mut Stack<O::Domain>,
    ) -> Result<Real<O>> {
        check_parts(x, self.0.len(), "BlockDiag adjoint output")?;
        check_parts(y, self.0.len(), "BlockDiag adjoint input")?;
        assert_same_parts(tmp, x);
        let mut acc = Real::<O>::zero();
        for (((o, yi), xi), ti) in self
            .0
            .iter()
            .zip(&y.0)
            .zip(x.0.iter_mut())
            .zip(tmp.0.iter_mut())
        {
            acc += o.adjoint_xpby_norm_sqr(yi, xi, b, ti)?;
        }
        Ok(acc)
    }
    fn domain_like(&self, y: &Stack<O::Range>) -> Result<Stack<O::Domain>> {
        check_parts(y, self.0.len(), "BlockDiag")?;
        Ok(Stack(
            self.0
                .iter()
                .zip(&y.0)
                .map(|(o, yi)| o.domain_like(yi))
                .collect::<Result<_>>()?,
        ))
    }
}

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
mod fused_tests {
    use super::*;
    use crate::chunked::REDUCE_PIECE;
    use crate::operator::{fused_test, BoxOp, ScopedBoxOp};
    use crate::{ChunkGrid, Chunked, ChunkedArray, ChunkedOperator, LinearOperator};
    use num_complex::Complex64;

    /// `y = c x`, with every fused method overridden through the one-pass `fill_*` methods.
    struct Times<T>(T, usize);

    impl<T: Scalar> Times<T> {
        fn fill<'a>(c: T, x: &'a ChunkedArray<T>) -> impl Fn(usize, usize, &mut [T]) + Sync + 'a {
            move |k, s, p| {
                for (o, &i) in p.iter_mut().zip(&x.block_slice(k)[s..]) {
                    *o = c * i;
                }
            }
        }
    }

    impl<T: Scalar> ChunkedOperator for Times<T> {
        type Scalar = T;
        fn dims(&self) -> Vec<usize> {
            vec![self.1]
        }
        fn dimsd(&self) -> Vec<usize> {
            vec![self.1]
        }
        fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
            let c = self.0;
            y.zip_apply(x, move |o, i| *o = c * i);
            Ok(())
        }
        fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
            let c = self.0.conj();
            x.zip_apply(y, move |o, i| *o = c * i);
            Ok(())
        }
        fn forward_into_norm_sqr(
            &self,
            x: &ChunkedArray<T>,
            y: &mut ChunkedArray<T>,
        ) -> Result<T::Real> {
            Ok(y.fill_norm_sqr(Self::fill(self.0, x)))
        }
        fn forward_into_dot(
            &self,
            x: &ChunkedArray<T>,
            y: &mut ChunkedArray<T>,
            w: &ChunkedArray<T>,
        ) -> Result<T> {
            Ok(y.fill_dot(w, Self::fill(self.0, x)))
        }
        fn forward_xpby_norm_sqr(
            &self,
            x: &ChunkedArray<T>,
            y: &mut ChunkedArray<T>,
            b: T,
            tmp: &mut ChunkedArray<T>,
        ) -> Result<T::Real> {
            Ok(y.fill_xpby_norm_sqr(tmp, b, Self::fill(self.0, x)))
        }
        fn adjoint_into_norm_sqr(
            &self,
            y: &ChunkedArray<T>,
            x: &mut ChunkedArray<T>,
        ) -> Result<T::Real> {
            Ok(x.fill_norm_sqr(Self::fill(self.0.conj(), y)))
        }
        fn adjoint_xpby_norm_sqr(
            &self,
            y: &ChunkedArray<T>,
            x: &mut ChunkedArray<T>,
            b: T,
            tmp: &mut ChunkedArray<T>,
        ) -> Result<T::Real> {
            Ok(x.fill_xpby_norm_sqr(tmp, b, Self::fill(self.0.conj(), y)))
        }
    }

    fn check<O>(what: &str, op: &O, x: &O::Domain, y: &O::Range)
    where
        O: LinearOperator,
        O::Domain: PartialEq,
        O::Range: PartialEq,
    {
        let bad = fused_test(op, x, y, 7).unwrap();
        assert!(bad.is_empty(), "{what}: {bad:?} differ from their defaults");
    }

    /// Every composite's fused methods give the bits of its defaults, on every layout.
    fn every_composite<T: Scalar>(c1: T, c2: T, c3: T, s: T) {
        let n = 2 * REDUCE_PIECE + 5;
        let layouts = [
            ChunkGrid::single(&[n]),
            ChunkGrid::new(&[n], vec![vec![REDUCE_PIECE + 3, 7, REDUCE_PIECE - 5]]).unwrap(),
            ChunkGrid::uniform(&[13], &[1]).unwrap(),
            ChunkGrid::single(&[0]),
        ];
        for g in layouts {
            let n = g.shape()[0];
            let (a, b, c) = (
                Chunked(Times(c1, n)),
                Chunked(Times(c2, n)),
                Chunked(Times(c3, n)),
            );
            let x = ChunkedArray::<T>::zeros(g.clone());
            let what = |w: &str| format!("{w} on {:?}", g.all_chunks());
            check(&what("operator"), &a, &x, &x);
            check(
                &what("boxed"),
                &(Box::new(&a) as ScopedBoxOp<'_, T>),
                &x,
                &x,
            );
            check(&what("adjoint"), &(&a).h(), &x, &x);
            check(&what("scaled"), &(&a).scaled(s), &x, &x);
            check(&what("sum"), &(&a).plus(&b).unwrap(), &x, &x);
            check(&what("difference"), &(&a).minus(&b).unwrap(), &x, &x);
            check(&what("product"), &(&a).times(&b).unwrap(), &x, &x);
            for parts in [1, 2, 3] {
                // Distinct parts, so that summing them in another order would show.
                let ops = || -> Vec<ScopedBoxOp<'_, T>> {
                    let all: [ScopedBoxOp<'_, T>; 3] = [Box::new(&a), Box::new(&b), Box::new(&c)];
                    all.into_iter().take(parts).collect()
                };
                let v = VStack::new(ops()).unwrap();
                check(
                    &what(&format!("vstack {parts}")),
                    &v,
                    &x,
                    &v.range_like(&x).unwrap(),
                );
                let h = HStack::new(ops()).unwrap();
                check(
                    &what(&format!("hstack {parts}")),
                    &h,
                    &h.domain_like(&x).unwrap(),
                    &x,
                );
                let d = BlockDiag::new(ops()).unwrap();
                let xs = Stack(vec![x.clone(); parts]);
                check(&what(&format!("blockdiag {parts}")), &d, &xs, &xs);
            }
        }
        // Owned boxes too (`BoxOp`, the type users stack).
        let g = ChunkGrid::uniform(&[REDUCE_PIECE + 9], &[4000]).unwrap();
        let n = g.shape()[0];
        let parts: Vec<BoxOp<T>> = vec![
            Box::new(Chunked(Times(c1, n))),
            Box::new(Chunked(Times(c2, n))),
        ];
        let v = VStack::new(parts).unwrap();
        let x = ChunkedArray::<T>::zeros(g);
        check("owned vstack", &v, &x, &v.range_like(&x).unwrap());
    }

    #[test]
    fn fused_methods_of_composites_equal_their_defaults() {
        every_composite::<f64>(1.5, -0.75, 0.37, 3.0);
        every_composite::<Complex64>(
            Complex64::new(0.5, -2.0),
            Complex64::new(-1.25, 0.5),
            Complex64::new(0.3, 0.7),
            Complex64::new(0.0, 1.5),
        );
    }

    /// A test that can fail: an override that sums in another order is caught.
    #[test]
    fn a_wrong_override_is_caught() {
        struct Reordered(Chunked<Times<f64>>);
        impl LinearMap for Reordered {
            type Scalar = f64;
            type Domain = ChunkedArray<f64>;
            type Range = ChunkedArray<f64>;
            fn dims(&self) -> Vec<usize> {
                self.0.dims()
            }
            fn dimsd(&self) -> Vec<usize> {
                self.0.dimsd()
            }
            fn forward_into(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) -> Result<()> {
                self.0.forward_into(x, y)
            }
            fn forward_into_norm_sqr(
                &self,
                x: &ChunkedArray<f64>,
                y: &mut ChunkedArray<f64>,
            ) -> Result<f64> {
                self.0.forward_into(x, y)?;
                // One running sum: the right value, other bits.
                Ok(y.to_array().iter().map(|v| v * v).sum())
            }
            fn range_like(&self, x: &ChunkedArray<f64>) -> Result<ChunkedArray<f64>> {
                self.0.range_like(x)
            }
            fn zeros_domain(&self) -> ChunkedArray<f64> {
                self.0.zeros_domain()
            }
            fn zeros_range(&self) -> ChunkedArray<f64> {
                self.0.zeros_range()
            }
        }
        impl LinearOperator for Reordered {
            fn adjoint_into(&self, y: &ChunkedArray<f64>, x: &mut ChunkedArray<f64>) -> Result<()> {
                self.0.adjoint_into(y, x)
            }
            fn domain_like(&self, y: &ChunkedArray<f64>) -> Result<ChunkedArray<f64>> {
                self.0.domain_like(y)
            }
        }
        let n = 3 * REDUCE_PIECE + 1;
        let op = Reordered(Chunked(Times(0.3, n)));
        let x = ChunkedArray::<f64>::zeros(ChunkGrid::single(&[n]));
        let bad = fused_test(&op, &x, &x, 1).unwrap();
        assert_eq!(bad, vec!["forward_into_norm_sqr"]);
    }
}
