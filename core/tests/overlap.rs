//! Integration tests of `rylops_core::overlap`: dask's documented examples, trimming, corner
//! semantics, errors, and property tests against an independent reference (numpy-style padding of
//! the whole array, one axis after the other).

use ndarray::{arr1, arr2, s, ArrayD, Axis, Dimension, IxDyn};
use proptest::prelude::*;
use rylops_core::overlap::{
    extended_block, map_overlap, overlap, overlap_grid, trim_internal, trim_overlap, Boundaries,
    Boundary, Depth, MapOverlap,
};
use rylops_core::{ChunkGrid, ChunkedArray, Error};

fn arange(shape: &[usize]) -> ArrayD<f64> {
    let mut k = -1.0;
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        k += 1.0;
        k
    })
}

fn chunked(a: &ArrayD<f64>, chunks: &[usize]) -> ChunkedArray<f64> {
    ChunkedArray::from_array_chunks(a.view(), chunks).unwrap()
}

// ---------------------------------------------------------------------------------------------
// dask's documented examples
// ---------------------------------------------------------------------------------------------

#[test]
fn dask_doc_overlap_example() {
    let x = chunked(&arange(&[8, 8]), &[4, 4]);
    assert_eq!(x.grid().all_chunks(), &[vec![4, 4], vec![4, 4]]);
    let depth = Depth::per_axis(&[2, 1]);
    let bnd = Boundaries::per_axis(vec![Boundary::Constant(100.0), Boundary::Reflect]);
    let g = overlap(&x, &depth, &bnd, true).unwrap();
    assert_eq!(g.grid().all_chunks(), &[vec![8, 8], vec![6, 6]]);
    let expected: [[i32; 12]; 16] = [
        [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100],
        [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100],
        [0, 0, 1, 2, 3, 4, 3, 4, 5, 6, 7, 7],
        [8, 8, 9, 10, 11, 12, 11, 12, 13, 14, 15, 15],
        [16, 16, 17, 18, 19, 20, 19, 20, 21, 22, 23, 23],
        [24, 24, 25, 26, 27, 28, 27, 28, 29, 30, 31, 31],
        [32, 32, 33, 34, 35, 36, 35, 36, 37, 38, 39, 39],
        [40, 40, 41, 42, 43, 44, 43, 44, 45, 46, 47, 47],
        [16, 16, 17, 18, 19, 20, 19, 20, 21, 22, 23, 23],
        [24, 24, 25, 26, 27, 28, 27, 28, 29, 30, 31, 31],
        [32, 32, 33, 34, 35, 36, 35, 36, 37, 38, 39, 39],
        [40, 40, 41, 42, 43, 44, 43, 44, 45, 46, 47, 47],
        [48, 48, 49, 50, 51, 52, 51, 52, 53, 54, 55, 55],
        [56, 56, 57, 58, 59, 60, 59, 60, 61, 62, 63, 63],
        [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100],
        [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100],
    ];
    let expected = ArrayD::from_shape_fn(IxDyn(&[16, 12]), |ix| expected[ix[0]][ix[1]] as f64);
    assert_eq!(g.to_array(), expected);
    // Extending again from the documented chunks gives the same result as overlap_grid.
    assert_eq!(&overlap_grid(x.grid(), &depth, &bnd).unwrap(), g.grid());
    assert_eq!(trim_internal(&g, &depth, &bnd).unwrap(), x);
}

