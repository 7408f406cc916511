//! The fused reductions on the chunked driver: `y = op(x)` with `||y||^2` or `w.dot(y)`,
//! `y = op(x) + b y` with `||y||^2`, `y += op(x)` (with or without `||y||^2`) and
//! `y = w + op(x)` with `||y||^2`, each summed or combined piece by piece as the output is
//! written ([`apply_terms_norm_sqr`] and its siblings),
//! and their wrappers for a [`StencilOperator`] ([`apply_op_chunked_norm_sqr`] and its siblings),
//! the bodies of the fused methods that [`stencil_reductions!`](crate::stencil_reductions) writes.

use super::chunked::{apply_terms, apply_terms_reduce, Reduce, Reduced};
use super::lane::LaneStencil;
use super::terms::{StencilOperator, StencilTerms, TermMap};
use crate::error::Result;
use crate::scalar::Scalar;
use crate::vector::Vector;
use crate::{check_apply, ChunkedArray, ChunkedOperator};

/// [`apply_terms`], returning `||y||^2` with the bits of [`apply_terms`] then
/// [`norm_sqr`](crate::Vector::norm_sqr): with one output (the terms' sum), every piece of each
/// output block is summed right after it is written (see [`ChunkedArray::fill_norm_sqr`]); a
/// stacked output is summed after the pass.
///
/// # Errors
/// As [`apply_terms`].
pub fn apply_terms_norm_sqr<T: Scalar, S: LaneStencil<T>>(
    t: &StencilTerms<T, S>,
    x: &ChunkedArray<T>,
    y: &mut ChunkedArray<T>,
) -> Result<T::Real> {
    match apply_terms_reduce(t, x, y, Reduce::NormSqr)? {
        Reduced::NormSqr(v) => Ok(v),
        _ => Ok(crate::Vector::norm_sqr(y)),
    }
}

/// [`apply_terms`], returning `w.dot(y)` with the bits of [`apply_terms`] then
/// [`dot`](crate::Vector::dot) (summed as the output is written, as
/// [`apply_terms_norm_sqr`]).
///
/// # Errors
/// As [`apply_terms`].
///
/// # Panics
/// If `w` is not laid out like `y`.
pub fn apply_terms_dot<T: Scalar, S: LaneStencil<T>>(
    t: &StencilTerms<T, S>,
    x: &ChunkedArray<T>,
    y: &mut ChunkedArray<T>,
    w: &ChunkedArray<T>,
) -> Result<T> {
    match apply_terms_reduce(t, x, y, Reduce::Dot(w))? {
        Reduced::Dot(v) => Ok(v),
        _ => Ok(crate::Vector::dot(w, y)),
    }
}

/// `y = op(x) + b y` with the op of the terms `t`, returning `||y||^2`: the bits of
/// [`apply_terms`] into the work array `tmp` (laid out like `y`), then
/// [`xpby_norm_sqr`](crate::Vector::xpby_norm_sqr)`(tmp, b)` on `y`, with each piece of the
/// output computed into a buffer in cache and combined into `y` there, so `tmp` is neither written
/// nor read (one output; a stacked output goes the separate way, through `tmp`).
///
/// # Errors
/// As [`apply_terms`] (with `y` or `tmp` as the output), and
/// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) or
/// [`Error::ChunkMismatch`](crate::Error::ChunkMismatch) when `tmp` is not laid out like `y`.
pub fn apply_terms_xpby_norm_sqr<T: Scalar, S: LaneStencil<T>>(
    t: &StencilTerms<T, S>,
    x: &ChunkedArray<T>,
    y: &mut ChunkedArray<T>,
    b: T,
    tmp: &mut ChunkedArray<T>,
) -> Result<T::Real> {
    tmp.check_same_grid(y, "stencil terms work vector")?;
    if t.map() == TermMap::Stack {
        apply_terms(t, x, tmp)?;
        return Ok(crate::Vector::xpby_norm_sqr(y, tmp, b));
    }
    match apply_terms_reduce(t, x, y, Reduce::Xpby(b))? {
        Reduced::NormSqr(v) => Ok(v),
        _ => unreachable!("a single output is reduced as it is written"),
    }
}

