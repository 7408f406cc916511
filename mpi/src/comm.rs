//! The communicator: the only place that talks to MPI besides the halo exchange.
//!
//! Collectives here are used for agreement (every rank checks the same thing and gets the same
//! answer) and for the deterministic reductions of [`crate::DistArray`].

use crate::codec;
use mpi::datatype::PartitionMut;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives, Equivalence};
use mpi::Count;
use num_complex::{Complex32, Complex64};
use rylops_core::{Error, Result, Scalar};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// A scalar that can travel in MPI messages: `f32`, `f64`, `Complex<f32>`, `Complex<f64>`.
pub trait MpiScalar: Scalar + Equivalence {
    /// The scalar's real type, as an MPI scalar (norms are reduced in it).
    type MpiReal: MpiScalar;
    /// Converts a real value to [`MpiScalar::MpiReal`] (the identity).
    fn real_to_mpi(r: Self::Real) -> Self::MpiReal;
    /// Converts back.
    fn mpi_to_real(r: Self::MpiReal) -> Self::Real;
}

macro_rules! mpi_scalar {
    ($t:ty, $r:ty) => {
        impl MpiScalar for $t {
            type MpiReal = $r;
            fn real_to_mpi(r: $r) -> $r {
                r
            }
            fn mpi_to_real(r: $r) -> $r {
                r
            }
        }
    };
}
mpi_scalar!(f32, f32);
mpi_scalar!(f64, f64);
mpi_scalar!(Complex32, f32);
mpi_scalar!(Complex64, f64);

/// An MPI communicator as rylops uses it.
///
/// rylops makes MPI calls only from the thread that calls its API (rayon workers compute, they never
/// communicate), so MPI initialised with `Threading::Funneled` — or `Single` when the API is called
/// from the main thread — is enough. Do not use one communicator from several threads at once unless
/// MPI was initialised with `Threading::Multiple`.
pub struct Comm {
    raw: SimpleCommunicator,
    rank: usize,
    size: usize,
}

// SAFETY: the communicator handle is an opaque, immutable identifier owned by the MPI library; it is
// only passed to MPI calls, which rylops makes from the calling thread (see the type's docs).
unsafe impl Send for Comm {}
// SAFETY: as above: shared references only read the handle.
unsafe impl Sync for Comm {}

impl std::fmt::Debug for Comm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Comm {{ rank: {}, size: {} }}", self.rank, self.size)
    }
}

impl Comm {
    /// Wraps a communicator.
    pub fn new(raw: SimpleCommunicator) -> Self {
        let rank = raw.rank() as usize;
        let size = raw.size() as usize;
        Self { raw, rank, size }
    }
    /// `MPI_COMM_WORLD` (MPI must be initialised).
    pub fn world() -> Self {
        Self::new(SimpleCommunicator::world())
    }
    /// This process's rank.
    pub fn rank(&self) -> usize {
        self.rank
    }
    /// Number of ranks.
    pub fn size(&self) -> usize {
        self.size
    }
    /// The underlying rsmpi communicator.
    pub fn raw(&self) -> &SimpleCommunicator {
        &self.raw
    }

    /// Every rank's `v`, in rank order (collective).
    pub fn all_gather<T: Equivalence + Copy + Default>(&self, v: T) -> Vec<T> {
        let mut out = vec![T::default(); self.size];
        self.raw.all_gather_into(&v, &mut out[..]);
        out
    }

    /// Every rank's byte string, in rank order (collective; two collectives).
    pub fn all_gather_bytes(&self, v: &[u8]) -> Vec<Vec<u8>> {
        let counts: Vec<Count> = self.all_gather(v.len() as Count);
        let displs: Vec<Count> = counts
            .iter()
            .scan(0, |acc, &c| {
                let d = *acc;
                *acc += c;
                Some(d)
            })
            .collect();
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        if total == 0 {
            // (an empty send and receive buffer would alias, which MPI rejects)
            return vec![Vec::new(); self.size];
        }
        let mut buf = vec![0u8; total];
        {
            let mut part = PartitionMut::new(&mut buf[..], &counts[..], &displs[..]);
            self.raw.all_gather_varcount_into(v, &mut part);
        }
        counts
            .iter()
            .zip(&displs)
            .map(|(&c, &d)| buf[d as usize..(d + c) as usize].to_vec())
            .collect()
    }

    /// Turns a check made on every rank into the same result on every rank (collective): `Ok` if it
    /// passed everywhere, otherwise the error of the lowest failing rank, on every rank. One
    /// `all_gather` of a flag, plus one of the encoded error when something failed.
    ///
    /// # Errors
    /// The lowest failing rank's error, decoded on every rank.
    pub fn agree(&self, local: Result<()>) -> Result<()> {
        let failed = self.all_gather(u8::from(local.is_err()));
        let Some(first) = failed.iter().position(|&f| f != 0) else {
            return Ok(());
        };
        let bytes = match &local {
            Err(e) if self.rank == first => codec::encode(e),
            _ => Vec::new(),
        };
        let all = self.all_gather_bytes(&bytes);
        Err(codec::decode(&all[first]))
    }

    /// Checks that every rank holds the same `description` of `what` (collective): one `all_gather`
    /// of a 64-bit hash; if they differ, the descriptions are gathered and `make_error(rank_a, desc_a,
    /// rank_b, desc_b)` — the first rank that differs from rank 0 — is returned on every rank.
    ///
    /// # Errors
    /// `make_error`'s error if any rank's description differs from rank 0's.
    ///
    /// # Panics
    /// Never: the `expect` follows a check that some hash differs.
    pub fn check_same(
        &self,
        description: &str,
        make_error: impl Fn(usize, &str, usize, &str) -> Error,
    ) -> Result<()> {
        let mut h = DefaultHasher::new();
        description.hash(&mut h);
        let hashes = self.all_gather(h.finish());
        if hashes.iter().all(|&v| v == hashes[0]) {
            return Ok(());
        }
        let all = self.all_gather_bytes(description.as_bytes());
        let text: Vec<String> = all
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect();
        let b = hashes
            .iter()
            .position(|&v| v != hashes[0])
            .expect("some hash differs");
        Err(make_error(0, &text[0], b, &text[b]))
    }

    /// The sum over ranks of `v`, added in rank order on every rank, so every rank gets the same,
    /// timing-independent result (collective: one `all_gather`).
    pub fn sum_in_rank_order<T: MpiScalar>(&self, v: T) -> T {
        let mut out = vec![T::zero(); self.size];
        self.raw.all_gather_into(&v, &mut out[..]);
        let mut acc = T::zero();
        for p in out {
            acc += p;
        }
        acc
    }

    /// Whether `v` holds on every rank (collective).
    pub fn all(&self, v: bool) -> bool {
        self.all_gather(u8::from(v)).iter().all(|&b| b != 0)
    }
}
