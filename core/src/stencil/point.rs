//! A fused pass's point-by-point sums: where every term's interior formula applies and the terms
//! share one formula, `y[q] = w0 f(x0) / s0 + w1 f(x1) / s1 + ...` in one loop ([`PointSum`]),
//! written with ordinary or streaming stores.

use super::lane::{LaneStencil, PointVisitor};
use super::put::{put_each, Cached, Set, Stream, StreamExcept};
use super::taps::is_exact_one;
use super::terms::BlockTerm;
use crate::scalar::Scalar;

/// The visitor that sums the terms' shared point formula over a run where every term's interior
/// formula applies inside its block.
struct PointSum<'a, 't, 'y, T, S> {
    terms: &'a [BlockTerm<'t, T, S>],
    p: usize,
    y: &'y mut [T],
    /// Whether the sums are written with streaming stores ([`Stream`]).
    stream: bool,
    /// The elements of `y` stored as usual even when streaming (see [`Cached`]).
    cached: Cached,
}

impl<T: Scalar, S: LaneStencil<T>> PointVisitor<T> for PointSum<'_, '_, '_, T, S> {
    type Out = ();
    #[inline(always)]
    fn visit<const K: usize, F: Fn([T; K]) -> T + Copy>(self, offs: [isize; K], f: F) {
        match self.terms.len() {
            1 => point_sum::<T, S, F, K, 1>(self, offs, f),
            2 => point_sum::<T, S, F, K, 2>(self, offs, f),
            3 => point_sum::<T, S, F, K, 3>(self, offs, f),
            _ => point_sum::<T, S, F, K, 4>(self, offs, f),
        }
    }
}

/// The terms' shared point formula summed point by point over `p .. p + y.len()` ([`PointSum`]),
/// where every term's interior formula applies inside its block. The caller has checked that the
/// terms share an interior formula ([`LaneStencil::same_interior_formula`]) that is a point formula.
#[inline(always)]
pub(crate) fn point_sums_generic<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    p: usize,
    y: &mut [T],
    stream: bool,
    cached: Cached,
) {
    terms[0].stencil.interior_formula(PointSum {
        terms,
        p,
        y,
        stream,
        cached,
    });
}

/// The plain build of [`point_sums`](super::simd::point_sums): never streamed (streaming is for
/// AVX2 CPUs only, see [`streams_here`](super::simd::streams_here)), so that build compiles no
/// streamed copy of the loops.
#[inline(always)]
pub(crate) fn point_sums_unstreamed<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    p: usize,
    y: &mut [T],
    _stream: bool,
    cached: Cached,
) {
    point_sums_generic(terms, p, y, false, cached)
}

/// `y[q] = ((w0 * (f(x0) / s0)) + w1 * (f(x1) / s1)) + ...` for the `N` terms (real types only):
/// the sum `terms_range` computes, in the same order. When every divisor and weight is exactly one
/// (or absent) those operations are skipped, as `terms_range` does; otherwise they are all done
/// (a weight or divisor of exactly one then changes no bit, see [`is_exact_one`]).
///
/// When every term reads the same buffer (a Laplacian), the tap at row offset 0 is the same element
/// for all of them: it is then read once per point and shared (`JC` in [`point_sum_loop`]), which
/// also lets the compiler compute what the formula does with it only once.
///
/// Inlined into [`point_sums_generic`] in optimised builds only: unoptimised builds give
/// every inlined local its own stack slot, and the twenty loops this dispatches to (four term
/// counts, five centre taps, each with ordinary and streaming stores) made that function's frame
/// about 1 MiB in the test profile, enough for a rayon worker that runs two of them nested (a
/// `join` waiting on a stolen task) to overflow its 2 MiB stack.
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
fn point_sum<T: Scalar, S: LaneStencil<T>, F: Fn([T; K]) -> T, const K: usize, const N: usize>(
    v: PointSum<'_, '_, '_, T, S>,
    offs: [isize; K],
    f: F,
) {
    let PointSum {
        terms,
        p,
        y,
        stream,
        cached,
    } = v;
    let len = y.len();
    let xs: [[&[T]; K]; N] = std::array::from_fn(|k| {
        let b = &terms[k].block;
        std::array::from_fn(|j| {
            let s = (p as isize + offs[j] * b.inner as isize) as usize;
            &b.x[s..s + len]
        })
    });
    let shared = terms[..N]
        .iter()
        .all(|t| std::ptr::eq(t.block.x.as_ptr(), terms[0].block.x.as_ptr()));
    let centre = offs.iter().position(|&d| d == 0).filter(|_| shared);
    match centre {
        Some(0) => point_sum_loop::<T, S, F, K, N, 0>(terms, &xs, y, f, stream, cached),
        Some(1) => point_sum_loop::<T, S, F, K, N, 1>(terms, &xs, y, f, stream, cached),
        Some(2) => point_sum_loop::<T, S, F, K, N, 2>(terms, &xs, y, f, stream, cached),
        Some(3) => point_sum_loop::<T, S, F, K, N, 3>(terms, &xs, y, f, stream, cached),
        _ => point_sum_loop::<T, S, F, K, N, { usize::MAX }>(terms, &xs, y, f, stream, cached),
    }
}

