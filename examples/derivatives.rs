//! The pylops_distributed derivative example (seed 003), on chunked arrays.
//!
//! A spike in 100 samples split in 3 chunks, and an 11x21 array chunked along and across axis 0:
//! FirstDerivative, SecondDerivative, symmetric and weighted (3,1) Laplacian, forward and adjoint,
//! each checked bit for bit against the single-chunk result.
//!
//! With the `plot` feature it also draws the seed's pictures into `--out DIR` (default
//! `target/gallery/`): `derivatives_1d.png` (input, forward and adjoint of the spike as stem plots,
//! single chunk vs 3 chunks) and `derivatives_2d.png` (the 11x21 spike and its first derivative,
//! second derivative and Laplacians, chunked along and across axis 0).
//!
//! Run: `cargo run --release --example derivatives` (checks only), or
//! `cargo run --release --features plot --example derivatives [-- --out DIR]` (checks and pictures).

use ndarray::{Array1, Array2, ArrayD, Dimension};
use rylops::prelude::*;
use std::path::PathBuf;

#[path = "common/cli.rs"]
mod cli;

const USAGE: &str = "usage: derivatives [--out DIR]
  --out DIR  folder for the pictures (default target/gallery; builds with --features plot only)";

/// The command line: the pictures' folder.
fn args() -> PathBuf {
    cli::parse(USAGE, |p| {
        use cli::*;
        let mut out = default_out();
        while let Some(arg) = p.next()? {
            match arg {
                Long("out") => out = out_dir(p)?,
                arg => return Err(unexpected(arg, USAGE)),
            }
        }
        Ok(out)
    })
}

fn show(name: &str, a: &ArrayD<f64>) {
    let nz: Vec<String> = a
        .indexed_iter()
        .filter(|(_, v)| **v != 0.0)
        .map(|(ix, v)| format!("{:?}={v}", ix.slice()))
        .collect();
    println!("  {name:<28} nonzeros: {}", nz.join(" "));
}

/// Applies `op` to `x` in one chunk and in `grid`, checks the two agree bit for bit, returns both
/// forward and adjoint.
fn both_ways<O>(op: &O, x: &ArrayD<f64>, grid: ChunkGrid) -> (ArrayD<f64>, ArrayD<f64>)
where
    O: LinearOperator<Scalar = f64, Domain = ChunkedArray<f64>, Range = ChunkedArray<f64>>,
{
    let single = ChunkedArray::from_array(x.clone());
    let chunked = ChunkedArray::from_array_grid(x.view(), grid).expect("grid fits");
    let y1 = op.forward(&single).expect("forward");
    let yc = op.forward(&chunked).expect("forward");
    assert_eq!(
        y1.to_array(),
        yc.to_array(),
        "forward differs between chunkings"
    );
    let a1 = op.adjoint(&y1).expect("adjoint");
    let ac = op.adjoint(&yc).expect("adjoint");
    assert_eq!(
        a1.to_array(),
        ac.to_array(),
        "adjoint differs between chunkings"
    );
    (y1.into_array(), a1.into_array())
}

fn main() -> rylops::Result<()> {
    let out = args();
    // 1-D: a spike in 100 samples, chunks of 34 (as dask's nx // nchunks + 1).
    let nx = 100;
    let mut x = Array1::<f64>::zeros(nx);
    x[nx / 2] = 1.0;
    let x = x.into_dyn();
    let d = FirstDerivative::<f64>::builder(&[nx]).build()?;
    let grid = ChunkGrid::uniform(&[nx], &[nx / 3 + 1])?;
    println!("spike in {nx} samples, chunks {:?}", grid.chunks(0));
    let (y, xadj) = both_ways(&d, &x, grid.clone());
    show("FirstDerivative forward", &y);
    show("FirstDerivative adjoint", &xadj);
    let spike = (x.clone(), y, xadj, grid);

    // 2-D: 11x21 with a spike in the middle, chunked along and across axis 0.
    let (nx, ny) = (11, 21);
    let mut a = Array2::<f64>::zeros((nx, ny));
    a[[nx / 2, ny / 2]] = 1.0;
    let a = a.into_dyn();
    let along = ChunkGrid::uniform(&[nx, ny], &[nx / 2 + 1, ny])?;
    let across = ChunkGrid::uniform(&[nx, ny], &[nx, ny / 2 + 1])?;
    println!(
        "\n11x21 spike, chunks along axis 0 {:?} and across {:?}",
        along.all_chunks(),
        across.all_chunks()
    );
    let fd = FirstDerivative::<f64>::builder(&[nx, ny]).axis(0).build()?;
    let sd = SecondDerivative::<f64>::builder(&[nx, ny])
        .axis(0)
        .build()?;
    let lap = Laplacian::<f64>::builder(&[nx, ny]).build()?;
    let lapw = Laplacian::<f64>::builder(&[nx, ny])
        .weights(&[3.0, 1.0])
        .build()?;
    // Results per chunking: first derivative, second derivative, Laplacian, weighted Laplacian.
    let mut results: Vec<[ArrayD<f64>; 4]> = Vec::new();
    for grid in [along, across] {
        println!(" chunks {:?}", grid.all_chunks());
        let (y_fd, _) = both_ways(&fd, &a, grid.clone());
        show("FirstDerivative axis 0", &y_fd);
        let (y_sd, _) = both_ways(&sd, &a, grid.clone());
        show("SecondDerivative axis 0", &y_sd);
        let (y_lap, _) = both_ways(&lap, &a, grid.clone());
        show("Laplacian", &y_lap);
        let (y_lapw, xadj) = both_ways(&lapw, &a, grid.clone());
        show("Laplacian weights (3,1)", &y_lapw);
        show("  its adjoint", &xadj);
        results.push([y_fd, y_sd, y_lap, y_lapw]);
    }
    for (name, rep) in [
        ("FirstDerivative", dot_test(&fd, 0)?),
        ("SecondDerivative", dot_test(&sd, 0)?),
        ("Laplacian (3,1)", dot_test(&lapw, 0)?),
    ] {
        println!(
            "dot test {name:<18} relative error {:.1e} passed {}",
            rep.rel_error, rep.passed
        );
    }
    println!("\nall chunked results equal the single-chunk results bit for bit");
    #[cfg(feature = "plot")]
    pictures::draw(&out, &spike, &a, &results)?;
    #[cfg(not(feature = "plot"))]
    {
        let _ = (out, spike, results);
        println!("(pictures: run with --features plot)");
    }
    Ok(())
}

