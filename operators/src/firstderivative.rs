//! First derivative along one axis (pylops' `FirstDerivative`).

use crate::kind::Kind;
use crate::rowsum::{row_sum, Coef};
use rylops_core::stencil::{
    apply_op_chunked, run_divided, run_divided_rows, Divided, LaneStencil, PointVisitor, Put,
    RowsMut, RunTaps, StencilOperator, StencilTerms, Strided,
};
use rylops_core::{
    check_apply, normalize_axis, stencil_reductions, Chunked, ChunkedArray, ChunkedOperator, Error,
    Result, Scalar,
};
use std::marker::PhantomData;
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
                let (two, three, twelve) = (c::<T>(2.0), c::<T>(3.0), c::<T>(12.0));
                // The any-row formula's chain, in its order (later edge rows win on short lanes).
                if e && i + 1 == n {
                    v.visit([0, -1], move |[a, b]| (a - b).np_div(s))
                } else if e && (i + 2 == n || i == 1) {
                    v.visit([1, -1], move |[a, b]| (h * (a - b)).np_div(s))
                } else if e && i == 0 {
                    v.visit([1, 0], move |[a, b]| (a - b).np_div(s))
                } else if i >= 2 && i + 3 <= n {
                    v.visit([-2, -1, 1, 2], move |[a, b, d, f]| {
                        (a.np_div(twelve) - (two * b).np_div(three) + (two * d).np_div(three)
                            - f.np_div(twelve))
                        .np_div(s)
                    })
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

/// First derivative along one axis of an n-d array, as pylops' `FirstDerivative`.
///
/// Bit-for-bit equal to pylops 2.8.0 in f64 and complex128 (same order of floating-point
/// operations), in every chunking: if the array is chunked along `axis`, each block receives exactly
/// the stencil's half-width from its neighbours (forward `(0,1)`, backward `(1,0)`, centered-3
/// `(1,1)`, centered-5 `(2,2)`); otherwise blocks are computed alone, in parallel.
///
/// One deliberate difference: the centered order-5 derivative with `edge` on an axis of length 3,
/// where pylops' adjoint is not the adjoint of its forward (a pylops defect), gets the true
/// adjoint; [`FirstDerivativeBuilder::pylops_adjoint`] restores pylops' numbers.
///
/// ```
/// use rylops_core::{ChunkedArray, LinearMap, ndarray::{arr1, ArrayD}};
/// use rylops_operators::{FirstDerivative, Kind};
/// let d = FirstDerivative::<f64>::builder(&[5]).kind(Kind::Forward).sampling(0.5).build().unwrap();
/// let x = ChunkedArray::from_array(arr1(&[0.0, 1.0, 4.0, 9.0, 16.0]).into_dyn());
/// let y = d.forward(&x).unwrap();
/// assert_eq!(y.to_array().as_slice().unwrap(), &[2.0, 6.0, 10.0, 14.0, 0.0]);
/// // The same result on a chunked input (chunks of 2 along the derivative axis).
/// let xc = x.rechunk_uniform(&[2]).unwrap();
/// assert_eq!(d.forward(&xc).unwrap().to_array(), y.to_array());
/// ```
#[derive(Clone, Debug)]
pub struct FirstDerivative<T> {
    dims: Vec<usize>,
    axis: usize,
    sampling: f64,
    kind: Kind,
    order: usize,
    edge: bool,
    form: FdForm,
    pylops_adjoint: bool,
    /// What it computes, forward and adjoint: one stencil along `axis`.
    stencil: [StencilTerms<T, FdStencil<T>>; 2],
    _t: PhantomData<T>,
}

/// Builder of a [`FirstDerivative`]; defaults as pylops: `axis=-1`, `sampling=1`, centered, order 3,
/// `edge=false`.
#[derive(Clone, Debug)]
pub struct FirstDerivativeBuilder<T> {
    _t: std::marker::PhantomData<T>,
    dims: Vec<usize>,
    axis: isize,
    sampling: f64,
    kind: Kind,
    order: usize,
    edge: bool,
    pylops_adjoint: bool,
}

impl<T: Scalar> FirstDerivativeBuilder<T> {
    /// Compatibility switch: pylops' adjoint numbers for a centered order-5 `edge` derivative on an
    /// axis of length 3, where pylops' adjoint is **not** the adjoint of its forward (a pylops
    /// defect: the edge row written twice is transposed twice; see `short_lane.rs`). Off by
    /// default: rylops then gives the true adjoint, which passes the dot test. It changes nothing
    /// in any other configuration, where the two agree bit for bit.
    pub fn pylops_adjoint(mut self, yes: bool) -> Self {
        self.pylops_adjoint = yes;
        self
    }
    /// Axis (negative counts from the end).
    pub fn axis(mut self, axis: isize) -> Self {
        self.axis = axis;
        self
    }
    /// Sampling interval along the axis.
    pub fn sampling(mut self, s: f64) -> Self {
        self.sampling = s;
        self
    }
    /// Derivative kind.
    pub fn kind(mut self, k: Kind) -> Self {
        self.kind = k;
        self
    }
    /// Order of the centered stencil: 3 or 5.
    pub fn order(mut self, o: usize) -> Self {
        self.order = o;
        self
    }
    /// Whether to use one-sided differences at the edges (centered only).
    pub fn edge(mut self, e: bool) -> Self {
        self.edge = e;
        self
    }
    /// Validates the options and builds the operator.
    ///
    /// # Errors
    /// [`Error::AxisOutOfRange`] for an axis out of range; [`Error::InvalidParameter`] for an order
    /// other than 3/5 with `Centered`, a sampling that is zero, subnormal or non-finite once in `T`,
    /// or `dims` with more elements than an array can hold; [`Error::AxisTooShort`] for axes too
    /// short for the edge stencil (pylops raises an `IndexError` there).
    pub fn build(self) -> Result<Chunked<FirstDerivative<T>>> {
        crate::validate::shape(&self.dims, None)?;
        let axis = normalize_axis(self.axis, self.dims.len())?;
        crate::validate::sampling::<T>("sampling", self.sampling, false)?;
        let form = match (self.kind, self.order) {
            (Kind::Centered, 3) => FdForm::Centered3,
            (Kind::Centered, 5) => FdForm::Centered5,
            (Kind::Centered, o) => {
                return Err(Error::InvalidParameter {
                    name: "order".into(),
                    reason: format!("centered first derivative has order 3 or 5, got {o}"),
                })
            }
            (Kind::Forward, _) => FdForm::Forward,
            (Kind::Backward, _) => FdForm::Backward,
        };
        let n = self.dims[axis];
        let min = match (form, self.edge) {
            (FdForm::Centered3, true) => 2,
            (FdForm::Centered5, true) => 3,
            _ => 0,
        };
        if n < min {
            return Err(Error::AxisTooShort {
                axis,
                len: n,
                what: format!(
                    "a centered order-{} first derivative with edge=true",
                    self.order
                ),
                min,
            });
        }
        let terms = |adjoint| {
            StencilTerms::single(
                &self.dims,
                axis,
                FdStencil::new(form, adjoint, self.edge, self.sampling),
            )
        };
        let stencil = [terms(false)?, terms(true)?];
        Ok(Chunked(FirstDerivative {
            dims: self.dims,
            axis,
            sampling: self.sampling,
            kind: self.kind,
            order: self.order,
            edge: self.edge,
            form,
            pylops_adjoint: self.pylops_adjoint,
            stencil,
            _t: PhantomData,
        }))
    }
}

impl<T: Scalar> FirstDerivative<T> {
    /// A builder for an operator on arrays of shape `dims`.
    pub fn builder(dims: &[usize]) -> FirstDerivativeBuilder<T> {
        FirstDerivativeBuilder {
            _t: std::marker::PhantomData,
            dims: dims.to_vec(),
            axis: -1,
            sampling: 1.0,
            kind: Kind::Centered,
            order: 3,
            edge: false,
            pylops_adjoint: false,
        }
    }
    /// The default operator (last axis, centered order 3, unit sampling, no edge).
    ///
    /// # Errors
    /// As [`FirstDerivativeBuilder::build`].
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
    /// The order (3 or 5; meaningful for centered only).
    pub fn order_value(&self) -> usize {
        self.order
    }
    /// Whether edges use one-sided differences.
    pub fn edge_value(&self) -> bool {
        self.edge
    }
}

impl<T: Scalar> StencilOperator for FirstDerivative<T> {
    type Elem = T;
    type Stencil = FdStencil<T>;
    fn stencil_terms(&self, adjoint: bool) -> &StencilTerms<T, FdStencil<T>> {
        &self.stencil[usize::from(adjoint)]
    }
    // The adjoint on lanes too short for the stencil takes its own path (`short_lane`).
    fn runs_terms(&self, adjoint: bool) -> bool {
        !(adjoint && self.short_lane_adjoint())
    }
}

impl<T: Scalar> FirstDerivative<T> {
    /// Whether the adjoint takes the short-lane path (not the stencil driver).
    fn short_lane_adjoint(&self) -> bool {
        crate::short_lane::applies(
            self.form,
            self.edge,
            self.dims[self.axis],
            self.pylops_adjoint,
        )
    }
}

impl<T: Scalar> ChunkedOperator for FirstDerivative<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        apply_op_chunked(self, false, x, y)
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        if self.short_lane_adjoint() {
            return crate::short_lane::adjoint(self.axis, T::from_f64(self.sampling), y, x);
        }
        apply_op_chunked(self, true, y, x)
    }
    // The output summed (or dotted) as it is written: the stencil driver's fused reductions.
    stencil_reductions!();
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
