//! Laplacian: a weighted sum of second derivatives, computed in one fused pass (pylops' `Laplacian`).

use crate::kind::Kind;
use crate::secondderivative::{SdStencil, SecondDerivative};
use rylops_core::stencil::{StencilOperator, StencilTerms, Term, TermMap};
use rylops_core::{normalize_axis, stencil_apply, Chunked, ChunkedOperator, Error, Result, Scalar};

/// `L = w0 S(axes[0]) + w1 S(axes[1]) + ...`, each `S` a [`SecondDerivative`] with its own sampling
/// and the same `edge` and `kind`, summed left to right as pylops does.
///
/// Computed in **one fused pass**: the output is processed tile by tile (a few thousand elements that
/// stay in cache) and every term is accumulated into the tile before moving on, so memory sees one read
/// of the input and one write of the output, with no temporaries — and the result is bit-for-bit the
/// pylops sum `((w0*S0x) + w1*S1x) + ...`. On chunked arrays each term exchanges halos only along its
/// own axis, and only if the array is chunked along it (no corners).
///
/// Weights and samplings are cast to the scalar type first (as pylops does), so `s^2` is computed in
/// the scalar's precision.
///
/// ```
/// use rylops_core::{ChunkedArray, LinearMap, ndarray::{Array2, IxDyn}};
/// use rylops_operators::Laplacian;
/// let lap = Laplacian::<f64>::builder(&[4, 5]).build().unwrap();
/// let x = Array2::from_shape_fn((4, 5), |(i, j)| (i * i + j * j) as f64).into_dyn();
/// let y = lap.forward(&ChunkedArray::from_array(x)).unwrap().to_array();
/// assert_eq!(y[IxDyn(&[1, 2])], 4.0); // interior: d2/di2 + d2/dj2 of i^2 + j^2
/// ```
#[derive(Clone, Debug)]
pub struct Laplacian<T> {
    dims: Vec<usize>,
    terms: Vec<(SecondDerivative<T>, T)>,
    /// What it computes, forward and adjoint: one weighted second derivative per axis, summed.
    stencil: [StencilTerms<T, SdStencil<T>>; 2],
}

/// Builder of a [`Laplacian`]; defaults as pylops: `axes=(-2,-1)`, `weights=(1,1)`, `sampling=(1,1)`,
/// `edge=false`, centered.
#[derive(Clone, Debug)]
pub struct LaplacianBuilder<T> {
    _t: std::marker::PhantomData<T>,
    dims: Vec<usize>,
    axes: Vec<isize>,
    weights: Vec<f64>,
    sampling: Vec<f64>,
    edge: bool,
    kind: Kind,
}

impl<T: Scalar> LaplacianBuilder<T> {
    /// Axes to differentiate (any subset, in any order; an axis may repeat).
    pub fn axes(mut self, axes: &[isize]) -> Self {
        self.axes = axes.to_vec();
        self
    }
    /// One weight per axis.
    pub fn weights(mut self, w: &[f64]) -> Self {
        self.weights = w.to_vec();
        self
    }
    /// One sampling per axis.
    pub fn sampling(mut self, s: &[f64]) -> Self {
        self.sampling = s.to_vec();
        self
    }
    /// One-sided edges on every axis (centered only).
    pub fn edge(mut self, e: bool) -> Self {
        self.edge = e;
        self
    }
    /// Derivative kind, applied to every axis.
    pub fn kind(mut self, k: Kind) -> Self {
        self.kind = k;
        self
    }
    /// Validates and builds.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for `axes`, `weights` and `sampling` of different lengths, an
    /// empty `axes`, a weight that is NaN or infinite once in `T`, a sampling whose square is zero,
    /// subnormal or non-finite once in `T`, or `dims` with more elements than an array can hold;
    /// [`Error::AxisOutOfRange`] for bad axes; [`Error::AxisTooShort`] for too-short edge axes.
    pub fn build(self) -> Result<Chunked<Laplacian<T>>> {
        if self.axes.len() != self.weights.len() || self.axes.len() != self.sampling.len() {
            return Err(Error::InvalidParameter {
                name: "axes/weights/sampling".into(),
                reason: format!(
                    "must have the same length, got {}, {} and {}",
                    self.axes.len(),
                    self.weights.len(),
                    self.sampling.len()
                ),
            });
        }
        if self.axes.is_empty() {
            return Err(Error::InvalidParameter {
                name: "axes".into(),
                reason: "a Laplacian needs at least one axis".into(),
            });
        }
        crate::validate::finite("weights", self.weights.iter().map(|&w| T::from_f64(w)))?;
        let mut terms = Vec::with_capacity(self.axes.len());
        for ((&ax, &w), &s) in self.axes.iter().zip(&self.weights).zip(&self.sampling) {
            normalize_axis(ax, self.dims.len())?;
            let st = T::from_f64(s);
            let sd = SecondDerivative::<T>::builder(&self.dims)
                .axis(ax)
                .sampling(s)
                .kind(self.kind)
                .edge(self.edge)
                .build_with_s2(st * st)?;
            terms.push((sd, T::from_f64(w)));
        }
        let stencil = |adjoint: bool| {
            let t = terms
                .iter()
                .map(|(sd, w): &(SecondDerivative<T>, T)| Term {
                    axis: sd.axis_index(),
                    stencil: sd.stencil_terms(adjoint).terms()[0].stencil,
                    weight: Some(if adjoint { w.conj() } else { *w }),
                })
                .collect();
            StencilTerms::new(&self.dims, t, TermMap::Sum)
        };
        let stencil = [stencil(false)?, stencil(true)?];
        Ok(Chunked(Laplacian {
            dims: self.dims,
            terms,
            stencil,
        }))
    }
}

impl<T: Scalar> Laplacian<T> {
    /// A builder for an operator on arrays of shape `dims`.
    pub fn builder(dims: &[usize]) -> LaplacianBuilder<T> {
        LaplacianBuilder {
            _t: std::marker::PhantomData,
            dims: dims.to_vec(),
            axes: vec![-2, -1],
            weights: vec![1.0, 1.0],
            sampling: vec![1.0, 1.0],
            edge: false,
            kind: Kind::Centered,
        }
    }
    /// The terms: one second derivative and its weight per axis, in summation order.
    pub fn terms(&self) -> &[(SecondDerivative<T>, T)] {
        &self.terms
    }
}

impl<T: Scalar> StencilOperator for Laplacian<T> {
    type Elem = T;
    type Stencil = SdStencil<T>;
    fn stencil_terms(&self, adjoint: bool) -> &StencilTerms<T, SdStencil<T>> {
        &self.stencil[usize::from(adjoint)]
    }
}

impl<T: Scalar> ChunkedOperator for Laplacian<T> {
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
