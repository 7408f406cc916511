//! Deterministic parallel passes over the elements of equally laid-out chunked arrays.
//!
//! Every vector operation of [`ChunkedArray`](crate::ChunkedArray) is one call of [`pass`]: the
//! operands (blocks of one or more arrays, some mutable) are split in halves recursively with
//! `rayon::join` — first over blocks, then within a block over pieces of [`REDUCE_PIECE`] elements —
//! and a kernel runs on each piece. Partial results (a norm, a dot product, or `()`) are combined
//! along the same fixed binary tree, so a reduction depends only on the chunk grid, never on the
//! number of threads or on timing, and nothing is allocated.

use crate::chunked::REDUCE_PIECE;
use crate::scalar::Scalar;
use ndarray::ArrayD;
use std::ops::Add;

/// Operands that can be cut in two at an index (slices, or tuples of slices cut at the same index).
pub(crate) trait Split: Sized + Send {
    /// Number of items (the first operand's; all operands have the same length).
    fn count(&self) -> usize;
    /// Cuts every operand at `at`.
    fn split(self, at: usize) -> (Self, Self);
}

impl<X: Sync> Split for &[X] {
    fn count(&self) -> usize {
        self.len()
    }
    fn split(self, at: usize) -> (Self, Self) {
        self.split_at(at)
    }
}

impl<X: Send> Split for &mut [X] {
    fn count(&self) -> usize {
        self.len()
    }
    fn split(self, at: usize) -> (Self, Self) {
        self.split_at_mut(at)
    }
}

impl<A: Split, B: Split> Split for (A, B) {
    fn count(&self) -> usize {
        self.0.count()
    }
    fn split(self, at: usize) -> (Self, Self) {
        let (a0, a1) = self.0.split(at);
        let (b0, b1) = self.1.split(at);
        ((a0, b0), (a1, b1))
    }
}

impl<A: Split, B: Split, C: Split> Split for (A, B, C) {
    fn count(&self) -> usize {
        self.0.count()
    }
    fn split(self, at: usize) -> (Self, Self) {
        let (a0, a1) = self.0.split(at);
        let (b0, b1) = self.1.split(at);
        let (c0, c1) = self.2.split(at);
        ((a0, b0, c0), (a1, b1, c1))
    }
}

/// Lists of blocks (one list per operand); a list of one block turns into its element slice.
pub(crate) trait Blocks: Split {
    /// The element slices of a single block (one per operand).
    type Elems: Split;
    /// The elements of the first (only) block of every operand.
    fn elems(self) -> Self::Elems;
}

impl<'a, T: Scalar> Blocks for &'a [ArrayD<T>] {
    type Elems = &'a [T];
    fn elems(self) -> &'a [T] {
        self[0].as_slice().expect("standard layout")
    }
}

impl<'a, T: Scalar> Blocks for &'a mut [ArrayD<T>] {
    type Elems = &'a mut [T];
    fn elems(self) -> &'a mut [T] {
        self[0].as_slice_mut().expect("standard layout")
    }
}

impl<A: Blocks, B: Blocks> Blocks for (A, B) {
    type Elems = (A::Elems, B::Elems);
    fn elems(self) -> Self::Elems {
        (self.0.elems(), self.1.elems())
    }
}

impl<A: Blocks, B: Blocks, C: Blocks> Blocks for (A, B, C) {
    type Elems = (A::Elems, B::Elems, C::Elems);
    fn elems(self) -> Self::Elems {
        (self.0.elems(), self.1.elems(), self.2.elems())
    }
}

/// A partial result of a pass: combined in a fixed order.
pub(crate) trait Partial: Send + Copy + Add<Output = Self> {
    /// The neutral element.
    fn zero() -> Self;
}

impl<T: Scalar> Partial for T {
    fn zero() -> Self {
        <T as num_traits::Zero>::zero()
    }
}

/// `()` for passes that only update.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Nothing;

impl Add for Nothing {
    type Output = Nothing;
    fn add(self, _: Nothing) -> Nothing {
        Nothing
    }
}

impl Partial for Nothing {
    fn zero() -> Self {
        Nothing
    }
}

