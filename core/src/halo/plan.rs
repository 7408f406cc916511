//! Halo planning, written once for both movers: which rows a block receives before and after itself
//! along one axis, from which blocks (several when a neighbour is thinner than the halo), and which
//! of its rows it sends to whom. The in-process mover ([`gather_halos`](super::gather_halos),
//! [`scatter_add_halos`](super::scatter_add_halos)) copies or adds those rows between chunks;
//! `rylops-mpi` sends them as messages between ranks (a rank is a block of the partition's grid).
//!
//! A plan is pure arithmetic on the [`ChunkGrid`] and a depth function (a stencil's
//! [`block_depth`](crate::stencil::LaneStencil::block_depth)), evaluated by every block for every
//! block of its line: no message is needed to agree on sizes. The slabs it describes have the layout
//! of [`BlockHalo`](super::BlockHalo): the block's shape with the axis length replaced by the number
//! of rows, C order.

use crate::grid::ChunkGrid;
use crate::scalar::Scalar;
use crate::stencil::LaneStencil;
use std::ops::Range;

/// Which slab of the receiving block a transfer fills.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// Rows preceding the receiver's block.
    Before,
    /// Rows following the receiver's block.
    After,
}

/// One piece of a halo exchange: global rows `rows` along the plan's axis, between the plan's block
/// and block `peer` (linear index; a rank under MPI), landing in the receiver's `side` slab.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Transfer {
    /// The other block.
    pub peer: usize,
    /// The receiver's slab.
    pub side: Side,
    /// Global rows along the axis.
    pub rows: Range<usize>,
}

/// Everything one block needs to exchange its halo along one axis: what it receives and what it
/// sends. The adjoint (a scatter-add) runs the same transfers backwards.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HaloPlan {
    /// The axis.
    pub axis: usize,
    /// This block (linear index in the grid; the rank under MPI).
    pub block: usize,
    /// Global rows `[start, end)` this block owns along the axis.
    pub own: (usize, usize),
    /// Global length of the axis.
    pub n: usize,
    /// Rows this block receives before and after itself (the depth, truncated at the global ends).
    pub depth: (usize, usize),
    /// Pieces this block receives, before-slab parts then after-slab parts, in increasing rows.
    pub recvs: Vec<Transfer>,
    /// Pieces this block sends, in increasing order of the receiver along the axis (its before-slab
    /// part, then its after-slab part).
    pub sends: Vec<Transfer>,
    /// Product of the block's lengths before the axis.
    pub outer: usize,
    /// Product of the block's lengths after the axis.
    pub inner: usize,
}

/// Global rows `[lo, start)` and `[end, hi)` that a block covering `[start, end)` of an axis of
/// length `n` receives, for a depth `(before, after)`, truncated at the global ends.
fn wanted(start: usize, end: usize, n: usize, (db, da): (usize, usize)) -> (usize, usize) {
    (start - db.min(start), end.saturating_add(da).min(n))
}

impl HaloPlan {
    /// The plan of block `block` (linear index) of `grid` along `axis`, for blocks covering global
    /// rows `[start, end)` of an axis of length `n` that need `depth(start, end, n)` rows before and
    /// after.
    ///
    /// # Panics
    /// If `axis` is not an axis of `grid` or `block` not one of its blocks (callers check both).
    pub fn new(
        grid: &ChunkGrid,
        block: usize,
        axis: usize,
        depth: impl Fn(usize, usize, usize) -> (usize, usize),
    ) -> Self {
        let n = grid.shape()[axis];
        let mut id = grid.block_id(block);
        let shape = grid.block_shape(&id);
        let outer = shape[..axis].iter().product();
        let inner = shape[axis + 1..].iter().product();
        let o = grid.offsets(axis);
        let me = id[axis];
        let (s, e) = (o[me], o[me + 1]);
        let (lo, hi) = wanted(s, e, n, depth(s, e, n));
        // Block `b` of this block's line along the axis.
        let mut peer = |b: usize| {
            id[axis] = b;
            grid.linear_index(&id)
        };
        let mut recvs = Vec::new();
        for (side, a, z) in [(Side::Before, lo, s), (Side::After, e, hi)] {
            let mut g = a;
            while g < z {
                let (b, _) = grid.locate(axis, g);
                let top = o[b + 1].min(z);
                recvs.push(Transfer {
                    peer: peer(b),
                    side,
                    rows: g..top,
                });
                g = top;
            }
        }
        let mut sends = Vec::new();
        for b in 0..grid.nblocks_along(axis) {
            if b == me {
                continue;
            }
            let (qs, qe) = (o[b], o[b + 1]);
            let (qlo, qhi) = wanted(qs, qe, n, depth(qs, qe, n));
            // b's before slab [qlo, qs) and after slab [qe, qhi), intersected with my rows.
            for (side, a, z) in [(Side::Before, qlo, qs), (Side::After, qe, qhi)] {
                let (a, z) = (a.max(s), z.min(e));
                if a < z {
                    sends.push(Transfer {
                        peer: peer(b),
                        side,
                        rows: a..z,
                    });
                }
            }
        }
        Self {
            axis,
            block,
            own: (s, e),
            n,
            depth: (s - lo, hi - e),
            recvs,
            sends,
            outer,
            inner,
        }
    }

