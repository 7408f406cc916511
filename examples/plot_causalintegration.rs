//! pylops' gallery example `examples/plot_causalintegration.py`, ported: integrate `sin(t)` with
//! `CausalIntegration` (pylops 2's `kind="half"`, the gallery's `halfcurrent=True`), invert the
//! integration (pylops' `Cop / y`: LSQR, 100 iterations, `atol = btol = 1e-8`), compare with the
//! `FirstDerivative` of the data, then regularise the inversion of noisy data with a
//! `SecondDerivative` (`regularized_inversion`, `iter_lim=100, atol=1e-5`), and integrate a 2-D
//! array along its first axis.
//!
//! The noise comes from pylops' run (it is random there), read from
//! `tests/reference_ops/examples/causalintegration/` (written by `gen_examples.py` in that folder).
//! Operator outputs are compared bit for bit. The two solves are compared within `1e-2` relative
//! (of the largest value) with the gallery's results (pylops' `/` and `regularized_inversion` call
//! scipy's `lsqr`) and with the same solves by pylops' own `lsqr` (which rylops' `lsqr` follows):
//! the inversion stops at 100 iterations, far from convergence (condition number about 1e4), and
//! perturbing pylops' data by 1e-15 relative moves pylops' own result by 7e-4 relative, so no
//! tighter agreement is meaningful. The gallery's preconditioned inversion (with `Smoothing1D`/`Smoothing2D`) is left
//! out here. Exits with status 1 if any comparison fails.
//!
//! Run: `cargo run --release --example plot_causalintegration`

use ndarray::{ArrayD, IxDyn};
use rylops::core::npy::read_npy;
use rylops::operators::{CausalIntegration, IntegrationKind};
use rylops::prelude::*;
use rylops::solvers::{lsqr, regularized_inversion, LsqrParams, Regularization, RegularizedSolver};
use std::path::Path;

#[path = "common/cli.rs"]
mod cli;

/// Agreement required of the two solves (see the header).
const SOLVE_RTOL: f64 = 1e-2;

const USAGE: &str = "usage: plot_causalintegration (no arguments)";

fn load(name: &str) -> rylops::Result<ArrayD<f64>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference_ops/examples/causalintegration");
    read_npy(dir.join(format!("{name}.npy")))
}

/// Prints how `got` compares with pylops' `want`; true if bit-exact (`rtol = None`) or within
/// `rtol` relative to `max |want|`.
fn agree(what: &str, got: &ArrayD<f64>, want: &ArrayD<f64>, rtol: Option<f64>) -> bool {
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let maxdiff = got
        .iter()
        .zip(want.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f64, f64::max);
    let exact = got.shape() == want.shape()
        && got
            .iter()
            .zip(want.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits());
    let ok = match rtol {
        None => exact,
        Some(r) => got.shape() == want.shape() && maxdiff <= r * scale,
    };
    println!(
        "  {what:<34} max |rylops - pylops| = {maxdiff:.1e} (relative {:.1e})  {}",
        maxdiff / scale.max(f64::MIN_POSITIVE),
        match (exact, ok) {
            (true, _) => "bit-exact",
            (false, true) => "agrees",
            (false, false) => "DIFFERS",
        }
    );
    ok
}

