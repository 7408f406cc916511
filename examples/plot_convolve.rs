//! pylops' gallery example `examples/plot_convolve.py`, ported: convolve a spike with a Ricker
//! wavelet (`Convolve1D`), centred and then with its centre moved by 3 samples (mixed phase, with
//! the adjoint applied to the spike), and invert each (pylops' `Cop / y`: [`solve`]); convolve a
//! 2-D spike with an 11 x 5 box (`Convolve2D`) and invert it; convolve a 3-D spike with a
//! 3 x 5 x 3 box (`ConvolveND` over all axes) and invert it with scipy's `lsqr` at
//! `iter_lim=300` ([`lsqr`] with [`LsqrParams::scipy`]).
//!
//! Differences from the gallery script: its `float32` operators are `float64` here (the precision
//! rylops is checked against pylops in), and two sizes are shrunk to keep the reference arrays
//! small: the 1-D signal has 201 samples (gallery 1001) and the wavelet is built on `t[:26]`
//! (gallery `t[:101]`; 49 taps, the wavelet is below 1e-33 of its peak at its ends), the
//! 2-D array is 25 x 41 (gallery 51 x 81). The gallery's 2-D offset `(5.5, 2.5)` is `(5, 2)`, as
//! pylops truncates it. The wavelet itself is pylops' (`ricker`), read with pylops' answers from
//! `tests/reference_ops/examples/convolve/` (written by `gen_examples.py` in that folder).
//!
//! Agreement: operator outputs are compared within `1e-12` relative to the largest value, not bit
//! for bit: on a 1-D model pylops' dot products of 16 or more taps run OpenBLAS kernels whose
//! order depends on the CPU, and on n-d models pylops convolves through FFTs (see `Convolve1D` and
//! `ConvolveND`); a bit-exact match is still reported as such. The inversions stop unconverged
//! (100 or 300 LSQR iterations) and are compared within 10 times the spread measured on pylops'
//! own answers (printed). Exits with status 1 if any comparison fails.
//!
//! Run: `cargo run --release --example plot_convolve`

use ndarray::{ArrayD, IxDyn};
use rylops::operators::{Convolve1D, Convolve2D, ConvolveND};
use rylops::prelude::*;
use rylops::solvers::{lsqr, solve, LsqrParams};

#[path = "common/cli.rs"]
mod cli;
#[path = "common/compare.rs"]
mod compare;

use compare::{Check, ROUNDING_RTOL};

const USAGE: &str = "usage: plot_convolve (no arguments)";

/// A zero array of shape `dims` with a one at `at`.
fn spike(dims: &[usize], at: &[usize]) -> ArrayD<f64> {
    let mut x = ArrayD::zeros(IxDyn(dims));
    x[IxDyn(at)] = 1.0;
    x
}

/// pylops' `ricker(t, f0)` for `t = arange(nt) * dt` (`nt` odd): the symmetric wavelet on
/// `2 nt - 1` samples, computed as pylops does.
fn ricker(nt: usize, dt: f64, f0: f64) -> Vec<f64> {
    let t: Vec<f64> = (0..nt).map(|i| i as f64 * dt).collect();
    let ts = t[1..].iter().rev().map(|v| -v).chain(t.iter().copied());
    ts.map(|t| {
        let a = (std::f64::consts::PI * f0 * t).powi(2);
        (1.0 - 2.0 * a) * (-a).exp()
    })
    .collect()
}