/// Runs `kernel` on every piece of the operands, in parallel, and combines the partial results along
/// a fixed binary tree (blocks first, then pieces of [`REDUCE_PIECE`] elements).
pub(crate) fn pass<B, R, F>(blocks: B, kernel: &F) -> R
where
    B: Blocks,
    R: Partial,
    F: Fn(B::Elems) -> R + Sync,
{
    match blocks.count() {
        0 => R::zero(),
        1 => pieces(blocks.elems(), kernel),
        n => {
            let (a, b) = blocks.split(n / 2);
            let (ra, rb) = rayon::join(|| pass(a, kernel), || pass(b, kernel));
            ra + rb
        }
    }
}

fn pieces<P, R, F>(p: P, kernel: &F) -> R
where
    P: Split,
    R: Partial,
    F: Fn(P) -> R + Sync,
{
    let n = p.count();
    if n <= REDUCE_PIECE {
        return kernel(p);
    }
    let at = n.div_ceil(REDUCE_PIECE) / 2 * REDUCE_PIECE;
    let (a, b) = p.split(at);
    let (ra, rb) = rayon::join(|| pieces(a, kernel), || pieces(b, kernel));
    ra + rb
}

/// [`pass`], with the kernel told where its piece lies: `kernel(k, start, piece)` gets the index
/// `k` of the piece's block and the offset `start` of its first element in the block's data.
///
/// The pieces and the tree that joins their results are those of [`pass`], so a kernel that
/// writes a piece of an output and then reduces it like a pass's kernel (with [`lane_sum`]) gives
/// the bits of that pass run over the output after it was written, in one pass over memory: each
/// piece is reduced while it is still in cache.
pub(crate) fn pass_indexed<B, R, F>(blocks: B, kernel: &F) -> R
where
    B: Blocks,
    R: Partial,
    F: Fn(usize, usize, B::Elems) -> R + Sync,
{
    blocks_from(blocks, 0, kernel)
}

fn blocks_from<B, R, F>(blocks: B, k0: usize, kernel: &F) -> R
where
    B: Blocks,
    R: Partial,
    F: Fn(usize, usize, B::Elems) -> R + Sync,
{
    match blocks.count() {
        0 => R::zero(),
        1 => pieces_from(blocks.elems(), 0, &|s, p| kernel(k0, s, p)),
        n => {
            let (a, b) = blocks.split(n / 2);
            let (ra, rb) = rayon::join(
                || blocks_from(a, k0, kernel),
                || blocks_from(b, k0 + n / 2, kernel),
            );
            ra + rb
        }
    }
}

/// [`pieces`] with the offset of every piece (`start0` for the first).
fn pieces_from<P, R, F>(p: P, start0: usize, kernel: &F) -> R
where
    P: Split,
    R: Partial,
    F: Fn(usize, P) -> R + Sync,
{
    let n = p.count();
    if n <= REDUCE_PIECE {
        return kernel(start0, p);
    }
    let at = n.div_ceil(REDUCE_PIECE) / 2 * REDUCE_PIECE;
    let (a, b) = p.split(at);
    let (ra, rb) = rayon::join(
        || pieces_from(a, start0, kernel),
        || pieces_from(b, start0 + at, kernel),
    );
    ra + rb
}

/// Number of interleaved partial sums within a piece (enough independent additions in flight to hide
/// the latency of a floating-point add; the compiler keeps them in vector registers).
pub(crate) const LANES: usize = 8;

/// `sum_i term(p, i)` over the elements of the operands `p`, accumulated in [`LANES`] interleaved
/// partial sums (element `i` goes to sum `i mod LANES`) that are then added pairwise: a fixed order,
/// and several times faster than one running sum. `term` sees the operands cut to [`LANES`] elements
/// (fewer at the end) and an index into them, so the compiler knows every index is in bounds and
/// vectorises the loop.
#[inline(always)]
pub(crate) fn lane_sum<P: Split, R: Partial>(p: P, term: impl FnMut(&mut P, usize) -> R) -> R {
    let mut acc = LaneAcc::new();
    acc.add(p, term);
    acc.finish()
}