/// The loop of [`point_sum`] over the rows `xs[k][j]` (term `k`, tap `j`). If `JC < K`, tap `JC`
/// of every term is the same element (the caller checked it), read from term 0's row. Inlined in
/// optimised builds only (see [`point_sum`]).
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
fn point_sum_loop<
    T: Scalar,
    S: LaneStencil<T>,
    F: Fn([T; K]) -> T,
    const K: usize,
    const N: usize,
    const JC: usize,
>(
    terms: &[BlockTerm<'_, T, S>],
    xs: &[[&[T]; K]; N],
    y: &mut [T],
    f: F,
    stream: bool,
    cached: Cached,
) {
    let s: [T; N] = std::array::from_fn(|k| terms[k].stencil.divisor());
    let w: [T; N] = std::array::from_fn(|k| terms[k].weight.unwrap_or_else(T::one));
    let plain = s.iter().chain(&w).all(|&v| is_exact_one(v));
    // A plain loop, not `std::array::from_fn` (see `run_taps`: its closures are not always inlined),
    // reading without bounds checks so that the loop over `q` vectorises.
    #[inline(always)]
    fn taps_at<T: Scalar, const K: usize, const N: usize, const JC: usize>(
        xs: &[[&[T]; K]; N],
        k: usize,
        q: usize,
    ) -> [T; K] {
        let mut v = [T::zero(); K];
        for (j, vj) in v.iter_mut().enumerate() {
            let row = if j == JC { xs[0][j] } else { xs[k][j] };
            debug_assert!(q < row.len());
            // SAFETY: every row of `xs` has `y.len()` elements (built so by `point_sum`) and the
            // callers pass `q < y.len()`.
            *vj = unsafe { *row.get_unchecked(q) };
        }
        v
    }
    debug_assert!(xs.iter().flatten().all(|r| r.len() == y.len()));
    // The same value at every point whichever the store (plain, or streaming groups).
    if plain {
        let at = |q: usize| {
            let mut v = f(taps_at::<T, K, N, JC>(xs, 0, q));
            for k in 1..N {
                v += f(taps_at::<T, K, N, JC>(xs, k, q));
            }
            v
        };
        if stream {
            put_each(
                y,
                StreamExcept {
                    put: Stream(Set),
                    cached,
                },
                at,
            )
        } else {
            put_each(y, Set, at)
        }
    } else {
        let at = |q: usize| {
            let mut v = w[0] * f(taps_at::<T, K, N, JC>(xs, 0, q)).np_div(s[0]);
            for k in 1..N {
                v += w[k] * f(taps_at::<T, K, N, JC>(xs, k, q)).np_div(s[k]);
            }
            v
        };
        if stream {
            put_each(
                y,
                StreamExcept {
                    put: Stream(Set),
                    cached,
                },
                at,
            )
        } else {
            put_each(y, Set, at)
        }
    }
}
