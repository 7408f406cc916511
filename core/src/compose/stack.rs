//! Stacks: [`VStack`] `[A1; A2; ...]`, [`HStack`] `[A1, A2, ...]` and [`BlockDiag`]
//! `diag(A1, A2, ...)`, on [`Stack`] vectors.
//!
//! Each is built from two shapes of loop, written once here: "part by part" (a stacked output, each
//! part its operator's output; reductions summed over the parts in the order of `Stack::norm_sqr`
//! and `Stack::dot`) and "summed" (one output, the parts' results added left to right by their
//! accumulating applies, `forward_add_into` / `adjoint_add_into`, with a scratch vector as their
//! work vector). `VStack`'s forward and `HStack`'s adjoint are part by part, their duals summed;
//! `BlockDiag` is part by part both ways.

use super::incompatible;
use crate::error::{Error, Result};
use crate::operator::{LinearMap, LinearOperator, Scratch};
use crate::scalar::Scalar;
use crate::vector::{Stack, Vector};
use num_traits::Zero;
use std::ops::AddAssign;

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

/// `f(0) + f(1) + ... + f(n - 1)`, left to right (the order of `Stack::norm_sqr` and
/// `Stack::dot`), stopping at the first error: a part-by-part reduction.
fn sum_parts<S: Zero + AddAssign>(n: usize, mut f: impl FnMut(usize) -> Result<S>) -> Result<S> {
    let mut acc = S::zero();
    for k in 0..n {
        acc += f(k)?;
    }
    Ok(acc)
}

/// `out = A_0 v_0 + A_1 v_1 + ... + A_{n-1} v_{n-1}`, left to right: `write(out, norm)` writes
/// the sum of the first `first` parts (1, or 2 when it adds part 1 to a part 0 read in place)
/// into `out`, returning `||out||^2` if `norm`; `add(k, norm, out, t)` adds part `k` to it through
/// the part's accumulating apply (`forward_add_into` / `adjoint_add_into`, or with `norm` their
/// `*_norm_sqr` forms returning `||out||^2`), with a scratch vector `t` as its work vector:
/// computed and added in one pass where the part overrides the accumulating apply, through `t`
/// otherwise, with the same bits either way. With `norm`, returns `||out||^2` taken in the pass
/// of the last write or addition. The sums of `VStack::adjoint_into` and `HStack::forward_into`.
fn sum_into<T: Scalar, V: Vector<T>>(
    (n, first): (usize, usize),
    out: &mut V,
    scratch: &Scratch<V>,
    norm: bool,
    write: impl FnOnce(&mut V, bool) -> Result<T::Real>,
    add: impl Fn(usize, bool, &mut V, &mut V) -> Result<T::Real>,
) -> Result<T::Real> {
    if n <= first {
        return write(out, norm);
    }
    write(out, false)?;
    let mut t = scratch.take(|t| t.same_layout(out), || Ok(out.zeros_like()))?;
    let mut rest = || {
        for k in first..n - 1 {
            add(k, false, out, &mut t)?;
        }
        add(n - 1, norm, out, &mut t)
    };
    let r = rest();
    scratch.give(t);
    r
}