fn derivative(b: &[ndarray::ArrayViewD<'_, f64>], _id: &[usize]) -> ArrayD<f64> {
    // x - np.roll(x, 1)
    let x = &b[0];
    let n = x.len();
    ArrayD::from_shape_fn(x.raw_dim(), |i| x[[i[0]]] - x[[(i[0] + n - 1) % n]])
}

#[test]
fn dask_map_overlap_derivative() {
    let a = arr1(&[1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 2.0, 1.0, 1.0]).into_dyn();
    let x = chunked(&a, &[5]);
    let y = map_overlap(
        &[&x],
        &Depth::uniform(1),
        &Boundary::Constant(0.0).into(),
        true,
        derivative,
    )
    .unwrap();
    assert_eq!(y.grid(), x.grid());
    assert_eq!(
        y.to_array(),
        arr1(&[1.0, 0.0, 1.0, 1.0, 0.0, 0.0, -1.0, -1.0, 0.0]).into_dyn()
    );
}

#[test]
fn dask_map_overlap_x_plus_size() {
    let a = arange(&[4, 4]);
    let d = chunked(&a, &[2, 2]);
    let func = |b: &[ndarray::ArrayViewD<'_, f64>], _: &[usize]| &b[0] + b[0].len() as f64;
    let run = |bnd: Boundaries<f64>| {
        map_overlap(&[&d], &Depth::uniform(1), &bnd, true, func)
            .unwrap()
            .to_array()
    };
    // Default boundary (reflect): every block is extended to 4x4.
    assert_eq!(run(Boundaries::default()), &a + 16.0);
    // 'none': every 2x2 block touches the global edge on one side per axis: 3x3.
    assert_eq!(run(Boundary::None.into()), &a + 9.0);
    // depth {0: 1, 1: 1}, boundary {0: 'reflect', 1: 'none'}: 4x3 (dask's output 12..27).
    let mixed = run(Boundaries::per_axis(vec![
        Boundary::Reflect,
        Boundary::None,
    ]));
    assert_eq!(mixed, &a + 12.0);
    assert_eq!(mixed[[0, 0]], 12.0);
    assert_eq!(mixed[[3, 3]], 27.0);
}

#[test]
fn dask_map_overlap_x_plus_row_2() {
    // d.map_overlap(lambda x: x + x[2], depth=1): x[2] is a row of the *extended* block.
    let d = chunked(&arange(&[4, 4]), &[2, 2]);
    let y = map_overlap(
        &[&d],
        &Depth::uniform(1),
        &Boundaries::default(),
        true,
        |b, _| &b[0] + &b[0].index_axis(Axis(0), 2),
    )
    .unwrap();
    let expected = arr2(&[
        [4.0, 6.0, 8.0, 10.0],
        [8.0, 10.0, 12.0, 14.0],
        [20.0, 22.0, 24.0, 26.0],
        [24.0, 26.0, 28.0, 30.0],
    ])
    .into_dyn();
    assert_eq!(y.to_array(), expected);
}

#[test]
fn dask_map_overlap_two_arrays() {
    // x = arange(8).reshape(2, 4) in (1, 2) chunks, y = arange(4) in chunks of 2, broadcast by
    // hand to x's shape and grid (map_overlap does not broadcast).
    let x = chunked(&arange(&[2, 4]), &[1, 2]);
    let yb = arange(&[4]).broadcast(IxDyn(&[2, 4])).unwrap().to_owned();
    let y = chunked(&yb, &[1, 2]);
    let r = map_overlap(
        &[&x, &y],
        &Depth::uniform(1),
        &Boundaries::default(),
        true,
        |b, _| &b[0] + &b[1],
    )
    .unwrap();
    assert_eq!(
        r.to_array(),
        arr2(&[[0.0, 2.0, 4.0, 6.0], [4.0, 6.0, 8.0, 10.0]]).into_dyn()
    );
}

#[test]
fn map_overlap_passes_block_ids_and_extended_blocks() {
    let a = arange(&[5, 7]);
    let x = ChunkedArray::from_array_grid(
        a.view(),
        ChunkGrid::new(&[5, 7], vec![vec![2, 3], vec![1, 4, 2]]).unwrap(),
    )
    .unwrap();
    let depth = Depth::asymmetric(&[(3, 1), (0, 2)]);
    let bnd = Boundaries::per_axis(vec![Boundary::Nearest, Boundary::Periodic]);
    let g = overlap(&x, &depth, &bnd, true).unwrap();
    // trim = false: the function's blocks are the result, on the extended grid.
    let seen = map_overlap(&[&x], &depth, &bnd, false, |b, id| {
        assert_eq!(&b[0], g.block(id).unwrap());
        b[0].to_owned()
    })
    .unwrap();
    assert_eq!(seen, g);
    // trim = false with a function that trims itself: the result is on the input grid.
    let own = map_overlap(&[&x], &depth, &bnd, false, |b, id| {
        let e = &b[0];
        let o = x.block(id).unwrap().shape().to_vec();
        e.slice(s![3..3 + o[0], 0..o[1]]).to_owned().into_dyn()
    })
    .unwrap();
    assert_eq!(own, x);
    // The block id is the one of the input grid.
    let ids = map_overlap(&[&x], &Depth::zero(), &bnd, true, |b, id| {
        b[0].mapv(|_| (id[0] * 10 + id[1]) as f64)
    })
    .unwrap();
    assert_eq!(ids.to_array()[[4, 6]], 12.0);
    assert_eq!(ids.to_array()[[0, 1]], 1.0);
}

// ---------------------------------------------------------------------------------------------
// Trimming
// ---------------------------------------------------------------------------------------------

fn all_modes() -> Vec<Boundary<f64>> {
    vec![
        Boundary::None,
        Boundary::Reflect,
        Boundary::Periodic,
        Boundary::Nearest,
        Boundary::Constant(-3.5),
    ]
}

#[test]
fn dask_trim_internal_chunks() {
    let a = arange(&[40, 40]);
    let x = chunked(&a, &[10, 10]);
    let depth = Depth::per_axis(&[2, 1]);
    let t = trim_internal(&x, &depth, &Boundaries::default()).unwrap();
    assert_eq!(t.grid().all_chunks(), &[vec![6; 4], vec![8; 4]]);
    assert_eq!(t.to_array().slice(s![0..6, 0..8]), a.slice(s![2..8, 1..9]));
    for b in all_modes() {
        let bnd = Boundaries::uniform(b);
        let g = overlap(&x, &depth, &bnd, true).unwrap();
        let want = if b == Boundary::None {
            vec![vec![12, 14, 14, 12], vec![11, 12, 12, 11]]
        } else {
            vec![vec![14; 4], vec![12; 4]]
        };
        assert_eq!(g.grid().all_chunks(), want.as_slice(), "{b:?}");
        assert_eq!(trim_internal(&g, &depth, &bnd).unwrap(), x, "{b:?}");
        assert_eq!(
            trim_overlap(&g, x.grid(), &depth, &bnd).unwrap(),
            x,
            "{b:?}"
        );
        for corners in [false, true] {
            let m = MapOverlap::new(depth.clone(), bnd.clone())
                .corners(corners)
                .run(&[&x], |b, _| b[0].to_owned())
                .unwrap();
            assert_eq!(m, x, "{b:?} corners={corners}");
        }
    }
}

#[test]
fn trim_of_overlap_is_identity_for_every_mode_with_deep_asymmetric_halos() {
    // Irregular grid with chunks thinner than the depth, asymmetric depths, mixed boundaries.
    let a = arange(&[7, 9]);
    let g = ChunkGrid::new(&[7, 9], vec![vec![3, 1, 1, 2], vec![4, 1, 4]]).unwrap();
    let x = ChunkedArray::from_array_grid(a.view(), g).unwrap();
    let depth = Depth::asymmetric(&[(3, 1), (2, 4)]);
    for b0 in all_modes() {
        for b1 in all_modes() {
            let bnd = Boundaries::per_axis(vec![b0, b1]);
            for corners in [false, true] {
                let e = overlap(&x, &depth, &bnd, corners).unwrap();
                assert_eq!(
                    trim_overlap(&e, x.grid(), &depth, &bnd).unwrap(),
                    x,
                    "{b0:?} {b1:?}"
                );
                // First chunks >= before and last chunks >= after: dask's rule is exact too.
                assert_eq!(trim_internal(&e, &depth, &bnd).unwrap(), x, "{b0:?} {b1:?}");
            }
        }
    }
}

#[test]
fn none_boundary_truncates_near_the_global_ends() {
    // Block 1 starts at 1: with depth 2 it can only receive one sample before it.
    let a = arange(&[6]);
    let g = ChunkGrid::new(&[6], vec![vec![1, 2, 3]]).unwrap();
    let x = ChunkedArray::from_array_grid(a.view(), g).unwrap();
    let (d, b) = (Depth::uniform(2), Boundaries::uniform(Boundary::None));
    let e = overlap(&x, &d, &b, true).unwrap();
    assert_eq!(e.grid().chunks(0), &[3, 5, 5]);
    assert_eq!(
        e.block(&[1]).unwrap(),
        &arr1(&[0.0, 1.0, 2.0, 3.0, 4.0]).into_dyn()
    );
    assert_eq!(
        e.block(&[2]).unwrap(),
        &arr1(&[1.0, 2.0, 3.0, 4.0, 5.0]).into_dyn()
    );
    assert_eq!(trim_overlap(&e, x.grid(), &d, &b).unwrap(), x);
    let m = map_overlap(&[&x], &d, &b, true, |b, _| b[0].to_owned()).unwrap();
    assert_eq!(m, x);
}

// ---------------------------------------------------------------------------------------------
// Corners
// ---------------------------------------------------------------------------------------------

#[test]
fn corners_false_zeroes_exactly_the_corners() {
    let a = arange(&[6, 6]) + 1.0; // no zero in the data
    let x = chunked(&a, &[3, 3]);
    let depth = Depth::asymmetric(&[(2, 1), (1, 2)]);
    for b in all_modes() {
        let bnd = Boundaries::uniform(b);
        let with = overlap(&x, &depth, &bnd, true).unwrap();
        let without = overlap(&x, &depth, &bnd, false).unwrap();
        assert_eq!(with.grid(), without.grid());
        for k in 0..x.grid().nblocks() {
            let id = x.grid().block_id(k);
            let (w, wo) = (with.block(&id).unwrap(), without.block(&id).unwrap());
            // Own range of the block inside its extended block, per axis.
            let own: Vec<(usize, usize)> = (0..2)
                .map(|ax| {
                    let start = x.grid().block_offset(&id)[ax];
                    let before = if b == Boundary::None {
                        start.min([2, 1][ax])
                    } else {
                        [2, 1][ax]
                    };
                    (before, before + 3)
                })
                .collect();
            for (ix, &v) in wo.indexed_iter() {
                let outside = (0..2)
                    .filter(|&ax| ix[ax] < own[ax].0 || ix[ax] >= own[ax].1)
                    .count();
                if outside >= 2 {
                    assert_eq!(v, 0.0, "{b:?} block {id:?} at {ix:?}");
                } else {
                    assert_eq!(v, w[&ix], "{b:?} block {id:?} at {ix:?}");
                    assert_ne!(v, 0.0);
                }
            }
        }
    }
}

#[test]
fn corners_true_hold_diagonal_neighbours() {
    let a = arange(&[4, 4]);
    let x = chunked(&a, &[2, 2]);
    let e = extended_block(
        &x,
        &[0, 0],
        &Depth::uniform(1),
        &Boundaries::default(),
        true,
    )
    .unwrap();
    // Bottom-right corner of block (0, 0) is a[2, 2], held by block (1, 1).
    assert_eq!(e[[3, 3]], a[[2, 2]]);
    // Top-left corner: reflect along both axes gives a[0, 0].
    assert_eq!(e[[0, 0]], a[[0, 0]]);
    let z = extended_block(
        &x,
        &[0, 0],
        &Depth::uniform(1),
        &Boundaries::default(),
        false,
    )
    .unwrap();
    assert_eq!(z[[3, 3]], 0.0);
    assert_eq!(z[[3, 2]], a[[2, 1]]);
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_depth_and_boundary_lists_are_typed_errors() {
    let x = chunked(&arange(&[4, 4]), &[2, 2]);
    let bad_depth = Depth::per_axis(&[1, 1, 1]);
    let e = overlap(&x, &bad_depth, &Boundaries::default(), true).unwrap_err();
    assert!(
        matches!(e, Error::InvalidParameter { ref name, .. } if name == "depth"),
        "{e}"
    );
    let e = trim_internal(&x, &Depth::asymmetric(&[(1, 1)]), &Boundaries::default()).unwrap_err();
    assert!(
        matches!(e, Error::InvalidParameter { ref name, .. } if name == "depth"),
        "{e}"
    );
    let bad_bnd = Boundaries::per_axis(vec![Boundary::Reflect]);
    let e = overlap(&x, &Depth::uniform(1), &bad_bnd, true).unwrap_err();
    assert!(
        matches!(e, Error::InvalidParameter { ref name, .. } if name == "boundaries"),
        "{e}"
    );
    let e = map_overlap(&[&x], &Depth::uniform(1), &bad_bnd, true, |b, _| {
        b[0].to_owned()
    })
    .unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { .. }), "{e}");
    let e = overlap(&x, &Depth::axis(2, 1, 1), &Boundaries::default(), true).unwrap_err();
    assert_eq!(e, Error::AxisOutOfRange { axis: 2, ndim: 2 });
    // Trimming more than a block holds.
    let e = trim_internal(&x, &Depth::uniform(2), &Boundaries::default()).unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { .. }), "{e}");
}

