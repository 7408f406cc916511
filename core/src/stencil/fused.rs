//! Fused passes: several stencil terms over one output (a Laplacian, a Gradient adjoint), tile by
//! tile, so memory sees one read of the inputs and one write of the output.

use super::block::TASK;
use super::block::{fast_rows, local_interior};
use super::gaps::{lane_gaps, merged_range, small_piece, SMALL_PIECE};
use super::lane::{Add, AddScaled, LaneStencil, Probe, RowsMut, Set, SetScaled};
use super::put::Cached;
use super::simd::{apply_range, apply_range_nt, apply_rows_nt, point_sums};
use super::taps::is_exact_one;
use super::terms::BlockTerm;
use crate::scalar::Scalar;

/// Elements per tile of a fused pass: small enough that the output tile stays in L1/L2 while every
/// term is accumulated into it, so memory sees a single pass.
pub const TILE: usize = 1 << 12;

/// **The runner.** `y = w0 S0(b0) + w1 S1(b1) + ...` over the flat elements `p0 .. p0 + y.len()` of
/// one block, each term reading its own input block with its halo slabs (every term's block has
/// the output's number of elements), evaluated left to right for every element (pylops' sum order);
/// the first term sets, later ones add, a weight of `None` multiplies nothing.
///
/// One term runs the one-block driver over the range. Several run tile by tile, so the output tile
/// stays in cache while every term is accumulated into it: where every term's interior formula
/// applies (the bulk of the block) and the terms share one interior formula
/// ([`LaneStencil::same_interior_formula`], e.g. the second derivatives of a Laplacian), real-valued
/// sums of up to [`MAX_POINT_TERMS`] terms are evaluated point by point in one loop (every input
/// value loaded once, the output written once); elsewhere, and for complex types, term after term
/// over the tile. Both give the same bits: the same operations in the same order. Without terms
/// nothing is written.
///
/// # Panics
/// If a term's block has fewer than `p0 + y.len()` elements (the drivers build the blocks from the
/// arrays they check).
pub fn run_terms<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    p0: usize,
    y: &mut [T],
) {
    run_terms_with(terms, p0, y, false)
}

/// [`run_terms`], written with streaming stores where `stream` (see [`run_terms_streamed`]),
/// without the fence.
fn run_terms_with<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    p0: usize,
    y: &mut [T],
    stream: bool,
) {
    // Streamed only where the single-stencil runs stream too (x86-64 with AVX2).
    let stream = stream && super::simd::streams_here();
    if y.is_empty() {
        // An empty range (a zero-length axis): nothing to compute, and no row arithmetic to divide
        // by a zero length.
        return;
    }
    match terms {
        [] => {}
        [t] => {
            // A weight of exactly one multiplies nothing (bit for bit, see `is_exact_one`).
            let weight = t.weight.filter(|&w| !is_exact_one(w));
            with_put!(true, weight, |put| apply_range_nt(
                t.stencil, &t.block, p0, y, put, stream
            ))
        }
        [t0, ..] => {
            let pointwise = !T::IS_COMPLEX
                && terms.len() <= MAX_POINT_TERMS
                && terms
                    .iter()
                    .all(|t| t.stencil.same_interior_formula(t0.stencil))
                && t0.stencil.interior_formula(Probe).is_some();
            for (j, yt) in y.chunks_mut(TILE).enumerate() {
                let p = p0 + j * TILE;
                if pointwise {
                    fused_tile(terms, p, yt, stream)
                } else {
                    terms_range(terms, p, yt)
                }
            }
        }
    }
}

/// Elements of the cache buffer of [`run_terms_add`] and of the reductions that combine a
/// stencil's output with other arrays as it is computed (32 KiB of f64, 64 KiB of complex128: in
/// L1 or L2). Runs of 1024 elements made a forward `y = op(x) + b y` on `[I; L]` at 512x512 about
/// 10% slower than 4096 on the project's 2-core machine (each call of the runner has a fixed cost);
/// 16 384 gave no more.
pub const STREAM_BUFFER: usize = 1 << 12;

