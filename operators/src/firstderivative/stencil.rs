//! The first derivative's stencil ([`FdStencil`]): its interior, row and any-row formulas, forward
//! and adjoint, and the tests that they agree.

use crate::rowsum::{row_sum, Coef};
use rylops_core::stencil::{
    run_divided, run_divided_rows, Divided, LaneStencil, PointVisitor, Put, RowsMut, RunTaps,
    Strided,
};
use rylops_core::Scalar;
use std::ops::Range;

/// The finite-difference formula of a first derivative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdForm {
    /// Centered, 3 points.
    Centered3,
    /// Centered, 5 points.
    Centered5,
    /// Forward difference.
    Forward,
    /// Backward difference.
    Backward,
}

/// The row gathers of a first derivative, forward and adjoint side by side.
///
/// Forward (lane of length `n`, sampling `s`, the whole lane divided by `s` at the end unless noted):
/// - centered 3: `y[i] = 0.5*(x[i+1]-x[i-1])`, rows 0 and n-1 zero; `edge`: `y[0] = x[1]-x[0]`,
///   `y[n-1] = x[n-1]-x[n-2]`.
/// - centered 5: `y[i] = x[i-2]/12 - 2x[i-1]/3 + 2x[i+1]/3 - x[i+2]/12` (left to right); `edge`:
///   `y[0] = x[1]-x[0]`, `y[1] = 0.5(x[2]-x[0])`, `y[n-2] = 0.5(x[n-1]-x[n-3])`, `y[n-1] = x[n-1]-x[n-2]`.
/// - forward: `y[i] = (x[i+1]-x[i])/s`, last row zero; backward: `y[i] = (x[i]-x[i-1])/s`, first row zero.
///
/// Adjoints are the exact transposes, summed in pylops' order (see `NUMERICS.md`).
#[derive(Clone, Copy, Debug)]
pub struct FdStencil<T> {
    form: FdForm,
    adjoint: bool,
    edge: bool,
    s: T,
}

impl<T: Scalar> FdStencil<T> {
    /// A stencil for `form`, forward or adjoint, with sampling `s` (converted to `T`).
    pub fn new(form: FdForm, adjoint: bool, edge: bool, s: f64) -> Self {
        Self {
            form,
            adjoint,
            edge,
            s: T::from_f64(s),
        }
    }
}

#[inline(always)]
fn c<T: Scalar>(v: f64) -> T {
    T::from_f64(v)
}

impl<T: Scalar> FdStencil<T> {
    /// The interior formula over any source of input rows.
    #[inline(always)]
    fn formula<V: PointVisitor<T>>(&self, v: V) -> V::Out {
        let zero = T::zero();
        match (self.form, self.adjoint) {
            (FdForm::Centered3, false) => {
                let h = c::<T>(0.5);
                v.visit([-1, 1], move |[a, b]| h * (b - a))
            }
            (FdForm::Centered5, false) => {
                let d = self.centered5_forward();
                v.visit(d.offs, d.direct)
            }
            (FdForm::Forward, false) => v.visit([0, 1], move |[a, b]| b - a),
            (FdForm::Backward, false) => v.visit([-1, 0], move |[a, b]| b - a),
            (FdForm::Centered3, true) => {
                let (h, mh) = (c::<T>(0.5), c::<T>(-0.5));
                v.visit([-1, 1], move |[a, b]| (zero + mh * b) + h * a)
            }
            (FdForm::Centered5, true) => {
                let d = self.centered5_adjoint();
                v.visit(d.offs, d.direct)
            }
            (FdForm::Forward, true) => v.visit([-1, 0], move |[a, b]| (zero + -b) + a),
            (FdForm::Backward, true) => v.visit([0, 1], move |[a, b]| (zero + -b) + a),
        }
    }
}