    /// The plan of a stencil: its [`LaneStencil::block_depth`].
    ///
    /// # Panics
    /// As [`HaloPlan::new`].
    pub fn for_stencil<T: Scalar, S: LaneStencil<T>>(
        grid: &ChunkGrid,
        block: usize,
        axis: usize,
        st: &S,
    ) -> Self {
        Self::new(grid, block, axis, |s, e, n| st.block_depth(s, e, n))
    }

    /// Number of elements in a piece of `rows` rows.
    pub fn msg_len(&self, rows: &Range<usize>) -> usize {
        self.outer * rows.len() * self.inner
    }
    /// Elements this block sends per exchange.
    pub fn send_elems(&self) -> usize {
        self.sends.iter().map(|t| self.msg_len(&t.rows)).sum()
    }
    /// Elements this block receives per exchange (the size of its two halo slabs).
    pub fn recv_elems(&self) -> usize {
        self.recvs.iter().map(|t| self.msg_len(&t.rows)).sum()
    }
    /// Local length along the axis.
    pub fn m(&self) -> usize {
        self.own.1 - self.own.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thin_neighbours_send_and_receive_in_pieces() {
        let g = ChunkGrid::new(&[7, 2], vec![vec![1, 1, 3, 2], vec![2]]).unwrap();
        let p = HaloPlan::new(&g, 2, 0, |_, _, _| (2, 2));
        assert_eq!(p.own, (2, 5));
        assert_eq!(p.depth, (2, 2));
        let r: Vec<_> = p
            .recvs
            .iter()
            .map(|t| (t.peer, t.side, t.rows.clone()))
            .collect();
        assert_eq!(
            r,
            vec![
                (0, Side::Before, 0..1),
                (1, Side::Before, 1..2),
                (3, Side::After, 5..7)
            ]
        );
        // Block 2 sends its first rows to the blocks after... and its last rows to those before.
        let s: Vec<_> = p
            .sends
            .iter()
            .map(|t| (t.peer, t.side, t.rows.clone()))
            .collect();
        assert_eq!(
            s,
            vec![
                (0, Side::After, 2..3),
                (1, Side::After, 2..4),
                (3, Side::Before, 3..5)
            ]
        );
        assert_eq!((p.outer, p.inner, p.m()), (1, 2, 3));
        assert_eq!(p.recv_elems(), 8);
        // Every piece received is sent by its peer.
        let plans: Vec<HaloPlan> = (0..4)
            .map(|b| HaloPlan::new(&g, b, 0, |_, _, _| (2, 2)))
            .collect();
        for (b, p) in plans.iter().enumerate() {
            for t in &p.recvs {
                assert!(plans[t.peer]
                    .sends
                    .iter()
                    .any(|s| s.peer == b && s.side == t.side && s.rows == t.rows));
            }
        }
        let sent: usize = plans.iter().map(HaloPlan::send_elems).sum();
        let got: usize = plans.iter().map(HaloPlan::recv_elems).sum();
        assert_eq!(sent, got);
    }

    #[test]
    fn ends_and_huge_depths_are_truncated() {
        let g = ChunkGrid::new(&[6], vec![vec![3, 3]]).unwrap();
        let p = HaloPlan::new(&g, 0, 0, |_, _, _| (usize::MAX, usize::MAX));
        assert_eq!(p.depth, (0, 3));
        let g = ChunkGrid::new(&[4, 6], vec![vec![4], vec![6]]).unwrap();
        let p = HaloPlan::new(&g, 0, 1, |_, _, _| (1, 1));
        assert!(p.recvs.is_empty() && p.sends.is_empty());
    }
}
