//! rylops
pub use rylops_core as core;