/// `y += op(x)` with the op of the terms `t`: the bits of [`apply_terms`] into the work array
/// `tmp` (laid out like `y`), then [`add_assign`](crate::Vector::add_assign)`(tmp)` on `y`, with
/// each piece of the output computed into a buffer in cache and added to `y` (the terms' finished
/// sum added: `y + (t0 + t1)`), so `tmp` is not used; a stacked output goes the separate way.
///
/// # Errors
/// As [`apply_terms`] (with `y` or `tmp` as the output), and
/// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) or
/// [`Error::ChunkMismatch`](crate::Error::ChunkMismatch) when `tmp` is not laid out like `y`.
pub fn apply_terms_add<T: Scalar, S: LaneStencil<T>>(
    t: &StencilTerms<T, S>,
    x: &ChunkedArray<T>,
    y: &mut ChunkedArray<T>,
    tmp: &mut ChunkedArray<T>,
) -> Result<()> {
    tmp.check_same_grid(y, "stencil terms work vector")?;
    if t.map() == TermMap::Stack {
        apply_terms(t, x, tmp)?;
        crate::Vector::add_assign(y, tmp);
        return Ok(());
    }
    apply_terms_reduce(t, x, y, Reduce::Add).map(|_| ())
}

/// `y += op(x)`, returning `||y||^2`: the bits of [`apply_terms`] into `tmp`, then
/// [`add_assign_norm_sqr`](crate::Vector::add_assign_norm_sqr)`(tmp)` on `y`, in one pass as
/// [`apply_terms_add`] (each piece of `y` summed right after it is updated, see
/// [`ChunkedArray::fill_norm_sqr`]).
///
/// # Errors
/// As [`apply_terms_add`].
pub fn apply_terms_add_norm_sqr<T: Scalar, S: LaneStencil<T>>(
    t: &StencilTerms<T, S>,
    x: &ChunkedArray<T>,
    y: &mut ChunkedArray<T>,
    tmp: &mut ChunkedArray<T>,
) -> Result<T::Real> {
    tmp.check_same_grid(y, "stencil terms work vector")?;
    if t.map() == TermMap::Stack {
        apply_terms(t, x, tmp)?;
        return Ok(crate::Vector::add_assign_norm_sqr(y, tmp));
    }
    match apply_terms_reduce(t, x, y, Reduce::AddNormSqr)? {
        Reduced::NormSqr(v) => Ok(v),
        _ => unreachable!("a single output is reduced as it is written"),
    }
}

/// `y = w + op(x)` with the op of the terms `t`, returning `||y||^2` if `norm` (zero otherwise):
/// the bits of [`apply_terms`] into `y`, then
/// [`add_assign_norm_sqr`](crate::Vector::add_assign_norm_sqr)`(w)` (`t_i + w_i`, which is
/// `w_i + t_i`), in one pass that reads `w` and writes `y`, each piece of
/// the output computed into a buffer in cache (one output; a stacked output goes the separate way).
///
/// # Errors
/// As [`apply_terms`], and [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) or
/// [`Error::ChunkMismatch`](crate::Error::ChunkMismatch) when `w` is not laid out like `y`.
pub fn apply_terms_add_from<T: Scalar, S: LaneStencil<T>>(
    t: &StencilTerms<T, S>,
    x: &ChunkedArray<T>,
    w: &ChunkedArray<T>,
    y: &mut ChunkedArray<T>,
    norm: bool,
) -> Result<T::Real> {
    w.check_same_grid(y, "stencil terms addend")?;
    if t.map() == TermMap::Stack {
        apply_terms(t, x, y)?;
        return Ok(crate::vector::add_norm_if(y, w, norm));
    }
    match apply_terms_reduce(t, x, y, Reduce::AddFrom(w, norm))? {
        Reduced::NormSqr(v) => Ok(v),
        _ => unreachable!("a single output is reduced as it is written"),
    }
}

/// Applies `op` (forward or adjoint) into `y` by its own [`ChunkedOperator`] method: the path of
/// an operator whose [`StencilOperator::runs_terms`] is `false`.
fn apply_by_methods<O>(
    op: &O,
    adjoint: bool,
    x: &ChunkedArray<O::Elem>,
    y: &mut ChunkedArray<O::Elem>,
) -> Result<()>
where
    O: StencilOperator + ChunkedOperator<Scalar = <O as StencilOperator>::Elem>,
{
    if adjoint {
        op.adjoint_into(x, y)
    } else {
        op.forward_into(x, y)
    }
}