#[test]
fn periodic_depth_larger_than_the_axis_is_impossible() {
    let x = chunked(&arange(&[3, 5]), &[1, 2]);
    let bnd = Boundaries::uniform(Boundary::Periodic);
    for depth in [
        Depth::uniform(4),
        Depth::asymmetric(&[(0, 4), (0, 0)]),
        Depth::axis(1, 6, 0),
    ] {
        let e = overlap(&x, &depth, &bnd, true).unwrap_err();
        assert!(matches!(e, Error::HaloImpossible(_)), "{e}");
        let e = map_overlap(&[&x], &depth, &bnd, true, |b, _| b[0].to_owned()).unwrap_err();
        assert!(matches!(e, Error::HaloImpossible(_)), "{e}");
    }
    // Exactly the axis length is fine (wraps once), and other modes accept any depth.
    assert!(overlap(&x, &Depth::uniform(3), &bnd, true).is_ok());
    for b in [
        Boundary::Reflect,
        Boundary::Nearest,
        Boundary::Constant(0.0),
    ] {
        let g = overlap(&x, &Depth::uniform(7), &b.into(), true).unwrap();
        assert_eq!(
            trim_overlap(&g, x.grid(), &Depth::uniform(7), &b.into()).unwrap(),
            x
        );
    }
}