fn main() -> rylops::Result<()> {
    cli::no_arguments(USAGE);
    let start = std::time::Instant::now();
    let mut check = Check::new("convolve");

    // 1-D: a spike convolved with pylops' Ricker wavelet (f0 = 30 Hz, dt = 4 ms).
    let nt = 201usize;
    let h = check.load("h")?;
    let hcenter = check.load("hcenter")?[[0]] as isize;
    let own = ArrayD::from_shape_vec(IxDyn(&[h.len()]), ricker(25, 0.004, 30.0))
        .map_err(|e| rylops::Error::Io(e.to_string()))?;
    println!(
        "1-D: spike of {nt} samples, Ricker wavelet of {} taps centred at {hcenter}:",
        h.len()
    );
    check.array("wavelet (rylops' sampling)", &own, "h", Some(ROUNDING_RTOL))?;
    let hv: Vec<f64> = h.iter().copied().collect();
    let x = ChunkedArray::from_array_chunks(spike(&[nt], &[nt / 2]).view(), &[64])?;
    let cop = Convolve1D::<f64>::builder(&[nt], &hv)
        .offset(hcenter)
        .build()?;
    let y = cop.forward(&x)?;
    check.array("y = C x", &y.to_array(), "y1d", Some(ROUNDING_RTOL))?;
    check.solve(
        "x_inv = C / y (solve)",
        &solve(&cop, &y)?.to_array(),
        "xinv1d",
    )?;

    // The same with the centre 3 samples off (mixed phase), and the adjoint on the spike.
    println!("1-D, offset {} (mixed phase):", hcenter - 3);
    let cop = Convolve1D::<f64>::builder(&[nt], &hv)
        .offset(hcenter - 3)
        .build()?;
    let y = cop.forward(&x)?;
    check.array("y = C x", &y.to_array(), "y1dmix", Some(ROUNDING_RTOL))?;
    check.array(
        "C^H x",
        &cop.adjoint(&x)?.to_array(),
        "yadj1dmix",
        Some(ROUNDING_RTOL),
    )?;
    check.solve(
        "x_inv = C / y (solve)",
        &solve(&cop, &y)?.to_array(),
        "xinv1dmix",
    )?;

    // 2-D: an 11 x 5 box of ones, centred at (5, 2).
    let (nt2, nx2) = (25usize, 41usize);
    let cop = Convolve2D::new::<f64>(&[nt2, nx2], ArrayD::ones(IxDyn(&[11, 5])), [5, 2], [-2, -1])?;
    let x =
        ChunkedArray::from_array_chunks(spike(&[nt2, nx2], &[nt2 / 2, nx2 / 2]).view(), &[8, 16])?;
    let y = cop.forward(&x)?;
    println!(
        "2-D: {nt2} x {nx2} spike, 11 x 5 box, chunks {:?}:",
        y.grid().all_chunks()
    );
    check.array("y = C x", &y.to_array(), "y2d", Some(ROUNDING_RTOL))?;
    check.solve(
        "x_inv = C / y (solve)",
        &solve(&cop, &y)?.to_array(),
        "xinv2d",
    )?;

    // 3-D: a 3 x 5 x 3 box of ones over all three axes, inverted by scipy's lsqr, 300 iterations.
    let dims = [13usize, 10, 7];
    let cop = ConvolveND::builder(&dims, ArrayD::<f64>::ones(IxDyn(&[3, 5, 3])))
        .offset(&[1, 2, 1])
        .axes(&[0, 1, 2])
        .build()?;
    let x = ChunkedArray::from_array_chunks(
        spike(&dims, &[dims[0] / 3, dims[1] / 2, dims[2] / 4]).view(),
        &[5, 5, 7],
    )?;
    let y = cop.forward(&x)?;
    println!(
        "3-D: 13 x 10 x 7 spike, 3 x 5 x 3 box, chunks {:?}:",
        y.grid().all_chunks()
    );
    check.array("y = C x", &y.to_array(), "y3d", Some(ROUNDING_RTOL))?;
    let inv = lsqr(&cop, &y, &LsqrParams::scipy(&cop).niter(300))?;
    println!("  (lsqr: {} iterations)", inv.iterations);
    check.solve(
        "x_inv = lsqr(C, y, iter_lim=300)",
        &inv.x.to_array(),
        "xinv3d",
    )?;

    println!("ran in {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
    check.finish("plot_convolve");
    Ok(())
}