#[cfg(feature = "plot")]
mod pictures {
    use ndarray::ArrayD;
    use rylops::plot::{Colormap, Figure, ImagePanel, LinePanel, Series};
    use rylops::prelude::*;
    use std::path::Path;

    /// The seed's three stem plots and three rows of images, into the folder `out`.
    pub fn draw(
        out: &Path,
        spike: &(ArrayD<f64>, ArrayD<f64>, ArrayD<f64>, ChunkGrid),
        a: &ArrayD<f64>,
        results: &[[ArrayD<f64>; 4]],
    ) -> rylops::Result<()> {
        let (x, y, xadj, grid) = spike;
        // The chunked results equal the single-chunk ones (checked above): recompute the chunked
        // ones anyway, so that the picture shows both.
        let d = FirstDerivative::<f64>::builder(x.shape()).build()?;
        let xc = ChunkedArray::from_array_grid(x.view(), grid.clone())?;
        let yc = d.forward(&xc)?;
        let ac = d.adjoint(&yc)?.to_array();
        let yc = yc.to_array();
        let chunked = format!("{} chunks", grid.nblocks());
        let n = x.len();
        let window = |v: &ArrayD<f64>| {
            v.iter()
                .copied()
                .skip(n / 2 - 8)
                .take(17)
                .collect::<Vec<_>>()
        };
        let xs: Vec<f64> = (n / 2 - 8..n / 2 + 9).map(|i| i as f64).collect();
        let stems = |title: &str, single: &ArrayD<f64>, chunks: Option<&ArrayD<f64>>| {
            let mut p = LinePanel::new(title).series(
                Series::stem("single chunk", window(single))
                    .x(&xs)
                    .color(0, 0, 0),
            );
            if let Some(c) = chunks {
                p = p.series(
                    Series::points(chunked.as_str(), window(c))
                        .x(&xs)
                        .color(214, 39, 40),
                );
            }
            p.labels("sample (around the spike at 50)", "")
        };
        Figure::new("FirstDerivative of a spike in 100 samples, in 3 chunks of 34")
            .columns(3)
            .panel_size(400, 300)
            .with(stems("Input", x, None))
            .with(stems("Forward", y, Some(&yc)))
            .with(stems("Adjoint", xadj, Some(&ac)))
            .save(out.join("derivatives_1d.png"))?;

        let img = |title: &str, v: &ArrayD<f64>| {
            ImagePanel::from_dyn(title, v.view())
                .expect("2-D")
                .colormap(Colormap::Rainbow)
        };
        let (along, across) = (&results[0], &results[1]);
        Figure::new("11x21 spike: derivatives along axis 0, chunked along (6, 5 rows) and across (11, 10 columns)")
            .columns(3)
            .panel_size(330, 240)
            .with(img("x", a))
            .with(img("FirstDerivative (axis-0 chunks)", &along[0]))
            .with(img("FirstDerivative (axis-1 chunks)", &across[0]))
            .with(img("x", a))
            .with(img("SecondDerivative (axis-0 chunks)", &along[1]))
            .with(img("SecondDerivative (axis-1 chunks)", &across[1]))
            .with(img("x", a))
            .with(img("Laplacian sym (axis-0 chunks)", &along[2]))
            .with(img("Laplacian (3,1) (axis-1 chunks)", &across[3]))
            .save(out.join("derivatives_2d.png"))?;
        println!(
            "pictures: {} and {}",
            out.join("derivatives_1d.png").display(),
            out.join("derivatives_2d.png").display()
        );
        Ok(())
    }
}