/// `y = A x` (`A` the operator, or its adjoint), returning `||y||^2`: the shapes checked
/// ([`check_apply`]), then [`apply_terms_norm_sqr`] with the operator's terms (or, where
/// [`StencilOperator::runs_terms`] is `false`, the operator's own method and then
/// [`Vector::norm_sqr`]). The body of a stencil operator's
/// [`ChunkedOperator::forward_into_norm_sqr`] and [`ChunkedOperator::adjoint_into_norm_sqr`]
/// ([`stencil_reductions!`](crate::stencil_reductions) writes them).
///
/// # Errors
/// As [`check_apply`] and [`apply_terms`].
pub fn apply_op_chunked_norm_sqr<O>(
    op: &O,
    adjoint: bool,
    x: &ChunkedArray<O::Elem>,
    y: &mut ChunkedArray<O::Elem>,
) -> Result<<O::Elem as Scalar>::Real>
where
    O: StencilOperator + ChunkedOperator<Scalar = <O as StencilOperator>::Elem>,
{
    if !op.runs_terms(adjoint) {
        apply_by_methods(op, adjoint, x, y)?;
        return Ok(y.norm_sqr());
    }
    check_apply(op, adjoint, x, y)?;
    apply_terms_norm_sqr(op.stencil_terms(adjoint), x, y)
}

/// `y = A x + b y` (`A` the operator, or its adjoint), returning `||y||^2`, as
/// [`apply_op_chunked_norm_sqr`] does for `y = A x` (the fallback applies into `tmp`, then
/// [`Vector::xpby_norm_sqr`]).
///
/// # Errors
/// As [`check_apply`] and [`apply_terms_xpby_norm_sqr`].
pub fn apply_op_chunked_xpby_norm_sqr<O>(
    op: &O,
    adjoint: bool,
    x: &ChunkedArray<O::Elem>,
    y: &mut ChunkedArray<O::Elem>,
    b: O::Elem,
    tmp: &mut ChunkedArray<O::Elem>,
) -> Result<<O::Elem as Scalar>::Real>
where
    O: StencilOperator + ChunkedOperator<Scalar = <O as StencilOperator>::Elem>,
{
    if !op.runs_terms(adjoint) {
        apply_by_methods(op, adjoint, x, tmp)?;
        return Ok(y.xpby_norm_sqr(tmp, b));
    }
    check_apply(op, adjoint, x, y)?;
    apply_terms_xpby_norm_sqr(op.stencil_terms(adjoint), x, y, b, tmp)
}

/// `y += A x` (`A` the operator, or its adjoint): the shapes checked ([`check_apply`]), then
/// [`apply_terms_add`] with the operator's terms (or, where [`StencilOperator::runs_terms`] is
/// `false`, the operator's own method into `tmp` and then [`Vector::add_assign`]). The body of a
/// stencil operator's [`ChunkedOperator::forward_add_into`] and
/// [`ChunkedOperator::adjoint_add_into`] ([`stencil_reductions!`](crate::stencil_reductions)
/// writes them).
///
/// # Errors
/// As [`check_apply`] and [`apply_terms_add`].
pub fn apply_op_chunked_add<O>(
    op: &O,
    adjoint: bool,
    x: &ChunkedArray<O::Elem>,
    y: &mut ChunkedArray<O::Elem>,
    tmp: &mut ChunkedArray<O::Elem>,
) -> Result<()>
where
    O: StencilOperator + ChunkedOperator<Scalar = <O as StencilOperator>::Elem>,
{
    if !op.runs_terms(adjoint) {
        check_apply(op, adjoint, x, y)?;
        tmp.check_same_grid(y, "stencil work vector")?;
        apply_by_methods(op, adjoint, x, tmp)?;
        y.add_assign(tmp);
        return Ok(());
    }
    check_apply(op, adjoint, x, y)?;
    apply_terms_add(op.stencil_terms(adjoint), x, y, tmp)
}

