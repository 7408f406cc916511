//! Unit tests of overlap, trim and map_overlap.

use super::*;
use ndarray::{arr1, IxDyn};

fn spec(n: usize, before: usize, after: usize, boundary: Boundary<f64>) -> AxisSpec<f64> {
    AxisSpec {
        n,
        before,
        after,
        boundary,
    }
}

fn sources(s: &AxisSpec<f64>, lo: isize, hi: isize) -> Vec<Option<usize>> {
    (lo..hi)
        .map(|g| match s.source(g) {
            Src::Index(i) => Some(i),
            Src::Const => None,
        })
        .collect()
}

#[test]
fn reflect_is_symmetric_for_any_depth() {
    let s = spec(3, 7, 7, Boundary::Reflect);
    let got: Vec<usize> = sources(&s, -7, 10)
        .into_iter()
        .map(Option::unwrap)
        .collect();
    // numpy.pad(arange(3), 7, 'symmetric')
    assert_eq!(got, vec![0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2]);
    let one = spec(1, 3, 3, Boundary::Reflect);
    assert_eq!(sources(&one, -3, 4), vec![Some(0); 7]);
}

#[test]
fn periodic_nearest_constant_sources() {
    let p = spec(4, 4, 4, Boundary::Periodic);
    assert_eq!(
        sources(&p, -4, 8),
        [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3].map(Some).to_vec()
    );
    let n = spec(2, 2, 2, Boundary::Nearest);
    assert_eq!(sources(&n, -2, 4), [0, 0, 0, 1, 1, 1].map(Some).to_vec());
    let c = spec(2, 1, 1, Boundary::Constant(5.0));
    assert_eq!(sources(&c, -1, 3), vec![None, Some(0), Some(1), None]);
}

#[test]
fn segments_split_at_block_edges_and_direction_changes() {
    // Block [0, 2) of an axis of length 3, reflect, depth 4 before / 2 after.
    let s = spec(3, 4, 2, Boundary::Reflect);
    let segs = axis_segments(&s, 0, 2);
    // positions: g = -4..4 -> sources 2,2,1,0 | 0,1 | 2,2
    let summary: Vec<(usize, usize, bool, Option<usize>, isize)> = segs
        .iter()
        .map(|g| (g.out, g.len, g.outside, g.first, g.step))
        .collect();
    assert_eq!(
        summary,
        vec![
            (0, 2, true, Some(2), 0),
            (2, 2, true, Some(1), -1),
            (4, 2, false, Some(0), 1),
            (6, 2, true, Some(2), 0),
        ]
    );
    // None: truncated at the global ends, also for a neighbour of the edge block.
    let n = spec(5, 3, 3, Boundary::None);
    assert_eq!(n.added(1, 2), (1, 3));
    assert_eq!(n.added(0, 5), (0, 0));
    let segs = axis_segments(&n, 1, 2);
    assert_eq!(segs.iter().map(|g| g.len).sum::<usize>(), 5);
}

#[test]
fn constant_runs_are_not_merged_with_data() {
    let s = spec(2, 2, 1, Boundary::Constant(1.0));
    let segs = axis_segments(&s, 0, 2);
    assert_eq!(segs.len(), 3);
    assert_eq!(segs[0].first, None);
    assert_eq!(segs[2].first, None);
}

#[test]
fn highest_constant_axis_wins_in_corners() {
    let a = ArrayD::from_elem(IxDyn(&[2, 2]), 1.0);
    let x = ChunkedArray::from_array(a);
    let b = Boundaries::per_axis(vec![Boundary::Constant(7.0), Boundary::Constant(8.0)]);
    let g = overlap(&x, &Depth::uniform(1), &b, true).unwrap();
    let e = g.to_array();
    assert_eq!(e[[0, 0]], 8.0);
    assert_eq!(e[[0, 1]], 7.0);
    assert_eq!(e[[1, 0]], 8.0);
    let g = overlap(&x, &Depth::uniform(1), &b, false).unwrap();
    assert_eq!(g.to_array()[[0, 0]], 0.0);
    assert_eq!(g.to_array()[[0, 1]], 7.0);
}

#[test]
fn zero_dimensional_and_empty_arrays() {
    let s = ChunkedArray::from_array(ArrayD::from_elem(IxDyn(&[]), 3.0));
    let g = overlap(&s, &Depth::uniform(2), &Boundaries::default(), true).unwrap();
    assert_eq!(g, s);
    let e = ChunkedArray::<f64>::zeros_single(&[0, 3]);
    let c = overlap(
        &e,
        &Depth::uniform(1),
        &Boundary::Constant(2.0).into(),
        true,
    )
    .unwrap();
    assert_eq!(c.shape(), &[2, 5]);
    assert!(c.to_array().iter().all(|&v| v == 2.0));
    assert!(matches!(
        overlap(&e, &Depth::uniform(1), &Boundaries::default(), true),
        Err(Error::HaloImpossible(_))
    ));
    let n = overlap(&e, &Depth::uniform(1), &Boundary::None.into(), true).unwrap();
    assert_eq!(n.shape(), &[0, 3]);
}

#[test]
fn depth_larger_than_chunks_gathers_across_blocks() {
    let a = arr1(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]).into_dyn();
    let g = ChunkGrid::new(&[6], vec![vec![1, 1, 1, 3]]).unwrap();
    let x = ChunkedArray::from_array_grid(a.view(), g).unwrap();
    let e = extended_block(
        &x,
        &[2],
        &Depth::uniform(3),
        &Boundary::Periodic.into(),
        true,
    )
    .unwrap();
    assert_eq!(e, arr1(&[5.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]).into_dyn());
    assert!(extended_block(&x, &[4], &Depth::uniform(1), &Boundaries::default(), true).is_err());
}
