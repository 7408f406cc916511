//! The pylops_distributed derivative example (seed 003), on chunked arrays.
//!
//! A spike in 100 samples split in 3 chunks, and an 11x21 array chunked along and across axis 0:
//! FirstDerivative, SecondDerivative, symmetric and weighted (3,1) Laplacian, forward and adjoint,
//! each checked bit for bit against the single-chunk result.
//!
//! Run: `cargo run --release --example derivatives`

use ndarray::{Array1, Array2, ArrayD, Dimension};
use rylops::prelude::*;

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
    // 1-D: a spike in 100 samples, chunks of 34 (as dask's nx // nchunks + 1).
    let nx = 100;
    let mut x = Array1::<f64>::zeros(nx);
    x[nx / 2] = 1.0;
    let x = x.into_dyn();
    let d = FirstDerivative::<f64>::builder(&[nx]).build()?;
    let grid = ChunkGrid::uniform(&[nx], &[nx / 3 + 1])?;
    println!("spike in {nx} samples, chunks {:?}", grid.chunks(0));
    let (y, xadj) = both_ways(&d, &x, grid);
    show("FirstDerivative forward", &y);
    show("FirstDerivative adjoint", &xadj);

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
    for grid in [along, across] {
        println!(" chunks {:?}", grid.all_chunks());
        let (y, _) = both_ways(&fd, &a, grid.clone());
        show("FirstDerivative axis 0", &y);
        let (y, _) = both_ways(&sd, &a, grid.clone());
        show("SecondDerivative axis 0", &y);
        let (y, _) = both_ways(&lap, &a, grid.clone());
        show("Laplacian", &y);
        let (y, xadj) = both_ways(&lapw, &a, grid.clone());
        show("Laplacian weights (3,1)", &y);
        show("  its adjoint", &xadj);
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
    Ok(())
}