/// The operators of a stack, checked to share `key` (`dims` for a `VStack`, `dimsd` for an
/// `HStack`).
fn same_shapes<O: LinearMap>(
    ops: &[O],
    what: &str,
    key_name: &str,
    key: impl Fn(&O) -> Vec<usize>,
) -> Result<()> {
    let first = key(ops
        .first()
        .ok_or_else(|| Error::IncompatibleOperators(format!("{what} of no operators")))?);
    for o in &ops[1..] {
        if key(o) != first {
            return Err(incompatible(
                &format!("{what} operators with different {key_name}"),
                &first,
                &key(o),
            ));
        }
    }
    Ok(())
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
        same_shapes(&ops, "VStack", "dims", |o| o.dims())?;
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
        (0..self.ops.len()).try_for_each(|k| self.ops[k].forward_into(x, &mut y.0[k]))
    }
    fn forward_into_norm_sqr(&self, x: &O::Domain, y: &mut Stack<O::Range>) -> Result<Real<O>> {
        check_parts(y, self.ops.len(), "VStack forward output")?;
        sum_parts(self.ops.len(), |k| {
            self.ops[k].forward_into_norm_sqr(x, &mut y.0[k])
        })
    }
    fn forward_xpby_norm_sqr(
        &self,
        x: &O::Domain,
        y: &mut Stack<O::Range>,
        b: O::Scalar,
        tmp: &mut Stack<O::Range>,
    ) -> Result<Real<O>> {
        check_parts(y, self.ops.len(), "VStack forward output")?;
        assert_same_parts(tmp, y);
        sum_parts(self.ops.len(), |k| {
            self.ops[k].forward_xpby_norm_sqr(x, &mut y.0[k], b, &mut tmp.0[k])
        })
    }
    fn forward_into_dot(
        &self,
        x: &O::Domain,
        y: &mut Stack<O::Range>,
        w: &Stack<O::Range>,
    ) -> Result<O::Scalar> {
        check_parts(y, self.ops.len(), "VStack forward output")?;
        assert_same_parts(w, y);
        sum_parts(self.ops.len(), |k| {
            self.ops[k].forward_into_dot(x, &mut y.0[k], &w.0[k])
        })
    }
    fn forward_add_into(
        &self,
        x: &O::Domain,
        y: &mut Stack<O::Range>,
        tmp: &mut Stack<O::Range>,
    ) -> Result<()> {
        check_parts(y, self.ops.len(), "VStack forward output")?;
        assert_same_parts(tmp, y);
        (0..self.ops.len())
            .try_for_each(|k| self.ops[k].forward_add_into(x, &mut y.0[k], &mut tmp.0[k]))
    }
    fn forward_add_into_norm_sqr(
        &self,
        x: &O::Domain,
        y: &mut Stack<O::Range>,
        tmp: &mut Stack<O::Range>,
    ) -> Result<Real<O>> {
        check_parts(y, self.ops.len(), "VStack forward output")?;
        assert_same_parts(tmp, y);
        sum_parts(self.ops.len(), |k| {
            self.ops[k].forward_add_into_norm_sqr(x, &mut y.0[k], &mut tmp.0[k])
        })
    }
    fn range_like(&self, x: &O::Domain) -> Result<Stack<O::Range>> {
        let parts = self.ops.iter().map(|o| o.range_like(x));
        Ok(Stack(parts.collect::<Result<_>>()?))
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
        self.adjoint_sum(y, x, false).map(drop)
    }
    fn adjoint_into_norm_sqr(&self, y: &Stack<O::Range>, x: &mut O::Domain) -> Result<Real<O>> {
        check_parts(y, self.ops.len(), "VStack adjoint input")?;
        if self.ops.len() == 1 {
            return self.ops[0].adjoint_into_norm_sqr(&y.0[0], x);
        }
        self.adjoint_sum(y, x, true)
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

impl<O: LinearOperator> VStack<O> {
    /// `x = A_0^H y_0 + A_1^H y_1 + ...` ([`sum_into`]), with `||x||^2` if `norm`. When part 0
    /// passes its input through ([`LinearOperator::adjoint_passthrough`], e.g. `[I; L]`) and
    /// `y_0` is laid out like `x`, the sum starts as `x = y_0 + A_1^H y_1`
    /// ([`LinearOperator::adjoint_add_from`]): one pass instead of a copy and an addition, with
    /// the same bits (`y_0 + t` either way).
    fn adjoint_sum(&self, y: &Stack<O::Range>, x: &mut O::Domain, norm: bool) -> Result<Real<O>> {
        let (ops, y) = (&self.ops, &y.0);
        let from = match ops[0].adjoint_passthrough(&y[0]) {
            Some(w) if ops.len() >= 2 && w.same_layout(x) => Some(w),
            _ => None,
        };
        sum_into(
            (ops.len(), if from.is_some() { 2 } else { 1 }),
            x,
            &self.scratch,
            norm,
            |x, norm| match from {
                Some(w) => ops[1].adjoint_add_from(&y[1], w, x, norm),
                None if norm => ops[0].adjoint_into_norm_sqr(&y[0], x),
                None => ops[0].adjoint_into(&y[0], x).map(|()| Zero::zero()),
            },
            |k, norm, x, t| {
                if norm {
                    ops[k].adjoint_add_into_norm_sqr(&y[k], x, t)
                } else {
                    ops[k].adjoint_add_into(&y[k], x, t).map(|()| Zero::zero())
                }
            },
        )
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
        same_shapes(&ops, "HStack", "dimsd", |o| o.dimsd())?;
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
        self.forward_sum(x, y, false).map(drop)
    }
    fn forward_into_norm_sqr(&self, x: &Stack<O::Domain>, y: &mut O::Range) -> Result<Real<O>> {
        check_parts(x, self.ops.len(), "HStack forward input")?;
        if self.ops.len() == 1 {
            return self.ops[0].forward_into_norm_sqr(&x.0[0], y);
        }
        self.forward_sum(x, y, true)
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
        (0..self.ops.len()).try_for_each(|k| self.ops[k].adjoint_into(y, &mut x.0[k]))
    }
    fn adjoint_into_norm_sqr(&self, y: &O::Range, x: &mut Stack<O::Domain>) -> Result<Real<O>> {
        check_parts(x, self.ops.len(), "HStack adjoint output")?;
        sum_parts(self.ops.len(), |k| {
            self.ops[k].adjoint_into_norm_sqr(y, &mut x.0[k])
        })
    }
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &O::Range,
        x: &mut Stack<O::Domain>,
        b: O::Scalar,
        tmp: &mut Stack<O::Domain>,
    ) -> Result<Real<O>> {
        check_parts(x, self.ops.len(), "HStack adjoint output")?;
        assert_same_parts(tmp, x);
        sum_parts(self.ops.len(), |k| {
            self.ops[k].adjoint_xpby_norm_sqr(y, &mut x.0[k], b, &mut tmp.0[k])
        })
    }
    fn adjoint_add_into(
        &self,
        y: &O::Range,
        x: &mut Stack<O::Domain>,
        tmp: &mut Stack<O::Domain>,
    ) -> Result<()> {
        check_parts(x, self.ops.len(), "HStack adjoint output")?;
        assert_same_parts(tmp, x);
        (0..self.ops.len())
            .try_for_each(|k| self.ops[k].adjoint_add_into(y, &mut x.0[k], &mut tmp.0[k]))
    }
    fn adjoint_add_into_norm_sqr(
        &self,
        y: &O::Range,
        x: &mut Stack<O::Domain>,
        tmp: &mut Stack<O::Domain>,
    ) -> Result<Real<O>> {
        check_parts(x, self.ops.len(), "HStack adjoint output")?;
        assert_same_parts(tmp, x);
        sum_parts(self.ops.len(), |k| {
            self.ops[k].adjoint_add_into_norm_sqr(y, &mut x.0[k], &mut tmp.0[k])
        })
    }
    fn domain_like(&self, y: &O::Range) -> Result<Stack<O::Domain>> {
        let parts = self.ops.iter().map(|o| o.domain_like(y));
        Ok(Stack(parts.collect::<Result<_>>()?))
    }
}