/// The interior formulas of a centered order-5 derivative, on the inputs (`direct`, pylops' order)
/// and on the inputs divided by 3 (`fast`): `x/12 == (x/3) * 0.25` and `(±2x)/3 == ±2 (x/3)`
/// within the range the runners check, so each input is divided once (see [`run_divided`]).
impl<T: Scalar> FdStencil<T> {
    #[inline(always)]
    fn centered5_forward(
        &self,
    ) -> Divided<T, impl Fn([T; 4]) -> T + Copy, impl Fn([T; 4]) -> T, 4> {
        Divided {
            offs: [-2, -1, 1, 2],
            c: c(3.0),
            s: self.s,
            direct: |[a, b, d, e]: [T; 4]| {
                let (two, three, twelve) = (c::<T>(2.0), c::<T>(3.0), c::<T>(12.0));
                a.np_div(twelve) - (two * b).np_div(three) + (two * d).np_div(three)
                    - e.np_div(twelve)
            },
            fast: |[a, b, d, e]: [T; 4]| {
                let (two, quarter) = (c::<T>(2.0), c::<T>(0.25));
                a * quarter - two * b + two * d - e * quarter
            },
        }
    }

    #[inline(always)]
    fn centered5_adjoint(
        &self,
    ) -> Divided<T, impl Fn([T; 4]) -> T + Copy, impl Fn([T; 4]) -> T, 4> {
        Divided {
            offs: [-2, -1, 1, 2],
            c: c(3.0),
            s: self.s,
            direct: |[a, b, d, e]: [T; 4]| {
                let (zero, two, m2, three, twelve) = (
                    T::zero(),
                    c::<T>(2.0),
                    c::<T>(-2.0),
                    c::<T>(3.0),
                    c::<T>(12.0),
                );
                (((zero + e.np_div(twelve)) + (m2 * d).np_div(three)) + (two * b).np_div(three))
                    + (-a).np_div(twelve)
            },
            fast: |[a, b, d, e]: [T; 4]| {
                let (zero, two, m2, quarter) = (T::zero(), c::<T>(2.0), c::<T>(-2.0), c::<T>(0.25));
                (((zero + e * quarter) + m2 * d) + two * b) + -(a * quarter)
            },
        }
    }
}

impl<T: Scalar> LaneStencil<T> for FdStencil<T> {
    /// The centered order-5 formulas divide each input once ([`run_divided`]); the others run
    /// their point formula.
    #[inline(always)]
    fn run_interior<P: Put<T>>(&self, x: &[T], p0: usize, stride: usize, y: &mut [T], put: P) {
        match (self.form, self.adjoint) {
            (FdForm::Centered5, false) => {
                run_divided(&self.centered5_forward(), x, p0, stride, y, put)
            }
            (FdForm::Centered5, true) => {
                run_divided(&self.centered5_adjoint(), x, p0, stride, y, put)
            }
            _ => self.formula(RunTaps {
                src: &Strided { x, p0, stride },
                y,
                put,
                s: self.s,
            }),
        }
    }

    #[inline(always)]
    fn run_interior_rows<P: Put<T>>(
        &self,
        x: &[T],
        p0: usize,
        stride: usize,
        mut y: RowsMut<'_, T>,
        put: P,
    ) {
        match (self.form, self.adjoint) {
            (FdForm::Centered5, false) => {
                run_divided_rows(&self.centered5_forward(), x, p0, stride, y, put)
            }
            (FdForm::Centered5, true) => {
                run_divided_rows(&self.centered5_adjoint(), x, p0, stride, y, put)
            }
            _ => {
                for r in 0..y.rows() {
                    self.run_interior(x, p0 + r * stride, stride, y.row(r), put);
                }
            }
        }
    }

    fn reach(&self) -> (usize, usize) {
        match (self.form, self.adjoint) {
            (FdForm::Centered3, _) => (1, 1),
            (FdForm::Centered5, _) => (2, 2),
            (FdForm::Forward, false) | (FdForm::Backward, true) => (0, 1),
            (FdForm::Forward, true) | (FdForm::Backward, false) => (1, 0),
        }
    }

