//! A 3-D Poisson problem `-Lap u = f` (zero Dirichlet boundary) on an `n^3` grid partitioned over the
//! MPI ranks, solved with conjugate gradients.
//!
//! ```text
//! cargo build --release --features mpi --example mpi_poisson
//! mpirun -n 4 target/release/examples/mpi_poisson            # n = 64
//! mpirun -n 4 target/release/examples/mpi_poisson 32 1e-8    # n, relative tolerance
//! ```
//!
//! The operator is the distributed fused [`Laplacian`] restricted to the interior points:
//! `A u = -P L (P u) + (I - P) u`, with `P` zeroing the global boundary — symmetric positive definite,
//! as CG needs. The right-hand side is `f = A u*` for a known `u*`, so the printed error is the
//! solver's. `rylops_solvers::cg` runs on the partitioned arrays unchanged: it sees only the `Vector`
//! interface (every vector operation is local but `dot`/`norm`, which are deterministic
//! all-reductions) and the `LinearMap` below.

use rylops::core::{Chunked, LinearMap, Result, Scratch, Vector};
use rylops::mpi::mpi::traits::CommunicatorCollectives;
use rylops::mpi::{Comm, DistArray, Distributed, Layout, Partition};
use rylops::operators::Laplacian;
use std::sync::Arc;
use std::time::Instant;

#[path = "common/cli.rs"]
mod cli;

const USAGE: &str = "usage: mpi_poisson [N] [TOL]
  N    grid points per side (default 64, at least 3)
  TOL  relative tolerance of CG (default 1e-8)";

/// The command line: `N` and `TOL`.
fn args() -> (usize, f64) {
    cli::parse(USAGE, |p| {
        use cli::*;
        let (mut n, mut tol, mut positional) = (64usize, 1e-8f64, 0);
        while let Some(arg) = p.next()? {
            match arg {
                Value(v) if positional == 0 => {
                    n = v.parse()?;
                    positional += 1;
                }
                Value(v) if positional == 1 => {
                    tol = v.parse()?;
                    positional += 1;
                }
                arg => return Err(unexpected(arg, USAGE)),
            }
        }
        if n < 3 {
            return Err("N must be at least 3 (one interior point)".into());
        }
        if !(tol.is_finite() && tol >= 0.0) {
            return Err("TOL must be a finite number >= 0".into());
        }
        Ok((n, tol))
    })
}

/// `A u = -P L (P u) + (I - P) u` on partitioned arrays: forward only (a `LinearMap`), all that CG
/// needs.
struct Poisson {
    lap: Distributed<Chunked<Laplacian<f64>>>,
    /// 1 at interior points, 0 on the global boundary.
    mask: DistArray<f64>,
    tmp: Scratch<DistArray<f64>>,
}

impl LinearMap for Poisson {
    type Scalar = f64;
    type Domain = DistArray<f64>;
    type Range = DistArray<f64>;
    fn dims(&self) -> Vec<usize> {
        self.lap.dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.lap.dims()
    }
    fn forward_into(&self, x: &DistArray<f64>, y: &mut DistArray<f64>) -> Result<()> {
        let mut t = self.tmp.take(|t| t.same_layout(x), || Ok(x.zeros_like()))?;
        for ((t, &x), &m) in t
            .local_slice_mut()
            .iter_mut()
            .zip(x.local_slice())
            .zip(self.mask.local_slice())
        {
            *t = x * m;
        }
        self.lap.forward_into(&t, y)?;
        for ((y, &x), &m) in y
            .local_slice_mut()
            .iter_mut()
            .zip(x.local_slice())
            .zip(self.mask.local_slice())
        {
            *y = -*y * m + (1.0 - m) * x;
        }
        self.tmp.give(t);
        Ok(())
    }
    fn range_like(&self, x: &DistArray<f64>) -> Result<DistArray<f64>> {
        self.lap.range_like(x)
    }
    fn zeros_domain(&self) -> DistArray<f64> {
        self.lap.zeros_domain()
    }
    fn zeros_range(&self) -> DistArray<f64> {
        self.lap.zeros_range()
    }
}

fn main() -> Result<()> {
    let (n, tol) = args();
    let (_universe, _) =
        rylops::mpi::mpi::initialize_with_threading(rylops::mpi::mpi::Threading::Funneled)
            .expect("MPI initialises once");
    let comm = Arc::new(Comm::world());
    let shape = [n, n, n];
    // ranks spread over the two leading axes (pencils); any partition gives the same iterates up to
    // the order of the dot-product sums
    let part = Partition::auto(&shape, comm.size(), &[0, 1])?;
    let layout = Layout::new(comm.clone(), part)?;
    let h = 1.0 / (n - 1) as f64;
    let lap = Laplacian::<f64>::builder(&shape)
        .axes(&[0, 1, 2])
        .weights(&[1.0; 3])
        .sampling(&[h; 3])
        .build()?;
    let inside = |g: &[usize]| g.iter().all(|&v| v > 0 && v + 1 < n);
    let mask = DistArray::from_global_fn(&layout, |g| if inside(g) { 1.0 } else { 0.0 });
    let op = Poisson {
        lap: Distributed::new(lap, &layout)?,
        mask,
        tmp: Scratch::new(),
    };
    // a smooth u* vanishing on the boundary (not an eigenvector, so CG has work to do)
    let exact = DistArray::from_global_fn(&layout, |g| {
        let (x, y, z) = (g[0] as f64 * h, g[1] as f64 * h, g[2] as f64 * h);
        x * (1.0 - x) * y * y * (1.0 - y) * z * (1.0 - z) * (1.0 + x * z).exp()
    });
    let b = op.forward(&exact)?;
    comm.raw().barrier();
    let t = Instant::now();
    // rylops-solvers' CG, unchanged: it only sees the `Vector` and `LinearMap` interfaces.
    let bnorm = b.norm();
    let params = rylops::solvers::CgParams::default()
        .niter(10 * n)
        .tol(tol * bnorm);
    let sol = rylops::solvers::cg(&op, &b, &params)?;
    let (iters, u) = (sol.iterations, sol.x);
    let res = sol.cost.last().copied().unwrap_or(0.0) / bnorm;
    comm.raw().barrier();
    let dt = t.elapsed().as_secs_f64();
    let mut err = u.clone();
    err.sub_assign(&exact);
    let rel_err = err.norm() / exact.norm();
    if comm.rank() == 0 {
        println!(
            "mpi_poisson: {n}^3 grid on {} rank(s), process grid {:?}",
            comm.size(),
            layout.partition().procs()
        );
        println!("iterations: {iters}");
        println!("relative residual: {res:.3e}");
        println!("relative error vs exact discrete solution: {rel_err:.3e}");
        println!(
            "time: {:.3} s total, {:.3} ms per iteration",
            dt,
            1e3 * dt / iters.max(1) as f64
        );
    }
    Ok(())
}
