//! # rylops-core
//!
//! The foundation of rylops: [`Scalar`] types, chunked n-d arrays ([`ChunkedArray`] on a
//! [`ChunkGrid`]) with their [`halo`] exchange and dask-style [overlapping](mod@overlap)
//! ([`map_overlap`]), the [`LinearOperator`] trait with its [`compose`]itions, the [`Vector`]
//! interface solvers use, and the [`dot_test`]. With the `npy` feature (default), [`npy`] reads and
//! writes numpy's `.npy`/`.npz` files.
#![deny(missing_docs)]

pub mod chunked;
pub mod chunked_op;
pub mod compose;
pub mod dottest;
pub mod error;
pub mod error_codec;
pub mod function;
pub mod grid;
pub mod halo;
pub mod kernel;
#[cfg(feature = "npy")]
pub mod npy;
pub mod operator;
pub mod overlap;
mod par;
pub mod rng;
pub mod scalar;
pub mod stencil;
pub mod stream;
pub mod vector;

pub use chunked::ChunkedArray;
pub use chunked_op::{check_apply, Chunked, ChunkedOperator};
pub use compose::{Adjoint, BlockDiag, HStack, OperatorExt, Power, Product, Scaled, Sum, VStack};
pub use dottest::{dot_test, dot_test_with, DotTestReport};
pub use error::{normalize_axis, Error, Result};
pub use function::{ApplyFn, FunctionOperator};
pub use grid::ChunkGrid;
pub use kernel::{BlockKernel, KernelFn, Window};
pub use operator::{
    check_shape, fused_test, BoxMap, BoxOp, LinearMap, LinearOperator, ScopedBoxMap, ScopedBoxOp,
    Scratch, Unfused,
};
pub use overlap::{
    map_overlap, overlap, overlap_grid, trim_internal, trim_overlap, Boundaries, Boundary, Depth,
    MapOverlap,
};
pub use rng::Rng;
pub use scalar::{RealScalar, Scalar};
pub use vector::{Stack, Vector};

/// Re-exports of the crates rylops' public types are built on.
pub use ndarray;
pub use num_complex;
