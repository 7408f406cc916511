//! Second derivative along one axis (pylops' `SecondDerivative`).

use crate::kind::Kind;
use crate::rowsum::{row_sum, Coef};
use rylops_core::stencil::{LaneStencil, PointVisitor, StencilOperator, StencilTerms};
use rylops_core::{normalize_axis, stencil_apply, Chunked, ChunkedOperator, Error, Result, Scalar};
use std::marker::PhantomData;
use std::ops::Range;

/// The row gathers of a second derivative, forward and adjoint side by side.
///
/// Forward: `y[i] = (x[k+1] - 2 x[k]) + x[k-1]` with `k = i` (centered, rows `1..=n-2`), `k = i+1`
/// (forward, rows `0..=n-3`) or `k = i-1` (backward, rows `2..=n-1`), other rows zero; centered with
/// `edge`: `y[0] = (x[0] - 2x[1]) + x[2]`, `y[n-1] = (x[n-3] - 2x[n-2]) + x[n-1]`. Then the lane is
/// divided by `s^2`. The adjoint is the exact transpose in pylops' summation order.
#[derive(Clone, Copy, Debug)]
pub struct SdStencil<T> {
    kind: Kind,
    adjoint: bool,
    edge: bool,
    s2: T,
}

impl<T: Scalar> SdStencil<T> {
    /// A stencil dividing by `s2` (the squared sampling, already in `T`).
    pub fn new(kind: Kind, adjoint: bool, edge: bool, s2: T) -> Self {
        Self {
            kind,
            adjoint,
            edge: edge && kind == Kind::Centered,
            s2,
        }
    }
    /// Offset of the first input row of the forward row formula relative to the output row.
    fn off(&self) -> isize {
        match self.kind {
            Kind::Centered => -1,
            Kind::Forward => 0,
            Kind::Backward => -2,
        }
    }
}

#[inline(always)]
fn c<T: Scalar>(v: f64) -> T {
    T::from_f64(v)
}

impl<T: Scalar> SdStencil<T> {
    /// The interior formula over any source of input rows.
    #[inline(always)]
    fn formula<V: PointVisitor<T>>(&self, v: V) -> V::Out {
        let two = c::<T>(2.0);
        let o = self.off();
        if self.adjoint {
            let m2 = c::<T>(-2.0);
            let zero = T::zero();
            // + x[j-o-1+1] ... with lo = -o: x[j+lo], x[j-1+lo], x[j-2+lo]
            let lo = -o;
            v.visit([lo, lo - 1, lo - 2], move |[a, b, d]| {
                ((zero + a) + m2 * b) + d
            })
        } else {
            v.visit([o, o + 1, o + 2], move |[a, b, d]| (d - two * b) + a)
        }
    }
}

impl<T: Scalar> LaneStencil<T> for SdStencil<T> {
    fn reach(&self) -> (usize, usize) {
        let o = self.off();
        if self.adjoint {
            // adjoint row j reads x[j - o - 2 ..= j - o]
            ((o + 2) as usize, (-o) as usize)
        } else {
            ((-o) as usize, (o + 2) as usize)
        }
    }

    fn interior_rows(&self, n: usize) -> Range<usize> {
        if self.adjoint {
            if self.edge {
                3..n.saturating_sub(3)
            } else {
                2..n.saturating_sub(2)
            }
        } else {
            match self.kind {
                Kind::Centered => 1..n.saturating_sub(1),
                Kind::Forward => 0..n.saturating_sub(2),
                Kind::Backward => 2..n,
            }
        }
    }

    fn window(&self, i: usize, n: usize) -> Option<(usize, usize)> {
        if n == 0 {
            return None;
        }
        let (b, a) = self.reach();
        let (mut lo, mut hi) = (i.saturating_sub(b), (i + a).min(n - 1));
        if self.edge {
            // Edge rows reach two rows away from the ends.
            if i <= 2 {
                lo = 0;
                hi = hi.max(2.min(n - 1));
            }
            if i + 3 >= n {
                hi = n - 1;
                lo = lo.min(n.saturating_sub(3));
            }
        }
        Some((lo, hi))
    }

    #[inline(always)]
    fn interior_formula<V: PointVisitor<T>>(&self, v: V) -> Option<V::Out> {
        Some(self.formula(v))
    }

    fn divisor(&self) -> T {
        self.s2
    }

    fn same_interior_formula(&self, other: &Self) -> bool {
        self.kind == other.kind && self.adjoint == other.adjoint
    }

