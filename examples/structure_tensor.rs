//! The structure tensor of a multi-channel image, block by block (seed 002, a Dask + Numba
//! notebook), with `map_overlap` on chunked arrays.
//!
//! The notebook's Hubble Ultra Deep Field is not available offline, so by default the example
//! draws a reproducible synthetic deep field: thousands of Gaussian galaxies (faint background
//! ones, yellowish ellipticals, bluish elongated disks, a few stars, and a population of small,
//! round, red "young" galaxies — the notebook's targets) on noise. Any PNG (`--input img.png`) or
//! `.npy` image (`--input img.npy`, shape `(rows, columns)` or `(rows, columns, channels)`, any
//! real dtype) can be used instead.
//!
//! The pipeline, as in the notebook (image of shape `(rows, columns, channels)` in 128x128
//! blocks, dask's default `reflect` boundary):
//! 1. finite differences `I[x+1] - I[x]` and Gaussian derivatives (sigma 1.5, radius 10, the
//!    kernel of `scipy.ndimage._gaussian_kernel1d(1.5, 1, 10)`) along each axis through
//!    `map_overlap` with depth only on the differentiated axis (1 or 10);
//! 2. the gradient outer products `IxIx`, `IxIy`, `IyIy` (Gaussian derivatives);
//! 3. local averaging with a Gaussian (sigma 2, radius 10), depth 10 on both image axes;
//! 4. the per-pixel 2x2 eigen-decomposition (closed form, eigenvalues ascending like `eigh`);
//! 5. energy `l0 + l1`, anisotropy `(l1 - l0) / energy`;
//! 6. the feature `(1 - mean anisotropy) * energy_red^2 / (energy_r + energy_g + energy_b)` and the
//!    blocks where it exceeds a threshold (`--threshold T`, default 30% of its maximum).
//!
//! Pictures (in `--out DIR`, default `target/gallery/`): `structure_tensor_field.png` (the image
//! with the selected blocks outlined, and the feature map), `structure_tensor_gradients.png`
//! (finite differences vs Gaussian derivatives on one block), `structure_tensor_tensor.png` (the
//! smoothed tensor, eigenvalues, energy, anisotropy on that block) and
//! `structure_tensor_blocks.png` (the first selected blocks and their features).
//!
//! Run: `cargo run --release --features plot --example structure_tensor [-- --out DIR]
//! [--input img.png|img.npy] [--threshold T] [--small]` (`--small` draws a smaller field picture).

use ndarray::{s, Array2, Array3, ArrayD, ArrayView3, ArrayViewD, Axis, Ix3, Zip};
use rayon::prelude::*;
use rylops::core::npy::read_npy_as;
use rylops::core::overlap::{map_overlap, Boundaries, Boundary, Depth};
use rylops::core::Rng;
use rylops::plot::{read_png, Colormap, Figure, ImagePanel};
use rylops::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

const BLOCK: usize = 128;

struct Args {
    out: PathBuf,
    input: Option<PathBuf>,
    threshold: Option<f64>,
    small: bool,
}

#[path = "common/cli.rs"]
mod cli;