/// [`run_terms`] writing `y` with streaming stores ([`crate::stream`]), then a
/// [fence](crate::stream::fence): wherever a loop computes whole 64-byte-aligned groups of
/// [`GROUP`](super::GROUP) elements (the interior runs of a single stencil, the point-by-point sums
/// of a fused pass), each group is computed in registers and written straight to memory, so the
/// output's lines are never read from memory; the few other elements are stored as usual. The same
/// bits as [`run_terms`] (the same formulas from the same values; only the stores differ).
///
/// Measured on the project's 2-core machine (see `docs/perf.md`): computing a piece into a buffer in
/// L1 and then copying it out with streaming stores (this function's first design) was slower than
/// ordinary stores at every buffer length tried (8 to 4096 elements), while storing from the
/// registers reached the speed of a streaming copy.
///
/// # Panics
/// As [`run_terms`].
pub fn run_terms_streamed<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    p0: usize,
    y: &mut [T],
) {
    run_terms_with(terms, p0, y, true);
    crate::stream::fence();
}

/// `y += w0 S0(b0) + w1 S1(b1) + ...` over the flat elements `p0 .. p0 + y.len()`: the sum
/// [`run_terms`] writes, computed piece by piece into a buffer that stays in cache and then added to
/// `y` (`y[i] + (t0 + t1 + ...)`: the finished sum of the terms is added, as a separate
/// [`run_terms`] into a work array and an addition would, so the bits are the same), in one pass
/// over `y`. Without terms nothing is added.
///
/// # Panics
/// As [`run_terms`].
pub fn run_terms_add<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    p0: usize,
    y: &mut [T],
) {
    if terms.is_empty() {
        return;
    }
    let mut at = 0;
    run_terms_by_runs(terms, p0, y.len(), &mut |t: &[T]| {
        for (o, &v) in y[at..at + t.len()].iter_mut().zip(t) {
            *o += v;
        }
        at += t.len();
    });
}

/// The sum [`run_terms`] writes over the flat elements `p0 .. p0 + len`, computed run by run into
/// a buffer of [`STREAM_BUFFER`] elements that stays in cache and handed to `visit` (consecutive runs
/// of `STREAM_BUFFER` elements, the last one shorter): for a pass that combines the values with
/// other arrays while they are in cache instead of writing them to memory. The same bits as
/// [`run_terms`] (which gives the same bits on any range).
///
/// # Panics
/// As [`run_terms`].
pub(crate) fn run_terms_by_runs<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    p0: usize,
    len: usize,
    visit: &mut dyn FnMut(&[T]),
) {
    let mut buf = [T::zero(); STREAM_BUFFER];
    let mut at = 0;
    while at < len {
        let b = &mut buf[..(len - at).min(STREAM_BUFFER)];
        run_terms(terms, p0 + at, b);
        visit(b);
        at += b.len();
    }
}

/// The outputs of [`run_block`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outputs {
    /// One output, the sum of the terms.
    One,
    /// One output per term, one after the other in `y`.
    PerTerm,
}

