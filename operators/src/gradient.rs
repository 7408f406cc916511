//! Gradient: the first derivatives along every axis, stacked (pylops' `Gradient`).

use crate::firstderivative::{FdStencil, FirstDerivative};
use crate::kind::Kind;
use rylops_core::stencil::{
    apply_op_chunked, apply_op_chunked_add, apply_op_chunked_add_norm_sqr, apply_op_chunked_dot,
    apply_op_chunked_norm_sqr, apply_op_chunked_xpby_norm_sqr, StencilOperator, StencilTerms, Term,
    TermMap,
};
use rylops_core::{
    check_shape, ChunkGrid, Chunked, ChunkedArray, ChunkedOperator, Error, Result, Scalar,
};
use std::borrow::Cow;

/// `G x = [D_0 x; D_1 x; ...]`, output shape `(ndim, *dims)`, each `D_k` a centered (or
/// forward/backward) [`FirstDerivative`] along axis `k` with sampling `s_k`. The adjoint sums the
/// per-axis adjoints in axis order, in one fused pass.
///
/// On a chunked input of grid `g`, the output's grid is `g` with a leading axis of length `ndim` in a
/// single chunk, so block `(0, *id)` of the output holds all derivatives of input block `id`.
///
/// ```
/// use rylops_core::{ChunkedArray, LinearMap, ndarray::{Array2, IxDyn}};
/// use rylops_operators::Gradient;
/// let g = Gradient::<f64>::builder(&[4, 5]).edge(true).build().unwrap();
/// let x = Array2::from_shape_fn((4, 5), |(i, j)| (2 * i + 3 * j) as f64).into_dyn();
/// let y = g.forward(&ChunkedArray::from_array(x)).unwrap().to_array();
/// assert_eq!(y.shape(), &[2, 4, 5]);
/// assert!(y.index_axis(rylops_core::ndarray::Axis(0), 0).iter().all(|&v| v == 2.0));
/// assert!(y.index_axis(rylops_core::ndarray::Axis(0), 1).iter().all(|&v| v == 3.0));
/// ```
#[derive(Clone, Debug)]
pub struct Gradient<T> {
    dims: Vec<usize>,
    derivs: Vec<FirstDerivative<T>>,
    /// What it computes: forward, one derivative per axis stacked; adjoint, their adjoints summed.
    stencil: [StencilTerms<T, FdStencil<T>>; 2],
}

/// Builder of a [`Gradient`]; defaults: `sampling=1` on every axis, `edge=false`, centered.
#[derive(Clone, Debug)]
pub struct GradientBuilder<T> {
    _t: std::marker::PhantomData<T>,
    dims: Vec<usize>,
    sampling: Vec<f64>,
    edge: bool,
    kind: Kind,
}

impl<T: Scalar> GradientBuilder<T> {
    /// The same sampling on every axis.
    pub fn sampling(mut self, s: f64) -> Self {
        self.sampling = vec![s; self.dims.len()];
        self
    }
    /// One sampling per axis.
    pub fn sampling_per_axis(mut self, s: &[f64]) -> Self {
        self.sampling = s.to_vec();
        self
    }
    /// One-sided edges (centered only).
    pub fn edge(mut self, e: bool) -> Self {
        self.edge = e;
        self
    }
    /// Derivative kind.
    pub fn kind(mut self, k: Kind) -> Self {
        self.kind = k;
        self
    }
    /// Validates and builds.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a number of samplings other than the number of axes, or an
    /// output shape `(ndim, *dims)` with more elements than an array can hold; those of
    /// [`FirstDerivativeBuilder::build`](crate::FirstDerivativeBuilder::build) for every axis.
    pub fn build(self) -> Result<Chunked<Gradient<T>>> {
        if self.sampling.len() != self.dims.len() {
            return Err(Error::InvalidParameter {
                name: "sampling".into(),
                reason: format!(
                    "one sampling per axis: {} given for {} axes",
                    self.sampling.len(),
                    self.dims.len()
                ),
            });
        }
        crate::validate::shape(&self.dims, Some(self.dims.len()))?;
        let derivs = (0..self.dims.len())
            .map(|k| {
                FirstDerivative::<T>::builder(&self.dims)
                    .axis(k as isize)
                    .sampling(self.sampling[k])
                    .kind(self.kind)
                    .edge(self.edge)
                    .build()
                    .map(Chunked::into_inner)
            })
            .collect::<Result<Vec<_>>>()?;
        let stencil = |adjoint: bool| {
            let t = derivs
                .iter()
                .map(|d| Term {
                    axis: d.axis_index(),
                    stencil: d.stencil_terms(adjoint).terms()[0].stencil,
                    weight: None,
                })
                .collect();
            let map = if adjoint {
                TermMap::SumStacked
            } else {
                TermMap::Stack
            };
            StencilTerms::new(&self.dims, t, map)
        };
        let stencil = [stencil(false)?, stencil(true)?];
        Ok(Chunked(Gradient {
            dims: self.dims,
            derivs,
            stencil,
        }))
    }
}

