//! pylops' tutorial "03. Solvers" (`tutorials/solvers.py`), in rylops: reconstruct a signal of
//! N = 200 samples (three sinusoids) from 40 random samples, by
//!
//! 1. `Op / y` ([`solve`]),
//! 2. the normal equations with a second-derivative regulariser, `epsI` and `epsR`
//!    ([`normal_equations_inversion`], scipy's cg as pylops' default engine),
//! 3. the same with `D2^T D2` given directly as pylops' `NRegs` ([`Regularization::normal`]),
//! 4. the stacked regularised problem with lsqr ([`regularized_inversion`]),
//! 5. the preconditioned problem `min ||y - R P p||`, `x = P p`, with a smoothing preconditioner
//!    ([`preconditioned_inversion`]),
//!
//! with the tutorial's parameters, and checks every answer against pylops 2.8.0's (the `.npy`
//! files in `tests/reference_ops/examples/`, written by `preconditioned_inversion_gen.py` there,
//! which also holds the signal and the sample positions). It exits with an error on disagreement.
//!
//! Two operators of the tutorial are not in rylops yet and are written here as
//! [`FunctionOperator`]s: pylops' `Restriction(N, iava)` (keep the samples at `iava`; adjoint:
//! put them back, zeros elsewhere) and `Smoothing1D(nsmooth=11)` (a centered moving average of 11
//! samples with zeros beyond the ends; symmetric, so it is its own adjoint).
//! `SecondDerivative` is rylops' own.
//!
//! Run: `cargo run --release --example preconditioned_inversion`

use ndarray::{Array1, ArrayD, Ix1, IxDyn};
use rylops::core::npy::read_npy;
use rylops::prelude::*;
use rylops::solvers::{
    normal_equations_inversion, preconditioned_inversion, regularized_inversion, solve, CgParams,
    LsqrParams, Regularization, RegularizedSolver,
};

#[path = "common/cli.rs"]
mod cli;

const USAGE: &str = "usage: preconditioned_inversion (no arguments)";

/// Largest relative difference with pylops' answers accepted. The solvers are pylops' and scipy's
/// up to rounding (other summation orders); after 20 to 50 iterations the differences measured
/// are below 1e-12.
const TOL: f64 = 1e-10;

fn load(name: &str) -> rylops::Result<Array1<f64>> {
    let path = format!(
        "{}/tests/reference_ops/examples/preconditioned_inversion_{name}.npy",
        env!("CARGO_MANIFEST_DIR")
    );
    read_npy::<f64>(&path)?
        .into_dimensionality::<Ix1>()
        .map_err(|e| rylops::Error::Io(format!("{path}: {e}")))
}

/// Writes `values` into `out`, in `out`'s chunking.
fn put(out: &mut ChunkedArray<f64>, values: Vec<f64>) -> rylops::Result<()> {
    let n = values.len();
    let a = ArrayD::from_shape_vec(IxDyn(&[n]), values)
        .map_err(|e| rylops::Error::Io(format!("{e}")))?;
    out.copy_from(&ChunkedArray::from_array_grid(
        a.view(),
        out.grid().clone(),
    )?);
    Ok(())
}

/// pylops' `Restriction(n, iava)`: `y = x[iava]`, adjoint `x[iava] = y`, zeros elsewhere.
fn restriction(n: usize, iava: Vec<usize>) -> rylops::Result<Chunked<FunctionOperator<f64>>> {
    let back = iava.clone();
    FunctionOperator::new(
        &[n],
        &[iava.len()],
        move |x, y| {
            put(y, {
                let x = x.to_array();
                iava.iter().map(|&i| x[[i]]).collect()
            })
        },
        move |y, x| {
            let y = y.to_array();
            let mut v = vec![0.0; n];
            for (k, &i) in back.iter().enumerate() {
                v[i] = y[[k]];
            }
            put(x, v)
        },
    )
}

/// pylops' `Smoothing1D(nsmooth, dims=[n])` for an odd `nsmooth`: the centered moving average.
fn smoothing(n: usize, nsmooth: usize) -> rylops::Result<Chunked<FunctionOperator<f64>>> {
    let half = nsmooth / 2;
    let apply = move |x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>| {
        let x = x.to_array();
        let v = (0..n)
            .map(|i| {
                let (lo, hi) = (i.saturating_sub(half), (i + half).min(n - 1));
                (lo..=hi).map(|j| x[[j]]).sum::<f64>() / nsmooth as f64
            })
            .collect();
        put(y, v)
    };
    FunctionOperator::new(&[n], &[n], apply, apply)
}