/// The whole block's output(s) through [`run_terms`], in parallel over pieces: `y` has the block's
/// length (one output) or `terms.len()` times it (one output per term, term `k` writing
/// `y[k * len .. (k + 1) * len]`, tile by tile so that the input tiles stay in cache while every
/// term is computed).
///
/// With `stream`, the output is written with streaming stores ([`run_terms_streamed`]).
pub(crate) fn run_block<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    outputs: Outputs,
    y: &mut [T],
    stream: bool,
) {
    use rayon::prelude::*;
    let run = |terms: &[BlockTerm<'_, T, S>], p0: usize, y: &mut [T]| {
        if stream {
            run_terms_streamed(terms, p0, y)
        } else {
            run_terms(terms, p0, y)
        }
    };
    if outputs == Outputs::One || terms.len() <= 1 {
        if let Some(layout) = far_rows(terms, y.len()) {
            let inner = layout.2;
            return by_columns(layout, y, |p0, mut rows| match terms {
                // One term, stored in place: the column's rows together, so that a stencil can
                // share work between neighbouring rows (`LaneStencil::run_interior_rows`).
                [t] => {
                    let weight = t.weight.filter(|&w| !is_exact_one(w));
                    with_put!(true, weight, |put| apply_rows_nt(
                        t.stencil, &t.block, p0, rows, put, stream
                    ));
                    if stream {
                        crate::stream::fence();
                    }
                }
                _ => {
                    for r in 0..rows.rows() {
                        run(terms, p0 + r * inner, rows.row(r));
                    }
                }
            });
        }
        let piece = if terms.len() == 1 { TASK } else { TILE };
        if y.len() <= piece {
            run(terms, 0, y);
        } else {
            y.par_chunks_mut(piece)
                .enumerate()
                .for_each(|(k, yc)| run(terms, k * piece, yc));
        }
        return;
    }
    let len = y.len() / terms.len();
    if let Some(layout) = far_rows(terms, len) {
        // One output per term (a Gradient's forward) with far-apart rows: by columns too, every
        // term's rows of a column computed one row after the other, so the input rows a row
        // reads (and the next rows read again) stay in cache across the terms.
        let (inner, base) = (layout.2, Base(y.as_mut_ptr()));
        return column_tasks(layout, |p0, w, nrows| {
            for r in 0..nrows {
                for k in 0..terms.len() {
                    // SAFETY: `column_tasks` hands every task its own rows of a block of `len`
                    // elements (`p0 + r * inner .. + w` lies in `0..len`); term `k`'s output is
                    // `y[k * len .. (k + 1) * len]`, so each task writes its own elements of
                    // each output, and `y` is borrowed mutably for the whole call.
                    let yr = unsafe {
                        std::slice::from_raw_parts_mut(base.get().add(k * len + p0 + r * inner), w)
                    };
                    run(&terms[k..=k], p0 + r * inner, yr);
                }
            }
        });
    }
    if len <= TILE {
        for (k, yk) in y.chunks_mut(len.max(1)).enumerate() {
            run(&terms[k..=k], 0, yk);
        }
        return;
    }
    let base = Base(y.as_mut_ptr());
    (0..len.div_ceil(TILE)).into_par_iter().for_each(|j| {
        let p0 = j * TILE;
        let tl = TILE.min(len - p0);
        for k in 0..terms.len() {
            // SAFETY: `k * len + p0 .. + tl` lies inside `y` (k < terms, p0 + tl <= len, and
            // `y.len() == terms.len() * len`), and the ranges of distinct `(k, j)` are disjoint, so
            // every task writes its own elements; `y` is borrowed mutably for the whole call.
            let yt = unsafe { std::slice::from_raw_parts_mut(base.get().add(k * len + p0), tl) };
            run(&terms[k..=k], p0, yt);
        }
    });
}

/// Bytes between neighbouring rows along a term's axis from which [`run_block`] walks the block
/// column by column ([`by_columns`]) instead of in memory order: in memory order a row read as the
/// neighbour `i + 1` is read again as `i - 1` only after `2 (before + after)` rows of input and
/// output have gone through the caches, which for rows of 128 KiB and more (the first axis of a
/// 256^3 f64 array: 512 KiB) is more than a core's L2 holds.
pub const FAR_ROW_BYTES: usize = 1 << 17;

/// Elements of one column of [`by_columns`]: 64 KiB of f64 per row, so the rows a column reads
/// and writes stay in L2 from one row to the next (4 rows of 64 KiB for a centered first derivative),
/// and each row of a column is one contiguous run for the hardware prefetchers.
pub const COLUMN: usize = 1 << 13;

/// Most rows of a column per task of [`by_columns`] (fewer where the block would otherwise give
/// under four tasks per thread): each task re-reads only the `before + after` rows at its ends.
pub const COLUMN_ROWS: usize = 64;

/// The layout `(outer, m, inner)` of the term whose rows are farthest apart, if they are
/// [`FAR_ROW_BYTES`] or more apart and the block has more than one column of them: then
/// [`run_block`] walks it by columns.
fn far_rows<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    len: usize,
) -> Option<(usize, usize, usize)> {
    let b = &terms.iter().max_by_key(|t| t.block.inner)?.block;
    let far = b.inner * std::mem::size_of::<T>() >= FAR_ROW_BYTES;
    (far && b.m > 1 && b.inner > COLUMN).then(|| (len / (b.m * b.inner), b.m, b.inner))
}

