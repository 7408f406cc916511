//! # rylops
//!
//! Matrix-free linear operators for inverse problems and PDE codes, in the spirit of pylops, over
//! chunked n-d arrays processed in parallel.
//!
//! This crate is a thin facade over the workspace members:
//! - [`core`] (`rylops-core`): scalars, [`ChunkedArray`]s and their halos, dask-style overlap, the
//!   [`LinearOperator`] trait, composition and the [`dot_test`];
//! - [`operators`] (`rylops-operators`): derivatives, Laplacian, Gradient and basic operators;
//! - [`solvers`] (`rylops-solvers`): CG, CGLS, LSQR and regularized inversion.
//!
//! Coming from pylops? Read the [`guide`]. With the default `npy` feature,
//! [`core::npy`] reads and writes numpy's `.npy`/`.npz` files; with the `plot`
//! feature, `plot` draws arrays into PNG pictures.
//!
//! ```
//! use rylops::prelude::*;
//! let d = FirstDerivative::<f64>::builder(&[100]).edge(true).build().unwrap();
//! assert!(dot_test(&d, 42).unwrap().passed);
//! ```
#![deny(missing_docs)]

pub use rylops_core as core;
/// Arrays partitioned over MPI ranks (`rylops-mpi`, with the `mpi` feature; see `docs/mpi.md`).
#[cfg(feature = "mpi")]
pub use rylops_mpi as mpi;
pub use rylops_operators as operators;
/// nalgebra, re-exported so that [`MatrixMult`](operators::MatrixMult)'s `DMatrix` needs no
/// dependency line of its own (`rylops::nalgebra::DMatrix`, also in the [`prelude`]).
pub use rylops_operators::nalgebra;
pub use rylops_solvers as solvers;

pub mod guide;
#[cfg(feature = "plot")]
pub mod plot;

pub use rylops_core::{
    dot_test, dot_test_with, BlockKernel, ChunkGrid, Chunked, ChunkedArray, ChunkedOperator, Error,
    FunctionOperator, LinearMap, LinearOperator, OperatorExt, Result, Scalar, Vector,
};

/// The names most programs need, in one import.
pub mod prelude {
    pub use rylops_core::{
        dot_test, dot_test_with, Adjoint, BlockDiag, BlockKernel, ChunkGrid, Chunked, ChunkedArray,
        ChunkedOperator, DotTestReport, Error, FunctionOperator, HStack, LinearMap, LinearOperator,
        OperatorExt, Power, Product, RealScalar, Result, Scalar, Scaled, Stack, Sum, VStack,
        Vector,
    };
    pub use rylops_operators::nalgebra::DMatrix;
    // `rylops_operators::Sum` (pylops' Sum) is left out: its name is the composition `Sum`'s.
    pub use rylops_operators::{
        Block, CausalIntegration, Convolve1D, Convolve2D, ConvolveND, Diagonal, Direction,
        FirstDerivative, FirstDirectionalDerivative, Flip, Gradient, Identity, IntegrationKind,
        Kind, Kronecker, Laplacian, MatrixMult, Pad, Restriction, Roll, SecondDerivative,
        SecondDirectionalDerivative, Smoothing1D, Smoothing2D, Symmetrize, Transpose, Zero,
    };
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
