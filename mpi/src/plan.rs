//! Halo plans on ranks: who sends which rows to whom for a stencil along one axis
//! ([`HaloPlan`], the same planning as the in-process halo of `rylops-core`, on the partition's grid:
//! a rank is a block), how the rows are packed into messages and assembled into slabs, and which
//! output elements can be computed before the halo arrives.
//!
//! A rank receives exactly `block_depth` rows before and after its block, from as many ranks as own
//! them (several when a neighbour is thinner than the halo); it sends to every rank whose halo
//! overlaps its rows. The slabs it assembles have the layout of [`rylops_core::halo::BlockHalo`]:
//! the block's shape with the axis length replaced by the number of rows, C order.

pub use rylops_core::halo::{HaloPlan, Side, Transfer};
use rylops_core::stencil::{LaneStencil, RADIUS};
use rylops_core::Scalar;
use std::borrow::Cow;
use std::ops::Range;

/// Rows `lo..hi` (local) of an `(outer, m, inner)` array, as an `(outer, hi-lo, inner)` array:
/// borrowed when contiguous (`outer == 1`), packed otherwise.
pub fn pack_rows<T: Scalar>(
    x: &[T],
    outer: usize,
    m: usize,
    inner: usize,
    rows: Range<usize>,
) -> Cow<'_, [T]> {
    let r = rows.len() * inner;
    if outer == 1 {
        return Cow::Borrowed(&x[rows.start * inner..rows.end * inner]);
    }
    let mut out = Vec::with_capacity(outer * r);
    for o in 0..outer {
        let s = (o * m + rows.start) * inner;
        out.extend_from_slice(&x[s..s + r]);
    }
    Cow::Owned(out)
}

/// Packs rows `rows` (local) of `x` into `out` (length `outer * rows.len() * inner`).
pub fn pack_rows_into<T: Scalar>(
    x: &[T],
    outer: usize,
    m: usize,
    inner: usize,
    rows: Range<usize>,
    out: &mut [T],
) {
    let r = rows.len() * inner;
    for o in 0..outer {
        let s = (o * m + rows.start) * inner;
        out[o * r..(o + 1) * r].copy_from_slice(&x[s..s + r]);
    }
}

/// Concatenates `(outer, rows_k, inner)` parts along the middle axis into one slab: borrowed when
/// there is a single part.
pub fn assemble<'a, T: Scalar>(
    parts: &[(&'a [T], usize)],
    outer: usize,
    inner: usize,
) -> Cow<'a, [T]> {
    match parts {
        [] => Cow::Owned(Vec::new()),
        [(p, _)] => Cow::Borrowed(p),
        _ => {
            let total: usize = parts.iter().map(|(_, r)| r).sum();
            let mut out = Vec::with_capacity(outer * total * inner);
            for o in 0..outer {
                for (p, r) in parts {
                    out.extend_from_slice(&p[o * r * inner..(o + 1) * r * inner]);
                }
            }
            Cow::Owned(out)
        }
    }
}

/// Adds an `(outer, rows.len(), inner)` message into rows `rows` (local) of an `(outer, m, inner)`
/// array (the owner's side of the halo adjoint).
pub fn add_rows<T: Scalar>(
    y: &mut [T],
    outer: usize,
    m: usize,
    inner: usize,
    rows: Range<usize>,
    msg: &[T],
) {
    let r = rows.len() * inner;
    for o in 0..outer {
        let s = (o * m + rows.start) * inner;
        for (d, &v) in y[s..s + r].iter_mut().zip(&msg[o * r..(o + 1) * r]) {
            *d += v;
        }
    }
}

/// Local rows `(hb, ha)` at the start and end of a block covering global rows `[start, end)` of `n`
/// whose stencil window leaves the block: the rows that must wait for the halo. The others can be
/// computed while it travels.
pub fn halo_rows<T: Scalar, S: LaneStencil<T>>(
    st: &S,
    start: usize,
    end: usize,
    n: usize,
) -> (usize, usize) {
    let mut hb = 0;
    let mut ha = 0;
    // Rows further in than a stencil's reach never read the halo; stencils with user taps (a
    // convolution) may reach further than `RADIUS`.
    let (rb, ra) = st.reach();
    let near = (2 * RADIUS + 1).max(rb.max(ra) + 1);
    for i in start..end.min(start + near) {
        if let Some((lo, _)) = st.window(i, n) {
            if lo < start {
                hb = hb.max(i + 1 - start);
            }
        }
    }
    for i in end.saturating_sub(near).max(start)..end {
        if let Some((_, hi)) = st.window(i, n) {
            if hi >= end {
                ha = ha.max(end - i);
            }
        }
    }
    (hb, ha)
}

/// A contiguous piece of a block's flat output: elements `start..end`, computable before the halo
/// arrives (`interior`) or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// Flat range.
    pub range: Range<usize>,
    /// Whether no term needs the halo for these elements.
    pub interior: bool,
}

