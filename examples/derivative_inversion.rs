//! Invert a first derivative (numerical integration) on a chunked array with CGLS.
//!
//! `y = D x + noise` with `D` a forward-difference FirstDerivative along axis 0 of a 2-D array chunked
//! along that axis (so every operator application exchanges one-row halos between chunks). The
//! derivative does not see constants along the axis, so CGLS (started from zero) returns the
//! minimum-norm solution; we compare after removing each column's mean.
//!
//! Run: `cargo run --release --example derivative_inversion`

use ndarray::{ArrayD, Axis, IxDyn};
use rylops::core::Rng;
use rylops::prelude::*;
use rylops::solvers::{cgls, CglsParams};

#[path = "common/cli.rs"]
mod cli;

const USAGE: &str = "usage: derivative_inversion (no arguments)";

fn demean(a: &ArrayD<f64>) -> ArrayD<f64> {
    let mean = a.mean_axis(Axis(0)).expect("non-empty");
    a - &mean.insert_axis(Axis(0))
}

fn main() -> rylops::Result<()> {
    cli::no_arguments(USAGE);
    let (n, m) = (400, 64);
    let dims = [n, m];
    let dz = 1.0 / n as f64;
    let grid = ChunkGrid::uniform(&dims, &[100, 64])?; // 4 chunks along the derivative axis
    let x_true = ArrayD::from_shape_fn(IxDyn(&dims), |ix| {
        let z = ix[0] as f64 * dz;
        let k = 1.0 + ix[1] as f64 / 16.0;
        (2.0 * std::f64::consts::PI * k * z).sin() + 0.5 * z * z
    });
    let d = FirstDerivative::<f64>::builder(&dims)
        .axis(0)
        .kind(Kind::Forward)
        .sampling(dz)
        .build()?;
    let x_chunked = ChunkedArray::from_array_grid(x_true.view(), grid.clone())?;
    let mut y = d.forward(&x_chunked)?;
    let mut rng = Rng::new(1);
    let mut noise = y.zeros_like();
    noise.fill_random(&mut rng);
    let sigma = 0.01 * y.norm() / (y.len() as f64).sqrt();
    noise.scale(sigma);
    y.add_assign(&noise);
    println!(
        "integrating a {n}x{m} field along axis 0, chunks {:?}, noise {:.1e} per sample",
        grid.all_chunks(),
        sigma
    );
    for niter in [10, 50, 200, 1000] {
        let sol = cgls(&d, &y, &CglsParams::default().niter(niter).damp(1e-4))?;
        let xr = demean(&sol.x.to_array());
        let xt = demean(&x_true);
        let err = (&xr - &xt).mapv(|v| v * v).sum().sqrt() / xt.mapv(|v| v * v).sum().sqrt();
        println!(
            "  cgls niter {niter:5}: ran {:5} iterations, ||y - D x|| = {:.3e}, model error (up to a constant per column) {:.3e}",
            sol.iterations,
            sol.cost.last().copied().unwrap_or(f64::NAN),
            err
        );
    }
    Ok(())
}
