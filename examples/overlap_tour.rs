//! A tour of overlapping computations (seeds 000 and 001: the dask overlap tutorial and dask's
//! documentation of `overlap`, `map_overlap`, `trim_internal`), on chunked arrays.
//!
//! 1. The 10x10 `arange` in (5, 2) chunks, overlapped with depth (1, 1) and boundary
//!    (reflect, -100); every extended block is checked against the same region of the padded
//!    array (numpy's `pad`, `symmetric` along axis 0, constant -100 along axis 1).
//! 2. A 3x3 Laplacian filter (`[[0,1,0],[1,-4,1],[0,1,0]]`, `scipy.signal.convolve2d(mode="same")`)
//!    on every extended block, trimmed back: equal to the filter applied to the padded array.
//! 3. The gradient exercise: `f(x, y) = (x^2 - y)^2 exp(-(x^2 + y^2))` on a 4001x4001 grid of
//!    `[-2, 2]^2` in 1000x1000 chunks, both partial derivatives with the chunked `FirstDerivative`
//!    (sampling 0.001, centered, one-sided edges), compared with the analytic derivatives and with
//!    the single-chunk result.
//!
//! Pictures (in `--out DIR`, default `target/gallery/`): `overlap_tour_blocks.png` (the array,
//! its extended blocks, the trimmed Laplacian) and `overlap_tour_gradient.png` (f, df/dx, df/dy).
//!
//! Run: `cargo run --release --features plot --example overlap_tour [-- --out DIR]`

use ndarray::{s, Array2, ArrayD, ArrayView2, Dimension, Ix2};
use rylops::core::overlap::{overlap, trim_internal, Boundaries, Boundary, Depth};
use rylops::plot::{Colormap, Figure, ImagePanel};
use rylops::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

#[path = "common/cli.rs"]
mod cli;

const USAGE: &str = "usage: overlap_tour [--out DIR]
  --out DIR  folder for the pictures (default target/gallery)";

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

fn print_int(name: &str, a: ArrayView2<'_, f64>) {
    println!("{name}:");
    for row in a.rows() {
        let cells: Vec<String> = row.iter().map(|v| format!("{:5}", *v as i64)).collect();
        println!("  [{}]", cells.join(""));
    }
}

fn as2(a: &ArrayD<f64>) -> ArrayView2<'_, f64> {
    a.view().into_dimensionality::<Ix2>().expect("2-D")
}

/// The array continued past its ends as numpy pads it, axis 0 first: `symmetric` (dask's
/// reflect) along axis 0, constant -100 along axis 1 (so the corners are -100).
fn padded(a: &Array2<f64>, d: usize) -> Array2<f64> {
    let (n, m) = a.dim();
    Array2::from_shape_fn((n + 2 * d, m + 2 * d), |(i, j)| {
        let (i, j) = (i as isize - d as isize, j as isize - d as isize);
        if j < 0 || j >= m as isize {
            return -100.0;
        }
        let i = if i < 0 {
            -1 - i
        } else if i >= n as isize {
            2 * n as isize - 1 - i
        } else {
            i
        };
        a[[i as usize, j as usize]]
    })
}

/// `scipy.signal.convolve2d(a, [[0,1,0],[1,-4,1],[0,1,0]], mode="same")` (zeros outside `a`).
fn laplace_same(a: ArrayView2<'_, f64>) -> Array2<f64> {
    let (n, m) = a.dim();
    let at = |i: isize, j: isize| {
        if i < 0 || j < 0 || i >= n as isize || j >= m as isize {
            0.0
        } else {
            a[[i as usize, j as usize]]
        }
    };
    Array2::from_shape_fn((n, m), |(i, j)| {
        let (i, j) = (i as isize, j as isize);
        at(i - 1, j) + at(i + 1, j) + at(i, j - 1) + at(i, j + 1) - 4.0 * at(i, j)
    })
}