/// `run(p0, rows)` over the whole output `y` of a block of layout `(outer, m, inner)`, walking
/// it by columns: a task takes [`COLUMN`] elements of the inner extent and up to [`COLUMN_ROWS`]
/// consecutive rows (`rows`, the first starting at flat element `p0`, the others `inner` apart), to
/// be computed row after row, so the rows a stencil along the axis reads again are still in cache.
/// Every element is computed from its flat position, so the order changes no bit; each element is
/// written by exactly one task.
fn by_columns<T: Scalar>(
    layout: (usize, usize, usize),
    y: &mut [T],
    run: impl Fn(usize, RowsMut<'_, T>) + Sync,
) {
    let (outer, m, inner) = layout;
    assert_eq!(y.len(), outer * m * inner, "an output of another layout");
    let base = Base(y.as_mut_ptr());
    column_tasks(layout, |p0, w, nrows| {
        // SAFETY: row `i` of the task starts at `p0 + i * inner` and ends before the next row of
        // the block (`w` elements of the inner extent), inside `y` (its length was checked
        // above); the rows of distinct tasks are disjoint (`column_tasks`), so every task writes
        // its own elements; `y` is borrowed mutably for the whole call.
        let rows = unsafe { RowsMut::from_raw(base.get().add(p0), inner, w, nrows) };
        run(p0, rows);
    });
}

/// The tasks of [`by_columns`], in parallel: `run(p0, w, rows)` for a column of `w` elements of
/// the inner extent starting at flat element `p0` of a block of layout `(outer, m, inner)`, and
/// `rows` consecutive rows of it (`inner` elements apart). The tasks cover every element of the
/// block once.
fn column_tasks(
    (outer, m, inner): (usize, usize, usize),
    run: impl Fn(usize, usize, usize) + Sync,
) {
    use rayon::prelude::*;
    let cols = inner.div_ceil(COLUMN);
    // Rows per task: at most COLUMN_ROWS, at least 4, aiming at four tasks per thread.
    let target = 4 * rayon::current_num_threads();
    let rows = COLUMN_ROWS.min((outer * m * cols).div_ceil(target)).max(4);
    let groups = m.div_ceil(rows);
    (0..outer * cols * groups).into_par_iter().for_each(|task| {
        let (o, rest) = (task / (cols * groups), task % (cols * groups));
        let (c, g) = (rest / groups, rest % groups);
        // Columns `c0 .. c0 + w` of rows `i0..i1` of block `o`: the tasks of distinct `(o, c, g)`
        // are disjoint, and each row's columns end before the next row (`c0 + w <= inner`).
        let (c0, w) = (c * COLUMN, COLUMN.min(inner - c * COLUMN));
        let (i0, i1) = (g * rows, m.min((g + 1) * rows));
        run((o * m + i0) * inner + c0, w, i1 - i0);
    });
}

/// An output's base pointer, shared by the tasks of [`run_block`] and [`by_columns`], each of which
/// writes its own disjoint pieces.
struct Base<T>(*mut T);
// SAFETY: only used to build slices of disjoint pieces, one task per piece (see the users).
unsafe impl<T: Send> Sync for Base<T> {}
unsafe impl<T: Send> Send for Base<T> {}
impl<T> Base<T> {
    fn get(&self) -> *mut T {
        self.0
    }
}

/// Largest number of terms [`run_terms`] sums point by point.
pub const MAX_POINT_TERMS: usize = 4;

/// Evaluates `$body` with `$put` bound to the store of one term of a sum `y = w0 S0 x + w1 S1 x + ...`:
/// the first term sets, later ones add, each scaled by its weight (`None`: a weight of exactly one,
/// which multiplies nothing). One arm per store type, so every arm is compiled for its own `Put`.
macro_rules! with_put {
    ($first:expr, $weight:expr, |$put:ident| $body:expr) => {
        match ($first, $weight) {
            (true, None) => {
                let $put = Set;
                $body
            }
            (true, Some(w)) => {
                let $put = SetScaled(w);
                $body
            }
            (false, None) => {
                let $put = Add;
                $body
            }
            (false, Some(w)) => {
                let $put = AddScaled(w);
                $body
            }
        }
    };
}
pub(crate) use with_put;

/// Every term over the elements `p0 .. p0 + y.len()`, one after the other.
pub(crate) fn terms_range<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    p0: usize,
    y: &mut [T],
) {
    for (k, t) in terms.iter().enumerate() {
        // A weight of exactly one multiplies nothing (bit for bit, see `is_exact_one`).
        let weight = t.weight.filter(|&w| !is_exact_one(w));
        with_put!(k == 0, weight, |put| apply_range(
            t.stencil, &t.block, p0, y, put
        ))
    }
}

