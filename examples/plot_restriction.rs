//! pylops' gallery example `examples/plot_restriction.py`, ported: sample a signal of three
//! sinusoids at 40% of its positions with `Restriction`, show its `mask`, then restrict a 2-D
//! array along its first axis.
//!
//! The sampled positions and the 2-D model come from pylops' run (they are random there), read
//! from `tests/reference_ops/examples/restriction/` (written by `gen_examples.py` in that
//! folder); every output is compared with pylops' bit for bit. pylops' `Interp` part of the
//! gallery script (nearest/linear/sinc interpolation) has no rylops counterpart yet and is left
//! out. Exits with status 1 if any comparison fails.
//!
//! Run: `cargo run --release --example plot_restriction`

use ndarray::{ArrayD, IxDyn};
use rylops::core::npy::read_npy;
use rylops::operators::Restriction;
use rylops::prelude::*;
use std::path::{Path, PathBuf};

#[path = "common/cli.rs"]
mod cli;

const USAGE: &str = "usage: plot_restriction (no arguments)";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference_ops/examples/restriction")
}

fn load(name: &str) -> rylops::Result<ArrayD<f64>> {
    read_npy(dir().join(format!("{name}.npy")))
}

/// Sample positions, stored by pylops' run as float64 (exact integers).
fn load_indices(name: &str) -> rylops::Result<Vec<i64>> {
    Ok(load(name)?.iter().map(|&v| v as i64).collect())
}

/// Prints how `got` compares with pylops' `want` and returns whether they are equal bit for bit.
fn agree(what: &str, got: &ArrayD<f64>, want: &ArrayD<f64>) -> bool {
    let same_shape = got.shape() == want.shape();
    let maxdiff = got
        .iter()
        .zip(want.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f64, f64::max);
    let exact = same_shape
        && got
            .iter()
            .zip(want.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits());
    println!(
        "  {what:<28} shape {:?}  max |rylops - pylops| = {maxdiff:.1e}  {}",
        got.shape(),
        if exact { "bit-exact" } else { "DIFFERS" }
    );
    exact
}

fn main() -> rylops::Result<()> {
    cli::no_arguments(USAGE);
    let mut ok = true;

    // 1-D: three sinusoids, 40% of the samples kept.
    let (nt, dt) = (200usize, 0.004);
    let x = ArrayD::from_shape_fn(IxDyn(&[nt]), |i| {
        let t = i[0] as f64 * dt;
        [5.0, 3.0, 8.0].iter().fold(0.0, |acc, f| {
            acc + (2.0 * std::f64::consts::PI * f * t).sin()
        })
    });
    // pylops' own samples are the input (numpy's and Rust's `sin` may differ in the last bit).
    let xref = load("x1d")?;
    let diff = (&x - &xref).iter().fold(0.0f64, |m, v| m.max(v.abs()));
    println!("1-D signal of {nt} samples: max |rylops' signal - pylops'| = {diff:.1e}");
    ok &= diff <= 1e-12;
    let x = xref;
    let iava = load_indices("iava1d")?;
    let rop = Restriction::<f64>::new(&[nt], &iava, -1)?;
    let xc = ChunkedArray::from_array_chunks(x.view(), &[64])?; // 4 chunks
    let y = rop.forward(&xc)?;
    let ymask = rop.mask(&xc)?;
    let xadj = rop.adjoint(&y)?;
    println!("{} samples kept:", iava.len());
    ok &= agree("y = R x", &y.to_array(), &load("y1d")?);
    ok &= agree("R.mask(x)", &ymask.to_array(), &load("mask1d")?);
    ok &= agree("R^H y", &xadj.to_array(), &load("xadj1d")?);

    // 2-D: restriction along the first axis of a 100 x 50 array.
    let x2 = load("x2d")?;
    let iava2 = load_indices("iava2d")?;
    let rop2 = Restriction::<f64>::new(x2.shape(), &iava2, 0)?;
    let x2c = ChunkedArray::from_array_chunks(x2.view(), &[30, 25])?;
    let y2 = rop2.forward(&x2c)?;
    println!(
        "2-D model {:?} in chunks {:?}, {} rows kept -> data chunks {:?}:",
        x2.shape(),
        x2c.grid().all_chunks(),
        iava2.len(),
        y2.grid().all_chunks()
    );
    ok &= agree("y = R x (axis 0)", &y2.to_array(), &load("y2d")?);
    ok &= agree("R.mask(x)", &rop2.mask(&x2c)?.to_array(), &load("mask2d")?);
    println!(
        "dot test: {}",
        dot_test_with(&rop2, x2c.zeros_like(), 1, None)?.passed
    );

    if !ok {
        eprintln!("plot_restriction: results differ from pylops'");
        std::process::exit(1);
    }
    println!("plot_restriction: every result equals pylops' bit for bit");
    Ok(())
}