    fn interior_rows(&self, n: usize) -> Range<usize> {
        match (self.form, self.adjoint) {
            (FdForm::Centered3, false) => 1..n.saturating_sub(1),
            (FdForm::Centered5, false) => 2..n.saturating_sub(2),
            (FdForm::Forward, false) => 0..n.saturating_sub(1),
            (FdForm::Backward, false) => 1..n,
            (FdForm::Centered3, true) => 2..n.saturating_sub(2),
            (FdForm::Centered5, true) => 4..n.saturating_sub(4),
            (FdForm::Forward, true) | (FdForm::Backward, true) => 1..n.saturating_sub(1),
        }
    }

    #[inline(always)]
    fn interior_formula<V: PointVisitor<T>>(&self, v: V) -> Option<V::Out> {
        Some(self.formula(v))
    }

    fn divisor(&self) -> T {
        self.s
    }

    fn same_interior_formula(&self, other: &Self) -> bool {
        self.form == other.form && self.adjoint == other.adjoint
    }

    /// [`any_row_formula`](LaneStencil::any_row_formula)'s operations for row `i`, its branches
    /// decided once for the row.
    #[inline(always)]
    fn row_formula<V: PointVisitor<T>>(&self, i: usize, n: usize, v: V) -> Option<V::Out> {
        let s = self.s;
        let zero = T::zero();
        let (h, mh) = (c::<T>(0.5), c::<T>(-0.5));
        let (e, ii, n1) = (self.edge, i as isize, n as isize - 1);
        // Offsets from row `i`.
        let d = |g: usize| g as isize - ii;
        Some(match (self.form, self.adjoint) {
            (FdForm::Centered3, false) => {
                if e && n < 2 {
                    return None;
                }
                if e && i + 1 == n {
                    v.visit([d(n - 1), d(n - 2)], move |[a, b]| (a - b).np_div(s))
                } else if e && i == 0 {
                    v.visit([1, 0], move |[a, b]| (a - b).np_div(s))
                } else if i >= 1 && i + 2 <= n {
                    v.visit([1, -1], move |[a, b]| (h * (a - b)).np_div(s))
                } else {
                    v.visit([], move |[]| zero.np_div(s))
                }
            }
            (FdForm::Forward, false) if i + 2 <= n => {
                v.visit([1, 0], move |[a, b]| (a - b).np_div(s))
            }
            (FdForm::Backward, false) if i >= 1 => {
                v.visit([0, -1], move |[a, b]| (a - b).np_div(s))
            }
            (FdForm::Forward | FdForm::Backward, false) => v.visit([], move |[]| zero),
            (FdForm::Centered3, true) => {
                let terms = [
                    (i + 3 <= n, ii + 1, Coef::Mul(mh)),
                    (i >= 2, ii - 1, Coef::Mul(h)),
                    (e && i == 0, 0, Coef::Neg),
                    (e && i == 1, 0, Coef::One),
                    (e && i + 2 == n, n1, Coef::Neg),
                    (e && i + 1 == n, n1, Coef::One),
                ];
                row_sum(v, i, terms, s)
            }
            (FdForm::Forward, true) => {
                let terms = [(i + 2 <= n, ii, Coef::Neg), (i >= 1, ii - 1, Coef::One)];
                row_sum(v, i, terms, s)
            }
            (FdForm::Backward, true) => {
                let terms = [(i + 2 <= n, ii + 1, Coef::Neg), (i >= 1, ii, Coef::One)];
                row_sum(v, i, terms, s)
            }
            (FdForm::Centered5, false) => {
                if e && n < 4 {
                    return None;
                }
                // The any-row formula's chain, in its order (later edge rows win on short lanes).
                if e && i + 1 == n {
                    v.visit([0, -1], move |[a, b]| (a - b).np_div(s))
                } else if e && (i + 2 == n || i == 1) {
                    v.visit([1, -1], move |[a, b]| (h * (a - b)).np_div(s))
                } else if e && i == 0 {
                    v.visit([1, 0], move |[a, b]| (a - b).np_div(s))
                } else if i >= 2 && i + 3 <= n {
                    // The interior formula as written in pylops' order.
                    let direct = self.centered5_forward().direct;
                    v.visit([-2, -1, 1, 2], move |x| direct(x).np_div(s))
                } else {
                    v.visit([], move |[]| zero.np_div(s))
                }
            }
            (FdForm::Centered5, true) => {
                if e && n < 4 {
                    return None;
                }
                let (two, m2, three, twelve) =
                    (c::<T>(2.0), c::<T>(-2.0), c::<T>(3.0), c::<T>(12.0));
                // Whether each term of the any-row formula applies to this row, in its order;
                // the rows of those that do not are read as row `i` and ignored.
                let on = [
                    i + 5 <= n,
                    i >= 1 && i + 4 <= n,
                    i >= 3 && i + 2 <= n,
                    i >= 4,
                    e && i == 0,
                    e && i == 1,
                    e && i == 2,
                    e && i + 3 == n,
                    e && i + 2 == n,
                    e && i + 1 == n,
                ];
                // Rows read: x(i+2), x(i+1), x(i-1), x(i-2), x(0), x(1), x(n-2), x(n-1).
                let rows = [ii + 2, ii + 1, ii - 1, ii - 2, 0, 1, n1 - 1, n1];
                let used = [
                    on[0],
                    on[1],
                    on[2],
                    on[3],
                    on[4] || on[5],
                    on[4] || on[6],
                    on[7] || on[9],
                    on[8] || on[9],
                ];
                let mut offs = [0isize; 8];
                for k in 0..8 {
                    if used[k] {
                        offs[k] = rows[k] - ii;
                    }
                }
                v.visit(offs, move |[p2, p1, m1, m2x, x0, x1, xn2, xn1]: [T; 8]| {
                    let mut acc = zero;
                    if on[0] {
                        acc += p2.np_div(twelve);
                    }
                    if on[1] {
                        acc += (m2 * p1).np_div(three);
                    }
                    if on[2] {
                        acc += (two * m1).np_div(three);
                    }
                    if on[3] {
                        acc += (-m2x).np_div(twelve);
                    }
                    if on[4] {
                        acc += -(x0 + h * x1);
                    }
                    if on[5] {
                        acc += x0;
                    }
                    if on[6] {
                        acc += h * x1;
                    }
                    if on[7] {
                        acc += mh * xn2;
                    }
                    if on[8] {
                        acc += -xn1;
                    }
                    if on[9] {
                        acc += h * xn2 + xn1;
                    }
                    acc.np_div(s)
                })
            }
        })
    }

