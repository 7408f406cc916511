//! The macros that write a stencil operator's `ChunkedOperator` methods: [`stencil_apply!`](crate::stencil_apply)
//! (the apply path and the fused reductions) and [`stencil_reductions!`](crate::stencil_reductions) (the reductions only).

#[allow(unused_imports)] // for the intra-doc links
use super::chunked::*;
#[allow(unused_imports)]
use super::terms::StencilOperator;
#[allow(unused_imports)]
use crate::{check_apply, ChunkedOperator};

/// Writes, inside an `impl ChunkedOperator for ...` of a [`StencilOperator`], the whole apply
/// path on the stencil runner: `forward_into` and `adjoint_into` (the shapes checked by
/// [`check_apply`], then [`apply_op_chunked`]) and the fused reductions and accumulating applies
/// of [`stencil_reductions!`](crate::stencil_reductions). What is left to write is `dims` and `dimsd`.
///
/// ```
/// use rylops_core::stencil::{LaneStencil, PointVisitor, StencilOperator, StencilTerms};
/// use rylops_core::{dot_test, stencil_apply, Chunked, ChunkedOperator};
///
/// /// `y[i] = x[i + 1] - x[i]` (zero in the last row).
/// #[derive(Clone, Copy, Debug)]
/// struct Step { adjoint: bool }
/// impl LaneStencil<f64> for Step {
///     fn reach(&self) -> (usize, usize) { (1, 1) }
///     fn interior_rows(&self, n: usize) -> std::ops::Range<usize> { 1..n.saturating_sub(1) }
///     fn interior_formula<V: PointVisitor<f64>>(&self, v: V) -> Option<V::Out> {
///         Some(if self.adjoint {
///             v.visit([-1, 0], |[a, b]| a - b)
///         } else {
///             v.visit([0, 1], |[a, b]| b - a)
///         })
///     }
///     fn any_row_formula(&self, i: usize, n: usize, x: impl Fn(usize) -> f64) -> f64 {
///         let at = |j: usize, ok: bool| if ok { x(j) } else { 0.0 };
///         if self.adjoint {
///             // Row i of the transpose: x[i - 1] (if row i - 1 exists) - x[i] (if i < n - 1).
///             at(i.wrapping_sub(1), i >= 1) - at(i, i + 1 < n)
///         } else {
///             at(i + 1, i + 1 < n) - at(i, i + 1 < n)
///         }
///     }
/// }
///
/// struct Diff([StencilTerms<f64, Step>; 2]);
/// impl StencilOperator for Diff {
///     type Elem = f64;
///     type Stencil = Step;
///     fn stencil_terms(&self, adjoint: bool) -> &StencilTerms<f64, Step> {
///         &self.0[usize::from(adjoint)]
///     }
/// }
/// impl ChunkedOperator for Diff {
///     type Scalar = f64;
///     fn dims(&self) -> Vec<usize> { self.0[0].dims().to_vec() }
///     fn dimsd(&self) -> Vec<usize> { self.0[0].dims().to_vec() }
///     stencil_apply!();
/// }
///
/// let t = |adjoint| StencilTerms::single(&[6, 4], 0, Step { adjoint });
/// let op = Chunked::new(Diff([t(false)?, t(true)?]));
/// assert!(dot_test(&op, 3)?.passed);
/// # Ok::<(), rylops_core::Error>(())
/// ```
#[macro_export]
macro_rules! stencil_apply {
    () => {
        fn forward_into(
            &self,
            x: &$crate::ChunkedArray<Self::Scalar>,
            y: &mut $crate::ChunkedArray<Self::Scalar>,
        ) -> $crate::Result<()> {
            $crate::check_apply(self, false, x, y)?;
            $crate::stencil::apply_op_chunked(self, false, x, y)
        }
        fn adjoint_into(
            &self,
            y: &$crate::ChunkedArray<Self::Scalar>,
            x: &mut $crate::ChunkedArray<Self::Scalar>,
        ) -> $crate::Result<()> {
            $crate::check_apply(self, true, y, x)?;
            $crate::stencil::apply_op_chunked(self, true, y, x)
        }
        $crate::stencil_reductions!();
    };
}

