//! # rylops-mpi
//!
//! rylops on arrays partitioned over MPI ranks: the same operators, kernels and solvers as in one
//! process, on a global n-d array split over a Cartesian grid of ranks.
//!
//! - [`Partition`] (pure, always available): a global shape split over ranks along any subset of axes
//!   — slabs, pencils, blocks — evenly, automatically, or with user-given local lengths; coordinates,
//!   local shapes and offsets, neighbours, the owners of any range of rows.
//! - [`HaloPlan`] (pure): who sends which rows to whom for a stencil along one axis — exactly the
//!   stencil's `block_depth`, only along that axis, only if it is split, gathering across several
//!   ranks when a neighbour is thinner than the halo.
//! - With the `mpi` feature (Open MPI through the `mpi` crate):
//!   `Layout` (a partition agreed by every rank), `DistArray` (the rank's block as a
//!   [`rylops_core::ChunkedArray`]; scatter, gather, [`rylops_core::Vector`] with deterministic
//!   all-reductions), the non-blocking halo exchange split into begin/end and its adjoint
//!   (module `exchange`), and `Distributed`, which runs any operator that describes itself as stencil
//!   terms (`rylops_core::stencil::StencilOperator`: FirstDerivative, SecondDerivative, Laplacian,
//!   Gradient, or a user's own stencil) on partitioned arrays, forward and adjoint, bit for bit as in
//!   one process, computing the interior while the halo travels; and `DistributedKernel`, which runs a
//!   user's [`rylops_core::BlockKernel`] (block kernels with a declared reach per axis, corners
//!   included) the same way, after one exchange of each rank's window. This crate knows no concrete
//!   operator.
//!
//! Errors that depend on what each rank holds (partitions, shapes, operator parameters) are checked
//! collectively before anything is exchanged and come back as the same typed
//! [`rylops_core::Error`] on every rank.
//!
//! The design — how the same kernels serve chunks and ranks, and what grows with the number of
//! ranks — is in `docs/mpi-design.md`; set-up and usage in `docs/mpi.md`.
#![deny(missing_docs)]

pub mod codec;
pub mod partition;
pub mod plan;

#[cfg(feature = "mpi")]
pub mod array;
#[cfg(feature = "mpi")]
pub mod comm;
#[cfg(feature = "mpi")]
pub mod exchange;
#[cfg(feature = "mpi")]
pub mod kernel;
#[cfg(feature = "mpi")]
pub mod ops;

pub use partition::Partition;
pub use plan::HaloPlan;

#[cfg(feature = "mpi")]
pub use array::{DistArray, Layout};
#[cfg(feature = "mpi")]
pub use comm::{Comm, MpiScalar};
#[cfg(feature = "mpi")]
pub use kernel::DistributedKernel;
#[cfg(feature = "mpi")]
pub use ops::Distributed;

/// The rsmpi crate rylops-mpi is built on (initialise MPI with `mpi::initialize()` or
/// `mpi::initialize_with_threading(mpi::Threading::Funneled)`).
#[cfg(feature = "mpi")]
pub use mpi;