fn main() -> rylops::Result<()> {
    cli::no_arguments(USAGE);
    let mut ok = true;
    let (nt, dt) = (81usize, 0.3);
    let t = ArrayD::from_shape_fn(IxDyn(&[nt]), |i| i[0] as f64 * dt);
    // pylops' own samples of sin(t) are the input (numpy's and Rust's `sin` may differ in the
    // last bit).
    let x = load("x")?;
    ok &= agree("sin(t)", &t.mapv(f64::sin), &x, Some(1e-12));
    let cop = CausalIntegration::<f64>::builder(&[nt])
        .sampling(dt)
        .kind(IntegrationKind::Half)
        .build()?;
    let xc = ChunkedArray::from_array_chunks(x.view(), &[27])?;
    let y = cop.forward(&xc)?;
    let yana = t.mapv(|v| -v.cos() + 1.0);
    let err = (&y.to_array() - &yana)
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    println!(
        "1-D: integral of sin(t), {nt} samples, dt = {dt}; max |numerical - analytic| = {err:.2e}"
    );
    ok &= agree("y = C x", &y.to_array(), &load("y")?, None);

    // pylops' `Cop / y`: scipy's lsqr with iter_lim=100, atol=btol=1e-8.
    let params = LsqrParams::default().niter(100).atol(1e-8).btol(1e-8);
    let xinv = lsqr(&cop, &y, &params)?;
    println!("  (inversion: {} LSQR iterations)", xinv.iterations);
    ok &= agree(
        "x_inv vs pylops' lsqr",
        &xinv.x.to_array(),
        &load("xinv_pylops_lsqr")?,
        Some(SOLVE_RTOL),
    );
    ok &= agree(
        "x_inv vs C / y (scipy's lsqr)",
        &xinv.x.to_array(),
        &load("xinv")?,
        Some(SOLVE_RTOL),
    );

    let dop = FirstDerivative::<f64>::builder(&[nt])
        .sampling(dt)
        .build()?;
    ok &= agree(
        "x_der = D y",
        &dop.forward(&y)?.to_array(),
        &load("xder")?,
        None,
    );

    // Noisy data: the derivative amplifies the noise, the regularised inversion does not.
    let yn = ChunkedArray::from(load("yn")?);
    ok &= agree(
        "x_der of noisy data",
        &dop.forward(&yn)?.to_array(),
        &load("xdern")?,
        None,
    );
    let rop = SecondDerivative::<f64>::builder(&[nt]).build()?;
    let regs = [Regularization::new(&rop, 1.0)];
    // scipy's lsqr defaults (btol 1e-6, conlim 1e8) with the gallery's iter_lim and atol.
    let solver = RegularizedSolver::Lsqr(LsqrParams::default().niter(100).atol(1e-5).btol(1e-6));
    let xreg = regularized_inversion(&cop, &yn, &regs, &solver)?;
    let xr = xreg.x.to_array();
    let rms = |a: &ArrayD<f64>| (a.iter().map(|v| v * v).sum::<f64>() / a.len() as f64).sqrt();
    println!(
        "  (regularised: {} iterations; rms error vs sin(t): derivative {:.3}, regularised {:.3})",
        xreg.iterations,
        rms(&(&dop.forward(&yn)?.to_array() - &x)),
        rms(&(&xr - &x))
    );
    ok &= agree(
        "x_reg vs pylops' lsqr",
        &xr,
        &load("xreg_pylops_lsqr")?,
        Some(SOLVE_RTOL),
    );
    ok &= agree(
        "x_reg vs gallery (scipy's lsqr)",
        &xr,
        &load("xreg")?,
        Some(SOLVE_RTOL),
    );

    // 2-D: integrate along the first axis.
    let (nt2, nx) = (41usize, 11usize);
    let x2 = load("x2d")?;
    let cop2 = CausalIntegration::<f64>::builder(&[nt2, nx])
        .axis(0)
        .sampling(dt)
        .kind(IntegrationKind::Half)
        .build()?;
    let x2c = ChunkedArray::from_array_chunks(x2.view(), &[10, 4])?;
    let y2 = cop2.forward(&x2c)?;
    println!(
        "2-D: {nt2} x {nx} model in chunks {:?}, integrated along axis 0:",
        x2c.grid().all_chunks()
    );
    let x2own = ArrayD::from_shape_fn(IxDyn(&[nt2, nx]), |i| (i[0] as f64 * dt).sin());
    ok &= agree("model x", &x2own, &x2, Some(1e-12));
    ok &= agree("y = C x", &y2.to_array(), &load("y2d")?, None);
    let dop2 = FirstDerivative::<f64>::builder(&[nt2, nx])
        .axis(0)
        .sampling(dt)
        .build()?;
    let yn2 = ChunkedArray::from_array_chunks(load("yn2d")?.view(), &[10, 4])?;
    ok &= agree(
        "x_der of noisy data",
        &dop2.forward(&yn2)?.to_array(),
        &load("xder2d")?,
        None,
    );

    if !ok {
        eprintln!("plot_causalintegration: results differ from pylops'");
        std::process::exit(1);
    }
    println!("plot_causalintegration: every result agrees with pylops'");
    Ok(())
}
