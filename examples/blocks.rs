//! Block-wise image processing (seed 004, a `dask.delayed` tutorial), on chunked arrays, in
//! parallel over chunks.
//!
//! 1. "Block randomize an image": crop the image to a multiple of the block size (centred, as the
//!    notebook does), split it into 100x100 chunks, sharpen every block (PIL's `SHARPEN` kernel)
//!    through `map_overlap` with a one-pixel halo so that block edges do not show, shuffle the
//!    blocks and save the result (`blocks_shuffled.png`, and `blocks_shuffled.npy` for numpy).
//!    Without the halo, every block edge would be filtered differently: the example counts those
//!    pixels, and checks that the chunked, haloed result equals the filter on the whole image.
//! 2. "Histogram of differences": take 50 random 100x100 crops, the mean absolute difference of
//!    each of the 1225 pairs (computed in parallel), and their histogram (10 bins, as
//!    `np.histogram`).
//!
//! The image is a reproducible synthetic picture (the notebook's photographs are not available);
//! `--input img.png` uses any PNG instead (8 or 16 bits, grey, RGB or palette), and `--input
//! img.npy` any array of shape `(rows, columns, 3)` or `(rows, columns)`, values in `[0, 1]` or
//! `0..=255`.
//!
//! Pictures (in `--out DIR`, default `target/gallery/`): `blocks.png` (original, sharpened,
//! shuffled, the seams a filter without halo leaves, and the histogram) and `blocks_shuffled.png`.
//!
//! Run: `cargo run --release --features plot --example blocks [-- --out DIR] [--input img.png|img.npy]`

use ndarray::{s, Array2, Array3, ArrayD, ArrayViewD, Ix3};
use rayon::prelude::*;
use rylops::core::npy::{read_npy_as, write_npy};
use rylops::core::overlap::{map_overlap, Boundaries, Boundary, Depth};
use rylops::core::Rng;
use rylops::plot::{read_png, save_rgb, Colormap, Figure, ImagePanel, LinePanel, Series};
use rylops::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

const BLOCK: usize = 100;

#[path = "common/cli.rs"]
mod cli;

const USAGE: &str = "usage: blocks [--out DIR] [--input img.png|img.npy]
  --out DIR     folder for the pictures (default target/gallery)
  --input FILE  a PNG or .npy image instead of the synthetic picture";

/// The command line.
struct Args {
    out: PathBuf,
    input: Option<String>,
}

fn args() -> Args {
    cli::parse(USAGE, |p| {
        use cli::*;
        let mut a = Args {
            out: default_out(),
            input: None,
        };
        while let Some(arg) = p.next()? {
            match arg {
                Long("out") => a.out = out_dir(p)?,
                Long("input") => a.input = Some(p.value()?.string()?),
                arg => return Err(unexpected(arg, USAGE)),
            }
        }
        Ok(a)
    })
}

/// A synthetic 630x845 RGB picture: a sunset-like gradient, rings, a grid of discs and stripes, so
/// that shuffled blocks are easy to see.
fn picture(rows: usize, cols: usize) -> Array3<f64> {
    Array3::from_shape_fn((rows, cols, 3), |(i, j, k)| {
        let (y, x) = (i as f64 / rows as f64, j as f64 / cols as f64);
        let (cy, cx) = (y - 0.45, (x - 0.5) * cols as f64 / rows as f64);
        let r = (cx * cx + cy * cy).sqrt();
        let rings = 0.5 + 0.5 * (40.0 * r).cos();
        let disc = {
            let (gy, gx) = ((y * 7.0).fract() - 0.5, (x * 9.0).fract() - 0.5);
            if gx * gx + gy * gy < 0.06 {
                1.0
            } else {
                0.0
            }
        };
        let stripes = if ((x + 0.3 * y) * 24.0).floor() as i64 % 2 == 0 {
            1.0
        } else {
            0.0
        };
        let sky = [1.0 - 0.6 * y, 0.35 + 0.4 * (1.0 - y) * x, 0.25 + 0.7 * y];
        let v = match k {
            0 => 0.55 * sky[0] + 0.35 * rings * (r < 0.35) as u8 as f64 + 0.2 * disc,
            1 => {
                0.55 * sky[1]
                    + 0.25 * rings * (r < 0.35) as u8 as f64
                    + 0.15 * stripes * (y > 0.7) as u8 as f64
            }
            _ => 0.55 * sky[2] + 0.4 * disc * (r >= 0.35) as u8 as f64,
        };
        v.clamp(0.0, 1.0)
    })
}

