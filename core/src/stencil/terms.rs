//! Stencil operators as data: an operator made of lane stencils describes itself as terms
//! `(axis, stencil, weight)` plus how the terms map inputs to outputs ([`StencilTerms`]), and one
//! runner executes terms on one block given its halo slabs ([`run_terms`](super::run_terms)). The chunked driver
//! ([`apply_terms`](super::apply_terms)) and the MPI backend (`rylops-mpi`'s `Distributed`) both run
//! any [`StencilOperator`] through it, the library's derivatives and a user's own stencil alike.

use super::lane::{AxisBlock, LaneStencil};
use crate::error::{Error, Result};
use crate::scalar::Scalar;

/// One term: the lane stencil `stencil` along `axis`, scaled by `weight` (`None`: no multiplication
/// at all, which is not always the same bits as a multiplication by one for complex types).
#[derive(Clone, Debug, PartialEq)]
pub struct Term<T, S> {
    /// The axis the stencil acts along (non-negative, an axis of the model).
    pub axis: usize,
    /// The stencil (forward or adjoint row gather).
    pub stencil: S,
    /// The weight, if any.
    pub weight: Option<T>,
}

/// How the terms of a [`StencilTerms`] map inputs to outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TermMap {
    /// One input, one output of the model's shape: `y = w0 S0 x + w1 S1 x + ...`, summed left to
    /// right (a derivative, a Laplacian).
    Sum,
    /// One input, one output per term, stacked along a new leading axis: `y[k] = w_k S_k x`
    /// (a Gradient forward).
    Stack,
    /// One input per term, stacked along a leading axis, one output: `y = w0 S0 x[0] + w1 S1 x[1] +
    /// ...` (a Gradient adjoint, the adjoint of [`TermMap::Stack`]).
    SumStacked,
}

/// What an operator made of lane stencils computes: the model shape, the terms, and how they map
/// inputs to outputs. An operator builds its own once (forward and adjoint) and hands it out through
/// [`StencilOperator::stencil_terms`].
///
/// ```
/// use rylops_core::stencil::{StencilTerms, Term, TermMap};
/// # use rylops_core::stencil::{LaneStencil, PointVisitor};
/// # #[derive(Clone, Copy, Debug)] struct D;
/// # impl LaneStencil<f64> for D {
/// #     fn reach(&self) -> (usize, usize) { (0, 1) }
/// #     fn interior_rows(&self, n: usize) -> std::ops::Range<usize> { 0..n.saturating_sub(1) }
/// #     fn any_row_formula(&self, i: usize, n: usize, x: impl Fn(usize) -> f64) -> f64 {
/// #         if i + 1 < n { x(i + 1) - x(i) } else { 0.0 } }
/// # }
/// // Two terms summed into one output, as a Laplacian is.
/// let t = StencilTerms::new(
///     &[4, 5],
///     vec![Term { axis: 0, stencil: D, weight: None }, Term { axis: 1, stencil: D, weight: Some(2.0) }],
///     TermMap::Sum,
/// ).unwrap();
/// assert_eq!(t.output_shape(), vec![4, 5]);
/// assert!(StencilTerms::new(&[4, 5], vec![Term { axis: 2, stencil: D, weight: None }], TermMap::Sum).is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct StencilTerms<T, S> {
    dims: Vec<usize>,
    terms: Vec<Term<T, S>>,
    map: TermMap,
}

