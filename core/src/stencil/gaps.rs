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
    /// Elements of the shortest block of those terms.
    len: usize,
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
    let mut len = usize::MAX;
    for (k, o) in on.iter_mut().enumerate().take(terms.len()) {
        *o = key(k) == Some((inner, m, fl, fh));
        if *o {
            len = len.min(terms[k].block.x.len());
        }
    }
    Some(LaneGaps {
        on,
        period: m * inner,
        gap: (m - (fh - fl)) * inner,
        len,
    })
}

/// A range that a fused pass computes with the gap terms' interior formula run across their gaps
/// ([`LaneGaps::merged`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Merged {
    /// Where the range ends (flat, exclusive).
    pub(crate) end: usize,
    /// Where the first gap that the range meets starts (flat; before the range's start if the range
    /// starts inside a gap).
    first_gap: usize,
}

impl LaneGaps {
    /// The range from `p` that a pass can compute with the gap terms' interior formula run straight
    /// across their gaps, if it holds elements of both kinds: up to the next change of another
    /// term's status (or `limit`), so that every other term keeps its status throughout.
    ///
    /// Across a gap, the interior formula reads the rows next to the gap, in the period before or
    /// after the gap's element (an interior row's window lies in its period, so no tap reaches
    /// further): the range may start inside a gap only past the block's first period, and end
    /// inside one only before its last period. Otherwise it starts or ends at the gap's edge.
    #[inline]
    pub(crate) fn merged(&self, st: &[(bool, usize)], p: usize, limit: usize) -> Option<Merged> {
        let mut g = None;
        let mut e = limit;
        for (k, s) in st.iter().enumerate() {
            if self.on[k] {
                g = Some(*s);
            } else {
                e = e.min(s.1);
            }
        }
        // `c`: where the gap terms' status changes, the end of their interior run (a gap's start)
        // or, on a gap, the start of the next run.
        let (fast, c) = g?;
        let first_gap = if fast {
            c
        } else if p >= self.period {
            c - self.gap
        } else {
            return None;
        };
        if e <= first_gap {
            return None;
        }
        // The last gap that starts before `e`.
        let last_gap = first_gap + (e - 1 - first_gap) / self.period * self.period;
        let end = if e - last_gap <= self.gap && e + self.period > self.len {
            last_gap
        } else {
            e
        };
        // At least one gap element, and one interior element of the gap terms.
        let both = if fast { end > first_gap } else { end > c };
        both.then_some(Merged { end, first_gap })
    }
}

/// A range found by [`LaneGaps::merged`]: the sum over `p .. p + y.len()` with the gap terms'
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
#[allow(clippy::too_many_arguments)]
pub(crate) fn merged_range<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    g: &LaneGaps,
    m: Merged,
    st: &[(bool, usize)],
    ints: &[(usize, usize)],
    p: usize,
    y: &mut [T],
    stream: bool,
) {
    let nt = terms.len();
    let gapped = |k: usize| g.on[k];
    let c0 = m.first_gap;
    if (0..nt).all(|k| gapped(k) || st[k].0) {
        let cached = Cached::runs(y, c0 as isize - p as isize, g.gap, g.period);
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
    // The gaps (the first and last may lie partly outside the range): the gap terms are on edge
    // rows there, the others keep their status.
    let end = p + y.len();
    let ngaps = (end - 1 - c0) / g.period + 1;
    if gap_columns(terms, g, st, ints, c0, ngaps, p, y) {
        return;
    }
    let mut sg = [(false, 0usize); MAX_POINT_TERMS];
    for (k, s) in sg[..nt].iter_mut().enumerate() {
        *s = (!gapped(k) && st[k].0, 0);
    }
    for j in 0..ngaps {
        let c = c0 + j * g.period;
        let (lo, hi) = (c.max(p), (c + g.gap).min(end));
        let yg = &mut y[lo - p..hi - p];
        if !small_piece(terms, &sg[..nt], ints, lo, yg) {
            terms_range(terms, lo, yg);
        }
    }
}

/// The elements of the `ngaps` gaps of a merged range (the first at flat index `c0`, then every
/// `g.period`) that lie in the range (`y`, from flat index `p`) when every other term is interior there: term by term, and for each element of
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
    let end = p + y.len();
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
    // Element by element, gap after gap, the whole sum in a register (as `small_piece`, with the
    // statuses known): one store per element. Measured level with walking every gap once per term
    // (docs/perf.md, eleventh session), and shorter. The edge rows' branches repeat gap after gap.
    // The local row of each element of a gap (the gap terms share `inner` and `m`), divided out once.
    let mut rows = [0usize; SMALL_PIECE];
    if let Some(k) = (0..terms.len()).find(|&k| g.on[k]) {
        let b = &terms[k].block;
        let first = (c0 / b.inner) % b.m;
        for (j, r) in rows.iter_mut().enumerate().take(g.gap) {
            *r = row(b, first, j);
        }
    }
    for l in 0..ngaps {
        for (j, &r) in rows[..g.gap].iter().enumerate() {
            let e = c0 + l * g.period + j;
            if e < p || e >= end {
                continue;
            }
            let mut acc = T::zero();
            for (k, t) in terms.iter().enumerate() {
                let b = &t.block;
                let v = if g.on[k] {
                    let i = b.start + r;
                    // Input row `gr` of this lane: `gr - i` rows away from the output element.
                    let base = e as isize - (i * b.inner) as isize;
                    t.stencil.any_row_formula(i, b.n, |gr| {
                        b.x[(base + (gr * b.inner) as isize) as usize]
                    })
                } else {
                    // Checked above: every other term has a point formula. (Were it not so, the
                    // caller would recompute every gap element.)
                    let Some(v) = interior_at(t, e) else {
                        return false;
                    };
                    v
                };
                acc = sum_term(k, t, acc, v);
            }
            y[e - p] = acc;
        }
    }
    true
}

