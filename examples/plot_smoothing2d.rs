//! pylops' gallery example `examples/plot_smoothing2d.py`, ported: smooth an 11 x 21 array with a
//! spike by a 5 x 3 moving average (`Smoothing2D` over both axes), then invert the smoothing
//! (pylops' `Sop / B`: [`solve`]).
//!
//! The sizes are the gallery's; pylops' answers are read from
//! `tests/reference_ops/examples/smoothing2d/` (written by `gen_examples.py` in that folder).
//!
//! Agreement: pylops convolves through FFTs here, so the smoothed array agrees to rounding
//! (`1e-12` relative asked), not bit for bit. The inversion stops at 100 LSQR iterations,
//! unconverged, and is compared within 10 times the spread measured on pylops' own answer
//! (printed). Exits with status 1 if any comparison fails.
//!
//! Run: `cargo run --release --example plot_smoothing2d`

use ndarray::{ArrayD, IxDyn};
use rylops::operators::Smoothing2D;
use rylops::prelude::*;
use rylops::solvers::solve;

#[path = "common/cli.rs"]
mod cli;
#[path = "common/compare.rs"]
mod compare;

use compare::{Check, ROUNDING_RTOL};

const USAGE: &str = "usage: plot_smoothing2d (no arguments)";

fn main() -> rylops::Result<()> {
    cli::no_arguments(USAGE);
    let start = std::time::Instant::now();
    let mut check = Check::new("smoothing2d");

    let (n, m) = (11usize, 21usize);
    let mut a = ArrayD::zeros(IxDyn(&[n, m]));
    a[[5, 10]] = 1.0;
    let sop = Smoothing2D::new::<f64>([5, 3], &[n, m], [-2, -1])?;
    // In 3 x 2 chunks: halos along both axes.
    let b = sop.forward(&ChunkedArray::from_array_chunks(a.view(), &[4, 11])?)?;
    println!(
        "{n} x {m} spike, nsmooth = (5, 3), chunks {:?}:",
        b.grid().all_chunks()
    );
    check.array("B = S A", &b.to_array(), "b", Some(ROUNDING_RTOL))?;
    // The spike becomes a 5 x 3 box of 1/15 around it (rows 3..=7, columns 9..=11).
    let ba = b.to_array();
    let box_ok = ba.indexed_iter().all(|(i, &v)| {
        let inside = (3..=7).contains(&i[0]) && (9..=11).contains(&i[1]);
        (v - if inside { 1.0 / 15.0 } else { 0.0 }).abs() <= 1e-15
    });
    println!(
        "  B is the 5 x 3 box 1/15 around the spike: {}",
        if box_ok { "yes" } else { "NO" }
    );
    check.record(box_ok);

    let aest = solve(&sop, &b)?;
    check.solve("A_est = S / B (solve)", &aest.to_array(), "aest")?;
    println!(
        "  (A_est at the spike: {:.3}; 100 iterations do not undo the smoothing)",
        aest.to_array()[[5, 10]]
    );

    println!("ran in {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
    check.finish("plot_smoothing2d");
    Ok(())
}
