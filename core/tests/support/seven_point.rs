//! A user's own stencil operator, written outside the library: a sixth-order, 7-point second
//! derivative along one axis, `y[i] = (2x[i-3] - 27x[i-2] + 270x[i-1] - 490x[i] + 270x[i+1] -
//! 27x[i+2] + 2x[i+3]) / (180 h^2)` on rows `3..n-3`, zero on the three rows at each end; its adjoint is
//! the exact transpose. It only describes itself (taps forward and adjoint, reach per side, the two
//! formulas); chunking and MPI ranks come from the library.

use rylops_core::stencil::{LaneStencil, PointVisitor, StencilOperator, StencilTerms};
use rylops_core::{Result, Scalar};
use std::ops::Range;

/// The taps, by offset `-3..=3`.
const C: [f64; 7] = [2.0, -27.0, 270.0, -490.0, 270.0, -27.0, 2.0];

/// The row gather of the forward (`adjoint = false`) or adjoint operator.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SevenPoint {
    pub adjoint: bool,
    /// `180 h^2`.
    pub div: f64,
}

impl SevenPoint {
    /// `sum_k C[k] v[k]` left to right, starting from zero in the adjoint (a sum of gathered terms).
    #[inline(always)]
    fn sum(&self, v: [f64; 7]) -> f64 {
        if self.adjoint {
            // Output j gathers input i = j - 3 + k with the tap of offset j - i: C[6 - k] = C[k].
            v.iter().zip(C).fold(0.0, |acc, (&x, c)| acc + c * x)
        } else {
            let mut acc = C[0] * v[0];
            for k in 1..7 {
                acc += C[k] * v[k];
            }
            acc
        }
    }
}

impl LaneStencil<f64> for SevenPoint {
    fn reach(&self) -> (usize, usize) {
        (3, 3)
    }
    fn interior_rows(&self, n: usize) -> Range<usize> {
        if self.adjoint {
            6..n.saturating_sub(6)
        } else {
            3..n.saturating_sub(3)
        }
    }
    fn interior_formula<V: PointVisitor<f64>>(&self, v: V) -> Option<V::Out> {
        let me = *self;
        Some(v.visit([-3, -2, -1, 0, 1, 2, 3], move |x| me.sum(x)))
    }
    fn divisor(&self) -> f64 {
        self.div
    }
    fn same_interior_formula(&self, other: &Self) -> bool {
        self.adjoint == other.adjoint
    }
    fn any_row_formula(&self, i: usize, n: usize, x: impl Fn(usize) -> f64) -> f64 {
        let rows = 3..n.saturating_sub(3);
        let v = if !self.adjoint {
            if rows.contains(&i) {
                self.sum(std::array::from_fn(|k| x(i + k - 3)))
            } else {
                0.0
            }
        } else {
            // Sum over the forward rows r = i - 3 + k that read input i, in increasing r.
            let mut acc = 0.0;
            for (k, &c) in C.iter().enumerate() {
                if let Some(r) = (i + k).checked_sub(3) {
                    if rows.contains(&r) {
                        acc += c * x(r);
                    }
                }
            }
            acc
        };
        v.np_div(self.div)
    }
}

/// The operator: the 7-point second derivative along `axis` of arrays of shape `dims`.
#[derive(Clone, Debug)]
pub struct SixthOrderSecondDerivative {
    terms: [StencilTerms<f64, SevenPoint>; 2],
}

impl SixthOrderSecondDerivative {
    /// Along `axis` with sampling `h`.
    pub fn new(dims: &[usize], axis: usize, h: f64) -> Result<Self> {
        let div = 180.0 * h * h;
        let t = |adjoint| StencilTerms::single(dims, axis, SevenPoint { adjoint, div });
        Ok(Self {
            terms: [t(false)?, t(true)?],
        })
    }
}

impl StencilOperator for SixthOrderSecondDerivative {
    type Elem = f64;
    type Stencil = SevenPoint;
    fn stencil_terms(&self, adjoint: bool) -> &StencilTerms<f64, SevenPoint> {
        &self.terms[usize::from(adjoint)]
    }
}
