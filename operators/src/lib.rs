//! # rylops-operators
//!
//! Linear operators over chunked n-d arrays ([`ChunkedArray`](rylops_core::ChunkedArray)s),
//! following pylops 2.8.0 bit for bit: [`FirstDerivative`], [`SecondDerivative`], [`Laplacian`] (one
//! fused pass), [`Gradient`], the directional derivatives, the filters [`Convolve1D`] (with
//! [`Smoothing1D`]) and [`ConvolveND`] (with [`Convolve2D`] and [`Smoothing2D`]), the basic
//! operators [`Identity`], [`Zero`], [`Diagonal`] and [`MatrixMult`], the layout operators
//! [`Restriction`] (with `mask`), [`CausalIntegration`], [`Flip`], [`Roll`], [`Transpose`],
//! [`Symmetrize`], [`Pad`] and [`Sum`] (pylops' `Sum`, numpy's summation order; not the composition
//! [`rylops_core::Sum`]), and the combinators [`Block`] and [`Kronecker`] on flat vectors.
//!
//! ```
//! use nalgebra::DMatrix;
//! use rylops_core::{dot_test, OperatorExt};
//! use rylops_operators::{Diagonal, MatrixMult};
//!
//! let a = MatrixMult::new(DMatrix::from_fn(3, 3, |i, j| (i + 2 * j) as f64)).unwrap();
//! let d = Diagonal::along_axis(&[1.0, -2.0, 0.5], &[3], 0).unwrap();
//! let op = a.times(d).unwrap().scaled(2.0);
//! assert!(dot_test(&op, 0).unwrap().passed);
//! ```
#![deny(missing_docs)]

/// nalgebra, whose `DMatrix` [`MatrixMult`] multiplies by (re-exported: no dependency line needed).
pub use nalgebra;

pub mod block;
pub mod causalintegration;
pub mod convolve1d;
pub mod convolve2d;
pub mod convolvend;
pub mod diagonal;
pub mod directional;
pub mod firstderivative;
pub mod flip;
pub mod gradient;
pub mod identity;
pub mod kind;
pub mod kronecker;
mod lanes;
pub mod laplacian;
pub mod matrixmult;
mod npconv;
pub mod pad;
pub mod restriction;
pub mod roll;
mod rowsum;
pub mod secondderivative;
mod short_lane;
pub mod smoothing1d;
pub mod smoothing2d;
pub mod sum;
pub mod symmetrize;
pub mod transpose;
mod validate;
pub mod zero;

pub use block::Block;
pub use causalintegration::{CausalIntegration, CausalIntegrationBuilder, IntegrationKind};
pub use convolve1d::{ConvStencil, Convolve1D, Convolve1DBuilder, Convolve1DLong};
pub use convolve2d::Convolve2D;
pub use convolvend::{ConvolveND, ConvolveNDBuilder};
pub use diagonal::Diagonal;
pub use directional::{
    Direction, FirstDirectionalDerivative, FirstDirectionalDerivativeBuilder,
    SecondDirectionalDerivative, SecondDirectionalDerivativeBuilder,
};
pub use firstderivative::{FdForm, FdStencil, FirstDerivative, FirstDerivativeBuilder};
pub use flip::Flip;
pub use gradient::{Gradient, GradientBuilder};
pub use identity::Identity;
pub use kind::Kind;
pub use kronecker::Kronecker;
pub use laplacian::{Laplacian, LaplacianBuilder};
pub use matrixmult::MatrixMult;
pub use pad::Pad;
pub use restriction::Restriction;
pub use roll::Roll;
pub use secondderivative::{SdStencil, SecondDerivative, SecondDerivativeBuilder};

pub use smoothing1d::Smoothing1D;
pub use smoothing2d::Smoothing2D;
pub use sum::Sum;
pub use symmetrize::Symmetrize;
pub use transpose::Transpose;
pub use zero::Zero;