const USAGE: &str =
    "usage: structure_tensor [--out DIR] [--input img.png|img.npy] [--threshold T] [--small]
  --out DIR      folder for the pictures (default target/gallery)
  --input FILE   a PNG or .npy image instead of the synthetic deep field
  --threshold T  feature threshold for selecting blocks (default 30% of the feature's maximum)
  --small        draw a smaller field picture";

fn args() -> Args {
    cli::parse(USAGE, |p| {
        use cli::*;
        let mut a = Args {
            out: default_out(),
            input: None,
            threshold: None,
            small: false,
        };
        while let Some(arg) = p.next()? {
            match arg {
                Long("out") => a.out = out_dir(p)?,
                Long("input") => a.input = Some(p.value()?.into()),
                Long("threshold") => {
                    let t: f64 = p.value()?.parse()?;
                    if !t.is_finite() {
                        return Err("--threshold takes a finite number".into());
                    }
                    a.threshold = Some(t);
                }
                Long("small") => a.small = true,
                arg => return Err(unexpected(arg, USAGE)),
            }
        }
        Ok(a)
    })
}

/// A synthetic deep field `(rows, columns, 3)` (linear flux) and the centres of its young galaxies.
fn deep_field(rows: usize, cols: usize, seed: u64) -> (Array3<f32>, Vec<(f64, f64)>) {
    let mut rng = Rng::new(seed);
    let mut img = Array3::<f32>::zeros((rows, cols, 3));
    let mut young = Vec::new();
    // (count, colour, peak range, sigma range, axis-ratio range)
    type Pop = (usize, [f64; 3], (f64, f64), (f64, f64), (f64, f64));
    let pops: [Pop; 5] = [
        (3200, [0.0; 3], (0.004, 0.04), (0.7, 1.6), (0.5, 1.0)), // faint background
        (260, [1.0, 0.85, 0.6], (0.05, 0.35), (2.0, 5.5), (0.6, 1.0)), // ellipticals
        (300, [0.55, 0.7, 1.0], (0.05, 0.3), (2.0, 7.0), (0.15, 0.45)), // disks
        (40, [0.8, 0.9, 1.0], (0.2, 0.5), (0.8, 1.0), (1.0, 1.0)), // stars
        (45, [1.0, 0.22, 0.12], (0.3, 0.7), (1.3, 2.2), (0.85, 1.0)), // young: red, round, small
    ];
    for (p, &(count, colour, peak, sigma, q)) in pops.iter().enumerate() {
        for _ in 0..count {
            let (cy, cx) = (rng.uniform() * rows as f64, rng.uniform() * cols as f64);
            let u = |rng: &mut Rng, (lo, hi): (f64, f64)| lo + (hi - lo) * rng.uniform();
            // Many faint, few bright: peak drawn log-uniformly.
            let a = (peak.0.ln() + (peak.1 / peak.0).ln() * rng.uniform()).exp();
            let sx = u(&mut rng, sigma);
            let sy = sx * u(&mut rng, q);
            let th = std::f64::consts::PI * rng.uniform();
            let colour = if p == 0 {
                let t = rng.uniform();
                [0.6 + 0.4 * t, 0.7, 1.0 - 0.4 * t]
            } else {
                colour
            };
            if p == 4 {
                young.push((cy, cx));
            }
            let (c, s) = (th.cos(), th.sin());
            let r = (4.0 * sx).ceil() as isize;
            for i in (cy as isize - r).max(0)..(cy as isize + r + 1).min(rows as isize) {
                for j in (cx as isize - r).max(0)..(cx as isize + r + 1).min(cols as isize) {
                    let (dy, dx) = (i as f64 + 0.5 - cy, j as f64 + 0.5 - cx);
                    let (u1, u2) = (c * dx + s * dy, -s * dx + c * dy);
                    let g = a * (-0.5 * ((u1 / sx).powi(2) + (u2 / sy).powi(2))).exp();
                    for (k, w) in colour.iter().enumerate() {
                        img[[i as usize, j as usize, k]] += (g * w) as f32;
                    }
                }
            }
        }
    }
    for v in img.iter_mut() {
        *v += (0.004 * rng.normal()) as f32;
    }
    (img, young)
}

/// The display stretch of astronomers: `asinh`, scaled to `[0, 1]`.
fn stretch(img: ArrayView3<'_, f32>) -> Array3<f64> {
    let mut v: Vec<f32> = img.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f32::total_cmp);
    let q = |p: f64| {
        v.get(((v.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0.0) as f64
    };
    let (lo, hi) = (q(0.01), q(0.9995));
    let soft = ((hi - lo) / 30.0).max(f64::MIN_POSITIVE);
    let top = ((hi - lo) / soft).asinh();
    let img3 = if img.shape()[2] == 3 {
        img.to_owned()
    } else {
        // Grey or other channel counts: show the mean as grey.
        let m = img.mean_axis(Axis(2)).expect("channels");
        Array3::from_shape_fn((img.shape()[0], img.shape()[1], 3), |(i, j, _)| m[[i, j]])
    };
    img3.mapv(|x| (((x as f64 - lo) / soft).max(0.0).asinh() / top).clamp(0.0, 1.0))
}

/// scipy's `_gaussian_kernel1d(sigma, order, radius)` for order 0 and 1.
fn gaussian_kernel(sigma: f64, order: u32, radius: usize) -> Vec<f32> {
    let xs: Vec<f64> = (-(radius as isize)..=radius as isize)
        .map(|x| x as f64)
        .collect();
    let phi: Vec<f64> = xs
        .iter()
        .map(|x| (-0.5 * x * x / (sigma * sigma)).exp())
        .collect();
    let sum: f64 = phi.iter().sum();
    xs.iter()
        .zip(&phi)
        .map(|(x, p)| {
            let p = p / sum;
            (if order == 0 {
                p
            } else {
                -x / (sigma * sigma) * p
            }) as f32
        })
        .collect()
}

/// Convolution along `axis` with a centred kernel, as `scipy.ndimage.correlate1d` with the
/// reversed kernel (what `gaussian_filter1d` does); samples whose window leaves the block are 0
/// (they are trimmed away: the depth is the kernel's radius).
fn convolve(b: &ArrayViewD<'_, f32>, axis: usize, w: &[f32]) -> ArrayD<f32> {
    let r = w.len() / 2;
    let mut out = ArrayD::<f32>::zeros(b.raw_dim());
    Zip::from(out.lanes_mut(Axis(axis)))
        .and(b.lanes(Axis(axis)))
        .for_each(|mut o, i| {
            let n = i.len();
            for j in r..n.saturating_sub(r) {
                let mut acc = 0.0f32;
                for (k, wk) in w.iter().enumerate() {
                    acc += wk * i[j + r - k];
                }
                o[j] = acc;
            }
        });
    out
}

/// `I[x+1] - I[x]` along `axis` (the last sample, whose neighbour is outside the block, is 0).
fn forward_difference(b: &ArrayViewD<'_, f32>, axis: usize) -> ArrayD<f32> {
    let mut out = ArrayD::<f32>::zeros(b.raw_dim());
    Zip::from(out.lanes_mut(Axis(axis)))
        .and(b.lanes(Axis(axis)))
        .for_each(|mut o, i| {
            for j in 0..i.len().saturating_sub(1) {
                o[j] = i[j + 1] - i[j];
            }
        });
    out
}

/// Eigenvalues `(l0, l1)`, ascending, of the symmetric matrix `[[a, b], [b, c]]`.
fn eig2(a: f32, b: f32, c: f32) -> (f32, f32) {
    let (m, d) = (0.5 * (a + c), 0.5 * (a - c));
    let r = d.hypot(b);
    (m - r, m + r)
}

fn mean_channels(a: &ArrayD<f32>) -> Array2<f32> {
    a.mean_axis(Axis(2))
        .expect("channels")
        .into_dimensionality()
        .expect("2-D")
}

fn main() -> rylops::Result<()> {
    let args = args();
    let t0 = Instant::now();
    let (img, young) = match &args.input {
        Some(p) => {
            let a = if p.extension().is_some_and(|e| e == "png") {
                read_png(p)?.into_dyn()
            } else {
                read_npy_as::<f32>(p)?
            };
            let a = match a.ndim() {
                2 => a.insert_axis(Axis(2)),
                3 => a,
                n => panic!(
                    "{}: expected a 2-D or 3-D image, got {n} dimensions",
                    p.display()
                ),
            };
            println!("image {} of shape {:?}", p.display(), a.shape());
            (a.into_dimensionality::<Ix3>().expect("3-D"), Vec::new())
        }
        None => {
            let (img, young) = deep_field(1024, 1536, 2004);
            println!(
                "synthetic deep field 1024x1536x3 (seed 2004): ~3850 galaxies and stars, {} young \
                 (red, round, small) ones, made in {:.2?}",
                young.len(),
                t0.elapsed()
            );
            (img, young)
        }
    };
    let (rows, cols, nch) = img.dim();
    let x = ChunkedArray::from_array_chunks(img.view().into_dyn(), &[BLOCK, BLOCK, nch])?;
    println!(
        "chunked in {:?} blocks of {BLOCK}x{BLOCK}x{nch}",
        &x.grid().block_counts()[..2]
    );
    let reflect = Boundaries::uniform(Boundary::Reflect);

    // 1. Gradients: finite differences (depth 1) and Gaussian derivatives (depth 10), with depth
    // only along the differentiated axis.
    let t = Instant::now();
    let fd = |axis: usize| {
        let mut d = [0; 3];
        d[axis] = 1;
        map_overlap(&[&x], &Depth::per_axis(&d), &reflect, true, move |b, _| {
            forward_difference(&b[0], axis)
        })
    };
    let (dx_fd, dy_fd) = (fd(1)?, fd(0)?);
    let gd_kernel = gaussian_kernel(1.5, 1, 10);
    let gd = |src: &ChunkedArray<f32>, axis: usize| {
        let mut d = [0; 3];
        d[axis] = 10;
        let w = gd_kernel.clone();
        map_overlap(&[src], &Depth::per_axis(&d), &reflect, true, move |b, _| {
            convolve(&b[0], axis, &w)
        })
    };
    let (ix, iy) = (gd(&x, 1)?, gd(&x, 0)?);
    println!(
        "gradients (finite differences and Gaussian derivatives) in {:.2?}",
        t.elapsed()
    );
    // The same on the whole image as one block: identical bits.
    let whole = ChunkedArray::from_array(img.clone().into_dyn());
    assert_eq!(gd(&whole, 1)?.to_array(), ix.to_array());
    println!("Gaussian derivative in blocks == on the whole image, bit for bit");

    // 2-3. Outer products, smoothed with a Gaussian (sigma 2, radius 10) along both image axes.
    let t = Instant::now();
    let g0 = gaussian_kernel(2.0, 0, 10);
    let product_smoothed = |a: &ChunkedArray<f32>, b: &ChunkedArray<f32>| {
        let p = map_overlap(&[a, b], &Depth::zero(), &reflect, true, |v, _| {
            &v[0] * &v[1]
        })?;
        let w = g0.clone();
        map_overlap(
            &[&p],
            &Depth::per_axis(&[10, 10, 0]),
            &reflect,
            true,
            move |v, _| convolve(&convolve(&v[0], 1, &w).view(), 0, &w),
        )
    };
    let sxx = product_smoothed(&ix, &ix)?;
    let sxy = product_smoothed(&ix, &iy)?;
    let syy = product_smoothed(&iy, &iy)?;
    println!("smoothed structure tensor in {:.2?}", t.elapsed());

    // 4-5. Per-pixel eigenvalues, energy and anisotropy.
    let t = Instant::now();
    let eig = |k: usize| {
        map_overlap(
            &[&sxx, &sxy, &syy],
            &Depth::zero(),
            &reflect,
            true,
            move |v, _| {
                let mut out = ArrayD::<f32>::zeros(v[0].raw_dim());
                Zip::from(&mut out)
                    .and(&v[0])
                    .and(&v[1])
                    .and(&v[2])
                    .for_each(|o, &a, &b, &c| {
                        let (l0, l1) = eig2(a, b, c);
                        *o = if k == 0 { l0 } else { l1 };
                    });
                out
            },
        )
    };
    let (l0, l1) = (eig(0)?, eig(1)?);
    let energy = map_overlap(&[&l0, &l1], &Depth::zero(), &reflect, true, |v, _| {
        &v[0] + &v[1]
    })?;
    let aniso = map_overlap(&[&l0, &l1], &Depth::zero(), &reflect, true, |v, _| {
        (&v[1] - &v[0]) / (&v[0] + &v[1])
    })?;
    let min_l0 = l0
        .blocks()
        .iter()
        .flatten()
        .fold(f32::INFINITY, |m, &v| m.min(v));
    let max_l1 = l1.blocks().iter().flatten().fold(0.0f32, |m, &v| m.max(v));
    println!(
        "eigenvalues in {:.2?}: l0 >= {min_l0:.2e} (positive semi-definite up to rounding), \
         l1 <= {max_l1:.2e}",
        t.elapsed()
    );

    // 6. The feature, block by block (2-D blocks: the channel axis is reduced).
    let grid2 = ChunkGrid::new(
        &[rows, cols],
        vec![x.grid().chunks(0).to_vec(), x.grid().chunks(1).to_vec()],
    )?;
    let red = 0;
    let feat_blocks: Vec<ArrayD<f32>> = energy
        .blocks()
        .par_iter()
        .zip(aniso.blocks().par_iter())
        .map(|(e, a)| {
            let f1 = a.mean_axis(Axis(2)).expect("channels").mapv(|v| 1.0 - v);
            let f2 = if nch >= 3 {
                let er = e.index_axis(Axis(2), red);
                let tot = e.sum_axis(Axis(2));
                &er * &er / tot
            } else {
                e.mean_axis(Axis(2)).expect("channels")
            };
            f1 * f2
        })
        .collect();
    let features = ChunkedArray::from_blocks(grid2.clone(), feat_blocks)?;
    let fmax = features
        .blocks()
        .iter()
        .flatten()
        .filter(|v| v.is_finite())
        .fold(0.0f32, |m, &v| m.max(v)) as f64;
    let threshold = args.threshold.unwrap_or(0.3 * fmax);
    let selected: Vec<Vec<usize>> = (0..grid2.nblocks())
        .map(|k| grid2.block_id(k))
        .filter(|id| {
            features
                .block(id)
                .expect("block")
                .iter()
                .any(|&v| v as f64 > threshold)
        })
        .collect();
    println!(
        "feature = (1 - anisotropy) * energy_red^2 / energy: max {fmax:.3e}, threshold {threshold:.3e}: \
         {} of {} blocks selected: {:?}",
        selected.len(),
        grid2.nblocks(),
        selected
    );
    if !young.is_empty() {
        let block_of = |(y, x): (f64, f64)| vec![y as usize / BLOCK, x as usize / BLOCK];
        let found = young
            .iter()
            .filter(|&&c| selected.contains(&block_of(c)))
            .count();
        let with_young = selected
            .iter()
            .filter(|id| young.iter().any(|&c| &block_of(c) == *id))
            .count();
        println!(
            "young galaxies planted: {}; in selected blocks: {found}; selected blocks holding one: \
             {with_young} of {}",
            young.len(),
            selected.len()
        );
    }

    // Pictures.
    let out = &args.out;
    let disp = stretch(img.view());
    let mut outlined = disp.clone();
    for id in &selected {
        let (r0, c0) = (id[0] * BLOCK, id[1] * BLOCK);
        let (r1, c1) = ((r0 + BLOCK).min(rows), (c0 + BLOCK).min(cols));
        for i in r0..r1 {
            for j in c0..c1 {
                if i < r0 + 3 || i + 3 >= r1 || j < c0 + 3 || j + 3 >= c1 {
                    outlined[[i, j, 0]] = 0.1;
                    outlined[[i, j, 1]] = 1.0;
                    outlined[[i, j, 2]] = 0.2;
                }
            }
        }
    }
    let fview = features.to_array();
    let fview = fview
        .view()
        .into_dimensionality::<ndarray::Ix2>()
        .expect("2-D");
    // `--small`: a smaller field picture (for the committed gallery copy).
    let ph = if args.small { 300 } else { 470 };
    let pw = (ph as f64 * cols as f64 / rows as f64) as u32 + 60;
    Figure::new("Deep field and the feature (1 - anisotropy) x red energy")
        .columns(2)
        .panel_size(pw, ph)
        .with(ImagePanel::rgb(
            "image, selected blocks in green",
            outlined.view(),
        )?)
        .with(
            ImagePanel::new("feature (largest value under each pixel)", fview)
                .colormap(Colormap::PinkR)
                .max_pool(true)
                .range(0.0, fmax.max(f64::MIN_POSITIVE)),
        )
        .save(out.join("structure_tensor_field.png"))?;

    // One block: the most featureful.
    let best = (0..grid2.nblocks())
        .max_by(|&a, &b| {
            let m = |k: usize| {
                features.blocks()[k]
                    .iter()
                    .filter(|v| v.is_finite())
                    .fold(0.0f32, |m, &v| m.max(v))
            };
            m(a).total_cmp(&m(b))
        })
        .map(|k| grid2.block_id(k))
        .expect("at least one block");
    let bview = |a: &Array3<f64>| {
        let (r0, c0) = (best[0] * BLOCK, best[1] * BLOCK);
        a.slice(s![
            r0..(r0 + BLOCK).min(rows),
            c0..(c0 + BLOCK).min(cols),
            ..
        ])
        .to_owned()
    };
    let block_rgb = bview(&disp);
    let chan_mean =
        |c: &ChunkedArray<f32>| mean_channels(c.block(&[best[0], best[1], 0]).expect("block"));
    let sym = |t: &str, a: Array2<f32>| {
        ImagePanel::new(t, a.view())
            .colormap(Colormap::Seismic)
            .symmetric()
    };
    let pink = |t: &str, a: Array2<f32>| ImagePanel::new(t, a.view()).colormap(Colormap::PinkR);
    let title = format!("block {best:?}");
    Figure::new(format!("Gradients of {title} (mean over channels)"))
        .columns(3)
        .panel_size(330, 290)
        .with(ImagePanel::rgb("original", block_rgb.view())?)
        .with(sym("finite differences, x", chan_mean(&dx_fd)))
        .with(sym("finite differences, y", chan_mean(&dy_fd)))
        .with(ImagePanel::rgb("original", block_rgb.view())?)
        .with(sym("Gaussian derivative, x", chan_mean(&ix)))
        .with(sym("Gaussian derivative, y", chan_mean(&iy)))
        .save(out.join("structure_tensor_gradients.png"))?;
    Figure::new(format!("Structure tensor of {title} (mean over channels)"))
        .columns(4)
        .panel_size(300, 270)
        .with(ImagePanel::rgb("original", block_rgb.view())?)
        .with(pink("IxIx smoothed", chan_mean(&sxx)))
        .with(sym("IxIy smoothed", chan_mean(&sxy)))
        .with(pink("IyIy smoothed", chan_mean(&syy)))
        .with(pink("l0 (gradient variation)", chan_mean(&l0)))
        .with(pink("l1 (gradient strength)", chan_mean(&l1)))
        .with(pink("energy", chan_mean(&energy)))
        .with(pink("anisotropy", chan_mean(&aniso)).range(0.0, 1.0))
        .save(out.join("structure_tensor_tensor.png"))?;

    if !selected.is_empty() {
        let shown: Vec<&Vec<usize>> = selected.iter().take(4).collect();
        let mut f = Figure::new("Selected blocks: image and feature")
            .columns(shown.len())
            .panel_size(280, 260);
        for id in &shown {
            let (r0, c0) = (id[0] * BLOCK, id[1] * BLOCK);
            let b = disp
                .slice(s![
                    r0..(r0 + BLOCK).min(rows),
                    c0..(c0 + BLOCK).min(cols),
                    ..
                ])
                .to_owned();
            f.push(ImagePanel::rgb(format!("block {id:?}"), b.view())?);
        }
        for id in &shown {
            let fb = features.block(id)?;
            f.push(
                ImagePanel::from_dyn(format!("feature {id:?}"), fb.view())?
                    .colormap(Colormap::PinkR)
                    .range(0.0, fmax.max(f64::MIN_POSITIVE)),
            );
        }
        f.save(out.join("structure_tensor_blocks.png"))?;
    }
    println!(
        "pictures: structure_tensor_{{field,gradients,tensor,blocks}}.png in {} ({:.2?} in all)",
        out.display(),
        t0.elapsed()
    );
    Ok(())
}