#[test]
fn map_overlap_input_errors() {
    let a = arange(&[4, 6]);
    let x = chunked(&a, &[2, 3]);
    let other_grid = chunked(&a, &[2, 2]);
    let other_shape = chunked(&arange(&[4, 5]), &[2, 3]);
    let d = Depth::uniform(1);
    let b = Boundaries::default();
    let id = |v: &[ndarray::ArrayViewD<'_, f64>], _: &[usize]| v[0].to_owned();
    let e = map_overlap(&[&x, &other_grid], &d, &b, true, id).unwrap_err();
    assert!(matches!(e, Error::ChunkMismatch(_)), "{e}");
    let e = map_overlap(&[&x, &other_shape], &d, &b, true, id).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    let e = map_overlap::<f64, f64, _>(&[], &d, &b, true, id).unwrap_err();
    assert!(
        matches!(e, Error::InvalidParameter { ref name, .. } if name == "inputs"),
        "{e}"
    );
    // A function returning a block of the wrong shape.
    let shrink = |v: &[ndarray::ArrayViewD<'_, f64>], _: &[usize]| {
        v[0].slice(s![1.., ..]).to_owned().into_dyn()
    };
    for trim in [true, false] {
        let e = map_overlap(&[&x], &d, &b, trim, shrink).unwrap_err();
        assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    }
    // trim_overlap on an array that is not the extension of the given grid.
    let e = trim_overlap(&x, x.grid(), &d, &b).unwrap_err();
    assert!(matches!(e, Error::ChunkMismatch(_)), "{e}");
    // A bad block id.
    assert!(extended_block(&x, &[2, 0], &d, &b, true).is_err());
}

/// Whether the kernel refuses allocations larger than the machine can back (Linux's default
/// heuristic overcommit, or strict accounting); with `overcommit_memory = 1` a 8 TiB request is
/// granted lazily and a test that asks for one could not finish.
fn allocator_refuses_impossible_requests() -> bool {
    std::fs::read_to_string("/proc/sys/vm/overcommit_memory")
        .map(|s| s.trim() != "1")
        .unwrap_or(false)
}

#[test]
fn huge_depths_are_typed_errors_in_constant_time() {
    let x = chunked(&arange(&[5, 3]), &[2, 2]);
    let g = x.grid().clone();
    let every = [
        Boundary::None,
        Boundary::Reflect,
        Boundary::Periodic,
        Boundary::Nearest,
        Boundary::Constant(1.0),
    ];
    for b in every {
        let bnd: Boundaries<f64> = b.into();
        for d in [usize::MAX, usize::MAX - 1, usize::MAX / 2 + 1, 1 << 62] {
            for depth in [
                Depth::uniform(d),
                Depth::asymmetric(&[(d, 0), (0, 1)]),
                Depth::asymmetric(&[(1, 1), (0, d)]),
            ] {
                // None: the extension stops at the global ends, so any depth is fine.
                if matches!(b, Boundary::None) {
                    assert!(overlap(&x, &depth, &bnd, true).is_ok());
                    continue;
                }
                let want_periodic = matches!(b, Boundary::Periodic);
                let e = overlap_grid(&g, &depth, &bnd).unwrap_err();
                assert!(
                    matches!(e, Error::InvalidParameter { .. } | Error::HaloImpossible(_)),
                    "{b:?} {depth:?}: {e}"
                );
                assert_eq!(matches!(e, Error::HaloImpossible(_)), want_periodic);
                assert!(overlap(&x, &depth, &bnd, false).is_err());
                assert!(extended_block(&x, &[0, 0], &depth, &bnd, true).is_err());
                let id = |v: &[ndarray::ArrayViewD<'_, f64>], _: &[usize]| v[0].to_owned();
                assert!(map_overlap(&[&x], &depth, &bnd, true, id).is_err());
                let e = trim_internal(&x, &depth, &bnd).unwrap_err();
                assert!(matches!(e, Error::InvalidParameter { .. }), "{e}");
            }
        }
    }
    // Trimming near usize::MAX used to wrap around and accept the depth.
    let d = Depth::asymmetric(&[(usize::MAX, 2), (0, 0)]);
    assert!(trim_internal(&x, &d, &Boundary::<f64>::Reflect.into()).is_err());
    // 2^40 fits in usize: the grid exists (nothing is allocated for it)...
    let e = overlap_grid(&g, &Depth::uniform(1 << 40), &Boundaries::<f64>::default());
    assert!(e.is_err(), "2^40 x 2^40 elements overflow");
    let one = ChunkGrid::single(&[3]);
    let e = overlap_grid(
        &one,
        &Depth::uniform(1 << 40),
        &Boundaries::<f64>::default(),
    )
    .unwrap();
    assert_eq!(e.shape(), &[3 + (2 << 40)]);
    // ...but not the array, which the allocator refuses at once instead of a loop over 2^41
    // samples.
    if allocator_refuses_impossible_requests() {
        let x1 = ChunkedArray::from_array(arange(&[3]));
        for b in [
            Boundary::Reflect,
            Boundary::Nearest,
            Boundary::Constant(0.0),
        ] {
            let r = overlap(&x1, &Depth::uniform(1 << 40), &b.into(), true);
            assert!(matches!(r, Err(Error::InvalidParameter { .. })), "{b:?}");
        }
    }
    // An empty axis with a huge extension along another: nothing to compute, no loop.
    let empty = ChunkedArray::<f64>::zeros_single(&[0, 2]);
    let d = Depth::asymmetric(&[(0, 0), (1 << 40, 1 << 40)]);
    let r = overlap(&empty, &d, &Boundary::Constant(1.0).into(), true).unwrap();
    assert_eq!(r.shape(), &[0, 2 + (2 << 40)]);
}

// ---------------------------------------------------------------------------------------------
// Property tests against an independent reference
// ---------------------------------------------------------------------------------------------

/// numpy-style padding of one axis (`None`: no padding); reflect folds repeatedly ('symmetric').
fn pad_axis(
    a: &ArrayD<f64>,
    k: usize,
    before: usize,
    after: usize,
    b: Boundary<f64>,
) -> ArrayD<f64> {
    let (before, after) = if b == Boundary::None {
        (0, 0)
    } else {
        (before, after)
    };
    let n = a.shape()[k] as isize;
    let mut shape = a.shape().to_vec();
    shape[k] += before + after;
    ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
        let mut ix = ix.slice().to_vec();
        let mut g = ix[k] as isize - before as isize;
        if g < 0 || g >= n {
            match b {
                Boundary::Constant(c) => return c,
                Boundary::Periodic => g = if g < 0 { g + n } else { g - n },
                Boundary::Nearest => g = g.clamp(0, n - 1),
                Boundary::Reflect => {
                    while g < 0 || g >= n {
                        g = if g < 0 { -1 - g } else { 2 * n - 1 - g };
                    }
                }
                Boundary::None => unreachable!(),
            }
        }
        ix[k] = g as usize;
        a[IxDyn(&ix)]
    })
}

