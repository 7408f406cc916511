//! # rylops-operators
//!
//! Linear operators over chunked n-d arrays ([`ChunkedArray`](rylops_core::ChunkedArray)s),
//! following pylops 2.8.0 bit for bit: [`FirstDerivative`], [`SecondDerivative`], [`Laplacian`] (one
//! fused pass), [`Gradient`], the directional derivatives, the filters [`Convolve1D`] (with
//! [`Smoothing1D`]) and [`ConvolveND`] (with [`Convolve2D`] and [`Smoothing2D`]), and the basic
//! operators [`Identity`], [`Zero`], [`Diagonal`] and [`MatrixMult`].
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

pub mod convolve1d;
pub mod convolve2d;
pub mod convolvend;
pub mod diagonal;
pub mod directional;
pub mod firstderivative;
pub mod gradient;
pub mod identity;
pub mod kind;
pub mod laplacian;
pub mod matrixmult;
mod npconv;
pub mod secondderivative;
mod short_lane;
pub mod smoothing1d;
pub mod smoothing2d;
mod validate;
pub mod zero;

pub use convolve1d::{ConvStencil, Convolve1D, Convolve1DBuilder, Convolve1DLong};
pub use convolve2d::Convolve2D;
pub use convolvend::{ConvolveND, ConvolveNDBuilder};
pub use diagonal::Diagonal;
pub use directional::{Direction, FirstDirectionalDerivative, SecondDirectionalDerivative};
pub use firstderivative::{FdForm, FdStencil, FirstDerivative, FirstDerivativeBuilder};
pub use gradient::{Gradient, GradientBuilder};
pub use identity::Identity;
pub use kind::Kind;
pub use laplacian::{Laplacian, LaplacianBuilder};
pub use matrixmult::MatrixMult;
pub use secondderivative::{SdStencil, SecondDerivative, SecondDerivativeBuilder};
pub use smoothing1d::Smoothing1D;
pub use smoothing2d::Smoothing2D;
pub use zero::Zero;
