//! Property tests of the halo exchange (contents and dot test of gather/scatter) and of the
//! `Vector` operations of `ChunkedArray` (chunking never changes a result).

use ndarray::{ArrayD, Axis, Slice};
use num_complex::Complex64;
use proptest::prelude::*;
use rylops_core::halo::{gather_halos, scatter_add_halos};
use rylops_core::{ChunkGrid, ChunkedArray, RealScalar, Rng, Scalar, Vector};

fn chunks_from_cuts(n: usize, cuts: &[usize]) -> Vec<usize> {
    let mut c: Vec<usize> = cuts.iter().copied().filter(|&v| v < n).collect();
    c.sort_unstable();
    c.dedup();
    let mut out = Vec::new();
    let mut prev = 0;
    for v in c.into_iter().chain(std::iter::once(n)) {
        out.push(v - prev);
        prev = v;
    }
    out
}

/// A random shape (`dims` dimensions, lengths 1–12) with a random irregular grid.
fn grid_strategy(dims: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = ChunkGrid> {
    prop::collection::vec(1usize..=12, dims).prop_flat_map(|shape| {
        let cuts: Vec<_> = shape
            .iter()
            .map(|_| prop::collection::vec(1usize..12, 0..=4))
            .collect();
        (Just(shape), cuts).prop_map(|(shape, cuts)| {
            let chunks = shape
                .iter()
                .zip(&cuts)
                .map(|(&n, c)| chunks_from_cuts(n, c))
                .collect();
            ChunkGrid::new(&shape, chunks).unwrap()
        })
    })
}

fn dot_arrays(a: &ArrayD<f64>, b: &ArrayD<f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| x * y).sum()
}

fn sum_sq(a: &ArrayD<f64>) -> f64 {
    a.iter().map(|v| v * v).sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// gather_halos copies the right global rows (truncated at the global ends), and
    /// scatter_add_halos is its adjoint: <gather(x), v> = <x, scatter(v)>.
    #[test]
    fn gather_scatter_contents_and_dot_test(
        grid in grid_strategy(1..=3),
        axis_pick in 0usize..3,
        before in 0usize..=4,
        after in 0usize..=4,
        edge_extra in 0usize..=2,
        seed in any::<u64>(),
    ) {
        let axis = axis_pick % grid.ndim();
        let x = ChunkedArray::<f64>::random(grid.clone(), seed);
        // A depth that varies per block: edge blocks reach further, like one-sided stencils.
        let depth = move |start: usize, end: usize, n: usize| {
            let b = if start == 0 { before + edge_extra } else { before };
            let a = if end == n { after + edge_extra } else { after };
            (b, a)
        };
        let h = gather_halos(&x, axis, depth).unwrap();
        let full = x.to_array();
        let n = grid.shape()[axis];
        let o = grid.offsets(axis);
        for k in 0..grid.nblocks() {
            let id = grid.block_id(k);
            let (start, end) = (o[id[axis]], o[id[axis] + 1]);
            let (db, da) = depth(start, end, n);
            let (blo, ahi) = (start - db.min(start), (end + da).min(n));
            let mut region = full.view();
            for ax in 0..grid.ndim() {
                if ax != axis {
                    let off = grid.block_offset(&id)[ax];
                    let len = grid.block_shape(&id)[ax];
                    region.slice_axis_inplace(Axis(ax), Slice::from(off..off + len));
                }
            }
            let want_before = region.slice_axis(Axis(axis), Slice::from(blo..start));
            let want_after = region.slice_axis(Axis(axis), Slice::from(end..ahi));
            prop_assert_eq!(&h.blocks[k].before, &want_before.to_owned());
            prop_assert_eq!(&h.blocks[k].after, &want_after.to_owned());
        }
        // Dot test with random slabs.
        let mut v = h.clone();
        let mut rng = Rng::new(seed.wrapping_add(1));
        let (mut lhs, mut nh, mut nv) = (0.0, 0.0, 0.0);
        for (hv, hx) in v.blocks.iter_mut().zip(&h.blocks) {
            for (s, t) in [(&mut hv.before, &hx.before), (&mut hv.after, &hx.after)] {
                s.iter_mut().for_each(|e| *e = rng.normal());
                lhs += dot_arrays(s, t);
                nh += sum_sq(t);
                nv += sum_sq(s);
            }
        }
        let mut back = ChunkedArray::zeros(grid.clone());
        scatter_add_halos(&v, &mut back).unwrap();
        let rhs = x.dot(&back);
        // Relative to the Cauchy-Schwarz scale ||gather(x)|| ||v|| (robust to cancellation).
        let scale = (nh * nv).sqrt().max(f64::MIN_POSITIVE);
        prop_assert!((lhs - rhs).abs() <= 1e-12 * scale, "lhs {} rhs {} scale {}", lhs, rhs, scale);
    }
}

