//! # rylops-mpi
//!
//! rylops on arrays partitioned over MPI ranks (stub while being written).
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
pub use array::{DistArray, Layout};
#[cfg(feature = "mpi")]
pub use comm::{Comm, MpiScalar};
/// The rsmpi crate rylops-mpi is built on (initialise MPI with `mpi::initialize()`).
#[cfg(feature = "mpi")]
pub use mpi;
pub use partition::Partition;
pub use plan::HaloPlan;
#[cfg(feature = "mpi")]
pub mod ops;
#[cfg(feature = "mpi")]
pub use ops::{DistKernel, Distributed};