    /// [`any_row_formula`](LaneStencil::any_row_formula)'s operations for row `i`, its branches
    /// decided once for the row (adjoint: the terms that apply, added in the same order).
    #[inline(always)]
    fn row_formula<V: PointVisitor<T>>(&self, i: usize, n: usize, v: V) -> Option<V::Out> {
        let s2 = self.s2;
        let zero = T::zero();
        let two = c::<T>(2.0);
        let m2 = c::<T>(-2.0);
        let (ii, edge) = (i as isize, self.edge);
        if edge && n < 3 {
            return None;
        }
        if !self.adjoint {
            // Offsets of rows `a`, `b`, `d` in `(x(a) - 2 x(b)) + x(d)`.
            let rows = if edge && i + 1 == n {
                Some([n - 3, n - 2, n - 1])
            } else if edge && i == 0 {
                Some([0, 1, 2])
            } else {
                let k = ii + self.off() + 1;
                (k >= 1 && (k as usize) + 2 <= n).then(|| {
                    let k = k as usize;
                    [k + 1, k, k - 1]
                })
            };
            return Some(match rows {
                Some(r) => v.visit(r.map(|g| g as isize - ii), move |[a, b, d]| {
                    ((a - two * b) + d).np_div(s2)
                }),
                None => v.visit([], move |[]| zero.np_div(s2)),
            });
        }
        let (lo, n1, m2) = (-self.off(), n as isize - 1, Coef::Mul(m2));
        let e = edge;
        let terms = [
            (i + 3 <= n, ii + lo, Coef::One),
            (i >= 1 && i + 2 <= n, ii - 1 + lo, m2),
            (i >= 2, ii - 2 + lo, Coef::One),
            (e && i == 0, 0, Coef::One),
            (e && i == 1, 0, m2),
            (e && i == 2, 0, Coef::One),
            (e && i + 3 == n, n1, Coef::One),
            (e && i + 2 == n, n1, m2),
            (e && i + 1 == n, n1, Coef::One),
        ];
        Some(row_sum(v, i, terms, s2))
    }

    #[inline(always)]
    fn any_row_formula(&self, i: usize, n: usize, x: impl Fn(usize) -> T) -> T {
        let s2 = self.s2;
        let zero = T::zero();
        let two = c::<T>(2.0);
        let m2 = c::<T>(-2.0);
        if !self.adjoint {
            let v = if self.edge && i + 1 == n {
                (x(n - 3) - two * x(n - 2)) + x(n - 1)
            } else if self.edge && i == 0 {
                (x(0) - two * x(1)) + x(2)
            } else {
                let k = i as isize + self.off() + 1; // centre row of the formula
                if k >= 1 && (k as usize) + 2 <= n {
                    let k = k as usize;
                    (x(k + 1) - two * x(k)) + x(k - 1)
                } else {
                    zero
                }
            };
            return v.np_div(s2);
        }
        let lo = (-self.off()) as usize;
        let mut acc = zero;
        if i + 3 <= n {
            acc += x(i + lo);
        }
        if i >= 1 && i + 2 <= n {
            acc += m2 * x(i - 1 + lo);
        }
        if i >= 2 {
            acc += x(i - 2 + lo);
        }
        if self.edge {
            if i == 0 {
                acc += x(0);
            }
            if i == 1 {
                acc += m2 * x(0);
            }
            if i == 2 {
                acc += x(0);
            }
            if i + 3 == n {
                acc += x(n - 1);
            }
            if i + 2 == n {
                acc += m2 * x(n - 1);
            }
            if i + 1 == n {
                acc += x(n - 1);
            }
        }
        acc.np_div(s2)
    }
}

/// Second derivative along one axis of an n-d array, as pylops' `SecondDerivative`.
///
/// Bit-for-bit equal to pylops 2.8.0 in every chunking; the halo is one row on each side (two at the
/// global ends for the centered `edge` rows, which read two samples away).
///
/// ```
/// use rylops_core::{ChunkedArray, LinearMap, LinearOperator, ndarray::arr1};
/// use rylops_operators::SecondDerivative;
/// let d = SecondDerivative::<f64>::builder(&[5]).edge(true).build().unwrap();
/// let x = ChunkedArray::from_array(arr1(&[0.0, 1.0, 4.0, 9.0, 16.0]).into_dyn());
/// assert_eq!(d.forward(&x).unwrap().to_array().as_slice().unwrap(), &[2.0; 5]);
/// ```
#[derive(Clone, Debug)]
pub struct SecondDerivative<T> {
    dims: Vec<usize>,
    axis: usize,
    sampling: f64,
    kind: Kind,
    edge: bool,
    /// What it computes, forward and adjoint: one stencil along `axis`.
    stencil: [StencilTerms<T, SdStencil<T>>; 2],
    _t: PhantomData<T>,
}

/// Builder of a [`SecondDerivative`]; defaults: `axis=-1`, `sampling=1`, centered, `edge=false`.
#[derive(Clone, Debug)]
pub struct SecondDerivativeBuilder<T> {
    _t: std::marker::PhantomData<T>,
    dims: Vec<usize>,
    axis: isize,
    sampling: f64,
    kind: Kind,
    edge: bool,
}

