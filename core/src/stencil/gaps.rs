//! The fused pass at lane ends: terms whose interior formula stops for a few elements at every lane
//! run it straight across those gaps, and the gap elements are recomputed exactly afterwards.

use super::fused::{terms_range, with_put, MAX_POINT_TERMS};
use super::lane::{Add, AddScaled, AxisBlock, LaneStencil, PointVisitor, Probe, Set, SetScaled};
use super::put::Cached;
use super::simd::{apply_range, point_sums};
use super::taps::is_exact_one;
use super::terms::BlockTerm;
use crate::scalar::Scalar;

/// The terms of a fused pass whose interior formula stops for a few elements at every lane (the
/// last axis, typically: the first and last elements of each lane are edge rows), all with the same
/// pattern, so that a pass can run their interior formula straight across those short gaps and
/// recompute the elements of the gaps afterwards.
pub(crate) struct LaneGaps {
    /// Which terms have the pattern.
    on: [bool; MAX_POINT_TERMS],
    /// Flat elements per period of the pattern (`m * inner` of those terms).
    period: usize,
    /// Elements of a gap (`(m - (fh - fl)) * inner`), at most [`SMALL_PIECE`].
    gap: usize,
}

/// The [`LaneGaps`] of the terms (the pattern of the first term with short gaps), if any.
pub(crate) fn lane_gaps<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    fast: &[(usize, usize)],
) -> Option<LaneGaps> {
    let key = |k: usize| {
        let b = &terms[k].block;
        let (fl, fh) = fast[k];
        let gap = (b.m - (fh - fl)) * b.inner;
        (fl < fh && gap > 0 && gap <= SMALL_PIECE).then_some((b.inner, b.m, fl, fh))
    };
    let k0 = (0..terms.len()).find(|&k| key(k).is_some())?;
    let (inner, m, fl, fh) = key(k0)?;
    let mut on = [false; MAX_POINT_TERMS];
    for (k, o) in on.iter_mut().enumerate().take(terms.len()) {
        *o = key(k) == Some((inner, m, fl, fh));
    }
    Some(LaneGaps {
        on,
        period: m * inner,
        gap: (m - (fh - fl)) * inner,
    })
}

impl LaneGaps {
    /// If the gap terms' interior formula applies at the current position (their status in `st`) and the range from `p`
    /// from there to the next change of another term (or `limit`) holds at least one whole gap followed by
    /// interior elements, the end of that range cut after the last of those interior runs: the gap
    /// terms are interior at the current position and at `end - 1`, and every other term keeps its status throughout.
    #[inline]
    pub(crate) fn merged_end(&self, st: &[(bool, usize)], limit: usize) -> Option<usize> {
        let mut g = None;
        let mut e = limit;
        for (k, s) in st.iter().enumerate() {
            if self.on[k] {
                g = Some(*s);
            } else {
                e = e.min(s.1);
            }
        }
        let (fast, c) = g?;
        // `c`: where the current interior run of the gap terms ends (its first gap).
        if !fast || c + self.gap >= e {
            return None;
        }
        let run = self.period - self.gap;
        // The last interior run starting before `e`, and where it ends (cut at `e`).
        let j = (e - (c + self.gap) - 1) / self.period;
        Some((c + self.gap + j * self.period + run).min(e))
    }
}

/// A range found by [`LaneGaps::merged_end`]: the sum over `p .. p + y.len()` with the gap terms'
/// interior formula run straight across their gaps (giving wrong values there, read from the
/// neighbouring lanes), then every element of every gap recomputed exactly, as a short piece.
///
/// With `stream`, the point-by-point sum writes its whole 64-byte groups with streaming stores,
/// except the groups that hold gap elements ([`Cached`]): those are stored as usual, so that the
/// second store of the gap elements finds their lines in cache instead of sending them to memory
/// twice. The caller owes the fence.
// Inlined in optimised builds only, as `point_sum` (the test profile's frames).
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn merged_range<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    g: &LaneGaps,
    st: &[(bool, usize)],
    ints: &[(usize, usize)],
    p: usize,
    y: &mut [T],
    stream: bool,
) {
    let nt = terms.len();
    let gapped = |k: usize| g.on[k];
    // The first gap (the gap terms' current interior run ends there), at or after `p`.
    let k0 = (0..nt).find(|&k| gapped(k)).unwrap_or(0);
    let c0 = st[k0].1;
    if (0..nt).all(|k| gapped(k) || st[k].0) {
        let cached = Cached::runs(y, c0 - p, g.gap, g.period);
        point_sums(terms, p, y, stream, cached);
    } else {
        for (k, t) in terms.iter().enumerate() {
            let weight = t.weight.filter(|&w| !is_exact_one(w));
            let b = &t.block;
            if gapped(k) {
                with_put!(k == 0, weight, |put| t
                    .stencil
                    .run_interior(b.x, p, b.inner, y, put))
            } else {
                with_put!(k == 0, weight, |put| apply_range(t.stencil, b, p, y, put))
            }
        }
    }
    // The gaps: the gap terms are on edge rows there, the others keep their status.
    let end = p + y.len();
    let ngaps = if c0 + g.gap < end {
        (end - c0 - g.gap - 1) / g.period + 1
    } else {
        0
    };
    if ngaps == 0 || gap_columns(terms, g, st, ints, c0, ngaps, p, y) {
        return;
    }
    let mut sg = [(false, 0usize); MAX_POINT_TERMS];
    for (k, s) in sg[..nt].iter_mut().enumerate() {
        *s = (!gapped(k) && st[k].0, 0);
    }
    for j in 0..ngaps {
        let c = c0 + j * g.period;
        let yg = &mut y[c - p..c - p + g.gap];
        if !small_piece(terms, &sg[..nt], ints, c, yg) {
            terms_range(terms, c, yg);
        }
    }
}

