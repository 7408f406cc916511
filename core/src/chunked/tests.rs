//! Unit tests of [`ChunkedArray`](super::ChunkedArray).

use super::*;
use num_complex::Complex64;

fn ramp(shape: &[usize]) -> ArrayD<f64> {
    let mut k = 0.0;
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        k += 1.0;
        k
    })
}

#[test]
fn round_trip_and_rechunk() {
    let a = ramp(&[5, 7, 3]);
    let c = ChunkedArray::from_array_chunks(a.view(), &[2, 3, 2]).unwrap();
    assert_eq!(c.grid().nblocks(), 3 * 3 * 2);
    assert_eq!(c.to_array(), a);
    let r = c
        .rechunk(ChunkGrid::new(&[5, 7, 3], vec![vec![1, 4], vec![7], vec![1, 1, 1]]).unwrap())
        .unwrap();
    assert_eq!(r.to_array(), a);
    assert_eq!(r.block(&[1, 0, 2]).unwrap().shape(), &[4, 7, 1]);
    assert!(r.block(&[2, 0, 0]).is_err());
}

#[test]
fn single_chunk_takes_ownership() {
    let a = ramp(&[3, 4]);
    let ptr = a.as_ptr();
    let c = ChunkedArray::from_array(a);
    assert_eq!(c.blocks()[0].as_ptr(), ptr);
    assert_eq!(c.into_array().as_ptr(), ptr);
}

#[test]
fn fill_random_does_not_depend_on_chunking() {
    let g1 = ChunkGrid::single(&[6, 5]);
    let g2 = ChunkGrid::uniform(&[6, 5], &[4, 2]).unwrap();
    let a = ChunkedArray::<Complex64>::random(g1, 9);
    let b = ChunkedArray::<Complex64>::random(g2, 9);
    assert_eq!(a.to_array(), b.to_array());
}

fn fused_equal_separate<T: Scalar>() {
    let grid = ChunkGrid::new(
        &[3 * REDUCE_PIECE + 11, 3],
        vec![vec![5, 2 * REDUCE_PIECE, REDUCE_PIECE + 6], vec![1, 2]],
    )
    .unwrap();
    let p0 = ChunkedArray::<T>::random(grid.clone(), 1);
    let x = ChunkedArray::<T>::random(grid.clone(), 2);
    let y0 = ChunkedArray::<T>::random(grid, 3);
    let (a, b) = (T::from_f64(0.37), T::from_f64(-1.3));

    let (mut s1, mut s2) = (p0.clone(), p0.clone());
    s1.axpy(a, &x);
    let n1 = s1.norm_sqr();
    assert_eq!((s2.axpy_norm_sqr(a, &x), &s2), (n1, &s1));

    let (mut s1, mut s2) = (p0.clone(), p0.clone());
    s1.xpby(&x, b);
    let n1 = s1.norm_sqr();
    assert_eq!((s2.xpby_norm_sqr(&x, b), &s2), (n1, &s1));

    let (mut p1, mut y1, mut p2, mut y2) = (p0.clone(), y0.clone(), p0, y0);
    y1.axpy(a, &p1);
    p1.xpby(&x, b);
    let n1 = p1.norm_sqr();
    assert_eq!(p2.step_direction(a, &mut y2, &x, b), n1);
    assert_eq!((&p2, &y2), (&p1, &y1));
}

/// The one-pass `fill_*` methods and the new fused updates against a write then the separate
/// reduction, bit for bit, on layouts with several pieces per block, uneven blocks, 1-wide
/// blocks and no elements.
fn fill_equal_separate<T: Scalar>() {
    use crate::scalar::RealScalar;
    let grids = [
        ChunkGrid::new(
            &[3 * REDUCE_PIECE + 11, 3],
            vec![vec![5, 2 * REDUCE_PIECE, REDUCE_PIECE + 6], vec![1, 2]],
        )
        .unwrap(),
        ChunkGrid::single(&[2 * REDUCE_PIECE + 7]),
        ChunkGrid::uniform(&[7, 3], &[1, 1]).unwrap(),
        ChunkGrid::new(&[0, 4], vec![vec![0], vec![1, 3]]).unwrap(),
        ChunkGrid::single(&[0]),
    ];
    let bits = |r: T::Real| r.to_f64_lossless().to_bits();
    for grid in grids {
        let x = ChunkedArray::<T>::random(grid.clone(), 2);
        let y0 = ChunkedArray::<T>::random(grid.clone(), 3);
        let w = ChunkedArray::<T>::random(grid.clone(), 4);
        let (a, b) = (T::from_f64(0.37), T::from_f64(-1.3));
        // The fill computes y = a x + y_old: it reads the values it overwrites.
        let fill = |k: usize, s: usize, p: &mut [T]| {
            for (o, &i) in p.iter_mut().zip(&x.block_slice(k)[s..]) {
                *o = a * i + *o;
            }
        };
        let mut want = y0.clone();
        want.zip_apply(&x, |o, i| *o = a * i + *o);

        let mut y = y0.clone();
        assert_eq!(bits(y.fill_norm_sqr(fill)), bits(want.norm_sqr()));
        assert_eq!(y, want);

        let mut y = y0.clone();
        let d = y.fill_dot(&w, fill);
        let e = w.dot(&want);
        assert_eq!((bits(d.re()), bits(d.im())), (bits(e.re()), bits(e.im())));
        assert_eq!(y, want);

        // tmp = a x + tmp_old, then y = tmp + b y.
        let (mut y, mut tmp) = (y0.clone(), w.clone());
        let n = y.fill_xpby_norm_sqr(&mut tmp, b, fill);
        let (mut t2, mut y2) = (w.clone(), y0.clone());
        t2.zip_apply(&x, |o, i| *o = a * i + *o);
        assert_eq!(bits(n), bits(y2.xpby_norm_sqr(&t2, b)));
        assert_eq!((&y, &tmp), (&y2, &t2));

        for (op, name) in ["add", "sub", "scale"].into_iter().enumerate() {
            let (mut s1, mut s2) = (y0.clone(), y0.clone());
            let n2 = match op {
                0 => s2.add_assign_norm_sqr(&x),
                1 => s2.sub_assign_norm_sqr(&x),
                _ => s2.scale_norm_sqr(b),
            };
            match op {
                0 => s1.add_assign(&x),
                1 => s1.sub_assign(&x),
                _ => s1.scale(b),
            }
            assert_eq!(bits(n2), bits(s1.norm_sqr()), "{name}");
            assert_eq!(s2, s1, "{name}");
        }
    }
}