impl<T: Scalar> Gradient<T> {
    /// A builder for an operator on arrays of shape `dims`.
    pub fn builder(dims: &[usize]) -> GradientBuilder<T> {
        GradientBuilder {
            _t: std::marker::PhantomData,
            sampling: vec![1.0; dims.len()],
            dims: dims.to_vec(),
            edge: false,
            kind: Kind::Centered,
        }
    }
    /// The per-axis first derivatives.
    pub fn derivatives(&self) -> &[FirstDerivative<T>] {
        &self.derivs
    }
    fn out_grid(&self, g: &ChunkGrid) -> ChunkGrid {
        g.prepend_axis(self.dims.len())
    }
    fn check_out(&self, x: &ChunkedArray<T>, y: &ChunkedArray<T>, what: &str) -> Result<()> {
        // Compared without building the expected grid (no allocation unless it does not match).
        let (xg, yg) = (x.grid(), y.grid());
        let nd = self.dims.len();
        let matches = yg.ndim() == nd + 1
            && yg.chunks(0) == [nd]
            && (0..nd).all(|a| yg.chunks(a + 1) == xg.chunks(a));
        if !matches {
            let want = self.out_grid(xg);
            if y.shape() != want.shape() {
                return Err(Error::ShapeMismatch {
                    context: format!("Gradient {what}"),
                    expected: want.shape().to_vec(),
                    got: y.shape().to_vec(),
                });
            }
            return Err(Error::ChunkMismatch(format!(
                "Gradient {what}: the stacked array must be chunked like the model with a single \
                 chunk along its leading axis, expected {:?}, got {:?}",
                want.all_chunks(),
                y.grid().all_chunks()
            )));
        }
        Ok(())
    }
}

impl<T: Scalar> StencilOperator for Gradient<T> {
    type Elem = T;
    type Stencil = FdStencil<T>;
    fn stencil_terms(&self, adjoint: bool) -> &StencilTerms<T, FdStencil<T>> {
        &self.stencil[usize::from(adjoint)]
    }
}

impl<T: Scalar> Gradient<T> {
    /// Checks a forward pair `x -> y`.
    fn check_forward(&self, x: &ChunkedArray<T>, y: &ChunkedArray<T>) -> Result<()> {
        check_shape(x, &self.dims, "Gradient forward input")?;
        self.check_out(x, y, "forward output")
    }

    /// Checks an adjoint pair `y -> x` and returns `y` as the runner takes it: as it is, or
    /// rechunked to a single chunk along its leading (component) axis.
    fn adjoint_input<'a>(
        &self,
        y: &'a ChunkedArray<T>,
        x: &ChunkedArray<T>,
    ) -> Result<Cow<'a, ChunkedArray<T>>> {
        check_shape(x, &self.dims, "Gradient adjoint output")?;
        let nd = self.dims.len();
        if y.ndim() != nd + 1 || y.shape()[0] != nd || y.shape()[1..] != self.dims[..] {
            check_shape(y, &self.dimsd(), "Gradient adjoint input")?;
        }
        let y = if y.grid().nblocks_along(0) > 1 {
            Cow::Owned(y.rechunk(self.out_grid(x.grid()))?)
        } else {
            Cow::Borrowed(y)
        };
        self.check_out(x, &y, "adjoint input")?;
        Ok(y)
    }
}

/// Every apply runs the stencil runner after the checks above (the adjoint's input rechunked if it
/// must be): the products, the fused reductions (`||G x||^2` with `G x` in one pass, ...) and the
/// accumulating applies (`y += G x`, ...).
impl<T: Scalar> ChunkedOperator for Gradient<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        let mut d = vec![self.dims.len()];
        d.extend_from_slice(&self.dims);
        d
    }
    /// One fused pass per block: every derivative of an input tile is computed while the tile is in
    /// cache, so the input is read once.
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        self.check_forward(x, y)?;
        apply_op_chunked(self, false, x, y)
    }
    /// If `y` is chunked along its leading (component) axis, it is first rechunked to a single
    /// chunk there (a copy); keep that axis whole to avoid it.
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        let y = self.adjoint_input(y, x)?;
        apply_op_chunked(self, true, &y, x)
    }
    fn forward_into_norm_sqr(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        self.check_forward(x, y)?;
        apply_op_chunked_norm_sqr(self, false, x, y)
    }
    fn forward_into_dot(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        w: &ChunkedArray<T>,
    ) -> Result<T> {
        self.check_forward(x, y)?;
        apply_op_chunked_dot(self, false, x, y, w)
    }
    fn forward_xpby_norm_sqr(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        b: T,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        self.check_forward(x, y)?;
        apply_op_chunked_xpby_norm_sqr(self, false, x, y, b, tmp)
    }
    fn adjoint_into_norm_sqr(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        let y = self.adjoint_input(y, x)?;
        apply_op_chunked_norm_sqr(self, true, &y, x)
    }
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
        b: T,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        let y = self.adjoint_input(y, x)?;
        apply_op_chunked_xpby_norm_sqr(self, true, &y, x, b, tmp)
    }
    fn forward_add_into(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<()> {
        self.check_forward(x, y)?;
        apply_op_chunked_add(self, false, x, y, tmp)
    }
    fn forward_add_into_norm_sqr(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        self.check_forward(x, y)?;
        apply_op_chunked_add_norm_sqr(self, false, x, y, tmp)
    }
    fn adjoint_add_into(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<()> {
        let y = self.adjoint_input(y, x)?;
        apply_op_chunked_add(self, true, &y, x, tmp)
    }
    fn adjoint_add_into_norm_sqr(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        let y = self.adjoint_input(y, x)?;
        apply_op_chunked_add_norm_sqr(self, true, &y, x, tmp)
    }
}
