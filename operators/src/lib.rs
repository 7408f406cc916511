//! # rylops-operators
//!
//! The linear operators of rylops, on [`ChunkedArray`](rylops_core::ChunkedArray)s, following
//! pylops' semantics: [`Identity`], [`Zero`], [`Diagonal`] and [`MatrixMult`].
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

pub mod diagonal;
pub mod identity;
pub mod matrixmult;
pub mod zero;

pub use diagonal::Diagonal;
pub use identity::Identity;
pub use matrixmult::MatrixMult;
pub use zero::Zero;