    #[inline(always)]
    fn any_row_formula(&self, i: usize, n: usize, x: impl Fn(usize) -> T) -> T {
        let s = self.s;
        let zero = T::zero();
        let (h, mh) = (c::<T>(0.5), c::<T>(-0.5));
        let (two, m2, three, twelve) = (c::<T>(2.0), c::<T>(-2.0), c::<T>(3.0), c::<T>(12.0));
        let e = self.edge;
        match (self.form, self.adjoint) {
            (FdForm::Centered3, false) => {
                let v = if e && i + 1 == n {
                    x(n - 1) - x(n - 2)
                } else if e && i == 0 {
                    x(1) - x(0)
                } else if i >= 1 && i + 2 <= n {
                    h * (x(i + 1) - x(i - 1))
                } else {
                    zero
                };
                v.np_div(s)
            }
            (FdForm::Centered5, false) => {
                // Later assignments win on short lanes: y[0], y[1], y[n-2], y[n-1] in that order.
                let v = if e && i + 1 == n {
                    x(n - 1) - x(n - 2)
                } else if e && i + 2 == n {
                    h * (x(n - 1) - x(n - 3))
                } else if e && i == 1 {
                    h * (x(2) - x(0))
                } else if e && i == 0 {
                    x(1) - x(0)
                } else if i >= 2 && i + 3 <= n {
                    x(i - 2).np_div(twelve) - (two * x(i - 1)).np_div(three)
                        + (two * x(i + 1)).np_div(three)
                        - x(i + 2).np_div(twelve)
                } else {
                    zero
                };
                v.np_div(s)
            }
            (FdForm::Forward, false) => {
                if i + 2 <= n {
                    (x(i + 1) - x(i)).np_div(s)
                } else {
                    zero
                }
            }
            (FdForm::Backward, false) => {
                if i >= 1 {
                    (x(i) - x(i - 1)).np_div(s)
                } else {
                    zero
                }
            }
            (FdForm::Centered3, true) => {
                let mut acc = zero;
                if i + 3 <= n {
                    acc += mh * x(i + 1);
                }
                if i >= 2 {
                    acc += h * x(i - 1);
                }
                if e {
                    if i == 0 {
                        acc += -x(0);
                    }
                    if i == 1 {
                        acc += x(0);
                    }
                    if i + 2 == n {
                        acc += -x(n - 1);
                    }
                    if i + 1 == n {
                        acc += x(n - 1);
                    }
                }
                acc.np_div(s)
            }
            (FdForm::Centered5, true) => {
                let mut acc = zero;
                if i + 5 <= n {
                    acc += x(i + 2).np_div(twelve);
                }
                if i >= 1 && i + 4 <= n {
                    acc += (m2 * x(i + 1)).np_div(three);
                }
                if i >= 3 && i + 2 <= n {
                    acc += (two * x(i - 1)).np_div(three);
                }
                if i >= 4 {
                    acc += (-x(i - 2)).np_div(twelve);
                }
                if e {
                    if i == 0 {
                        acc += -(x(0) + h * x(1));
                    }
                    if i == 1 {
                        acc += x(0);
                    }
                    if i == 2 {
                        acc += h * x(1);
                    }
                    if i + 3 == n {
                        acc += mh * x(n - 2);
                    }
                    if i + 2 == n {
                        acc += -x(n - 1);
                    }
                    if i + 1 == n {
                        acc += h * x(n - 2) + x(n - 1);
                    }
                }
                acc.np_div(s)
            }
            (FdForm::Forward, true) => {
                let mut acc = zero;
                if i + 2 <= n {
                    acc += -x(i);
                }
                if i >= 1 {
                    acc += x(i - 1);
                }
                acc.np_div(s)
            }
            (FdForm::Backward, true) => {
                let mut acc = zero;
                if i + 2 <= n {
                    acc += -x(i + 1);
                }
                if i >= 1 {
                    acc += x(i);
                }
                acc.np_div(s)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex;
    use proptest::prelude::*;
    use rylops_core::stencil::{interior_mismatch, row_formula_mismatch};

    const FORMS: [FdForm; 4] = [
        FdForm::Centered3,
        FdForm::Centered5,
        FdForm::Forward,
        FdForm::Backward,
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// The interior formula and the any-row formula agree bit for bit on every interior row, and
        /// the row formula and the any-row formula on every row that has one,
        /// for every form, direction and edge option, real and complex.
        #[test]
        fn formulas_agree_on_interior_rows(
            x in proptest::collection::vec(-1e3f64..1e3, 0..24),
            s in prop_oneof![Just(1.0f64), 0.1f64..10.0, -5.0f64..-0.1],
            edge in any::<bool>(),
        ) {
            for form in FORMS {
                for adjoint in [false, true] {
                    let st = FdStencil::<f64>::new(form, adjoint, edge, s);
                    prop_assert_eq!(interior_mismatch(&st, &x), None, "{:?} adj {}", form, adjoint);
                    prop_assert_eq!(row_formula_mismatch(&st, &x), None);
                    let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
                    let st = FdStencil::<f32>::new(form, adjoint, edge, s);
                    prop_assert_eq!(interior_mismatch(&st, &xf), None);
                    prop_assert_eq!(row_formula_mismatch(&st, &xf), None);
                    let xc: Vec<Complex<f64>> = x.iter().map(|&v| Complex::new(v, 0.5 - v)).collect();
                    let st = FdStencil::<Complex<f64>>::new(form, adjoint, edge, s);
                    prop_assert_eq!(interior_mismatch(&st, &xc), None);
                    prop_assert_eq!(row_formula_mismatch(&st, &xc), None);
                }
            }
        }
    }
}