/// PIL's `ImageFilter.SHARPEN` (3x3, centre 32, others -2, scale 16) on the interior of a block
/// `(rows, columns, channels)`; the one-pixel border (the halo) is left at zero and trimmed.
fn sharpen(b: &ArrayViewD<'_, f64>) -> ArrayD<f64> {
    let sh = b.shape();
    let mut out = ArrayD::<f64>::zeros(b.raw_dim());
    for i in 1..sh[0].saturating_sub(1) {
        for j in 1..sh[1].saturating_sub(1) {
            for c in 0..sh[2] {
                let mut acc = 0.0;
                for di in 0..3 {
                    for dj in 0..3 {
                        let w = if di == 1 && dj == 1 { 32.0 } else { -2.0 };
                        acc += w * b[[i + di - 1, j + dj - 1, c]];
                    }
                }
                out[[i, j, c]] = (acc / 16.0).clamp(0.0, 1.0);
            }
        }
    }
    out
}

/// The same filter on a block alone, its edge pixels using the block's own edge (no halo).
fn sharpen_alone(b: &ArrayViewD<'_, f64>) -> ArrayD<f64> {
    let sh = b.shape().to_vec();
    let padded = ArrayD::from_shape_fn(vec![sh[0] + 2, sh[1] + 2, sh[2]], |ix| {
        let i = (ix[0].max(1) - 1).min(sh[0] - 1);
        let j = (ix[1].max(1) - 1).min(sh[1] - 1);
        b[[i, j, ix[2]]]
    });
    sharpen(&padded.view())
        .slice_move(s![1..sh[0] + 1, 1..sh[1] + 1, ..])
        .into_dyn()
}

