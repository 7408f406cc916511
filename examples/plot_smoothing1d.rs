//! pylops' gallery example `examples/plot_smoothing1d.py`, ported: smooth a spike with
//! `Smoothing1D` (7 samples) and apply the adjoint, smooth a random signal (13 samples) and invert
//! the smoothing (pylops' `Sop / y`: [`solve`]), then smooth an 11 x 21 array with a spike along
//! its first axis (5 samples).
//!
//! Differences from the gallery script: its `float32` operators are `float64` here (the precision
//! rylops is checked against pylops in); the random signal comes from pylops' run (seeded), read
//! with pylops' answers from `tests/reference_ops/examples/smoothing1d/` (written by
//! `gen_examples.py` in that folder). The sizes are the gallery's.
//!
//! Agreement: the 1-D smoothings are bit for bit (pylops convolves directly, in an order rylops
//! repeats; see `Convolve1D`); on the 2-D array pylops convolves through FFTs, so that one agrees
//! to rounding (`1e-12` relative asked). The inversion stops at 100 LSQR iterations, unconverged
//! (a moving average is nearly singular), and is compared within 10 times the spread measured on
//! pylops' own answer (printed). Exits with status 1 if any comparison fails.
//!
//! Run: `cargo run --release --example plot_smoothing1d`

use ndarray::{ArrayD, IxDyn};
use rylops::operators::Smoothing1D;
use rylops::prelude::*;
use rylops::solvers::solve;

#[path = "common/cli.rs"]
mod cli;
#[path = "common/compare.rs"]
mod compare;

use compare::{Check, ROUNDING_RTOL};

const USAGE: &str = "usage: plot_smoothing1d (no arguments)";

fn main() -> rylops::Result<()> {
    cli::no_arguments(USAGE);
    let start = std::time::Instant::now();
    let mut check = Check::new("smoothing1d");

    // A spike in the middle of 31 samples, smoothed by 7 (in chunks of 8: halos between them).
    let n = 31;
    let mut x = ArrayD::zeros(IxDyn(&[n]));
    x[[n / 2]] = 1.0;
    let sop = Smoothing1D::new::<f64>(7, &[n], -1)?;
    let y = sop.forward(&ChunkedArray::from_array_chunks(x.view(), &[8])?)?;
    let xadj = sop.adjoint(&y)?;
    println!(
        "spike, N = {n}, nsmooth = 7, chunks {:?}:",
        y.grid().all_chunks()
    );
    check.array("y = S x", &y.to_array(), "y", None)?;
    check.array("x_adj = S^H y", &xadj.to_array(), "xadj", None)?;

    // A random signal of 120 samples, smoothed by 13, and pylops' `Sop / y`.
    let xr = check.load("xr")?;
    let n = xr.len();
    let sop = Smoothing1D::new::<f64>(13, &[n], -1)?;
    let yr = sop.forward(&ChunkedArray::from_array_chunks(xr.view(), &[50])?)?;
    println!("random signal, N = {n}, nsmooth = 13:");
    check.array("y = S x", &yr.to_array(), "yr", None)?;
    let xest = solve(&sop, &yr)?;
    check.solve("x_est = S / y (solve)", &xest.to_array(), "xest")?;
    let misfit = (&xest.to_array() - &xr)
        .mapv(f64::abs)
        .fold(0.0f64, |m, &v| m.max(v));
    println!("  (max |x_est - x| = {misfit:.2}: 100 iterations do not undo the smoothing)");

    // Along the first axis of an 11 x 21 array.
    let mut a = ArrayD::zeros(IxDyn(&[11, 21]));
    a[[5, 10]] = 1.0;
    let sop = Smoothing1D::new::<f64>(5, &[11, 21], 0)?;
    let b = sop.forward(&ChunkedArray::from_array_chunks(a.view(), &[4, 8])?)?;
    println!(
        "11 x 21 spike, nsmooth = 5 along axis 0, chunks {:?}:",
        b.grid().all_chunks()
    );
    check.array("B = S A", &b.to_array(), "b2d", Some(ROUNDING_RTOL))?;
    let column: Vec<f64> = (0..11).map(|i| b.to_array()[[i, 10]]).collect();
    let expect = [0.0, 0.0, 0.0, 0.2, 0.2, 0.2, 0.2, 0.2, 0.0, 0.0, 0.0];
    let box_ok = column
        .iter()
        .zip(expect)
        .all(|(g, w)| (g - w).abs() <= 1e-15);
    println!(
        "  column 10 of B is the 5-sample box 0.2 on rows 3..=7: {}",
        if box_ok { "yes" } else { "NO" }
    );
    check.record(box_ok);

    println!("ran in {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
    check.finish("plot_smoothing1d");
    Ok(())
}