/// The partial sums of a [`lane_sum`] carried across consecutive pieces of one operand: adding
/// pieces of `n_0, n_1, ...` elements, every one but the last a multiple of [`LANES`], gives the
/// bits of one [`lane_sum`] over their concatenation (element `i` of the whole goes to sum
/// `i mod LANES`). For a kernel that computes a piece in sub-pieces (e.g. into a buffer in L1).
pub(crate) struct LaneAcc<R>([R; LANES]);

impl<R: Partial> LaneAcc<R> {
    /// No elements yet.
    #[inline(always)]
    pub(crate) fn new() -> Self {
        Self([R::zero(); LANES])
    }

    /// Adds the terms of the elements of `p` (see [`LaneAcc`] for the lengths that keep the
    /// order of one [`lane_sum`]).
    #[inline(always)]
    pub(crate) fn add<P: Split>(&mut self, mut p: P, mut term: impl FnMut(&mut P, usize) -> R) {
        // A local copy, which the compiler keeps in registers (`self` may be behind a pointer
        // that the stores to `p` could alias, as far as it knows).
        let mut acc = self.0;
        while p.count() >= LANES {
            let (mut head, tail) = p.split(LANES);
            for (j, a) in acc.iter_mut().enumerate() {
                *a = *a + term(&mut head, j);
            }
            p = tail;
        }
        let rest = p.count();
        for (j, a) in acc.iter_mut().enumerate().take(rest) {
            *a = *a + term(&mut p, j);
        }
        self.0 = acc;
    }

    /// The sum: the partial sums added pairwise.
    #[inline(always)]
    pub(crate) fn finish(self) -> R {
        let a = self.0;
        ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_sum_covers_every_term_once() {
        for n in [0, 1, 7, 8, 9, 63, 64, 65] {
            let v: Vec<f64> = (1..=n).map(|i| i as f64).collect();
            let s: f64 = lane_sum(&v[..], |h, i| h[i]);
            assert_eq!(s, (n * (n + 1) / 2) as f64, "n = {n}");
        }
    }

    #[test]
    fn lane_acc_over_sub_pieces_gives_the_bits_of_one_lane_sum() {
        // Terms whose sum depends on the order (no two partial sums are exchangeable).
        let v: Vec<f64> = (0..1003)
            .map(|i| 1.0 / (1.0 + i as f64) * 1e3f64.powi(i % 7))
            .collect();
        let whole: f64 = lane_sum(&v[..], |h, i| h[i]);
        for cut in [8, 64, 200, 1000] {
            let mut acc = LaneAcc::new();
            for c in v.chunks(cut) {
                acc.add(c, |h, i| h[i]);
            }
            assert_eq!(
                acc.finish().to_bits(),
                whole.to_bits(),
                "sub-pieces of {cut}"
            );
        }
        // A sub-piece that is not a multiple of LANES (not the last) changes the order: with
        // pieces of 13, element 13 joins sum 0 (not 5) and cancels element 0 before element 16
        // is added to it, so 1 survives; in one lane_sum, 1e16 + 1 rounds to 1e16 first.
        let mut v = vec![0.0f64; 40];
        (v[0], v[13], v[16]) = (1e16, -1e16, 1.0);
        assert_eq!(lane_sum(&v[..], |h, i| h[i]), 0.0);
        let mut acc = LaneAcc::new();
        for c in v.chunks(13) {
            acc.add(c, |h, i| h[i]);
        }
        assert_eq!(acc.finish(), 1.0);
    }

    #[test]
    fn pass_visits_every_element_once_across_blocks_and_pieces() {
        let n = 3 * REDUCE_PIECE + 5;
        let mut blocks = [
            ArrayD::<f64>::zeros(ndarray::IxDyn(&[n])),
            ArrayD::<f64>::zeros(ndarray::IxDyn(&[0])),
            ArrayD::<f64>::zeros(ndarray::IxDyn(&[17])),
        ];
        let ones: Vec<ArrayD<f64>> = blocks.iter().map(|b| b.mapv(|_| 1.0)).collect();
        let count: f64 = pass((&mut blocks[..], &ones[..]), &|(a, b): (
            &mut [f64],
            &[f64],
        )| {
            for (a, b) in a.iter_mut().zip(b) {
                *a += b;
            }
            a.len() as f64
        });
        assert_eq!(count, (n + 17) as f64);
        assert!(blocks.iter().all(|b| b.iter().all(|&v| v == 1.0)));
    }
}