/// Term `k`'s value `v` added to the sum `acc` of the terms before it, as [`terms_range`] sums
/// them: times the weight (if not exactly one), then `v` itself for the first term, `acc + v` for
/// the others.
#[inline(always)]
fn sum_term<T: Scalar, S>(k: usize, t: &BlockTerm<'_, T, S>, acc: T, v: T) -> T {
    let v = match t.weight.filter(|&w| !is_exact_one(w)) {
        None => v,
        Some(w) => w * v,
    };
    if k == 0 {
        v
    } else {
        acc + v
    }
}

/// Term `t`'s interior point formula at flat element `e` of its block, divided by its divisor (if
/// not exactly one), or `None` if it has no point formula.
#[inline(always)]
fn interior_at<T: Scalar, S: LaneStencil<T>>(t: &BlockTerm<'_, T, S>, e: usize) -> Option<T> {
    let b = &t.block;
    let v = t.stencil.interior_formula(PointAt {
        x: b.x,
        p: e,
        stride: b.inner,
    })?;
    let s = t.stencil.divisor();
    Some(if is_exact_one(s) { v } else { v.np_div(s) })
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
                let Some(v) = interior_at(t, p + q) else {
                    return false;
                };
                v
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
            acc = sum_term(k, t, acc, v);
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
    use crate::stencil::fused::tests::{check_fused, toy_stencils, toy_terms};
    use crate::stencil::fused::{run_terms, run_terms_streamed, terms_range};
    use crate::stencil::lane::toy::data;

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

    /// Every range `a .. b` of the flat output through [`run_terms`] (streamed and not): merged
    /// ranges that start or end inside a gap, next to the block's first or last period or away from
    /// them, give the bits of the whole pass.
    #[test]
    fn ranges_starting_and_ending_anywhere_give_the_same_bits() {
        for (shape, terms) in [
            (vec![5, 8], vec![(0, 1.0, None), (1, 0.5, Some(2.0))]),
            (
                vec![4, 3, 7],
                vec![(2, 1.0, None), (0, 1.0, None), (1, 2.0, None)],
            ),
            // Gaps of three elements along a middle axis of thin planes.
            (vec![5, 4, 3], vec![(1, 1.0, None), (0, 0.5, Some(-1.0))]),
        ] {
            let len: usize = shape.iter().product();
            let x = data(len, 12);
            let sts = toy_stencils(&terms);
            let fused = toy_terms(&x, &shape, &terms, &sts);
            let mut whole = vec![f64::NAN; len];
            terms_range(&fused, 0, &mut whole);
            for a in 0..len {
                for b in a + 1..=len {
                    let mut y = vec![f64::NAN; b - a];
                    run_terms(&fused, a, &mut y);
                    let mut ys = vec![f64::NAN; b - a];
                    run_terms_streamed(&fused, a, &mut ys);
                    for (q, (v, vs)) in y.iter().zip(&ys).enumerate() {
                        let w = whole[a + q].to_bits();
                        assert_eq!(v.to_bits(), w, "{shape:?} {a}..{b} at {}", a + q);
                        assert_eq!(
                            vs.to_bits(),
                            w,
                            "{shape:?} {a}..{b} at {} (streamed)",
                            a + q
                        );
                    }
                }
            }
        }
    }
}