/// Writes, inside an `impl ChunkedOperator for ...` of a [`StencilOperator`], the five fused
/// reductions ([`ChunkedOperator::forward_into_norm_sqr`], `forward_into_dot`,
/// `forward_xpby_norm_sqr`, `adjoint_into_norm_sqr`, `adjoint_xpby_norm_sqr`) and the four
/// accumulating applies (`forward_add_into`, `forward_add_into_norm_sqr`, `adjoint_add_into`,
/// `adjoint_add_into_norm_sqr`, `adjoint_add_from`) on the stencil runner: each output piece reduced (or added to the
/// output) right after it is computed, with the bits of the two-pass defaults.
///
/// ```
/// use rylops_core::stencil::{apply_op_chunked, LaneStencil, PointVisitor, StencilOperator, StencilTerms};
/// use rylops_core::{check_apply, stencil_reductions, ChunkedArray, ChunkedOperator, Result, Vector};
///
/// /// `y[i] = x[i - 1] + x[i + 1]` (missing neighbours count as zero): its own adjoint.
/// #[derive(Clone, Copy, Debug)]
/// struct Neighbours;
/// impl LaneStencil<f64> for Neighbours {
///     fn reach(&self) -> (usize, usize) { (1, 1) }
///     fn interior_rows(&self, n: usize) -> std::ops::Range<usize> { 1..n.saturating_sub(1) }
///     fn interior_formula<V: PointVisitor<f64>>(&self, v: V) -> Option<V::Out> {
///         Some(v.visit([-1, 1], |[a, b]| a + b))
///     }
///     fn any_row_formula(&self, i: usize, n: usize, x: impl Fn(usize) -> f64) -> f64 {
///         let before = if i > 0 { x(i - 1) } else { 0.0 };
///         before + if i + 1 < n { x(i + 1) } else { 0.0 }
///     }
/// }
///
/// struct Sum(StencilTerms<f64, Neighbours>);
/// impl StencilOperator for Sum {
///     type Elem = f64;
///     type Stencil = Neighbours;
///     fn stencil_terms(&self, _adjoint: bool) -> &StencilTerms<f64, Neighbours> { &self.0 }
/// }
/// impl ChunkedOperator for Sum {
///     type Scalar = f64;
///     fn dims(&self) -> Vec<usize> { self.0.dims().to_vec() }
///     fn dimsd(&self) -> Vec<usize> { self.0.dims().to_vec() }
///     fn forward_into(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) -> Result<()> {
///         check_apply(self, false, x, y)?;
///         apply_op_chunked(self, false, x, y)
///     }
///     fn adjoint_into(&self, y: &ChunkedArray<f64>, x: &mut ChunkedArray<f64>) -> Result<()> {
///         check_apply(self, true, y, x)?;
///         apply_op_chunked(self, true, y, x)
///     }
///     stencil_reductions!();
/// }
///
/// let op = Sum(StencilTerms::single(&[5], 0, Neighbours)?);
/// let x = ChunkedArray::from_array(rylops_core::ndarray::arr1(&[1.0, 2.0, 3.0, 4.0, 5.0]).into_dyn());
/// let mut y = ChunkedArray::zeros_single(&[5]);
/// let nrm2 = op.forward_into_norm_sqr(&x, &mut y)?; // y and ||y||^2 in one pass
/// assert_eq!(y.to_array().as_slice().unwrap(), &[2.0, 4.0, 6.0, 8.0, 4.0]);
/// assert_eq!(nrm2, y.norm_sqr());
/// # Ok::<(), rylops_core::Error>(())
/// ```
#[macro_export]
macro_rules! stencil_reductions {
    () => {
        fn forward_into_norm_sqr(
            &self,
            x: &$crate::ChunkedArray<Self::Scalar>,
            y: &mut $crate::ChunkedArray<Self::Scalar>,
        ) -> $crate::Result<<Self::Scalar as $crate::Scalar>::Real> {
            $crate::stencil::apply_op_chunked_norm_sqr(self, false, x, y)
        }
        fn forward_into_dot(
            &self,
            x: &$crate::ChunkedArray<Self::Scalar>,
            y: &mut $crate::ChunkedArray<Self::Scalar>,
            w: &$crate::ChunkedArray<Self::Scalar>,
        ) -> $crate::Result<Self::Scalar> {
            $crate::stencil::apply_op_chunked_dot(self, false, x, y, w)
        }
        fn forward_xpby_norm_sqr(
            &self,
            x: &$crate::ChunkedArray<Self::Scalar>,
            y: &mut $crate::ChunkedArray<Self::Scalar>,
            b: Self::Scalar,
            tmp: &mut $crate::ChunkedArray<Self::Scalar>,
        ) -> $crate::Result<<Self::Scalar as $crate::Scalar>::Real> {
            $crate::stencil::apply_op_chunked_xpby_norm_sqr(self, false, x, y, b, tmp)
        }
        fn adjoint_into_norm_sqr(
            &self,
            y: &$crate::ChunkedArray<Self::Scalar>,
            x: &mut $crate::ChunkedArray<Self::Scalar>,
        ) -> $crate::Result<<Self::Scalar as $crate::Scalar>::Real> {
            $crate::stencil::apply_op_chunked_norm_sqr(self, true, y, x)
        }
        fn adjoint_xpby_norm_sqr(
            &self,
            y: &$crate::ChunkedArray<Self::Scalar>,
            x: &mut $crate::ChunkedArray<Self::Scalar>,
            b: Self::Scalar,
            tmp: &mut $crate::ChunkedArray<Self::Scalar>,
        ) -> $crate::Result<<Self::Scalar as $crate::Scalar>::Real> {
            $crate::stencil::apply_op_chunked_xpby_norm_sqr(self, true, y, x, b, tmp)
        }
        fn forward_add_into(
            &self,
            x: &$crate::ChunkedArray<Self::Scalar>,
            y: &mut $crate::ChunkedArray<Self::Scalar>,
            tmp: &mut $crate::ChunkedArray<Self::Scalar>,
        ) -> $crate::Result<()> {
            $crate::stencil::apply_op_chunked_add(self, false, x, y, tmp)
        }
        fn forward_add_into_norm_sqr(
            &self,
            x: &$crate::ChunkedArray<Self::Scalar>,
            y: &mut $crate::ChunkedArray<Self::Scalar>,
            tmp: &mut $crate::ChunkedArray<Self::Scalar>,
        ) -> $crate::Result<<Self::Scalar as $crate::Scalar>::Real> {
            $crate::stencil::apply_op_chunked_add_norm_sqr(self, false, x, y, tmp)
        }
        fn adjoint_add_into(
            &self,
            y: &$crate::ChunkedArray<Self::Scalar>,
            x: &mut $crate::ChunkedArray<Self::Scalar>,
            tmp: &mut $crate::ChunkedArray<Self::Scalar>,
        ) -> $crate::Result<()> {
            $crate::stencil::apply_op_chunked_add(self, true, y, x, tmp)
        }
        fn adjoint_add_into_norm_sqr(
            &self,
            y: &$crate::ChunkedArray<Self::Scalar>,
            x: &mut $crate::ChunkedArray<Self::Scalar>,
            tmp: &mut $crate::ChunkedArray<Self::Scalar>,
        ) -> $crate::Result<<Self::Scalar as $crate::Scalar>::Real> {
            $crate::stencil::apply_op_chunked_add_norm_sqr(self, true, y, x, tmp)
        }
        fn adjoint_add_from(
            &self,
            y: &$crate::ChunkedArray<Self::Scalar>,
            w: &$crate::ChunkedArray<Self::Scalar>,
            x: &mut $crate::ChunkedArray<Self::Scalar>,
            norm: bool,
        ) -> $crate::Result<<Self::Scalar as $crate::Scalar>::Real> {
            $crate::stencil::apply_op_chunked_add_from(self, true, y, w, x, norm)
        }
    };
}
