//! The adjoint edge rows of the derivative stencils as point formulas
//! ([`LaneStencil::row_formula`](rylops_core::stencil::LaneStencil::row_formula)): a sum whose terms
//! apply or not depending on the row, decided once per row instead of once per element.

use rylops_core::stencil::PointVisitor;
use rylops_core::Scalar;

/// How a term of a row sum uses its input value.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Coef<T> {
    /// `x`.
    One,
    /// `-x`.
    Neg,
    /// `c * x`.
    Mul(T),
}

impl<T: Scalar> Coef<T> {
    #[inline(always)]
    fn apply(self, x: T) -> T {
        match self {
            Coef::One => x,
            Coef::Neg => -x,
            Coef::Mul(c) => c * x,
        }
    }
}

/// Row `i`'s `acc = 0; acc += c_k x(g_k)` over the terms `(applies, g_k, c_k)` that apply, in
/// their order, then `acc.np_div(s)`: the operations of an any-row formula written as a chain of
/// `if applies { acc += ... }`, as a point formula over the rows of the terms that apply when
/// there are at most three (most edge rows); with more (the second derivative's adjoint with
/// `edge`, on row 2 and row `n - 3`), over every term's row, row `i` standing in for the rows of
/// the terms that do not apply.
#[inline(always)]
pub(crate) fn row_sum<T: Scalar, V: PointVisitor<T>, const K: usize>(
    v: V,
    i: usize,
    terms: [(bool, isize, Coef<T>); K],
    s: T,
) -> V::Out {
    let zero = T::zero();
    let mut on = [(0isize, Coef::One); K];
    let mut m = 0;
    for &(applies, g, c) in &terms {
        if applies {
            on[m] = (g - i as isize, c);
            m += 1;
        }
    }
    match m {
        0 => v.visit([], move |[]| zero.np_div(s)),
        1 => {
            let c = on[0].1;
            v.visit([on[0].0], move |[a]| (zero + c.apply(a)).np_div(s))
        }
        2 => {
            let (c0, c1) = (on[0].1, on[1].1);
            v.visit([on[0].0, on[1].0], move |[a, b]| {
                let mut acc = zero;
                acc += c0.apply(a);
                acc += c1.apply(b);
                acc.np_div(s)
            })
        }
        3 => {
            let (c0, c1, c2) = (on[0].1, on[1].1, on[2].1);
            v.visit([on[0].0, on[1].0, on[2].0], move |[a, b, d]| {
                let mut acc = zero;
                acc += c0.apply(a);
                acc += c1.apply(b);
                acc += c2.apply(d);
                acc.np_div(s)
            })
        }
        _ => {
            let offs = terms.map(|t| if t.0 { t.1 - i as isize } else { 0 });
            v.visit(offs, move |x: [T; K]| {
                let mut acc = zero;
                for (t, &xk) in terms.iter().zip(&x) {
                    if t.0 {
                        acc += t.2.apply(xk);
                    }
                }
                acc.np_div(s)
            })
        }
    }
}