fn main() -> rylops::Result<()> {
    let out = args();

    // ---- 1. overlap -------------------------------------------------------------------------
    let a = Array2::from_shape_fn((10, 10), |(i, j)| (10 * i + j) as f64);
    let x = ChunkedArray::from_array_chunks(a.view().into_dyn(), &[5, 2])?;
    let depth = Depth::per_axis(&[1, 1]);
    let bnd = Boundaries::per_axis(vec![Boundary::Reflect, Boundary::Constant(-100.0)]);
    let ext = overlap(&x, &depth, &bnd, true)?;
    println!(
        "x: 10x10 arange, chunks {:?}; overlap depth (1, 1), boundary (reflect, -100): chunks {:?}",
        x.grid().all_chunks(),
        ext.grid().all_chunks()
    );
    let ext_full = ext.to_array();
    print_int("extended[:, :10]", as2(&ext_full).slice(s![.., ..10]));
    // Every extended block is the matching region of the padded array.
    let p = padded(&a, 1);
    for k in 0..ext.grid().nblocks() {
        let id = ext.grid().block_id(k);
        let (r0, c0) = (x.grid().offsets(0)[id[0]], x.grid().offsets(1)[id[1]]);
        let b = ext.block(&id)?;
        let want = p.slice(s![r0..r0 + b.shape()[0], c0..c0 + b.shape()[1]]);
        assert_eq!(as2(b), want, "extended block {id:?}");
    }
    // A few values by hand: reflect repeats the edge row, -100 pads the columns and corners.
    assert_eq!(ext.block(&[0, 0])?[[0, 0]], -100.0);
    assert_eq!(ext.block(&[0, 0])?[[0, 1]], 0.0); // row -1 reflects row 0
    assert_eq!(ext.block(&[0, 1])?[[0, 0]], 1.0); // column 1 borrowed from block (0, 0)
    assert_eq!(ext.block(&[1, 0])?[[6, 1]], 90.0); // row 10 reflects row 9
    println!("every extended block equals the padded array's region (numpy pad semantics)");

    // ---- 2. a Laplacian filter per extended block, trimmed back ----------------------------
    let filtered = ext.map_blocks(|_, b| laplace_same(as2(b)).into_dyn())?;
    print_int("filtered.blocks[0, 1]", as2(filtered.block(&[0, 1])?));
    let trimmed = trim_internal(&filtered, &depth, &bnd)?;
    print_int("trimmed.blocks[0, 1]", as2(trimmed.block(&[0, 1])?));
    print_int("trimmed.blocks[0, 0]", as2(trimmed.block(&[0, 0])?));
    let t = trimmed.to_array();
    print_int("trimmed", as2(&t));
    let whole = laplace_same(p.view());
    assert_eq!(as2(&t), whole.slice(s![1..11, 1..11]));
    assert_eq!(trimmed.grid(), x.grid());
    println!(
        "trimmed blocks == the filter on the padded array, interior (no seams between blocks)"
    );

    // ---- 3. the gradient exercise ------------------------------------------------------------
    let n = 4001;
    let h = 4.0 / (n - 1) as f64;
    let t_at = |i: usize| -2.0 + i as f64 * h; // np.linspace(-2, 2, 4001)
    let f = |x: f64, y: f64| (x * x - y).powi(2) * (-(x * x + y * y)).exp();
    let dfdx = |x: f64, y: f64| {
        let u = x * x - y;
        2.0 * x * u * (2.0 - u) * (-(x * x + y * y)).exp()
    };
    let dfdy = |x: f64, y: f64| {
        let u = x * x - y;
        -2.0 * u * (1.0 + u * y) * (-(x * x + y * y)).exp()
    };
    let t0 = Instant::now();
    // xs, ys = np.meshgrid(ts, ts): x varies along axis 1 (columns), y along axis 0 (rows).
    let grid = ChunkGrid::uniform(&[n, n], &[1000, 1000])?;
    let mut func = ChunkedArray::<f64>::zeros(grid.clone());
    func.par_for_each_block(|id, b| {
        let off = grid.block_offset(id);
        for (ix, v) in b.indexed_iter_mut() {
            *v = f(t_at(off[1] + ix[1]), t_at(off[0] + ix[0]));
        }
    });
    let t_build = t0.elapsed();
    let dx_op = FirstDerivative::<f64>::builder(&[n, n])
        .axis(1)
        .sampling(h)
        .edge(true)
        .build()?;
    let dy_op = FirstDerivative::<f64>::builder(&[n, n])
        .axis(0)
        .sampling(h)
        .edge(true)
        .build()?;
    let t1 = Instant::now();
    let gx = dx_op.forward(&func)?;
    let gy = dy_op.forward(&func)?;
    let t_deriv = t1.elapsed();
    println!(
        "\ngradient exercise: f on {n}x{n} (h = {h}), chunks {:?}: built in {:.2?}, both \
         derivatives in {:.2?}",
        grid.block_counts(),
        t_build,
        t_deriv
    );
    // The same on one chunk: identical bits.
    let single = ChunkedArray::from_array(func.to_array());
    let gx1 = dx_op.forward(&single)?.into_array();
    let gy1 = dy_op.forward(&single)?.into_array();
    let (gx, gy) = (gx.into_array(), gy.into_array());
    assert_eq!(gx, gx1, "df/dx differs between chunkings");
    assert_eq!(gy, gy1, "df/dy differs between chunkings");
    println!("chunked (5x5 blocks) == single chunk, bit for bit");
    // Against the analytic derivatives: O(h^2) inside, O(h) on the one-sided edge rows.
    let inside = |ix: &[usize]| ix.iter().all(|&i| i > 0 && i < n - 1);
    for (name, g, exact) in [
        ("df/dx", &gx, &dfdx as &dyn Fn(f64, f64) -> f64),
        ("df/dy", &gy, &dfdy),
    ] {
        let (mut e_in, mut e_edge, mut scale) = (0.0f64, 0.0f64, 0.0f64);
        for (ix, v) in g.indexed_iter() {
            let w = exact(t_at(ix[1]), t_at(ix[0]));
            scale = scale.max(w.abs());
            let e = (v - w).abs();
            if inside(ix.slice()) {
                e_in = e_in.max(e);
            } else {
                e_edge = e_edge.max(e);
            }
        }
        println!(
            "{name}: max |analytic| {scale:.3}, max error interior {e_in:.2e} (centered, O(h^2)), \
             edges {e_edge:.2e} (one-sided, O(h))"
        );
        assert!(e_in < 1e-5 && e_edge < 1e-2);
    }

    // ---- pictures ------------------------------------------------------------------------------
    Figure::new("overlap: 10x10 arange in (5, 2) chunks, depth (1, 1), boundary (reflect, -100)")
        .columns(3)
        .panel_size(360, 330)
        .with(ImagePanel::new("x", a.view()).colormap(Colormap::Rainbow))
        .with(
            ImagePanel::new("extended blocks (14x20)", as2(&ext_full))
                .colormap(Colormap::Rainbow)
                .range(-100.0, 99.0),
        )
        .with(
            ImagePanel::new("Laplacian per block, trimmed", as2(&t))
                .colormap(Colormap::Seismic)
                .symmetric(),
        )
        .save(out.join("overlap_tour_blocks.png"))?;
    let (gxv, gyv) = (gx.view(), gy.view());
    let fv = func.to_array();
    let img = |title: &str, v: ArrayD<f64>, cmap: Colormap, sym: bool| {
        let p = ImagePanel::from_dyn(title, v.view())
            .expect("2-D")
            .colormap(cmap)
            .extent(-2.0, 2.0, 2.0, -2.0);
        if sym {
            p.symmetric()
        } else {
            p
        }
    };
    Figure::new("f(x, y) = (x^2 - y)^2 exp(-(x^2 + y^2)) on 4001x4001, 1000x1000 chunks")
        .columns(3)
        .panel_size(380, 330)
        .with(img("f", fv, Colormap::Viridis, false))
        .with(img(
            "df/dx (FirstDerivative, axis 1)",
            gxv.to_owned(),
            Colormap::Seismic,
            true,
        ))
        .with(img(
            "df/dy (FirstDerivative, axis 0)",
            gyv.to_owned(),
            Colormap::Seismic,
            true,
        ))
        .save(out.join("overlap_tour_gradient.png"))?;
    println!(
        "\npictures: {} and {}",
        out.join("overlap_tour_blocks.png").display(),
        out.join("overlap_tour_gradient.png").display()
    );
    Ok(())
}