impl<T: Scalar> SecondDerivativeBuilder<T> {
    /// Axis (negative counts from the end).
    pub fn axis(mut self, axis: isize) -> Self {
        self.axis = axis;
        self
    }
    /// Sampling interval.
    pub fn sampling(mut self, s: f64) -> Self {
        self.sampling = s;
        self
    }
    /// Derivative kind.
    pub fn kind(mut self, k: Kind) -> Self {
        self.kind = k;
        self
    }
    /// One-sided edges (centered only).
    pub fn edge(mut self, e: bool) -> Self {
        self.edge = e;
        self
    }
    /// Validates and builds; `s^2` is computed in f64 and rounded to `T` (numpy's rule for a Python
    /// float sampling).
    ///
    /// # Errors
    /// [`Error::AxisOutOfRange`] for an axis out of range; [`Error::InvalidParameter`] for a
    /// sampling whose value or square is zero, subnormal or non-finite once in `T` (`1e-200` in
    /// f64, `1e-20` in f32), or `dims` with more elements than an array can hold;
    /// [`Error::AxisTooShort`] for a centered `edge` axis shorter than 3.
    pub fn build(self) -> Result<Chunked<SecondDerivative<T>>> {
        let s2 = T::from_f64(self.sampling * self.sampling);
        self.build_with_s2(s2).map(Chunked)
    }
    pub(crate) fn build_with_s2(self, s2: T) -> Result<SecondDerivative<T>> {
        crate::validate::shape(&self.dims, None)?;
        let axis = normalize_axis(self.axis, self.dims.len())?;
        crate::validate::sampling::<T>("sampling", self.sampling, true)?;
        let n = self.dims[axis];
        if self.edge && self.kind == Kind::Centered && n < 3 {
            return Err(Error::AxisTooShort {
                axis,
                len: n,
                what: "a centered second derivative with edge=true".into(),
                min: 3,
            });
        }
        let terms = |adjoint| {
            StencilTerms::single(
                &self.dims,
                axis,
                SdStencil::new(self.kind, adjoint, self.edge, s2),
            )
        };
        let stencil = [terms(false)?, terms(true)?];
        Ok(SecondDerivative {
            dims: self.dims,
            axis,
            sampling: self.sampling,
            kind: self.kind,
            edge: self.edge,
            stencil,
            _t: PhantomData,
        })
    }
}

impl<T: Scalar> SecondDerivative<T> {
    /// A builder for an operator on arrays of shape `dims`.
    pub fn builder(dims: &[usize]) -> SecondDerivativeBuilder<T> {
        SecondDerivativeBuilder {
            _t: std::marker::PhantomData,
            dims: dims.to_vec(),
            axis: -1,
            sampling: 1.0,
            kind: Kind::Centered,
            edge: false,
        }
    }
    /// The default operator (last axis, centered, unit sampling, no edge).
    ///
    /// # Errors
    /// As [`SecondDerivativeBuilder::build`].
    pub fn new(dims: &[usize]) -> Result<Chunked<Self>> {
        Self::builder(dims).build()
    }
    /// The (non-negative) axis.
    pub fn axis_index(&self) -> usize {
        self.axis
    }
    /// The sampling.
    pub fn sampling_value(&self) -> f64 {
        self.sampling
    }
    /// The kind.
    pub fn kind_value(&self) -> Kind {
        self.kind
    }
    /// Whether edges use one-sided stencils.
    pub fn edge_value(&self) -> bool {
        self.edge
    }
}

impl<T: Scalar> StencilOperator for SecondDerivative<T> {
    type Elem = T;
    type Stencil = SdStencil<T>;
    fn stencil_terms(&self, adjoint: bool) -> &StencilTerms<T, SdStencil<T>> {
        &self.stencil[usize::from(adjoint)]
    }
}

impl<T: Scalar> ChunkedOperator for SecondDerivative<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dims.clone()
    }
    // Checked, then the stencil runner; the reductions summed (or dotted) as the output is written.
    stencil_apply!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex;
    use proptest::prelude::*;
    use rylops_core::stencil::{interior_mismatch, row_formula_mismatch};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// The interior formula and the any-row formula agree bit for bit on every interior row, and
        /// the row formula and the any-row formula on every row that has one,
        /// for every kind, direction and edge option, real and complex.
        #[test]
        fn formulas_agree_on_interior_rows(
            x in proptest::collection::vec(-1e3f64..1e3, 0..24),
            s in prop_oneof![Just(1.0f64), 0.1f64..10.0],
            edge in any::<bool>(),
        ) {
            for kind in [Kind::Centered, Kind::Forward, Kind::Backward] {
                for adjoint in [false, true] {
                    let st = SdStencil::<f64>::new(kind, adjoint, edge, s * s);
                    prop_assert_eq!(interior_mismatch(&st, &x), None, "{:?} adj {}", kind, adjoint);
                    prop_assert_eq!(row_formula_mismatch(&st, &x), None);
                    let xc: Vec<Complex<f32>> =
                        x.iter().map(|&v| Complex::new(v as f32, 1.0 - v as f32)).collect();
                    let st = SdStencil::<Complex<f32>>::new(kind, adjoint, edge, Complex::new((s * s) as f32, 0.0));
                    prop_assert_eq!(interior_mismatch(&st, &xc), None);
                    prop_assert_eq!(row_formula_mismatch(&st, &xc), None);
                }
            }
        }
    }
}