impl<O: LinearMap> HStack<O> {
    /// `y = A_0 x_0 + A_1 x_1 + ...` ([`sum_into`]), with `||y||^2` if `norm`.
    fn forward_sum(&self, x: &Stack<O::Domain>, y: &mut O::Range, norm: bool) -> Result<Real<O>> {
        let (ops, x) = (&self.ops, &x.0);
        sum_into(
            (ops.len(), 1),
            y,
            &self.scratch,
            norm,
            |y, norm| {
                if norm {
                    ops[0].forward_into_norm_sqr(&x[0], y)
                } else {
                    ops[0].forward_into(&x[0], y).map(|()| Zero::zero())
                }
            },
            |k, norm, y, t| {
                if norm {
                    ops[k].forward_add_into_norm_sqr(&x[k], y, t)
                } else {
                    ops[k].forward_add_into(&x[k], y, t).map(|()| Zero::zero())
                }
            },
        )
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
    /// Checks that an input and an output have one part per operator.
    fn check<I, U>(&self, input: &Stack<I>, output: &Stack<U>, adjoint: bool) -> Result<()> {
        let dir = if adjoint { "adjoint" } else { "forward" };
        check_parts(input, self.0.len(), &format!("BlockDiag {dir} input"))?;
        check_parts(output, self.0.len(), &format!("BlockDiag {dir} output"))
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
        self.check(x, y, false)?;
        (0..self.0.len()).try_for_each(|k| self.0[k].forward_into(&x.0[k], &mut y.0[k]))
    }
    fn forward_into_norm_sqr(
        &self,
        x: &Stack<O::Domain>,
        y: &mut Stack<O::Range>,
    ) -> Result<Real<O>> {
        self.check(x, y, false)?;
        sum_parts(self.0.len(), |k| {
            self.0[k].forward_into_norm_sqr(&x.0[k], &mut y.0[k])
        })
    }
    fn forward_xpby_norm_sqr(
        &self,
        x: &Stack<O::Domain>,
        y: &mut Stack<O::Range>,
        b: O::Scalar,
        tmp: &mut Stack<O::Range>,
    ) -> Result<Real<O>> {
        self.check(x, y, false)?;
        assert_same_parts(tmp, y);
        sum_parts(self.0.len(), |k| {
            self.0[k].forward_xpby_norm_sqr(&x.0[k], &mut y.0[k], b, &mut tmp.0[k])
        })
    }
    fn forward_into_dot(
        &self,
        x: &Stack<O::Domain>,
        y: &mut Stack<O::Range>,
        w: &Stack<O::Range>,
    ) -> Result<O::Scalar> {
        self.check(x, y, false)?;
        assert_same_parts(w, y);
        sum_parts(self.0.len(), |k| {
            self.0[k].forward_into_dot(&x.0[k], &mut y.0[k], &w.0[k])
        })
    }
    fn forward_add_into(
        &self,
        x: &Stack<O::Domain>,
        y: &mut Stack<O::Range>,
        tmp: &mut Stack<O::Range>,
    ) -> Result<()> {
        self.check(x, y, false)?;
        assert_same_parts(tmp, y);
        (0..self.0.len())
            .try_for_each(|k| self.0[k].forward_add_into(&x.0[k], &mut y.0[k], &mut tmp.0[k]))
    }
    fn forward_add_into_norm_sqr(
        &self,
        x: &Stack<O::Domain>,
        y: &mut Stack<O::Range>,
        tmp: &mut Stack<O::Range>,
    ) -> Result<Real<O>> {
        self.check(x, y, false)?;
        assert_same_parts(tmp, y);
        sum_parts(self.0.len(), |k| {
            self.0[k].forward_add_into_norm_sqr(&x.0[k], &mut y.0[k], &mut tmp.0[k])
        })
    }
    fn range_like(&self, x: &Stack<O::Domain>) -> Result<Stack<O::Range>> {
        check_parts(x, self.0.len(), "BlockDiag")?;
        let parts = self.0.iter().zip(&x.0).map(|(o, xi)| o.range_like(xi));
        Ok(Stack(parts.collect::<Result<_>>()?))
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
        self.check(y, x, true)?;
        (0..self.0.len()).try_for_each(|k| self.0[k].adjoint_into(&y.0[k], &mut x.0[k]))
    }
    fn adjoint_into_norm_sqr(
        &self,
        y: &Stack<O::Range>,
        x: &mut Stack<O::Domain>,
    ) -> Result<Real<O>> {
        self.check(y, x, true)?;
        sum_parts(self.0.len(), |k| {
            self.0[k].adjoint_into_norm_sqr(&y.0[k], &mut x.0[k])
        })
    }
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &Stack<O::Range>,
        x: &mut Stack<O::Domain>,
        b: O::Scalar,
        tmp: &mut Stack<O::Domain>,
    ) -> Result<Real<O>> {
        self.check(y, x, true)?;
        assert_same_parts(tmp, x);
        sum_parts(self.0.len(), |k| {
            self.0[k].adjoint_xpby_norm_sqr(&y.0[k], &mut x.0[k], b, &mut tmp.0[k])
        })
    }
    fn adjoint_add_into(
        &self,
        y: &Stack<O::Range>,
        x: &mut Stack<O::Domain>,
        tmp: &mut Stack<O::Domain>,
    ) -> Result<()> {
        self.check(y, x, true)?;
        assert_same_parts(tmp, x);
        (0..self.0.len())
            .try_for_each(|k| self.0[k].adjoint_add_into(&y.0[k], &mut x.0[k], &mut tmp.0[k]))
    }
    fn adjoint_add_into_norm_sqr(
        &self,
        y: &Stack<O::Range>,
        x: &mut Stack<O::Domain>,
        tmp: &mut Stack<O::Domain>,
    ) -> Result<Real<O>> {
        self.check(y, x, true)?;
        assert_same_parts(tmp, x);
        sum_parts(self.0.len(), |k| {
            self.0[k].adjoint_add_into_norm_sqr(&y.0[k], &mut x.0[k], &mut tmp.0[k])
        })
    }
    fn domain_like(&self, y: &Stack<O::Range>) -> Result<Stack<O::Domain>> {
        check_parts(y, self.0.len(), "BlockDiag")?;
        let parts = self.0.iter().zip(&y.0).map(|(o, yi)| o.domain_like(yi));
        Ok(Stack(parts.collect::<Result<_>>()?))
    }
}