/// The `ngaps` gaps of a merged range (the first at flat index `c0`, then every `g.period`; `y` starts
/// at flat index `p`) when every other term is interior there: term by term, and for each element of
/// a gap across all the gaps, so that each loop runs one formula (the gap terms' edge row through
/// [`LaneStencil::any_row_formula`], the others' interior point formula) with its branches hoisted. The sum is
/// accumulated in `y` in the terms' order, with the operations of [`small_piece`]. Returns `false`,
/// having written nothing, if a term is not interior there or a gap row needs the halo.
#[allow(clippy::too_many_arguments)]
// Inlined in optimised builds only, as `point_sum` (the test profile's frames).
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
fn gap_columns<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    g: &LaneGaps,
    st: &[(bool, usize)],
    ints: &[(usize, usize)],
    c0: usize,
    ngaps: usize,
    p: usize,
    y: &mut [T],
) -> bool {
    // Row (local, along the gap terms' axis) of element `j` of a gap, and of the gap's first element.
    let row = |b: &AxisBlock<'_, T>, first: usize, j: usize| (first + j / b.inner) % b.m;
    for (k, t) in terms.iter().enumerate() {
        if !g.on[k] {
            if !st[k].0 || t.stencil.interior_formula(Probe).is_none() {
                return false;
            }
            continue;
        }
        let b = &t.block;
        let first = (c0 / b.inner) % b.m;
        for j in (0..g.gap).step_by(b.inner) {
            let il = row(b, first, j);
            let (il0, il1) = ints[k];
            match t.stencil.window(b.start + il, b.n) {
                Some((lo, hi))
                    if (il < il0 || il >= il1) && lo >= b.start && hi < b.start + b.m => {}
                _ => return false,
            }
        }
    }
    for (k, t) in terms.iter().enumerate() {
        let b = &t.block;
        let weight = t.weight.filter(|&w| !is_exact_one(w));
        let first = (c0 / b.inner) % b.m;
        let s = t.stencil.divisor();
        for j in 0..g.gap {
            if g.on[k] {
                let i = b.start + row(b, first, j);
                for e in (0..ngaps).map(|l| c0 + l * g.period + j) {
                    // Input row `gr` of this lane: `gr - i` rows away from the output element.
                    let base = e as isize - (i * b.inner) as isize;
                    let v = t.stencil.any_row_formula(i, b.n, |gr| {
                        b.x[(base + (gr * b.inner) as isize) as usize]
                    });
                    put_term(k, weight, &mut y[e - p], v);
                }
            }
        }
        if !g.on[k] {
            let cols = GapColumns {
                x: b.x,
                stride: b.inner,
                c0,
                ngaps,
                period: g.period,
                gap: g.gap,
                p,
                y: &mut *y,
                k,
                weight,
                s,
            };
            if t.stencil.interior_formula(cols).is_none() {
                return false;
            }
        }
    }
    true
}

/// The visitor that adds an interior term to the elements of every gap ([`gap_columns`]).
struct GapColumns<'a, 'y, T> {
    x: &'a [T],
    stride: usize,
    c0: usize,
    ngaps: usize,
    period: usize,
    gap: usize,
    p: usize,
    y: &'y mut [T],
    k: usize,
    weight: Option<T>,
    s: T,
}

impl<T: Scalar> PointVisitor<T> for GapColumns<'_, '_, T> {
    type Out = ();
    #[inline(always)]
    fn visit<const K: usize, F: Fn([T; K]) -> T + Copy>(self, offs: [isize; K], f: F) {
        for j in 0..self.gap {
            for l in 0..self.ngaps {
                let e = self.c0 + l * self.period + j;
                let v = f(std::array::from_fn(|jj| {
                    self.x[(e as isize + offs[jj] * self.stride as isize) as usize]
                }));
                let v = if is_exact_one(self.s) {
                    v
                } else {
                    v.np_div(self.s)
                };
                put_term(self.k, self.weight, &mut self.y[e - self.p], v);
            }
        }
    }
}