/// One tile of a fused pass whose terms share a point formula (streamed or not): all-interior
/// pieces and runs merged across lane ends are summed point by point ([`point_sums`]), the others
/// term by term.
#[inline(always)]
pub(crate) fn fused_tile<T: Scalar, S: LaneStencil<T>>(
    terms: &[BlockTerm<'_, T, S>],
    p0: usize,
    y: &mut [T],
    stream: bool,
) {
    let nt = terms.len();
    let mut fast = [(0usize, 0usize); MAX_POINT_TERMS];
    for (f, t) in fast.iter_mut().zip(terms) {
        *f = fast_rows(t.stencil, &t.block);
    }
    let mut ints = [(0usize, 0usize); MAX_POINT_TERMS];
    for (r, t) in ints.iter_mut().zip(terms) {
        *r = local_interior(t.stencil, &t.block);
    }
    // Per term: whether its interior formula applies at the current position, and the flat position
    // where that changes (recomputed, with divisions, only when reached).
    let status = |k: usize, p: usize| -> (bool, usize) {
        let t = &terms[k];
        let (fl, fh) = fast[k];
        let (inner, m) = (t.block.inner, t.block.m);
        let r = p / inner;
        let o = r / m;
        let il = r - o * m;
        if il >= fl && il < fh {
            (true, (o * m + fh) * inner)
        } else if fl >= fh {
            (false, usize::MAX)
        } else if il < fl {
            (false, (o * m + fl) * inner)
        } else {
            (false, ((o + 1) * m + fl) * inner)
        }
    };
    let mut st = [(false, 0usize); MAX_POINT_TERMS];
    for (k, s) in st[..nt].iter_mut().enumerate() {
        *s = status(k, p0);
    }
    let gaps = lane_gaps(terms, &fast[..nt]);
    let len = y.len();
    let mut q = 0;
    while q < len {
        let p = p0 + q;
        if let Some(g) = &gaps {
            if let Some(m) = g.merged(&st[..nt], p, p0 + len) {
                let end = m.end;
                merged_range(
                    terms,
                    g,
                    m,
                    &st[..nt],
                    &ints[..nt],
                    p,
                    &mut y[q..end - p0],
                    stream,
                );
                q = end - p0;
                if q < len {
                    for (k, s) in st[..nt].iter_mut().enumerate() {
                        *s = status(k, end);
                    }
                }
                continue;
            }
        }
        let all = st[..nt].iter().all(|s| s.0);
        let next = st[..nt].iter().map(|s| s.1).min().unwrap_or(usize::MAX);
        let piece = (len - q).min(next - p);
        let yp = &mut y[q..q + piece];
        if all {
            point_sums(terms, p, yp, stream, Cached::NONE);
        } else if piece > SMALL_PIECE || !small_piece(terms, &st[..nt], &ints[..nt], p, yp) {
            terms_range(terms, p, yp);
        }
        q += piece;
        for (k, s) in st[..nt].iter_mut().enumerate() {
            if s.1 == p + piece && q < len {
                *s = status(k, p + piece);
            }
        }
    }
}

/// Number of terms of a fused pass whose bookkeeping [`with_terms`] keeps on the stack.
pub const MAX_TERMS: usize = 8;

/// Calls `f` with the slice `[make(0), ..., make(n - 1)]`, built on the stack when `n <= MAX_TERMS`
/// (so a fused pass over a few terms allocates nothing), in a `Vec` otherwise.
pub fn with_terms<X, R>(n: usize, make: impl Fn(usize) -> X, f: impl FnOnce(&[X]) -> R) -> R {
    if n == 0 {
        f(&[])
    } else if n <= MAX_TERMS {
        let a: [X; MAX_TERMS] = std::array::from_fn(|j| make(j.min(n - 1)));
        f(&a[..n])
    } else {
        let v: Vec<X> = (0..n).map(make).collect();
        f(&v)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::stencil::lane::toy::{data, reference, Toy};
    use crate::stencil::lane::AxisBlock;

    /// The toy stencils of `terms` (`(axis, sampling, weight)`) and, from them, the terms over the
    /// whole array `x` of `shape` (one block).
    pub(crate) fn toy_stencils(terms: &[(usize, f64, Option<f64>)]) -> Vec<Toy> {
        terms.iter().map(|&(_, s, _)| Toy { s }).collect()
    }

    /// See [`toy_stencils`].
    pub(crate) fn toy_terms<'a>(
        x: &'a [f64],
        shape: &[usize],
        terms: &[(usize, f64, Option<f64>)],
        sts: &'a [Toy],
    ) -> Vec<BlockTerm<'a, f64, Toy>> {
        terms
            .iter()
            .zip(sts)
            .map(|(&(axis, _, weight), st)| BlockTerm {
                stencil: st,
                block: AxisBlock::new(x, shape, axis, 0, shape[axis]),
                weight,
            })
            .collect()
    }

    /// Runs `y = sum_k w_k Toy_k(x)` (term `k` along `axes[k]`, sampling `s[k]`) on the whole array
    /// `x` of `shape` through [`run_block`] and checks every bit against the reference sum.
    pub(crate) fn check_fused(shape: &[usize], terms: &[(usize, f64, Option<f64>)], seed: u64) {
        let len: usize = shape.iter().product();
        let x = data(len, seed);
        let sts = toy_stencils(terms);
        let fused = toy_terms(&x, shape, terms, &sts);
        let mut y = vec![f64::NAN; len];
        run_block(&fused, Outputs::One, &mut y, false);
        // With streaming stores (the lane ends of merged runs stored as usual): the same bits.
        let mut ys = vec![f64::NAN; len];
        run_block(&fused, Outputs::One, &mut ys, true);
        assert!(
            y.iter().zip(&ys).all(|(a, b)| a.to_bits() == b.to_bits()),
            "{shape:?} {terms:?}: streamed"
        );
        let refs: Vec<Vec<f64>> = terms
            .iter()
            .zip(&sts)
            .map(|(&(axis, _, _), st)| reference(st, &x, shape, axis))
            .collect();
        for p in 0..len {
            let mut acc = 0.0;
            for (k, &(_, _, w)) in terms.iter().enumerate() {
                let v = match w {
                    Some(w) if w != 1.0 => w * refs[k][p],
                    _ => refs[k][p],
                };
                acc = if k == 0 { v } else { acc + v };
            }
            assert_eq!(
                y[p].to_bits(),
                acc.to_bits(),
                "{shape:?} {terms:?} element {p}"
            );
        }
        // Term by term gives the same bits.
        let mut z = vec![f64::NAN; len];
        terms_range(&fused, 0, &mut z);
        assert!(y.iter().zip(&z).all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn fused_sums_match_the_reference_across_tiles() {
        check_fused(&[40, 130], &[(0, 0.5, None), (1, 1.0, Some(2.0))], 1);
        check_fused(
            &[3, 9, 70],
            &[(0, 1.0, None), (1, 0.25, None), (2, 1.0, None)],
            2,
        );
        check_fused(&[7, 11], &[(1, 3.0, Some(0.5))], 3);
        check_fused(&[2, 3, 4, 5, 6], &[(4, 1.0, None); 5], 4);
    }

    #[test]
    fn blocks_with_far_rows_are_walked_by_columns_with_the_same_bits() {
        // Rows of 17000 and 18000 f64 (over FAR_ROW_BYTES): walked by columns of COLUMN elements,
        // the last one partial, in groups of rows.
        for (shape, terms) in [
            (vec![6, 17000], vec![(0, 0.5, None)]),
            (vec![9, 17000], vec![(0, 0.5, None), (1, 1.0, Some(2.0))]),
            (
                vec![5, 3, 6000],
                vec![(0, 1.0, None), (1, 0.25, None), (2, 1.0, Some(3.0))],
            ),
        ] {
            let len: usize = shape.iter().product();
            let x = vec![0.0; len];
            let st = Toy { s: 1.0 };
            let t = [BlockTerm {
                stencil: &st,
                block: AxisBlock::new(&x, &shape, 0, 0, shape[0]),
                weight: None,
            }];
            assert!(far_rows(&t, len).is_some(), "{shape:?}");
            check_fused(&shape, &terms, 6);
        }
        // Rows closer than FAR_ROW_BYTES are walked in memory order.
        let x = vec![0.0; 40 * 130];
        let st = Toy { s: 1.0 };
        let t = [BlockTerm {
            stencil: &st,
            block: AxisBlock::new(&x, &[40, 130], 0, 0, 40),
            weight: None,
        }];
        assert!(far_rows(&t, x.len()).is_none());
    }

    #[test]
    fn empty_blocks_and_no_terms_compute_nothing() {
        let st = Toy { s: 1.0 };
        for shape in [[0usize, 4], [5, 0]] {
            let t = [BlockTerm {
                stencil: &st,
                block: AxisBlock::new(&[], &shape, 0, 0, shape[0]),
                weight: None,
            }];
            run_block(&t, Outputs::One, &mut [], false);
            run_block(&t, Outputs::PerTerm, &mut [], true);
            run_terms(&t, 0, &mut []);
        }
        let mut y = [1.0];
        run_block::<f64, Toy>(&[], Outputs::One, &mut y, false);
        run_block::<f64, Toy>(&[], Outputs::One, &mut y, true);
        assert_eq!(y, [1.0]);
    }

    #[test]
    fn multi_block_writes_one_output_per_term() {
        // Rows in memory order, then rows of 17001 f64 (over FAR_ROW_BYTES) walked by columns.
        for shape in [[50, 90], [6, 17001]] {
            let len = shape[0] * shape[1];
            let x = data(len, 5);
            let (a, b) = (Toy { s: 1.0 }, Toy { s: 0.5 });
            let t = [
                BlockTerm {
                    stencil: &a,
                    block: AxisBlock::new(&x, &shape, 0, 0, shape[0]),
                    weight: None,
                },
                BlockTerm {
                    stencil: &b,
                    block: AxisBlock::new(&x, &shape, 1, 0, shape[1]),
                    weight: Some(3.0),
                },
            ];
            assert_eq!(far_rows(&t, len).is_some(), shape[1] > 90);
            let r0 = reference(&a, &x, &shape, 0);
            let r1 = reference(&b, &x, &shape, 1);
            // With and without streaming stores: the same bits.
            for stream in [false, true] {
                let mut y = vec![f64::NAN; 2 * len];
                run_block(&t, Outputs::PerTerm, &mut y, stream);
                let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&y[..len]), bits(&r0), "{shape:?} stream {stream}");
                let r1s: Vec<f64> = r1.iter().map(|w| 3.0 * w).collect();
                assert_eq!(bits(&y[len..]), bits(&r1s), "{shape:?} stream {stream}");
                // One output, the sum of both terms.
                let mut one = vec![f64::NAN; len];
                run_block(&t, Outputs::One, &mut one, stream);
                let want: Vec<f64> = r0.iter().zip(&r1s).map(|(a, b)| a + b).collect();
                assert_eq!(bits(&one), bits(&want), "{shape:?} stream {stream}");
            }
        }
        let v = with_terms(10, |j| j * 2, |s| s.iter().sum::<usize>());
        assert_eq!(v, 90);
        assert_eq!(with_terms(3, |j| j, |s| s.to_vec()), vec![0, 1, 2]);
    }
}
