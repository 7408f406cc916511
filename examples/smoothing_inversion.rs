//! Recover a 2-D model from a few noisy samples with a Laplacian regulariser:
//! `min ||y - M m||^2 + eps^2 ||L m||^2`, solved by LSQR on the stacked system (pylops'
//! `regularized_inversion`), for a few `eps`.
//!
//! `M` keeps 30% of the samples (a `Diagonal` mask) and the data carry 5% noise, so the problem is
//! both an interpolation and a denoising one.
//!
//! Run: `cargo run --release --example smoothing_inversion`

use ndarray::{ArrayD, IxDyn};
use rylops::core::Rng;
use rylops::operators::Diagonal;
use rylops::prelude::*;
use rylops::solvers::{regularized_inversion, LsqrParams, Regularization, RegularizedSolver};

#[path = "common/cli.rs"]
mod cli;

const USAGE: &str = "usage: smoothing_inversion (no arguments)";

fn main() -> rylops::Result<()> {
    cli::no_arguments(USAGE);
    let (nz, nx) = (120, 160);
    let dims = [nz, nx];
    let grid = ChunkGrid::uniform(&dims, &[60, 80])?; // 4 chunks, worked on in parallel
                                                      // A smooth model: two Gaussian blobs on a gentle trend.
    let m_true = ArrayD::from_shape_fn(IxDyn(&dims), |ix| {
        let (z, x) = (ix[0] as f64 / nz as f64, ix[1] as f64 / nx as f64);
        let g = |z0: f64, x0: f64, w: f64| (-((z - z0).powi(2) + (x - x0).powi(2)) / (w * w)).exp();
        0.3 * z + g(0.35, 0.3, 0.12) - 0.7 * g(0.65, 0.7, 0.18)
    });
    let mut rng = Rng::new(2024);
    let mask = ArrayD::from_shape_fn(
        IxDyn(&dims),
        |_| if rng.uniform() < 0.3 { 1.0 } else { 0.0 },
    );
    let kept = mask.sum() as usize;
    let sigma = 0.05;
    let noise = ArrayD::from_shape_fn(IxDyn(&dims), |_| sigma * rng.normal());
    let y_arr = &mask * &(&m_true + &noise);

    let m_op = Diagonal::new(ChunkedArray::from_array_grid(mask.view(), grid.clone())?)?;
    let lap = Laplacian::<f64>::builder(&dims).edge(true).build()?;
    let y = ChunkedArray::from_array_grid(y_arr.view(), grid.clone())?;
    let m_chunked = ChunkedArray::from_array_grid(m_true.view(), grid.clone())?;
    println!(
        "model {nz}x{nx} in chunks {:?}; {kept} samples kept ({:.0}%), noise sigma {sigma}",
        grid.all_chunks(),
        100.0 * kept as f64 / (nz * nx) as f64
    );
    println!(
        "{:>6} {:>6} {:>14} {:>14} {:>10}",
        "eps", "iters", "data misfit", "model error", "istop"
    );
    let mut best = (f64::INFINITY, 0.0);
    for eps in [0.01, 0.1, 1.0, 3.0, 10.0, 30.0, 100.0] {
        let regs = [Regularization::new(&lap, eps)];
        let solver =
            RegularizedSolver::Lsqr(LsqrParams::default().niter(1000).atol(1e-10).btol(1e-10));
        let sol = regularized_inversion(&m_op, &y, &regs, &solver)?;
        let m = sol.x;
        let mut r = m_op.forward(&m)?;
        r.sub_assign(&y);
        let misfit = r.norm() / y.norm();
        let mut e = m.clone();
        e.sub_assign(&m_chunked);
        let err = e.norm() / m_chunked.norm();
        println!(
            "{eps:>6} {:>6} {misfit:>14.4e} {err:>14.4e} {:>10?}",
            sol.iterations, sol.stop
        );
        if err < best.0 {
            best = (err, eps);
        }
    }
    println!(
        "best eps = {} (model error {:.2}%): small eps fits the noise and leaves holes, large eps over-smooths",
        best.1,
        100.0 * best.0
    );
    Ok(())
}