#[derive(Clone, Debug)]
struct Case {
    shape: Vec<usize>,
    chunks: Vec<Vec<usize>>,
    depth: Vec<(usize, usize)>,
    bnd: Vec<Boundary<f64>>,
    seed: u64,
}

impl Case {
    fn grid(&self) -> ChunkGrid {
        ChunkGrid::new(&self.shape, self.chunks.clone()).unwrap()
    }
    fn depth(&self) -> Depth {
        Depth::asymmetric(&self.depth)
    }
    fn boundaries(&self) -> Boundaries<f64> {
        Boundaries::per_axis(self.bnd.clone())
    }
    /// Samples added before/after block `j` along axis `k`.
    fn added(&self, k: usize, j: usize) -> (usize, usize) {
        let g = self.grid();
        let o = g.offsets(k);
        let (b, a) = self.depth[k];
        if self.bnd[k] == Boundary::None {
            (b.min(o[j]), a.min(self.shape[k] - o[j + 1]))
        } else {
            (b, a)
        }
    }
    /// Whether dask's trimming rule undoes the overlap (no `None` extension truncated inside).
    fn dask_trim_is_exact(&self) -> bool {
        (0..self.shape.len()).all(|k| {
            let c = &self.chunks[k];
            self.bnd[k] != Boundary::None
                || c.len() == 1
                || (c[0] >= self.depth[k].0 && c[c.len() - 1] >= self.depth[k].1)
        })
    }
}

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