fn main() -> rylops::Result<()> {
    let Args { out, input } = args();
    let t0 = Instant::now();
    let img: Array3<f64> = match input {
        Some(p) if p.ends_with(".png") => {
            let a = read_png(&p)?.mapv(f64::from);
            println!("image {p}: shape {:?}", a.shape());
            if a.shape()[2] == 1 {
                let (r, c, _) = a.dim();
                Array3::from_shape_fn((r, c, 3), |(i, j, _)| a[[i, j, 0]])
            } else {
                a
            }
        }
        Some(p) => {
            let a = read_npy_as::<f64>(&p)?;
            let a = if a.ndim() == 2 {
                let a2 = a.clone();
                ArrayD::from_shape_fn(vec![a.shape()[0], a.shape()[1], 3], |ix| a2[[ix[0], ix[1]]])
            } else {
                a
            };
            let shape = a.shape().to_vec();
            let bad = || {
                rylops::Error::InvalidParameter {
                name: p.clone(),
                reason: format!(
                    "an image must be (rows, columns) or (rows, columns, >= 3 channels), got {shape:?}"
                ),
            }
            };
            let a = a.into_dimensionality::<Ix3>().map_err(|_| bad())?;
            if a.shape()[2] < 3 {
                return Err(bad());
            }
            let a = a.slice(s![.., .., ..3]).to_owned();
            let max = a.iter().copied().fold(0.0, f64::max);
            println!("image {p}: shape {:?}", a.shape());
            if max > 1.0 {
                a / 255.0
            } else {
                a
            }
        }
        None => picture(630, 845),
    };
    let (rows, cols, _) = img.dim();

    // ---- 1. block randomize -------------------------------------------------------------------
    let nb = (rows / BLOCK, cols / BLOCK);
    assert!(
        nb.0 > 0 && nb.1 > 0,
        "the image is smaller than one {BLOCK}x{BLOCK} block"
    );
    let (top, left) = ((rows - nb.0 * BLOCK) / 2, (cols - nb.1 * BLOCK) / 2);
    let cropped = img
        .slice(s![top..top + nb.0 * BLOCK, left..left + nb.1 * BLOCK, ..])
        .to_owned();
    println!(
        "image {rows}x{cols}, cropped (centred) to {}x{}: {}x{} blocks of {BLOCK}x{BLOCK}",
        nb.0 * BLOCK,
        nb.1 * BLOCK,
        nb.0,
        nb.1
    );
    let x = ChunkedArray::from_array_chunks(cropped.view().into_dyn(), &[BLOCK, BLOCK, 3])?;
    let t = Instant::now();
    let halo = Depth::per_axis(&[1, 1, 0]);
    let nearest = Boundaries::uniform(Boundary::Nearest);
    let sharp = map_overlap(&[&x], &halo, &nearest, true, |b, _| sharpen(&b[0]))?;
    println!(
        "sharpened {} blocks with a 1-pixel halo in {:.2?}",
        x.grid().nblocks(),
        t.elapsed()
    );
    // The same filter on the whole image, and block by block without halo.
    let whole = map_overlap(
        &[&ChunkedArray::from_array(cropped.clone().into_dyn())],
        &halo,
        &nearest,
        true,
        |b, _| sharpen(&b[0]),
    )?;
    let sharp_full = sharp.to_array();
    assert_eq!(sharp_full, whole.to_array());
    let alone = x.map_blocks(|_, b| sharpen_alone(&b.view()))?.to_array();
    let seams = Array2::from_shape_fn((nb.0 * BLOCK, nb.1 * BLOCK), |(i, j)| {
        (0..3)
            .map(|c| (alone[[i, j, c]] - sharp_full[[i, j, c]]).abs())
            .fold(0.0, f64::max)
    });
    let differing = seams.iter().filter(|&&v| v > 0.0).count();
    let on_edges = seams
        .indexed_iter()
        .filter(|&((i, j), &v)| {
            v > 0.0
                && (i % BLOCK == 0
                    || i % BLOCK == BLOCK - 1
                    || j % BLOCK == 0
                    || j % BLOCK == BLOCK - 1)
        })
        .count();
    println!(
        "with the halo: equal to the filter on the whole image, bit for bit; without it, {differing} \
         pixels differ, {on_edges} of them on block edges"
    );
    // Shuffle the blocks (Fisher-Yates with a seeded generator) and paste them.
    let mut order: Vec<usize> = (0..x.grid().nblocks()).collect();
    let mut rng = Rng::new(4);
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut shuffled = Array3::<f64>::zeros((nb.0 * BLOCK, nb.1 * BLOCK, 3));
    for (old, &new) in order.iter().enumerate() {
        let b = &sharp.blocks()[old];
        let (r, c) = (new / nb.1 * BLOCK, new % nb.1 * BLOCK);
        shuffled
            .slice_mut(s![r..r + BLOCK, c..c + BLOCK, ..])
            .assign(&b.view().into_dimensionality::<Ix3>().expect("3-D"));
    }
    save_rgb(out.join("blocks_shuffled.png"), shuffled.view())?;
    write_npy(out.join("blocks_shuffled.npy"), &shuffled)?;
    println!(
        "shuffled blocks saved to {} (and .npy)",
        out.join("blocks_shuffled.png").display()
    );

    // ---- 2. histogram of differences between pairs of random blocks --------------------------
    let n = 50;
    let crop = |fy: f64, fx: f64| {
        let (y0, x0) = (
            (fy * (rows - BLOCK) as f64) as usize,
            (fx * (cols - BLOCK) as f64) as usize,
        );
        img.slice(s![y0..y0 + BLOCK, x0..x0 + BLOCK, ..])
    };
    let mut rng = Rng::new(50);
    let pieces: Vec<_> = (0..n).map(|_| crop(rng.uniform(), rng.uniform())).collect();
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .collect();
    let t = Instant::now();
    let means: Vec<f64> = pairs
        .par_iter()
        .map(|&(i, j)| {
            (&pieces[i] - &pieces[j])
                .mapv(f64::abs)
                .mean()
                .expect("non-empty")
        })
        .collect();
    // np.histogram(means): 10 equal bins from min to max, the last one closed.
    let (lo, hi) = means
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let width = (hi - lo) / 10.0;
    let mut counts = [0usize; 10];
    for &m in &means {
        let k = if width > 0.0 {
            (((m - lo) / width) as usize).min(9)
        } else {
            0
        };
        counts[k] += 1;
    }
    let edges: Vec<f64> = (0..=10).map(|k| lo + k as f64 * width).collect();
    println!(
        "{} pairs of {n} random {BLOCK}x{BLOCK} blocks, mean |difference| in {:.2?}:",
        pairs.len(),
        t.elapsed()
    );
    println!("  counts {counts:?}");
    println!(
        "  edges  [{}]",
        edges
            .iter()
            .map(|e| format!("{e:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert_eq!(counts.iter().sum::<usize>(), pairs.len());

    // Pictures.
    let mut step_x = vec![edges[0]];
    let mut step_y = vec![0.0];
    for k in 0..10 {
        step_x.extend([edges[k], edges[k + 1]]);
        step_y.extend([counts[k] as f64, counts[k] as f64]);
    }
    step_x.push(edges[10]);
    step_y.push(0.0);
    let ratio = cols as f64 / rows as f64;
    Figure::new("Block-wise processing: 100x100 chunks, sharpened with a halo, shuffled")
        .columns(3)
        .panel_size((300.0 * ratio) as u32, 300)
        .with(ImagePanel::rgb("original", img.view())?)
        .with(ImagePanel::rgb(
            "cropped and sharpened (halo 1)",
            sharp_full.view().into_dimensionality::<Ix3>().expect("3-D"),
        )?)
        .with(ImagePanel::rgb("blocks shuffled", shuffled.view())?)
        .with(
            ImagePanel::new("no halo: |difference| (block seams)", seams.view())
                .colormap(Colormap::Gray)
                .range(0.0, 0.01)
                .max_pool(true),
        )
        .with(
            LinePanel::new("mean |difference| of 1225 block pairs")
                .series(Series::line("histogram", &step_y).x(&step_x))
                .labels("mean |difference|", "pairs"),
        )
        .save(out.join("blocks.png"))?;
    println!(
        "pictures: {} and blocks_shuffled.png ({:.2?} in all)",
        out.join("blocks.png").display(),
        t0.elapsed()
    );
    Ok(())
}
