//! # rylops-operators
//!
//! Linear operators over chunked n-d arrays ([`ChunkedArray`](rylops_core::ChunkedArray)s),
//! following pylops 2.8.0 bit for bit: [`FirstDerivative`], [`SecondDerivative`], [`Laplacian`] (one
//! fused pass), [`Gradient`], the directional derivatives, and the basic operators [`Identity`],
//! [`Zero`], [`Diagonal`] and [`MatrixMult`].
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

pub mod diagonal;
pub mod directional;
pub mod firstderivative;
pub mod gradient;
pub mod identity;
pub mod kind;
pub mod laplacian;
pub mod matrixmult;
pub mod secondderivative;
mod short_lane;
mod validate;
pub mod zero;

pub use diagonal::Diagonal;
pub use directional::{
    Direction, FirstDirectionalDerivative, FirstDirectionalDerivativeBuilder,
    SecondDirectionalDerivative, SecondDirectionalDerivativeBuilder,
};
pub use firstderivative::{FdForm, FdStencil, FirstDerivative, FirstDerivativeBuilder};
pub use gradient::{Gradient, GradientBuilder};
pub use identity::Identity;
pub use kind::Kind;
pub use laplacian::{Laplacian, LaplacianBuilder};
pub use matrixmult::MatrixMult;
pub use secondderivative::{SdStencil, SecondDerivative, SecondDerivativeBuilder};
pub use zero::Zero;