impl<T: Scalar, S: LaneStencil<T>> StencilTerms<T, S> {
    /// Terms over a model of shape `dims`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] without terms; [`Error::AxisOutOfRange`] for a term whose axis is
    /// not an axis of `dims`.
    pub fn new(dims: &[usize], terms: Vec<Term<T, S>>, map: TermMap) -> Result<Self> {
        if terms.is_empty() {
            return Err(Error::InvalidParameter {
                name: "terms".into(),
                reason: "a stencil operator needs at least one term".into(),
            });
        }
        for t in &terms {
            super::chunked::check_axis(t.axis, dims.len())?;
        }
        Ok(Self {
            dims: dims.to_vec(),
            terms,
            map,
        })
    }
    /// One unweighted stencil along `axis` (a derivative).
    ///
    /// # Errors
    /// [`Error::AxisOutOfRange`] if `axis` is not an axis of `dims`.
    pub fn single(dims: &[usize], axis: usize, stencil: S) -> Result<Self> {
        Self::new(
            dims,
            vec![Term {
                axis,
                stencil,
                weight: None,
            }],
            TermMap::Sum,
        )
    }
    /// The model shape (the shape every term's stencil acts on).
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }
    /// The terms, in summation (or stacking) order.
    pub fn terms(&self) -> &[Term<T, S>] {
        &self.terms
    }
    /// How the terms map inputs to outputs.
    pub fn map(&self) -> TermMap {
        self.map
    }
    /// The shape of the input: the model's, or `(terms, *model)` for [`TermMap::SumStacked`].
    pub fn input_shape(&self) -> Vec<usize> {
        self.stacked_if(self.map == TermMap::SumStacked)
    }
    /// The shape of the output: the model's, or `(terms, *model)` for [`TermMap::Stack`].
    pub fn output_shape(&self) -> Vec<usize> {
        self.stacked_if(self.map == TermMap::Stack)
    }
    fn stacked_if(&self, stacked: bool) -> Vec<usize> {
        let mut s = Vec::with_capacity(self.dims.len() + 1);
        if stacked {
            s.push(self.terms.len());
        }
        s.extend_from_slice(&self.dims);
        s
    }
}

/// An operator that describes itself as stencil terms: the chunked driver
/// ([`apply_terms`](super::apply_terms)) and `rylops-mpi`'s `Distributed` run it, forward and
/// adjoint, with halos exchanged along each term's axis only where the data is split along it.
///
/// Implement it for an operator of your own (its [`LaneStencil`] gives the taps, forward and
/// adjoint, and the reach per side) and it runs on chunks and on MPI ranks with no further code.
pub trait StencilOperator: Sync {
    /// The scalar type.
    type Elem: Scalar;
    /// The stencil type of the terms.
    type Stencil: LaneStencil<Self::Elem>;
    /// The terms of the forward (`adjoint = false`) or adjoint operator. The adjoint's terms are
    /// the adjoint stencils with conjugated weights, and its map the adjoint map
    /// ([`TermMap::Stack`] and [`TermMap::SumStacked`] swap).
    fn stencil_terms(&self, adjoint: bool) -> &StencilTerms<Self::Elem, Self::Stencil>;

    /// Whether the operator applies by its [`stencil_terms`](Self::stencil_terms) (forward or
    /// adjoint, as `adjoint` says): `true` unless overridden. An operator that takes another path
    /// for some shapes returns `false` there, and the fused reductions
    /// ([`apply_op_chunked_norm_sqr`](super::apply_op_chunked_norm_sqr) and its siblings) then
    /// apply it by its own `ChunkedOperator` method and reduce the result in a second pass.
    fn runs_terms(&self, adjoint: bool) -> bool {
        let _ = adjoint;
        true
    }
}

/// One term on one block: the stencil, its input block seen along the stencil's axis with its halo
/// slabs, and its weight.
#[derive(Clone, Copy, Debug)]
pub struct BlockTerm<'a, T, S> {
    /// The stencil.
    pub stencil: &'a S,
    /// Its input block (with halo slabs where the data is split along the stencil's axis).
    pub block: AxisBlock<'a, T>,
    /// Optional weight (`None`: no multiplication at all).
    pub weight: Option<T>,
}

/// An operator wrapped in the [`Chunked`](crate::Chunked) adapter (as the library's builders return
/// them) describes itself by the terms of the operator it wraps, so it runs wherever a
/// [`StencilOperator`] is accepted (e.g. on MPI ranks) without unwrapping.
impl<O: StencilOperator> StencilOperator for crate::Chunked<O> {
    type Elem = O::Elem;
    type Stencil = O::Stencil;
    fn stencil_terms(&self, adjoint: bool) -> &StencilTerms<Self::Elem, Self::Stencil> {
        self.0.stencil_terms(adjoint)
    }
    fn runs_terms(&self, adjoint: bool) -> bool {
        self.0.runs_terms(adjoint)
    }
}
