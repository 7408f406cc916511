//! The chunked driver: the terms of a [`StencilTerms`] over every block of a chunked array, with
//! halos gathered per term, only along the term's axis and only where the array is chunked along it
//! (borrowed from the neighbours' data instead of copied where they are contiguous), then every
//! block run through [`run_terms`] in parallel. The reductions fused into this
//! driver (through [`apply_terms_reduce`]) are in `reduce`.

use super::fused::{run_block, run_terms, run_terms_add, run_terms_by_runs, with_terms, Outputs};
use super::lane::{AxisBlock, LaneStencil};
use super::terms::{BlockTerm, StencilOperator, StencilTerms, TermMap};
use crate::error::{Error, Result};
use crate::grid::ChunkGrid;
use crate::halo::{gather_halos_by, Halos};
use crate::scalar::Scalar;
use crate::ChunkedArray;
use ndarray::Axis;

/// `axis` if it is an axis of an array of `ndim` dimensions, an [`Error::AxisOutOfRange`] otherwise.
pub(crate) fn check_axis(axis: usize, ndim: usize) -> Result<usize> {
    if axis < ndim {
        Ok(axis)
    } else {
        Err(Error::AxisOutOfRange {
            axis: isize::try_from(axis).unwrap_or(isize::MAX),
            ndim,
        })
    }
}

/// The first block of `x` that is not in C order, as an error (blocks replaced through
/// `blocks_mut` may have any memory layout).
fn check_layout<T: Scalar>(x: &ChunkedArray<T>, what: &str) -> Result<()> {
    match x.blocks().iter().position(|b| !b.is_standard_layout()) {
        None => Ok(()),
        Some(k) => Err(Error::InconsistentChunks(format!(
            "{what}: block {k} is not in standard (C) memory layout"
        ))),
    }
}

/// Checks that `s` is `m`'s grid with a leading axis of `n` in a single chunk (without building
/// that grid unless it does not match).
fn check_stacked(m: &ChunkGrid, s: &ChunkGrid, n: usize, what: &str) -> Result<()> {
    let nd = m.ndim();
    let matches =
        s.ndim() == nd + 1 && s.chunks(0) == [n] && (0..nd).all(|a| s.chunks(a + 1) == m.chunks(a));
    if matches {
        return Ok(());
    }
    let want = m.prepend_axis(n);
    if s.shape() != want.shape() {
        return Err(Error::ShapeMismatch {
            context: what.into(),
            expected: want.shape().to_vec(),
            got: s.shape().to_vec(),
        });
    }
    Err(Error::ChunkMismatch(format!(
        "{what}: the stacked array must be chunked like the model with a single chunk along its \
         leading axis, expected {:?}, got {:?}",
        want.all_chunks(),
        s.all_chunks()
    )))
}

/// Global start along `axis` of block `k` (linear index) of `grid`, without allocating.
fn block_start(grid: &ChunkGrid, k: usize, axis: usize) -> usize {
    let after: usize = (axis + 1..grid.ndim())
        .map(|a| grid.nblocks_along(a))
        .product();
    grid.offsets(axis)[(k / after) % grid.nblocks_along(axis)]
}

/// Whether every block's halo along `axis` can be borrowed from its neighbours' data instead of
/// gathered: the blocks have a single row of `(outer, m, inner)` (every axis before `axis` has
/// length one), so a neighbour's rows along `axis` are contiguous, and each neighbour holds all the
/// rows asked for.
fn halos_borrowable<T: Scalar, S: LaneStencil<T>>(st: &S, grid: &ChunkGrid, axis: usize) -> bool {
    if grid.shape()[..axis].iter().any(|&d| d != 1) {
        return false;
    }
    let o = grid.offsets(axis);
    let n = grid.shape()[axis];
    let nb = grid.nblocks_along(axis);
    (0..nb).all(|b| {
        let (db, da) = st.block_depth(o[b], o[b + 1], n);
        (db == 0 || (b > 0 && o[b] - o[b - 1] >= db))
            && (da == 0 || (b + 1 < nb && o[b + 2] - o[b + 1] >= da))
    })
}

/// Where a term's halo comes from.
enum Halo<T> {
    /// The grid is not chunked along the term's axis.
    None,
    /// Rows borrowed from the neighbouring blocks' data.
    Borrow,
    /// Rows gathered (copied) from the neighbouring blocks.
    Gathered(Halos<T>),
}