/// Term `k` of a sum accumulated in place, as [`small_piece`] does: `v` times the weight (if any),
/// then `y = v` for the first term, `y = y + v` for the others.
#[inline(always)]
fn put_term<T: Scalar>(k: usize, weight: Option<T>, y: &mut T, v: T) {
    let v = match weight {
        None => v,
        Some(w) => w * v,
    };
    *y = if k == 0 { v } else { *y + v };
}

/// Longest piece [`small_piece`] computes element by element.
pub(crate) const SMALL_PIECE: usize = 16;

/// A short piece of a fused sum where some terms are on edge rows (typically the two ends of a lane
/// along the last axis), element by element: interior terms through their point formula, edge terms
/// through [`LaneStencil::any_row_formula`] reading the block, summed as [`terms_range`] does (same operations,
/// same order). Returns `false`, leaving `y` to be recomputed, if a term needs its halo.
// Inlined in optimised builds only, as `point_sum` (the test profile's frames).
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn small_piece<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    st: &[(bool, usize)],
    ints: &[(usize, usize)],
    p: usize,
    y: &mut [T],
) -> bool {
    // (outer index, row, element in the row) of `p` for the terms on edge rows, advanced element by
    // element (a term's status is the same over the whole piece).
    let mut at = [(0usize, 0usize, 0usize); MAX_POINT_TERMS];
    for ((a, t), s) in at.iter_mut().zip(terms).zip(st) {
        if !s.0 {
            let (inner, m) = (t.block.inner, t.block.m);
            let r = p / inner;
            *a = (r / m, r % m, p - r * inner);
        }
    }
    for (q, yq) in y.iter_mut().enumerate() {
        let mut acc = T::zero();
        for (k, t) in terms.iter().enumerate() {
            let b = &t.block;
            let v = if st[k].0 {
                let pt = PointAt {
                    x: b.x,
                    p: p + q,
                    stride: b.inner,
                };
                let Some(v) = t.stencil.interior_formula(pt) else {
                    return false;
                };
                let s = t.stencil.divisor();
                if is_exact_one(s) {
                    v
                } else {
                    v.np_div(s)
                }
            } else {
                let (o, il, e) = at[k];
                let (il0, il1) = ints[k];
                let i = b.start + il;
                let v = match t.stencil.window(i, b.n) {
                    Some((lo, hi))
                        if (il < il0 || il >= il1) && lo >= b.start && hi < b.start + b.m =>
                    {
                        let base = (o * b.m * b.inner + e) as isize - (b.start * b.inner) as isize;
                        t.stencil.any_row_formula(i, b.n, |g| {
                            b.x[(base + (g * b.inner) as isize) as usize]
                        })
                    }
                    _ => return false,
                };
                let a = &mut at[k];
                a.2 += 1;
                if a.2 == b.inner {
                    a.2 = 0;
                    a.1 += 1;
                    if a.1 == b.m {
                        a.1 = 0;
                        a.0 += 1;
                    }
                }
                v
            };
            let v = match t.weight.filter(|&w| !is_exact_one(w)) {
                None => v,
                Some(w) => w * v,
            };
            acc = if k == 0 { v } else { acc + v };
        }
        *yq = acc;
    }
    true
}

/// The visitor that evaluates a point formula at one element `p` of a buffer with row stride `stride`.
struct PointAt<'a, T> {
    x: &'a [T],
    p: usize,
    stride: usize,
}

impl<T: Scalar> PointVisitor<T> for PointAt<'_, T> {
    type Out = T;
    #[inline(always)]
    fn visit<const K: usize, F: Fn([T; K]) -> T + Copy>(self, offs: [isize; K], f: F) -> T {
        f(std::array::from_fn(|j| {
            self.x[(self.p as isize + offs[j] * self.stride as isize) as usize]
        }))
    }
}

#[cfg(test)]
mod tests {
    use crate::stencil::fused::tests::check_fused;

    #[test]
    fn lane_gaps_are_recomputed_exactly() {
        // Short lanes along the last axis (gaps of 2 elements per lane), several lanes per tile.
        check_fused(&[64, 9], &[(0, 1.0, None), (1, 1.0, None)], 7);
        check_fused(&[5, 6, 8], &[(2, 0.5, Some(2.0)), (0, 1.0, Some(-1.0))], 8);
        // A middle axis with thin planes: gaps of several elements.
        check_fused(
            &[9, 4, 3],
            &[(1, 1.0, None), (2, 2.0, None), (0, 1.0, None)],
            9,
        );
        // Lanes of one or two rows: every element an edge row.
        check_fused(&[30, 2], &[(0, 1.0, None), (1, 1.0, None)], 10);
        check_fused(&[30, 1], &[(1, 1.0, None), (0, 1.0, None)], 11);
    }
}