/// `y += A x` (`A` the operator, or its adjoint), returning `||y||^2`, as
/// [`apply_op_chunked_add`] (the fallback then [`Vector::add_assign_norm_sqr`]).
///
/// # Errors
/// As [`check_apply`] and [`apply_terms_add_norm_sqr`].
pub fn apply_op_chunked_add_norm_sqr<O>(
    op: &O,
    adjoint: bool,
    x: &ChunkedArray<O::Elem>,
    y: &mut ChunkedArray<O::Elem>,
    tmp: &mut ChunkedArray<O::Elem>,
) -> Result<<O::Elem as Scalar>::Real>
where
    O: StencilOperator + ChunkedOperator<Scalar = <O as StencilOperator>::Elem>,
{
    if !op.runs_terms(adjoint) {
        check_apply(op, adjoint, x, y)?;
        tmp.check_same_grid(y, "stencil work vector")?;
        apply_by_methods(op, adjoint, x, tmp)?;
        return Ok(y.add_assign_norm_sqr(tmp));
    }
    check_apply(op, adjoint, x, y)?;
    apply_terms_add_norm_sqr(op.stencil_terms(adjoint), x, y, tmp)
}

/// `y = w + A x` (`A` the operator, or its adjoint), returning `||y||^2` if `norm` (zero
/// otherwise): the shapes checked
/// ([`check_apply`]), then [`apply_terms_add_from`] with the operator's terms (or, where
/// [`StencilOperator::runs_terms`] is `false`, the operator's own method into `y` and then
/// [`Vector::add_assign_norm_sqr`]`(w)`). The body of a stencil operator's
/// [`ChunkedOperator::adjoint_add_from`] ([`stencil_reductions!`](crate::stencil_reductions)
/// writes it).
///
/// # Errors
/// As [`check_apply`] and [`apply_terms_add_from`].
pub fn apply_op_chunked_add_from<O>(
    op: &O,
    adjoint: bool,
    x: &ChunkedArray<O::Elem>,
    w: &ChunkedArray<O::Elem>,
    y: &mut ChunkedArray<O::Elem>,
    norm: bool,
) -> Result<<O::Elem as Scalar>::Real>
where
    O: StencilOperator + ChunkedOperator<Scalar = <O as StencilOperator>::Elem>,
{
    check_apply(op, adjoint, x, y)?;
    if !op.runs_terms(adjoint) {
        w.check_same_grid(y, "stencil addend")?;
        apply_by_methods(op, adjoint, x, y)?;
        return Ok(crate::vector::add_norm_if(y, w, norm));
    }
    apply_terms_add_from(op.stencil_terms(adjoint), x, w, y, norm)
}

