//! First derivative along one axis (pylops' `FirstDerivative`).

use crate::kind::Kind;
use rylops_core::stencil::{apply_op_chunked, StencilOperator, StencilTerms};
use rylops_core::{
    check_apply, normalize_axis, stencil_reductions, Chunked, ChunkedArray, ChunkedOperator, Error,
    Result, Scalar,
};
use std::marker::PhantomData;

mod stencil;
pub use stencil::{FdForm, FdStencil};

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