#[test]
fn one_pass_fills_equal_a_write_then_the_reduction() {
    fill_equal_separate::<f64>();
    fill_equal_separate::<Complex64>();
    fill_equal_separate::<f32>();
}

#[test]
fn fused_vector_ops_equal_separate_ops_bit_for_bit() {
    fused_equal_separate::<f32>();
    fused_equal_separate::<f64>();
    fused_equal_separate::<num_complex::Complex32>();
    fused_equal_separate::<Complex64>();
}

#[test]
fn reductions_do_not_depend_on_the_thread_count() {
    let c = ChunkedArray::<f64>::random(
        ChunkGrid::uniform(&[5 * REDUCE_PIECE + 3], &[2 * REDUCE_PIECE]).unwrap(),
        4,
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (n1, d1) = pool.install(|| (c.norm_sqr(), c.dot(&c)));
    assert_eq!((n1, d1), (c.norm_sqr(), c.dot(&c)));
    let exact: f64 = c.to_array().iter().map(|v| v * v).sum();
    assert!((n1 - exact).abs() <= 1e-12 * exact);
}

#[test]
fn blocks_cannot_lose_their_layout_through_mutable_access() {
    let a = ramp(&[4, 3]);
    let mut c = ChunkedArray::from_array_chunks(a.view(), &[2, 3]).unwrap();
    // Writing through a view: values change, layout stays C order.
    let t = ArrayD::from_shape_fn(IxDyn(&[3, 2]), |i| (i[0] * 2 + i[1]) as f64);
    c.block_mut(&[1, 0]).unwrap().assign(&t.t());
    c.blocks_mut()[0].fill(-1.0);
    assert!(c.blocks().iter().all(|b| b.is_standard_layout()));
    assert_eq!(c.block(&[1, 0]).unwrap(), &t.t());
    // Non-C-order blocks given to a constructor are copied into C order.
    let (g, mut blocks) = c.clone().into_parts();
    blocks[1] = t.t().to_owned();
    assert!(!blocks[1].is_standard_layout());
    let d = ChunkedArray::from_blocks(g, blocks).unwrap();
    assert!(d.blocks().iter().all(|b| b.is_standard_layout()));
    assert_eq!(d, c);
    assert_eq!(
        d.norm_sqr(),
        c.to_array().iter().map(|v| v * v).sum::<f64>()
    );
    assert!(c.block_mut(&[2, 0]).is_err());
}

#[test]
fn impossible_allocations_are_errors() {
    let g = ChunkGrid::single(&[1 << 61]);
    assert!(ChunkedArray::<f64>::try_zeros(g.clone()).is_err());
    assert!(std::panic::catch_unwind(|| ChunkedArray::<f64>::zeros(g)).is_err());
    let ok = ChunkedArray::<f32>::try_zeros(ChunkGrid::uniform(&[5, 0], &[2, 1]).unwrap());
    assert_eq!(ok.unwrap().shape(), &[5, 0]);
}

#[test]
fn vector_ops() {
    let a = ramp(&[40000]);
    let c = ChunkedArray::from_array_chunks(a.view(), &[7000]).unwrap();
    let mut d = c.clone();
    d.axpy(2.0, &c);
    assert_eq!(d.to_array(), &a * 3.0);
    d.xpby(&c, 0.5);
    assert_eq!(d.to_array(), &a * 2.5);
    d.scale(2.0);
    assert_eq!(d.to_array(), &a * 5.0);
    let mut e = c.zeros_like();
    e.lincomb(1.0, &c, -1.0, &c);
    assert_eq!(e.norm(), 0.0);
    let exact: f64 = a.iter().map(|v| v * v).sum();
    assert!((c.dot(&c) - exact).abs() <= 1e-12 * exact);
    assert!(c.all_finite());
}
