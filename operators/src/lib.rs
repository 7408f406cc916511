//! # rylops-operators
//!
//! Linear operators over chunked n-d arrays, bit-for-bit equal to pylops 2.8.0: [`FirstDerivative`],
//! [`SecondDerivative`], [`Laplacian`] (one fused pass), [`Gradient`], and the basic operators.
#![deny(missing_docs)]

pub mod directional;
pub mod firstderivative;
pub mod gradient;
pub mod kind;
pub mod laplacian;
pub mod secondderivative;

pub use directional::{Direction, FirstDirectionalDerivative, SecondDirectionalDerivative};
pub use firstderivative::{FdForm, FdStencil, FirstDerivative, FirstDerivativeBuilder};
pub use gradient::{Gradient, GradientBuilder};
pub use kind::Kind;
pub use laplacian::{Laplacian, LaplacianBuilder};
pub use secondderivative::{SdStencil, SecondDerivative, SecondDerivativeBuilder};
