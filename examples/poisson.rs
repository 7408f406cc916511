//! Solve the Poisson equation `-Δu = f` on the unit square with zero Dirichlet boundaries by CG,
//! against a manufactured solution.
//!
//! The operator is written by the user (as any rylops user can): it embeds the interior unknowns in
//! the full grid, applies rylops' fused 5-point `Laplacian`, and keeps the interior rows, negated.
//! That is the classic symmetric positive-definite Poisson matrix, so CG applies.
//!
//! Run: `cargo run --release --example poisson [-- N]` (N interior points per side, default 512);
//! with `--features plot` it also draws the solution, its error and the residual history into
//! `--out DIR` (default `target/gallery/`).

use ndarray::{s, ArrayD, IxDyn};
use rylops::prelude::*;
use rylops::solvers::{callback, cg_with, CgParams};
use std::sync::Mutex;
use std::time::Instant;

/// `-Δ_h` on the interior of an `(n+2) x (n+2)` grid with zero boundary values.
struct DirichletPoisson {
    n: usize,
    lap: Chunked<Laplacian<f64>>,
    /// Work arrays on the full grid (input, output), allocated once.
    work: Mutex<(ChunkedArray<f64>, ChunkedArray<f64>)>,
}

impl DirichletPoisson {
    fn new(n: usize, h: f64) -> rylops::Result<Self> {
        let full = [n + 2, n + 2];
        let lap = Laplacian::<f64>::builder(&full).sampling(&[h, h]).build()?;
        let work = Mutex::new((
            ChunkedArray::zeros_single(&full),
            ChunkedArray::zeros_single(&full),
        ));
        Ok(Self { n, lap, work })
    }

    fn apply(
        &self,
        x: &ChunkedArray<f64>,
        y: &mut ChunkedArray<f64>,
        adjoint: bool,
    ) -> rylops::Result<()> {
        rylops::core::check_shape(x, &[self.n, self.n], "DirichletPoisson input")?;
        let mut w = self.work.lock().expect("work arrays");
        let (full_in, full_out) = &mut *w;
        let n = self.n;
        // Embed (boundary stays zero), apply the Laplacian, keep the interior, negate.
        full_in.blocks_mut()[0].slice_mut(s![1..=n, 1..=n]).assign(
            &x.blocks()[0]
                .view()
                .into_dimensionality::<ndarray::Ix2>()
                .expect("2-D"),
        );
        if adjoint {
            self.lap.adjoint_into(full_in, full_out)?;
        } else {
            self.lap.forward_into(full_in, full_out)?;
        }
        let inner = full_out.blocks()[0].slice(s![1..=n, 1..=n]);
        let mut yb = y
            .blocks_mut()
            .swap_remove(0)
            .into_dimensionality::<ndarray::Ix2>()
            .expect("2-D");
        yb.zip_mut_with(&inner, |a, &b| *a = -b);
        Ok(())
    }
}

// Two methods and the shapes; `Chunked` adds the rest of `LinearOperator` (shape checks, output
// layouts, zeros).
impl ChunkedOperator for DirichletPoisson {
    type Scalar = f64;
    fn dims(&self) -> Vec<usize> {
        vec![self.n, self.n]
    }
    fn dimsd(&self) -> Vec<usize> {
        vec![self.n, self.n]
    }
    fn forward_into(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) -> rylops::Result<()> {
        self.apply(x, y, false)
    }
    fn adjoint_into(&self, y: &ChunkedArray<f64>, x: &mut ChunkedArray<f64>) -> rylops::Result<()> {
        self.apply(y, x, true)
    }
}

#[path = "common/cli.rs"]
mod cli;

const USAGE: &str = "usage: poisson [N] [--out DIR]
  N          interior points per side (default 512)
  --out DIR  folder for the pictures (default target/gallery; builds with --features plot only)";

/// The command line: `N` and the pictures' folder.
fn args() -> (usize, std::path::PathBuf) {
    cli::parse(USAGE, |p| {
        use cli::*;
        let (mut n, mut out, mut positional) = (512usize, default_out(), 0);
        while let Some(arg) = p.next()? {
            match arg {
                Value(v) if positional == 0 => {
                    n = v.parse()?;
                    positional += 1;
                }
                Long("out") => out = out_dir(p)?,
                arg => return Err(unexpected(arg, USAGE)),
            }
        }
        if n == 0 {
            return Err("N must be at least 1".into());
        }
        Ok((n, out))
    })
}

