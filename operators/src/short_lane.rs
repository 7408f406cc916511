//! The true adjoint of the centered order-5 first derivative with `edge` on lanes of length 3.
//!
//! pylops writes the four edge rows of this derivative one after the other (`y[0]`, `y[1]`,
//! `y[n-2]`, `y[n-1]`), so on a lane of length 3 row 1 is written twice and its forward is the
//! matrix `[[-1, 1, 0], [-1/2, 0, 1/2], [0, -1, 1]] / s` — which rylops reproduces bit for bit.
//! pylops' adjoint adds the transposes of all four assignments, so it counts row 1 twice and is not
//! the adjoint of its own forward: rows 0 and 2 of `A^H v` get `-v[1]` and `+v[1]` instead of
//! `-v[1]/2` and `+v[1]/2`, and a dot test fails with a relative error near 0.5. (On lanes of
//! length 4 and more every row is written once and pylops' pair is exact.)
//!
//! rylops gives the true adjoint (the transpose of the forward) by default, computed here;
//! [`FirstDerivativeBuilder::pylops_adjoint`](crate::FirstDerivativeBuilder::pylops_adjoint)
//! restores pylops' numbers, for comparisons with pylops only.

use crate::firstderivative::FdForm;
use ndarray::{ArrayD, Axis, IxDyn, Zip};
use rylops_core::{ChunkedArray, Result, Scalar};

/// Whether a first derivative needs the adjoint of this module: centered order 5 with `edge` on an
/// axis of length 3, unless pylops' numbers were asked for.
pub(crate) fn applies(form: FdForm, edge: bool, n: usize, pylops_adjoint: bool) -> bool {
    form == FdForm::Centered5 && edge && n == 3 && !pylops_adjoint
}

/// `x = A^H y` for the centered order-5 `edge` derivative along `axis` (of length 3) with sampling
/// `s`: per lane, `x[0] = -(y[0] + y[1]/2) / s`, `x[1] = (y[0] - y[2]) / s`,
/// `x[2] = (y[1]/2 + y[2]) / s`, summed in pylops' order with its double term left out. Shapes are
/// checked by the caller; `x` and `y` may be chunked differently.
pub(crate) fn adjoint<T: Scalar>(
    axis: usize,
    s: T,
    y: &ChunkedArray<T>,
    x: &mut ChunkedArray<T>,
) -> Result<()> {
    let (zero, h) = (T::zero(), T::from_f64(0.5));
    let grid = x.grid().clone();
    x.par_for_each_block(|id, out| {
        let mut off = grid.block_offset(id);
        let first = off[axis];
        off[axis] = 0;
        let mut shape = out.shape().to_vec();
        shape[axis] = 3;
        // The whole lanes of the block's region (a few rows: the axis has length 3).
        let mut lane = ArrayD::zeros(IxDyn(&shape));
        y.copy_region(&off, &mut lane);
        let (r0, r1, r2) = (
            lane.index_axis(Axis(axis), 0),
            lane.index_axis(Axis(axis), 1),
            lane.index_axis(Axis(axis), 2),
        );
        for (local, mut row) in out.axis_iter_mut(Axis(axis)).enumerate() {
            let g = first + local;
            Zip::from(&mut row)
                .and(&r0)
                .and(&r1)
                .and(&r2)
                .for_each(|o, &a, &b, &c| {
                    *o = match g {
                        0 => (zero + -(a + h * b)).np_div(s),
                        1 => ((zero + a) + -c).np_div(s),
                        _ => (zero + (h * b + c)).np_div(s),
                    };
                });
        }
    });
    Ok(())
}