/// Chunked vector operations equal the single-chunk ones: reductions within `T::Real::DOT_TEST_RTOL`
/// (1e-12 for f64 and complex128, relative), element-wise operations exactly.
fn check_vector_ops<T: Scalar>(
    grid: &ChunkGrid,
    seed: u64,
    a: T,
    b: T,
) -> Result<(), TestCaseError> {
    let f = |r: T::Real| r.to_f64_lossless();
    let tol = f(T::Real::DOT_TEST_RTOL);
    let single = ChunkGrid::single(grid.shape());
    let x = ChunkedArray::<T>::random(grid.clone(), seed);
    let y = ChunkedArray::<T>::random(grid.clone(), seed ^ 0xABCD);
    let xs = ChunkedArray::<T>::random(single.clone(), seed);
    let ys = ChunkedArray::<T>::random(single, seed ^ 0xABCD);
    prop_assert_eq!(x.to_array(), xs.to_array());

    let (nx, ny, nxs) = (f(x.norm()), f(y.norm()), f(xs.norm()));
    prop_assert!((nx - nxs).abs() <= tol * nxs, "norm {} vs {}", nx, nxs);
    let (d, ds) = (x.dot(&y), xs.dot(&ys));
    // Relative to the Cauchy-Schwarz scale ||x|| ||y|| (a dot product may cancel).
    prop_assert!(
        f((d - ds).modulus()) <= tol * nx * ny,
        "dot {:?} vs {:?}",
        d,
        ds
    );
    let (dxx, dxxs) = (f(x.dot(&x).re()), f(xs.dot(&xs).re()));
    prop_assert!(
        (dxx - dxxs).abs() <= tol * dxxs,
        "dot(x, x) {} vs {}",
        dxx,
        dxxs
    );

    let (mut u, mut us) = (x.clone(), xs.clone());
    u.axpy(a, &y);
    us.axpy(a, &ys);
    prop_assert_eq!(u.to_array(), us.to_array());
    u.lincomb(a, &x, b, &y);
    us.lincomb(a, &xs, b, &ys);
    prop_assert_eq!(u.to_array(), us.to_array());
    u.scale(b);
    us.scale(b);
    prop_assert_eq!(u.to_array(), us.to_array());
    u.xpby(&y, a);
    us.xpby(&ys, a);
    prop_assert_eq!(u.to_array(), us.to_array());
    u.sub_assign(&x);
    us.sub_assign(&xs);
    u.add_assign(&y);
    us.add_assign(&ys);
    prop_assert_eq!(u.to_array(), us.to_array());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn vector_ops_do_not_depend_on_chunking(
        grid in grid_strategy(1..=4),
        seed in any::<u64>(),
        a in -3.0f64..3.0,
        b in -3.0f64..3.0,
    ) {
        check_vector_ops(&grid, seed, a, b)?;
        check_vector_ops(&grid, seed, Complex64::new(a, b), Complex64::new(b, -a))?;
        check_vector_ops(&grid, seed, a as f32, b as f32)?;
    }
}

#[test]
fn shapes_are_built_from_cuts() {
    assert_eq!(chunks_from_cuts(5, &[3, 1, 3, 9]), vec![1, 2, 2]);
    assert_eq!(chunks_from_cuts(1, &[1, 4]), vec![1]);
}