fn case_strategy() -> impl Strategy<Value = Case> {
    prop::collection::vec(1usize..=12, 1..=4).prop_flat_map(|shape| {
        let nd = shape.len();
        let cuts: Vec<_> = (0..nd)
            .map(|_| prop::collection::vec(1usize..12, 0..=3))
            .collect();
        let depth = prop::collection::vec((0usize..=4, 0usize..=4), nd);
        let bnd = prop::collection::vec((0u8..5, -9.0f64..9.0), nd);
        (Just(shape), cuts, depth, bnd, any::<u64>()).prop_map(|(shape, cuts, depth, bnd, seed)| {
            let chunks = shape
                .iter()
                .zip(&cuts)
                .map(|(&n, c)| chunks_from_cuts(n, c))
                .collect();
            let bnd = bnd
                .iter()
                .zip(&depth)
                .zip(&shape)
                .map(|((&(code, c), &(b, a)), &n)| match code {
                    0 => Boundary::None,
                    1 => Boundary::Reflect,
                    2 if b <= n && a <= n => Boundary::Periodic,
                    2 | 3 => Boundary::Nearest,
                    _ => Boundary::Constant(c),
                })
                .collect();
            Case {
                shape,
                chunks,
                depth,
                bnd,
                seed,
            }
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every extended block is the matching region of the array padded axis by axis (numpy/dask
    /// order); with `corners = false` the same except corner elements, which are zero.
    #[test]
    fn overlap_matches_axis_by_axis_padding(case in case_strategy()) {
        let x = ChunkedArray::<f64>::random(case.grid(), case.seed);
        let nd = case.shape.len();
        let mut p = x.to_array();
        for k in 0..nd {
            p = pad_axis(&p, k, case.depth[k].0, case.depth[k].1, case.bnd[k]);
        }
        let with = overlap(&x, &case.depth(), &case.boundaries(), true).unwrap();
        let without = overlap(&x, &case.depth(), &case.boundaries(), false).unwrap();
        for kb in 0..x.grid().nblocks() {
            let id = x.grid().block_id(kb);
            let mut r = p.view();
            let mut own = Vec::new();
            for k in 0..nd {
                let o = x.grid().offsets(k);
                let (db, da) = case.added(k, id[k]);
                // Start of the region in padded coordinates.
                let lo = if case.bnd[k] == Boundary::None { o[id[k]] - db } else { o[id[k]] + case.depth[k].0 - db };
                let len = db + (o[id[k] + 1] - o[id[k]]) + da;
                r.slice_axis_inplace(Axis(k), ndarray::Slice::from(lo..lo + len));
                own.push((db, db + o[id[k] + 1] - o[id[k]]));
            }
            prop_assert_eq!(with.block(&id).unwrap(), &r.to_owned(), "block {:?}", id);
            let mut zeroed = r.to_owned();
            for (ix, v) in zeroed.indexed_iter_mut() {
                let outside = (0..nd).filter(|&k| ix[k] < own[k].0 || ix[k] >= own[k].1).count();
                if outside >= 2 {
                    *v = 0.0;
                }
            }
            prop_assert_eq!(without.block(&id).unwrap(), &zeroed, "block {:?}", id);
        }
    }

    /// Mapping the identity with trimming returns the input; overlap then trim is the identity.
    #[test]
    fn map_overlap_identity_and_trim_round_trip(case in case_strategy()) {
        let x = ChunkedArray::<f64>::random(case.grid(), case.seed);
        let (d, b) = (case.depth(), case.boundaries());
        for corners in [true, false] {
            let g = overlap(&x, &d, &b, corners).unwrap();
            let m = MapOverlap::new(d.clone(), b.clone())
                .corners(corners)
                .run(&[&x], |v, id| {
                    assert_eq!(&v[0], g.block(id).unwrap());
                    v[0].to_owned()
                })
                .unwrap();
            prop_assert_eq!(&m, &x);
            prop_assert_eq!(&trim_overlap(&g, x.grid(), &d, &b).unwrap(), &x);
            if case.dask_trim_is_exact() {
                prop_assert_eq!(&trim_internal(&g, &d, &b).unwrap(), &x);
            }
        }
        // Two inputs: the function sees both extended blocks, aligned.
        let y = ChunkedArray::<f64>::random(case.grid(), case.seed ^ 0x5555);
        let m = map_overlap(&[&x, &y], &d, &b, true, |v, _| &v[0] - &v[1] * 2.0).unwrap();
        prop_assert_eq!(m.to_array(), x.to_array() - y.to_array() * 2.0);
    }
}