/// Applies the terms `t` to a chunked array: `y = op(x)` with the shapes of `t`
/// ([`StencilTerms::input_shape`], [`StencilTerms::output_shape`]). Inputs and outputs of the model's
/// shape share one chunk grid; a stacked one has that grid with a leading axis in a single chunk.
/// Every output element is computed by the same formula from the same values in every chunking.
///
/// # Errors
/// [`Error::ShapeMismatch`] or [`Error::ChunkMismatch`] for arrays that do not fit the terms or each
/// other; [`Error::InconsistentChunks`] for a block that is not in C memory order.
pub fn apply_terms<T: Scalar, S: LaneStencil<T>>(
    t: &StencilTerms<T, S>,
    x: &ChunkedArray<T>,
    y: &mut ChunkedArray<T>,
) -> Result<()> {
    apply_terms_reduce(t, x, y, Reduce::Nothing).map(|_| ())
}

/// What [`apply_terms_reduce`] reduces the output to, as it is written.
pub(super) enum Reduce<'w, T> {
    /// Nothing.
    Nothing,
    /// Its squared norm.
    NormSqr,
    /// `w.dot(y)`.
    Dot(&'w ChunkedArray<T>),
    /// `y = op(x) + b y` and `||y||^2`, each piece of `op(x)` computed into a buffer in cache
    /// (the bits of writing it to a work array first).
    Xpby(T),
    /// Not written but added to `y` (one output only).
    Add,
    /// Added to `y` (one output only), and `||y||^2`.
    AddNormSqr,
    /// `y = w + op(x)`, and `||y||^2` if the flag is set (zero otherwise; one output only, `w`
    /// laid out like `y`).
    AddFrom(&'w ChunkedArray<T>, bool),
}

/// The result of a [`Reduce`].
pub(super) enum Reduced<T: Scalar> {
    Nothing,
    NormSqr(T::Real),
    Dot(T),
}

/// [`apply_terms`], reducing the output as it is written where it has one output per element
/// (`Reduced::Nothing` otherwise: the caller reduces after the pass).
pub(super) fn apply_terms_reduce<T: Scalar, S: LaneStencil<T>>(
    t: &StencilTerms<T, S>,
    x: &ChunkedArray<T>,
    y: &mut ChunkedArray<T>,
    reduce: Reduce<'_, T>,
) -> Result<Reduced<T>> {
    use rayon::prelude::*;
    let what = |io: &str| format!("stencil terms {io}");
    if x.shape() != t.input_shape() {
        return Err(Error::ShapeMismatch {
            context: what("input"),
            expected: t.input_shape(),
            got: x.shape().to_vec(),
        });
    }
    if y.shape() != t.output_shape() {
        return Err(Error::ShapeMismatch {
            context: what("output"),
            expected: t.output_shape(),
            got: y.shape().to_vec(),
        });
    }
    let nt = t.terms().len();
    match t.map() {
        TermMap::Sum => x.check_same_grid(y, &what("output"))?,
        TermMap::Stack => check_stacked(x.grid(), y.grid(), nt, &what("output"))?,
        TermMap::SumStacked => check_stacked(y.grid(), x.grid(), nt, &what("input"))?,
    }
    check_layout(x, &what("input"))?;
    check_layout(y, &what("output"))?;
    let stacked_in = t.map() == TermMap::SumStacked;
    // Term `j`'s input in block `k`: the block, or its component `j` (contiguous in C order).
    let input = |j: usize, k: usize| -> &[T] {
        let b = x.blocks()[k].as_slice().unwrap_or(&[]);
        if stacked_in {
            let len = b.len() / nt;
            &b[j * len..(j + 1) * len]
        } else {
            b
        }
    };
    // The input's grid: the model's, or the model's with a leading axis (in a single chunk, so block
    // `k` is the same block in both and model axis `a` is its axis `a + lead_in`).
    let (grid, lead_in) = (x.grid(), usize::from(stacked_in));
    // Halos only if the grid is chunked along some term's axis: otherwise an empty `Vec`, which
    // allocates nothing. Gathered on the model's grid, before `y` is borrowed for writing.
    let halos: Vec<Halo<T>> = {
        let model = if stacked_in { y.grid() } else { x.grid() };
        let halo = |j: usize| -> Result<Halo<T>> {
            let term = &t.terms()[j];
            let axis = term.axis;
            if !model.is_chunked_along(axis) {
                return Ok(Halo::None);
            }
            if !stacked_in && halos_borrowable(&term.stencil, model, axis) {
                return Ok(Halo::Borrow);
            }
            let depth = |s, e, n| term.stencil.block_depth(s, e, n);
            let h = if stacked_in {
                gather_halos_by(model, |k| x.blocks()[k].index_axis(Axis(0), j), axis, depth)?
            } else {
                gather_halos_by(model, |k| x.blocks()[k].view(), axis, depth)?
            };
            Ok(Halo::Gathered(h))
        };
        if t.terms()
            .iter()
            .any(|term| model.is_chunked_along(term.axis))
        {
            (0..nt).map(halo).collect::<Result<_>>()?
        } else {
            Vec::new()
        }
    };
    let outputs = if t.map() == TermMap::Stack {
        Outputs::PerTerm
    } else {
        Outputs::One
    };
    let after = |axis: usize| -> usize {
        (axis + 1..grid.ndim())
            .map(|a| grid.nblocks_along(a))
            .product()
    };
    // Term `j` on block `k` (of the model's `shape`).
    let block_term = |j: usize, k: usize, shape: &[usize]| {
        let term = &t.terms()[j];
        let axis = term.axis;
        let start = block_start(grid, k, axis + lead_in);
        let n = grid.shape()[axis + lead_in];
        let mut b = AxisBlock::new(input(j, k), shape, axis, start, n);
        match halos.get(j) {
            Some(Halo::Gathered(h)) => b = b.with_halo(&h.blocks[k], axis),
            Some(Halo::Borrow) => {
                // The rows the block needs are the last rows of the previous block and the first
                // rows of the next one, contiguous in their data: borrowed, not copied.
                let (nb, na) = term.stencil.block_depth(start, start + b.m, n);
                if nb > 0 {
                    let prev = input(j, k - after(axis + lead_in));
                    b.before = &prev[prev.len() - nb * b.inner..];
                    b.nb = nb;
                }
                if na > 0 {
                    b.after = &input(j, k + after(axis + lead_in))[..na * b.inner];
                    b.na = na;
                }
            }
            Some(Halo::None) | None => {}
        }
        BlockTerm {
            stencil: &term.stencil,
            block: b,
            weight: term.weight,
        }
    };
    // With one output, a reduction runs the terms piece by piece (the pieces of the reductions,
    // each reduced while in cache): `run_terms` on any range gives the bits `run_block` gives.
    let piece = |k: usize, start: usize, p: &mut [T]| {
        let shape = &x.blocks()[k].shape()[lead_in..];
        with_terms(
            nt,
            |j| block_term(j, k, shape),
            |terms| run_terms(terms, start, p),
        );
    };
    // Accumulating: each piece computed into a buffer in cache and added (one output only: the
    // callers route a stacked output through a work array).
    let add_piece = |k: usize, start: usize, p: &mut [T]| {
        let shape = &x.blocks()[k].shape()[lead_in..];
        with_terms(
            nt,
            |j| block_term(j, k, shape),
            |terms| run_terms_add(terms, start, p),
        );
    };
    // Combining: each piece computed run by run into a buffer in cache and handed over (the terms
    // set up once per piece).
    let runs = |k: usize, start: usize, len: usize, visit: &mut dyn FnMut(&[T])| {
        let shape = &x.blocks()[k].shape()[lead_in..];
        with_terms(
            nt,
            |j| block_term(j, k, shape),
            |terms| run_terms_by_runs(terms, start, len, visit),
        );
    };
    match reduce {
        Reduce::Add => {
            debug_assert!(outputs == Outputs::One);
            y.fill_pieces(add_piece);
            return Ok(Reduced::Nothing);
        }
        Reduce::AddNormSqr => {
            debug_assert!(outputs == Outputs::One);
            let add = |y: &mut T, t: T| *y += t;
            return Ok(Reduced::NormSqr(y.fill_combine_norm_sqr(runs, add)));
        }
        Reduce::AddFrom(w, norm) => {
            debug_assert!(outputs == Outputs::One);
            return Ok(Reduced::NormSqr(y.fill_from(w, runs, norm)));
        }
        Reduce::NormSqr if outputs == Outputs::One => {
            return Ok(Reduced::NormSqr(y.fill_norm_sqr(piece)));
        }
        Reduce::Dot(w) if outputs == Outputs::One => return Ok(Reduced::Dot(y.fill_dot(w, piece))),
        Reduce::Xpby(b) if outputs == Outputs::One => {
            let xpby = move |y: &mut T, t: T| *y = t + b * *y;
            return Ok(Reduced::NormSqr(y.fill_combine_norm_sqr(runs, xpby)));
        }
        _ => {}
    }
    let stream = crate::stream::streams(y.grid().len() * std::mem::size_of::<T>());
    y.blocks_mut()
        .par_iter_mut()
        .enumerate()
        .for_each(|(k, yb)| {
            let shape = &x.blocks()[k].shape()[lead_in..];
            let make = |j: usize| block_term(j, k, shape);
            if let Some(ys) = yb.as_slice_mut() {
                with_terms(nt, make, |terms| run_block(terms, outputs, ys, stream));
            }
        });
    Ok(Reduced::Nothing)
}

/// Applies the terms `t` to one contiguous block: `x` and `y` are whole arrays of
/// [`StencilTerms::input_shape`] and [`StencilTerms::output_shape`] in C order (e.g. a caller's own
/// buffers, read in place). The same runner, on the same block, as [`apply_terms`] on an array of
/// one chunk, so the same bits; in parallel over pieces of the output.
///
/// # Errors
/// [`Error::ShapeMismatch`] if the lengths of `x` or `y` are not those of the terms' shapes.
pub fn apply_terms_slices<T: Scalar, S: LaneStencil<T>>(
    t: &StencilTerms<T, S>,
    x: &[T],
    y: &mut [T],
) -> Result<()> {
    let (ins, outs) = (t.input_shape(), t.output_shape());
    for (what, shape, len) in [("input", &ins, x.len()), ("output", &outs, y.len())] {
        if shape.iter().product::<usize>() != len {
            return Err(Error::ShapeMismatch {
                context: format!("stencil terms {what} (a slice of {len} elements)"),
                expected: shape.clone(),
                got: vec![len],
            });
        }
    }
    let nt = t.terms().len();
    let stacked_in = t.map() == TermMap::SumStacked;
    let dims = t.dims();
    let input = |j: usize| -> &[T] {
        if stacked_in {
            let len = x.len() / nt.max(1);
            &x[j * len..(j + 1) * len]
        } else {
            x
        }
    };
    let make = |j: usize| {
        let term = &t.terms()[j];
        BlockTerm {
            stencil: &term.stencil,
            block: AxisBlock::new(input(j), dims, term.axis, 0, dims[term.axis]),
            weight: term.weight,
        }
    };
    let outputs = if t.map() == TermMap::Stack {
        Outputs::PerTerm
    } else {
        Outputs::One
    };
    let stream = crate::stream::streams(std::mem::size_of_val(y));
    with_terms(nt, make, |terms| run_block(terms, outputs, y, stream));
    Ok(())
}

/// Applies a [`StencilOperator`] (forward or adjoint) to a chunked array: [`apply_terms`] with its
/// [`StencilOperator::stencil_terms`].
///
/// # Errors
/// As [`apply_terms`].
pub fn apply_op_chunked<O: StencilOperator>(
    op: &O,
    adjoint: bool,
    x: &ChunkedArray<O::Elem>,
    y: &mut ChunkedArray<O::Elem>,
) -> Result<()> {
    apply_terms(op.stencil_terms(adjoint), x, y)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::stencil::lane::toy::{data, reference, Toy};
    use crate::stencil::Term;
    use ndarray::{ArrayD, IxDyn};

    pub(in crate::stencil) fn array(
        shape: &[usize],
        chunks: Vec<Vec<usize>>,
        seed: u64,
    ) -> (Vec<f64>, ChunkedArray<f64>) {
        let len = shape.iter().product();
        let v = data(len, seed);
        let a = ArrayD::from_shape_vec(IxDyn(shape), v.clone()).unwrap();
        let g = ChunkGrid::new(shape, chunks).unwrap();
        (v, ChunkedArray::from_array_grid(a.view(), g).unwrap())
    }

    pub(in crate::stencil) fn term(axis: usize, s: f64, weight: Option<f64>) -> Term<f64, Toy> {
        Term {
            axis,
            stencil: Toy { s },
            weight,
        }
    }

    pub(in crate::stencil) fn bits(a: impl IntoIterator<Item = f64>) -> Vec<u64> {
        a.into_iter().map(f64::to_bits).collect()
    }

    #[test]
    fn every_chunking_and_map_gives_the_reference_bits() {
        let shape = [7, 6];
        for chunks in [
            vec![vec![7], vec![6]],
            vec![vec![1, 1, 3, 2], vec![6]],
            vec![vec![2, 5], vec![1, 2, 3]],
            vec![vec![1; 7], vec![1; 6]],
        ] {
            let (v, x) = array(&shape, chunks.clone(), 1);
            let (r0, r1) = (
                reference(&Toy { s: 0.5 }, &v, &shape, 0),
                reference(&Toy { s: 2.0 }, &v, &shape, 1),
            );
            for axis in 0..2 {
                let t = StencilTerms::single(&shape, axis, Toy { s: 0.5 }).unwrap();
                let mut y = ChunkedArray::zeros(x.grid().clone());
                apply_terms(&t, &x, &mut y).unwrap();
                let want = reference(&Toy { s: 0.5 }, &v, &shape, axis);
                assert_eq!(bits(y.to_array()), bits(want), "{chunks:?} axis {axis}");
            }
            // Sum: the two axes, weighted.
            let terms = vec![term(0, 0.5, None), term(1, 2.0, Some(3.0))];
            let t = StencilTerms::new(&shape, terms.clone(), TermMap::Sum).unwrap();
            let mut z = ChunkedArray::zeros(x.grid().clone());
            apply_terms(&t, &x, &mut z).unwrap();
            let want = r0.iter().zip(&r1).map(|(a, b)| a + 3.0 * b);
            assert_eq!(bits(z.to_array()), bits(want), "{chunks:?} sum");
            // Stack: one output per term along a new leading axis.
            let t = StencilTerms::new(&shape, terms.clone(), TermMap::Stack).unwrap();
            let mut s = ChunkedArray::zeros(x.grid().prepend_axis(2));
            apply_terms(&t, &x, &mut s).unwrap();
            let want = r0.iter().copied().chain(r1.iter().map(|b| 3.0 * b));
            assert_eq!(bits(s.to_array()), bits(want), "{chunks:?} stack");
            // SumStacked: term k reads component k.
            let t = StencilTerms::new(&shape, terms, TermMap::SumStacked).unwrap();
            let mut u = ChunkedArray::zeros(x.grid().clone());
            apply_terms(&t, &s, &mut u).unwrap();
            let s0 = &s.to_array().into_raw_vec_and_offset().0;
            let (c0, c1) = s0.split_at(42);
            let want = reference(&Toy { s: 0.5 }, c0, &shape, 0)
                .into_iter()
                .zip(reference(&Toy { s: 2.0 }, c1, &shape, 1))
                .map(|(a, b)| a + 3.0 * b);
            assert_eq!(bits(u.to_array()), bits(want), "{chunks:?} sum stacked");
        }
    }

    #[test]
    fn bad_arguments_are_typed_errors() {
        let (_, x) = array(&[4, 3], vec![vec![2, 2], vec![3]], 2);
        let mut y = ChunkedArray::zeros(x.grid().clone());
        assert!(matches!(
            StencilTerms::single(&[4, 3], 2, Toy { s: 1.0 }),
            Err(Error::AxisOutOfRange { axis: 2, ndim: 2 })
        ));
        assert!(matches!(
            StencilTerms::<f64, Toy>::new(&[4, 3], vec![], TermMap::Sum),
            Err(Error::InvalidParameter { .. })
        ));
        let t = StencilTerms::single(&[4, 3], 0, Toy { s: 1.0 }).unwrap();
        let t5 = StencilTerms::single(&[5, 3], 0, Toy { s: 1.0 }).unwrap();
        assert!(matches!(
            apply_terms(&t5, &x, &mut y),
            Err(Error::ShapeMismatch { .. })
        ));
        let mut wrong =
            ChunkedArray::zeros(ChunkGrid::new(&[4, 3], vec![vec![4], vec![3]]).unwrap());
        assert!(matches!(
            apply_terms(&t, &x, &mut wrong),
            Err(Error::ChunkMismatch(_))
        ));
        let st = StencilTerms::new(&[4, 3], vec![term(0, 1.0, None)], TermMap::Stack).unwrap();
        let mut stacked = ChunkedArray::zeros(
            ChunkGrid::new(&[1, 4, 3], vec![vec![1], vec![4], vec![3]]).unwrap(),
        );
        assert!(matches!(
            apply_terms(&st, &x, &mut stacked),
            Err(Error::ChunkMismatch(_))
        ));
        // Blocks in another memory order cannot occur: `ChunkedArray` hands out views only.
    }

    #[test]
    fn zero_length_axes_are_empty_results() {
        for shape in [[0usize, 4], [5, 0]] {
            let g = ChunkGrid::new(&shape, vec![vec![shape[0]], vec![shape[1]]]).unwrap();
            let x = ChunkedArray::<f64>::zeros(g.clone());
            let mut y = x.clone();
            let terms = vec![term(0, 1.0, None), term(1, 1.0, Some(2.0))];
            for map in [TermMap::Sum, TermMap::Stack, TermMap::SumStacked] {
                let t = StencilTerms::new(&shape, terms.clone(), map).unwrap();
                let mut s = ChunkedArray::<f64>::zeros(g.prepend_axis(2));
                match map {
                    TermMap::Sum => apply_terms(&t, &x, &mut y).unwrap(),
                    TermMap::Stack => apply_terms(&t, &x, &mut s).unwrap(),
                    TermMap::SumStacked => apply_terms(&t, &s, &mut y).unwrap(),
                }
            }
        }
    }
}