/// `y = A x` (`A` the operator, or its adjoint), returning `w.dot(y)`, as
/// [`apply_op_chunked_norm_sqr`] does for `||y||^2`.
///
/// # Errors
/// As [`check_apply`] and [`apply_terms`].
///
/// # Panics
/// If `w` is not laid out like `y`.
pub fn apply_op_chunked_dot<O>(
    op: &O,
    adjoint: bool,
    x: &ChunkedArray<O::Elem>,
    y: &mut ChunkedArray<O::Elem>,
    w: &ChunkedArray<O::Elem>,
) -> Result<O::Elem>
where
    O: StencilOperator + ChunkedOperator<Scalar = <O as StencilOperator>::Elem>,
{
    if !op.runs_terms(adjoint) {
        apply_by_methods(op, adjoint, x, y)?;
        return Ok(w.dot(y));
    }
    check_apply(op, adjoint, x, y)?;
    apply_terms_dot(op.stencil_terms(adjoint), x, y, w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stencil::chunked::tests::{array, bits, term};

    /// The reductions fused into the driver give the bits of `apply_terms` then the separate
    /// reduction, for every map, on blocks of several pieces, uneven, 1-wide and empty blocks.
    #[test]
    fn fused_reductions_equal_a_pass_then_the_reduction() {
        use crate::Vector;
        let big = 2 * crate::chunked::REDUCE_PIECE / 181 + 7;
        let cases: Vec<(Vec<usize>, Vec<Vec<usize>>)> = vec![
            (vec![181, big], vec![vec![181], vec![big]]),
            (vec![181, big], vec![vec![100, 81], vec![big]]),
            (vec![181, big], vec![vec![181], vec![1, big - 1]]),
            (vec![181, big], vec![vec![3, 177, 1], vec![big - 2, 2]]),
            (vec![7, 6], vec![vec![1; 7], vec![1; 6]]),
            (vec![0, 4], vec![vec![0], vec![1, 3]]),
        ];
        let two = vec![term(0, 0.5, None), term(1, 2.0, Some(3.0))];
        let mut three = two.clone();
        three.push(term(0, 1.0, Some(-0.75)));
        for ((shape, chunks), terms) in cases
            .into_iter()
            .flat_map(|c| [(c.clone(), two.clone()), (c, three.clone())])
        {
            let nt = terms.len();
            let (_, x) = array(&shape, chunks.clone(), 5);
            let g = x.grid().clone();
            let b = -0.625;
            for map in [TermMap::Sum, TermMap::Stack, TermMap::SumStacked] {
                let t = StencilTerms::new(&shape, terms.clone(), map).unwrap();
                let (input, out) = match map {
                    TermMap::Sum => (x.clone(), g.clone()),
                    TermMap::Stack => (x.clone(), g.prepend_axis(nt)),
                    TermMap::SumStacked => (ChunkedArray::random(g.prepend_axis(nt), 6), g.clone()),
                };
                // Outputs start from random values: the fused passes must overwrite them.
                let start = ChunkedArray::<f64>::random(out.clone(), 7);
                let w = ChunkedArray::<f64>::random(out.clone(), 8);
                let mut want = start.clone();
                apply_terms(&t, &input, &mut want).unwrap();
                let what = format!("{chunks:?} {map:?} {nt} terms");

                let mut y = start.clone();
                let n = apply_terms_norm_sqr(&t, &input, &mut y).unwrap();
                assert_eq!(n.to_bits(), want.norm_sqr().to_bits(), "{what}");
                assert_eq!(bits(y.to_array()), bits(want.to_array()), "{what}");

                let mut y = start.clone();
                let d = apply_terms_dot(&t, &input, &mut y, &w).unwrap();
                assert_eq!(d.to_bits(), w.dot(&want).to_bits(), "{what}");
                assert_eq!(bits(y.to_array()), bits(want.to_array()), "{what}");

                let (mut y, mut tmp) = (start.clone(), w.clone());
                let n = apply_terms_xpby_norm_sqr(&t, &input, &mut y, b, &mut tmp).unwrap();
                let mut y2 = start.clone();
                let n2 = y2.xpby_norm_sqr(&want, b);
                assert_eq!(n.to_bits(), n2.to_bits(), "{what}");
                assert_eq!(bits(y.to_array()), bits(y2.to_array()), "{what}");

                // Accumulating: `start + op(input)`, the finished sum of the terms added.
                let (mut y, mut tmp) = (start.clone(), w.clone());
                apply_terms_add(&t, &input, &mut y, &mut tmp).unwrap();
                let mut y2 = start.clone();
                y2.add_assign(&want);
                assert_eq!(bits(y.to_array()), bits(y2.to_array()), "{what} add");
                let (mut y, mut tmp) = (start.clone(), w.clone());
                let n = apply_terms_add_norm_sqr(&t, &input, &mut y, &mut tmp).unwrap();
                let mut y2 = start.clone();
                let n2 = y2.add_assign_norm_sqr(&want);
                assert_eq!(n.to_bits(), n2.to_bits(), "{what} add");
                assert_eq!(bits(y.to_array()), bits(y2.to_array()), "{what} add");
                // From an addend: `w + op(input)`, whatever `y` held.
                let mut y = start.clone();
                let n = apply_terms_add_from(&t, &input, &w, &mut y, true).unwrap();
                let mut y2 = w.clone();
                let n2 = y2.add_assign_norm_sqr(&want);
                assert_eq!(n.to_bits(), n2.to_bits(), "{what} add from");
                assert_eq!(bits(y.to_array()), bits(y2.to_array()), "{what} add from");
                let mut y = start.clone();
                assert_eq!(
                    apply_terms_add_from(&t, &input, &w, &mut y, false).unwrap(),
                    0.0
                );
                assert_eq!(bits(y.to_array()), bits(y2.to_array()), "{what} add from");
            }
        }
    }
}