fn rel_diff(got: &ChunkedArray<f64>, want: &Array1<f64>) -> f64 {
    let got = got.to_array();
    let num: f64 = got.iter().zip(want).map(|(a, b)| (a - b).powi(2)).sum();
    let den: f64 = want.iter().map(|b| b * b).sum();
    (num / den).sqrt()
}

fn main() -> rylops::Result<()> {
    cli::no_arguments(USAGE);
    let start = std::time::Instant::now();
    let x_true = load("x")?;
    let n = x_true.len();
    let iava: Vec<usize> = load("iava")?.iter().map(|&v| v as usize).collect();
    let r = restriction(n, iava)?;
    let y = r.forward(&ChunkedArray::from_array(x_true.clone().into_dyn()))?;
    let y_pylops = load("y")?;
    let d2 = SecondDerivative::<f64>::builder(&[n]).build()?;
    let (eps_r, eps_i) = (0.1f64.sqrt(), 1e-4f64.sqrt());

    // 1. xinv = Rop / y
    let div = solve(&r, &y)?;
    // 2. normal_equations_inversion(Rop, y, [D2op], epsI=epsI, epsRs=[epsR], maxiter=50)
    let scipy_cg = CgParams::scipy(&r).niter(50).damp(eps_i);
    let xne = normal_equations_inversion(&r, &y, &[Regularization::new(&d2, eps_r)], &scipy_cg)?;
    // 3. the same with NRegs=[D2^T D2], epsNRs=[epsR]
    let d2td2 = (&d2).h().times(&d2)?;
    let xne1 =
        normal_equations_inversion(&r, &y, &[Regularization::normal(&d2td2, eps_r)], &scipy_cg)?;
    // 4. regularized_inversion(Rop, y, [D2op], epsRs=[epsR], damp=sqrt(1e-4), iter_lim=50)
    let lsqr = LsqrParams::scipy(&r).damp(1e-4f64.sqrt()).niter(50);
    let xreg = regularized_inversion(
        &r,
        &y,
        &[Regularization::new(&d2, eps_r)],
        &RegularizedSolver::Lsqr(lsqr),
    )?;
    // 5. preconditioned_inversion(Rop, y, Smoothing1D(11), damp=sqrt(1e-9), iter_lim=20)
    let sop = smoothing(n, 11)?;
    let precond = LsqrParams::scipy(&sop).damp(1e-9f64.sqrt()).niter(20);
    let xprec = preconditioned_inversion(&r, &y, &sop, &RegularizedSolver::Lsqr(precond))?;
    let elapsed = start.elapsed();

    let data_diff = rel_diff(&y, &y_pylops);
    println!(
        "pylops tutorial 03. Solvers: N = {n}, {} samples kept",
        y.len()
    );
    println!(
        "{:<40} {:>12} {:>16}",
        "solution", "iterations", "vs pylops (rel)"
    );
    println!("{:<40} {:>12} {:>16.2e}", "data y = R x", "-", data_diff);
    let rows = [
        ("Op / y (solve)", None, rel_diff(&div, &load("div")?)),
        (
            "normal equations, Regs",
            Some(xne.iterations),
            rel_diff(&xne.x, &load("xne")?),
        ),
        (
            "normal equations, NRegs",
            Some(xne1.iterations),
            rel_diff(&xne1.x, &load("xne1")?),
        ),
        (
            "regularized_inversion (lsqr)",
            Some(xreg.iterations),
            rel_diff(&xreg.x, &load("xreg")?),
        ),
        (
            "preconditioned_inversion (lsqr)",
            Some(xprec.iterations),
            rel_diff(&xprec.x, &load("xprec")?),
        ),
    ];
    let mut worst = data_diff;
    for (name, it, d) in rows {
        let it = it.map_or("-".to_string(), |k| k.to_string());
        println!("{name:<40} {it:>12} {d:>16.2e}");
        worst = worst.max(d);
    }
    let fit = rel_diff(&xprec.x, &x_true);
    println!("preconditioned reconstruction vs the true signal: {fit:.3} (relative)");
    println!("solved in {:.1} ms", elapsed.as_secs_f64() * 1e3);
    if worst > TOL || worst.is_nan() {
        eprintln!("disagreement with pylops: {worst:.2e} > {TOL:.0e}");
        std::process::exit(1);
    }
    println!("all agree with pylops 2.8.0 to {worst:.1e} (tolerance {TOL:.0e})");
    Ok(())
}