fn main() -> rylops::Result<()> {
    let (n, out) = args();
    let h = 1.0 / (n + 1) as f64;
    let pi = std::f64::consts::PI;
    // Manufactured solution u = sin(pi x) sin(2 pi y) + sin(3 pi x^2) sin(pi y) / 2 (zero on the
    // boundary), and f = -Δu computed analytically.
    let at = |ix: &IxDyn| ((ix[0] + 1) as f64 * h, (ix[1] + 1) as f64 * h);
    let exact = ArrayD::from_shape_fn(IxDyn(&[n, n]), |ix| {
        let (x, y) = at(&ix);
        (pi * x).sin() * (2.0 * pi * y).sin() + 0.5 * (3.0 * pi * x * x).sin() * (pi * y).sin()
    });
    let rhs = ArrayD::from_shape_fn(IxDyn(&[n, n]), |ix| {
        let (x, y) = at(&ix);
        let a = 3.0 * pi * x * x;
        let lap_v = (6.0 * pi * a.cos() - 36.0 * pi * pi * x * x * a.sin()) * (pi * y).sin()
            - pi * pi * a.sin() * (pi * y).sin();
        5.0 * pi * pi * (pi * x).sin() * (2.0 * pi * y).sin() - 0.5 * lap_v
    });
    let f = ChunkedArray::from_array(rhs);
    let op = Chunked(DirichletPoisson::new(n, h)?);
    let dt = dot_test(&op, 7)?;
    println!(
        "Poisson -Δu = f on a {n}x{n} interior grid (h = {h:.3e}); operator dot test: rel. error {:.1e}",
        dt.rel_error
    );

    let fnorm = f.norm();
    let params = CgParams::default().niter(5 * n).tol(1e-10 * fnorm);
    let mut history = vec![];
    let mut show = callback::progress_to(std::io::stdout(), [3, 3, 100]);
    let t0 = Instant::now();
    let sol = cg_with(&op, &f, &params, |info| {
        history.push(info.residual_norm);
        show(info)
    })?;
    let secs = t0.elapsed().as_secs_f64();

    let u = sol.x.to_array();
    let err = &u - &exact;
    let max_err = err.iter().fold(0.0f64, |m, e| m.max(e.abs()));
    let rel_l2 =
        (err.iter().map(|e| e * e).sum::<f64>() / exact.iter().map(|e| e * e).sum::<f64>()).sqrt();
    println!(
        "\nCG stopped after {} iterations ({:?})",
        sol.iterations, sol.stop
    );
    println!("residual history ||f - A u_k|| / ||f||:");
    for k in (0..sol.cost.len())
        .step_by((sol.cost.len() / 8).max(1))
        .chain([sol.cost.len() - 1])
    {
        println!("  iteration {k:5}: {:.3e}", sol.cost[k] / fnorm);
    }
    println!("error vs the exact solution: max |u - u_exact| = {max_err:.3e}, relative L2 = {rel_l2:.3e}");
    println!("(the 5-point scheme is second order: the error falls 4x when N doubles)");
    println!(
        "time: {secs:.2} s, {:.2} ms per iteration (one operator application and 2 dot products each)",
        1e3 * secs / sol.iterations.max(1) as f64
    );
    // Second order: the relative error is about 6 h^2 here (measured for N = 2..512); a wrong
    // operator or an unconverged solve would be O(h) or worse.
    assert!(
        rel_l2 < 20.0 * h * h,
        "the discrete solution should match the manufactured one to O(h^2): relative L2 error \
         {rel_l2:.3e} >= 20 h^2 = {:.3e}",
        20.0 * h * h
    );
    #[cfg(feature = "plot")]
    pictures::draw(&out, &u, &err, &sol.cost, fnorm)?;
    #[cfg(not(feature = "plot"))]
    let _ = out;
    Ok(())
}

#[cfg(feature = "plot")]
mod pictures {
    use ndarray::ArrayD;
    use rylops::plot::{Colormap, Figure, ImagePanel, LinePanel};
    use std::path::Path;

    /// The solution, its error and the residual history, into the folder `out`.
    pub fn draw(
        out: &Path,
        u: &ArrayD<f64>,
        err: &ArrayD<f64>,
        cost: &[f64],
        fnorm: f64,
    ) -> rylops::Result<()> {
        std::fs::create_dir_all(out).map_err(|e| rylops::Error::Io(e.to_string()))?;
        let rel: Vec<f64> = cost.iter().map(|c| c / fnorm).collect();
        let path = out.join("poisson.png");
        Figure::new("Poisson -Δu = f by CG (zero Dirichlet boundaries)")
            .columns(3)
            .with(ImagePanel::from_dyn("solution u", u.view())?.colormap(Colormap::Viridis))
            .with(
                ImagePanel::from_dyn("u - u_exact", err.view())?
                    .colormap(Colormap::Seismic)
                    .symmetric(),
            )
            .with(
                LinePanel::new("residual ||f - A u_k|| / ||f||")
                    .line("CG", rel)
                    .labels("iteration", "relative residual")
                    .log_y(),
            )
            .save(&path)?;
        println!("picture: {}", path.display());
        Ok(())
    }
}
