//! Checks for a stencil's formulas, for implementers: the interior formula and the row formula
//! against the any-row formula, bit for bit.

use super::lane::{LaneStencil, PointVisitor, Set};
use crate::scalar::{RealScalar, Scalar};

/// The first row of the interior ([`LaneStencil::interior_rows`]) of the lane `x` (length `n`, one
/// element per row) where the stencil's two formulas differ in any bit: the interior formula as the
/// drivers run it ([`LaneStencil::run_interior`]) and the any-row formula
/// ([`LaneStencil::any_row_formula`]). `None` when they agree on every interior row.
///
/// A row whose interior formula would read outside the lane (an interior range wider than
/// [`LaneStencil::reach`] allows) is reported as a mismatch too. Use it to test a stencil of your own.
pub fn interior_mismatch<T: Scalar, S: LaneStencil<T>>(st: &S, x: &[T]) -> Option<usize> {
    let n = x.len();
    let (rb, ra) = st.reach();
    let bits = |v: T| {
        (
            v.re().to_f64_lossless().to_bits(),
            v.im().to_f64_lossless().to_bits(),
        )
    };
    for i in st.interior_rows(n) {
        if i >= n || i < rb || i + ra >= n {
            return Some(i);
        }
        let mut fast = [T::zero()];
        st.run_interior(x, i, 1, &mut fast, Set);
        let outside = std::cell::Cell::new(false);
        let any = st.any_row_formula(i, n, |g| {
            x.get(g).copied().unwrap_or_else(|| {
                outside.set(true);
                T::zero()
            })
        });
        if outside.get() || bits(fast[0]) != bits(any) {
            return Some(i);
        }
    }
    None
}

/// The first row of the lane `x` (length `n`, one element per row) where the stencil's row formula
/// ([`LaneStencil::row_formula`]) and its any-row formula ([`LaneStencil::any_row_formula`]) differ
/// in any bit, or where the row formula reads a row outside [`LaneStencil::window`]. Rows without
/// a row formula are skipped. `None` when they agree on every row. Use it to test a stencil of your
/// own, with values that make every operation count (not all equal, a divisor other than one).
pub fn row_formula_mismatch<T: Scalar, S: LaneStencil<T>>(st: &S, x: &[T]) -> Option<usize> {
    /// Evaluates the formula at one element; `None` if a tap lies outside rows `lo..=hi`.
    struct One<'a, T> {
        x: &'a [T],
        i: usize,
        lo: usize,
        hi: usize,
    }
    impl<T: Scalar> PointVisitor<T> for One<'_, T> {
        type Out = Option<T>;
        fn visit<const K: usize, F: Fn([T; K]) -> T + Copy>(
            self,
            offs: [isize; K],
            f: F,
        ) -> Option<T> {
            let mut v = [T::zero(); K];
            for (vk, &d) in v.iter_mut().zip(&offs) {
                let g = self.i as isize + d;
                if g < self.lo as isize || g > self.hi as isize {
                    return None;
                }
                *vk = self.x[g as usize];
            }
            Some(f(v))
        }
    }
    let n = x.len();
    let bits = |v: T| {
        (
            v.re().to_f64_lossless().to_bits(),
            v.im().to_f64_lossless().to_bits(),
        )
    };
    for i in 0..n {
        let Some((lo, hi)) = st.window(i, n) else {
            continue;
        };
        if hi >= n {
            return Some(i);
        }
        let Some(row) = st.row_formula(i, n, One { x, i, lo, hi }) else {
            continue;
        };
        let any = st.any_row_formula(i, n, |g| x.get(g).copied().unwrap_or_else(T::zero));
        match row {
            Some(v) if bits(v) == bits(any) => {}
            _ => return Some(i),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stencil::lane::toy::{data, Toy};
    use std::ops::Range;

    /// A stencil whose any-row formula differs from its interior formula on one row.
    struct Broken;
    impl LaneStencil<f64> for Broken {
        fn reach(&self) -> (usize, usize) {
            (1, 1)
        }
        fn interior_rows(&self, n: usize) -> Range<usize> {
            1..n.saturating_sub(1)
        }
        fn interior_formula<V: PointVisitor<f64>>(&self, v: V) -> Option<V::Out> {
            Some(v.visit([-1, 1], |[a, b]| b - a))
        }
        fn any_row_formula(&self, i: usize, n: usize, x: impl Fn(usize) -> f64) -> f64 {
            if i == 3 {
                x(i - 1) - x(i + 1)
            } else if i >= 1 && i + 1 < n {
                x(i + 1) - x(i - 1)
            } else {
                0.0
            }
        }
        /// Wrong on row 0 of lanes of more than three rows; on the last row, the right value (zero)
        /// but from a row outside the window.
        fn row_formula<V: PointVisitor<f64>>(&self, i: usize, n: usize, v: V) -> Option<V::Out> {
            if i + 1 == n {
                Some(v.visit([-2], |[_]| 0.0))
            } else if i == 0 && n > 3 {
                Some(v.visit([0], |[a]| a))
            } else {
                None
            }
        }
    }

    #[test]
    fn row_formula_mismatch_finds_wrong_rows_and_rows_outside_the_window() {
        let x = data(9, 2);
        for s in [0.7, -1.5, 1.0] {
            assert_eq!(row_formula_mismatch(&Toy { s }, &x), None);
        }
        assert_eq!(row_formula_mismatch(&Broken, &x), Some(0));
        assert_eq!(row_formula_mismatch(&Broken, &x[..3]), Some(2));
        assert_eq!(row_formula_mismatch(&Toy { s: 0.7 }, &[]), None);
    }

    #[test]
    fn interior_mismatch_finds_the_row_where_the_formulas_differ() {
        let x = data(9, 1);
        assert_eq!(interior_mismatch(&Toy { s: 0.7 }, &x), None);
        assert_eq!(interior_mismatch(&Broken, &x), Some(3));
        // Lanes shorter than the stencil: no interior row, nothing to compare.
        assert_eq!(interior_mismatch(&Toy { s: 1.0 }, &x[..2]), None);
        assert_eq!(interior_mismatch(&Toy { s: 1.0 }, &[]), None);
    }
}