/// Splits the flat (C order) elements of a block of `shape` into runs that are interior — inside the
/// box `lo..hi` along every `(axis, lo, hi)` of `bounds` — or not, each at most `piece` long.
/// The runs are in increasing order and cover the block exactly once.
pub fn split_runs(shape: &[usize], bounds: &[(usize, usize, usize)], piece: usize) -> Vec<Run> {
    let len: usize = shape.iter().product();
    let piece = piece.max(1);
    let mut runs: Vec<Run> = Vec::new();
    let mut push = |range: Range<usize>, interior: bool| {
        if range.is_empty() {
            return;
        }
        if let Some(last) = runs.last_mut() {
            if last.interior == interior && last.range.end == range.start {
                last.range.end = range.end;
                return;
            }
        }
        runs.push(Run { range, interior });
    };
    if len == 0 {
        return Vec::new();
    }
    match bounds.iter().map(|b| b.0).max() {
        None => push(0..len, true),
        Some(q) => {
            let inner: usize = shape[q + 1..].iter().product();
            let mq = shape[q];
            let outer: usize = shape[..q].iter().product();
            // the interior range along q (intersection of the bounds on q)
            let (mut qlo, mut qhi) = (0, mq);
            for &(ax, lo, hi) in bounds {
                if ax == q {
                    qlo = qlo.max(lo);
                    qhi = qhi.min(hi);
                }
            }
            let mut idx = vec![0usize; q];
            for o in 0..outer {
                let prefix_in = bounds
                    .iter()
                    .filter(|b| b.0 < q)
                    .all(|&(ax, lo, hi)| idx[ax] >= lo && idx[ax] < hi);
                let base = o * mq * inner;
                if prefix_in && qlo < qhi {
                    push(base..base + qlo * inner, false);
                    push(base + qlo * inner..base + qhi * inner, true);
                    push(base + qhi * inner..base + mq * inner, false);
                } else {
                    push(base..base + mq * inner, false);
                }
                for ax in (0..q).rev() {
                    idx[ax] += 1;
                    if idx[ax] < shape[ax] {
                        break;
                    }
                    idx[ax] = 0;
                }
            }
        }
    }
    // cut long runs into pieces for rayon
    let mut out = Vec::with_capacity(runs.len());
    for r in runs {
        let mut s = r.range.start;
        while s < r.range.end {
            let e = (s + piece).min(r.range.end);
            out.push(Run {
                range: s..e,
                interior: r.interior,
            });
            s = e;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partition::Partition;
    use rylops_core::halo::gather_halos;
    use rylops_core::ndarray::{ArrayD, Dimension, IxDyn};
    use rylops_core::ChunkedArray;

    /// Simulates an exchange in memory with the plans and the packing/assembly helpers, and compares
    /// every rank's slabs with the in-process halo of the same grid.
    fn check_exchange(part: &Partition, axis: usize, depth: (usize, usize)) {
        let shape = part.shape().to_vec();
        let a = ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
            ix.slice().iter().fold(0.0, |acc, &v| acc * 31.0 + v as f64)
        });
        let x = ChunkedArray::from_array_grid(a.view(), part.grid().clone()).unwrap();
        let want = gather_halos(&x, axis, |_, _, _| depth).unwrap();
        let d = |_, _, _| depth;
        let plans: Vec<HaloPlan> = (0..part.nranks())
            .map(|r| HaloPlan::new(part.grid(), r, axis, d))
            .collect();
        for (r, plan) in plans.iter().enumerate() {
            let mut before = Vec::new();
            let mut after = Vec::new();
            for t in &plan.recvs {
                // the matching send on the peer
                let peer = &plans[t.peer];
                let s = peer
                    .sends
                    .iter()
                    .find(|s| s.peer == r)
                    .expect("a matching send");
                assert_eq!(s.rows, t.rows);
                assert_eq!(s.side, t.side);
                let off = peer.own.0;
                let msg = pack_rows(
                    x.block_slice(t.peer),
                    peer.outer,
                    peer.m(),
                    peer.inner,
                    t.rows.start - off..t.rows.end - off,
                )
                .into_owned();
                match t.side {
                    Side::Before => before.push((msg, t.rows.len())),
                    Side::After => after.push((msg, t.rows.len())),
                }
            }
            let b: Vec<(&[f64], usize)> = before.iter().map(|(m, k)| (&m[..], *k)).collect();
            let af: Vec<(&[f64], usize)> = after.iter().map(|(m, k)| (&m[..], *k)).collect();
            let hb = assemble(&b, plan.outer, plan.inner);
            let ha = assemble(&af, plan.outer, plan.inner);
            assert_eq!(
                &hb[..],
                want.blocks[r].before.as_slice().unwrap(),
                "rank {r}"
            );
            assert_eq!(
                &ha[..],
                want.blocks[r].after.as_slice().unwrap(),
                "rank {r}"
            );
            assert_eq!(plan.recv_elems(), hb.len() + ha.len());
        }
        let sent: usize = plans.iter().map(|p| p.send_elems()).sum();
        let recvd: usize = plans.iter().map(|p| p.recv_elems()).sum();
        assert_eq!(sent, recvd);
    }

    #[test]
    fn plans_reproduce_the_in_process_halo() {
        let cases: Vec<(Partition, usize, (usize, usize))> = vec![
            (Partition::balanced(&[8, 5], &[2, 1]).unwrap(), 0, (1, 1)),
            (Partition::balanced(&[8, 5], &[2, 2]).unwrap(), 1, (2, 2)),
            (
                Partition::balanced(&[6, 5, 4], &[3, 1, 2]).unwrap(),
                0,
                (0, 1),
            ),
            (
                Partition::balanced(&[6, 5, 4], &[3, 1, 2]).unwrap(),
                2,
                (1, 0),
            ),
            // ranks thinner than the halo
            (
                Partition::new(&[7, 3], vec![vec![1, 1, 3, 2], vec![2, 1]]).unwrap(),
                0,
                (2, 2),
            ),
            (
                Partition::new(&[4, 6], vec![vec![4], vec![1, 1, 1, 3]]).unwrap(),
                1,
                (3, 2),
            ),
            // not split along the axis: nothing to exchange
            (Partition::balanced(&[6, 4], &[1, 2]).unwrap(), 0, (1, 1)),
        ];
        for (p, ax, d) in &cases {
            check_exchange(p, *ax, *d);
        }
        let p = Partition::balanced(&[6, 4], &[1, 2]).unwrap();
        let plan = HaloPlan::new(p.grid(), 0, 0, |_, _, _| (1, 1));
        assert!(plan.sends.is_empty() && plan.recvs.is_empty());
    }

    /// Random lengths summing to `n` (at most `parts` of them, each positive).
    fn split(n: usize, cuts: &[usize]) -> Vec<usize> {
        let mut c: Vec<usize> = cuts
            .iter()
            .map(|&v| 1 + v % n.max(1))
            .filter(|&v| v < n)
            .collect();
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn random_partitions_and_depths(
            shape in proptest::collection::vec(1usize..8, 1..4),
            cuts in proptest::collection::vec(proptest::collection::vec(0usize..16, 0..4), 3),
            axis in 0usize..3,
            db in 0usize..4,
            da in 0usize..4,
        ) {
            let axis = axis % shape.len();
            let sizes: Vec<Vec<usize>> =
                shape.iter().zip(&cuts).map(|(&n, c)| split(n, c)).collect();
            let part = Partition::new(&shape, sizes).unwrap();
            check_exchange(&part, axis, (db, da));
        }
    }

    #[test]
    fn runs_cover_the_block_once() {
        for (shape, bounds) in [
            (vec![6, 5, 4], vec![(0, 1, 5)]),
            (vec![6, 5, 4], vec![(0, 1, 5), (2, 1, 3)]),
            (vec![6, 5, 4], vec![(1, 2, 2)]),
            (vec![6, 5, 4], vec![]),
            (vec![3, 4], vec![(0, 0, 3), (1, 1, 4)]),
        ] {
            let runs = split_runs(&shape, &bounds, 7);
            let mut next = 0;
            let strides = [
                shape[1..].iter().product::<usize>(),
                shape[2..].iter().product(),
            ];
            for r in &runs {
                assert_eq!(r.range.start, next);
                assert!(r.range.len() <= 7);
                next = r.range.end;
                for p in r.range.clone() {
                    let mut rem = p;
                    let mut ix = vec![];
                    for (ax, _) in shape.iter().enumerate() {
                        let st = strides.get(ax).copied().filter(|_| ax + 1 < shape.len());
                        let st = st.unwrap_or(1);
                        ix.push(rem / st);
                        rem %= st;
                    }
                    let inside = bounds
                        .iter()
                        .all(|&(ax, lo, hi)| ix[ax] >= lo && ix[ax] < hi);
                    assert_eq!(r.interior, inside, "{shape:?} {bounds:?} at {ix:?}");
                }
            }
            assert_eq!(next, shape.iter().product::<usize>());
        }
    }

    #[test]
    fn add_rows_and_pack_are_transposes() {
        let x: Vec<f64> = (0..24).map(|v| v as f64).collect();
        let p = pack_rows(&x, 2, 4, 3, 1..3);
        assert_eq!(
            &p[..],
            &[3., 4., 5., 6., 7., 8., 15., 16., 17., 18., 19., 20.]
        );
        let mut out = vec![0.0; 12];
        pack_rows_into(&x, 2, 4, 3, 1..3, &mut out);
        assert_eq!(&out[..], &p[..]);
        let mut y = vec![0.0; 24];
        add_rows(&mut y, 2, 4, 3, 1..3, &p);
        for (k, v) in y.iter().enumerate() {
            let row = (k / 3) % 4;
            assert_eq!(*v, if (1..3).contains(&row) { k as f64 } else { 0.0 });
        }
    }
}
