//! Block operator (pylops' `Block`): a vertical stack of horizontal stacks on flat vectors.

use crate::identity::scatter_from;
use crate::lanes::whole;
use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;
use rylops_core::{
    check_apply, Chunked, ChunkedArray, ChunkedOperator, Error, LinearMap, LinearOperator, Result,
    Scalar,
};

/// The block operator `[[A00, A01, ...], [A10, A11, ...], ...]` on flat vectors, as pylops'
/// `Block(ops)` (a `VStack` of `HStack`s): the model is the concatenation of the flattened
/// column models, the data the concatenation of the flattened row outputs.
///
/// Forward: row `i` of the data is `0 + A_i0 x_0 + A_i1 x_1 + ...` (added in column order);
/// adjoint: model part `j` is `0 + A_0j^H y_0 + A_1j^H y_1 + ...` (in row order) — pylops'
/// orders, so a block of bit-exact operators is bit-exact. As in pylops, only the total number of
/// columns of each row must agree: each row splits the model by its own operators' sizes.
///
/// The operators get their parts as single-chunk arrays of their own `dims`; rows (forward) and
/// columns (adjoint) run in parallel. For blocks of operators on stacked vectors
/// ([`Stack`](rylops_core::Stack)), compose [`VStack`](rylops_core::VStack) of
/// [`HStack`](rylops_core::HStack)s instead.
///
/// ```
/// use rylops_core::{dot_test, BoxOp, LinearMap};
/// use rylops_operators::{Block, FirstDerivative, Flip, Restriction};
/// let d = FirstDerivative::<f64>::builder(&[4]).build().unwrap();
/// let f = Flip::<f64>::new(&[4], 0).unwrap();
/// let r = Restriction::<f64>::new(&[4], &[0, 3], 0).unwrap();
/// let r2 = Restriction::<f64>::new(&[4], &[1, 2], 0).unwrap();
/// let ops: Vec<Vec<BoxOp<f64>>> =
///     vec![vec![Box::new(d), Box::new(f)], vec![Box::new(r), Box::new(r2)]];
/// let op = Block::new(ops).unwrap();
/// assert_eq!((op.dims(), op.dimsd()), (vec![8], vec![6]));
/// assert!(dot_test(&op, 0).unwrap().passed);
/// ```
pub struct Block<O> {
    ops: Vec<Vec<O>>,
    /// Per row: the offsets of its column models in the flat model (length `row.len() + 1`).
    cols: Vec<Vec<usize>>,
    /// The offsets of the rows in the flat data (length `ops.len() + 1`).
    rows: Vec<usize>,
}

/// Offsets of consecutive parts of the given sizes.
fn offsets(sizes: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut v = vec![0];
    for s in sizes {
        v.push(v.last().copied().unwrap_or(0) + s);
    }
    v
}

impl<T, O> Block<O>
where
    T: Scalar,
    O: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>,
{
    /// The block operator of `ops`, a list of rows (pylops' `Block(ops)`; pylops' `nproc` and
    /// `parallel_kind` have no counterpart: rows and columns run in parallel).
    ///
    /// # Errors
    /// [`Error::IncompatibleOperators`] if there are no rows, a row is empty, the operators of a
    /// row have different numbers of rows, or the rows have different total numbers of columns
    /// (pylops raises `ValueError` for the last two).
    pub fn new(ops: Vec<Vec<O>>) -> Result<Chunked<Self>> {
        if ops.is_empty() || ops.iter().any(Vec::is_empty) {
            return Err(Error::IncompatibleOperators(
                "Block needs at least one row, and at least one operator in every row".into(),
            ));
        }
        for (i, row) in ops.iter().enumerate() {
            let m = row[0].shape().0;
            if let Some((j, o)) = row.iter().enumerate().find(|(_, o)| o.shape().0 != m) {
                return Err(Error::IncompatibleOperators(format!(
                    "Block row {i}: operator 0 has {m} rows but operator {j} has {}",
                    o.shape().0
                )));
            }
        }
        let cols: Vec<Vec<usize>> = ops
            .iter()
            .map(|row| offsets(row.iter().map(|o| o.shape().1)))
            .collect();
        let n = cols[0][cols[0].len() - 1];
        if let Some((i, c)) = cols.iter().enumerate().find(|(_, c)| c[c.len() - 1] != n) {
            return Err(Error::IncompatibleOperators(format!(
                "Block row 0 has {n} columns in all but row {i} has {}",
                c[c.len() - 1]
            )));
        }
        let rows = offsets(ops.iter().map(|row| row[0].shape().0));
        Ok(Chunked(Self { ops, cols, rows }))
    }

    /// The operators, row by row.
    pub fn ops(&self) -> &[Vec<O>] {
        &self.ops
    }
}

/// Applies `op` (forward or adjoint) to `input`, a flat slice reshaped to `shape`, returning its
/// flat output.
fn apply_flat<T, O>(op: &O, adjoint: bool, input: &[T]) -> Result<Vec<T>>
where
    T: Scalar,
    O: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>,
{
    let shape = if adjoint { op.dimsd() } else { op.dims() };
    let a = ArrayD::from_shape_vec(IxDyn(&shape), input.to_vec()).map_err(|_| {
        Error::ShapeMismatch {
            context: "Block/Kronecker part".into(),
            expected: shape.clone(),
            got: vec![input.len()],
        }
    })?;
    let x = ChunkedArray::from_array(a);
    let y = if adjoint {
        op.adjoint(&x)?
    } else {
        op.forward(&x)?
    };
    let y = y.into_array();
    Ok(match y.as_slice() {
        Some(s) => s.to_vec(),
        None => y.iter().copied().collect(),
    })
}

/// The flat contents of a 1-D chunked array.
pub(crate) fn flat<T: Scalar>(x: &ChunkedArray<T>) -> Vec<T> {
    let w = whole(x);
    let v = w.view();
    match v.as_slice() {
        Some(s) => s.to_vec(),
        None => v.iter().copied().collect(),
    }
}

impl<T, O> ChunkedOperator for Block<O>
where
    T: Scalar,
    O: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>,
{
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        vec![self.cols[0][self.cols[0].len() - 1]]
    }
    fn dimsd(&self) -> Vec<usize> {
        vec![self.rows[self.rows.len() - 1]]
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        let xf = flat(x);
        let parts = self
            .ops
            .par_iter()
            .zip(&self.cols)
            .map(|(row, cols)| {
                let mut acc = vec![T::zero(); row[0].shape().0];
                for (j, op) in row.iter().enumerate() {
                    let part = apply_flat(op, false, &xf[cols[j]..cols[j + 1]])?;
                    for (a, v) in acc.iter_mut().zip(part) {
                        *a += v;
                    }
                }
                Ok(acc)
            })
            .collect::<Result<Vec<_>>>()?;
        scatter_from(&parts.concat(), y)
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        let yf = flat(y);
        // h_i = the concatenated adjoints of row i; x = 0 + h_0 + h_1 + ...
        let hs = self
            .ops
            .par_iter()
            .enumerate()
            .map(|(i, row)| {
                let u = &yf[self.rows[i]..self.rows[i + 1]];
                let parts = row
                    .iter()
                    .map(|op| apply_flat(op, true, u))
                    .collect::<Result<Vec<_>>>()?;
                Ok(parts.concat())
            })
            .collect::<Result<Vec<_>>>()?;
        let mut acc = vec![T::zero(); self.dims()[0]];
        for h in hs {
            for (a, v) in acc.iter_mut().zip(h) {
                *a += v;
            }
        }
        scatter_from(&acc, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CausalIntegration, FirstDerivative, Restriction, Roll};
    use num_complex::Complex64;
    use rylops_core::{dot_test, dot_test_with, BoxOp, ChunkGrid, LinearMap};

    fn ops() -> Vec<Vec<BoxOp<Complex64>>> {
        let d = FirstDerivative::<Complex64>::builder(&[2, 3])
            .build()
            .unwrap();
        let c = CausalIntegration::<Complex64>::builder(&[6])
            .build()
            .unwrap();
        let r = Restriction::<Complex64>::new(&[5], &[4, 0], 0).unwrap();
        let s = Restriction::<Complex64>::new(&[7], &[2, 6], 0).unwrap();
        let r2 = Restriction::<Complex64>::new(&[12], &[1, 11], 0).unwrap();
        vec![
            vec![Box::new(d), Box::new(c)],
            vec![Box::new(r), Box::new(s)],
            vec![Box::new(r2)],
        ]
    }

    #[test]
    fn rows_may_split_the_model_differently() {
        let op = Block::new(ops()).unwrap();
        assert_eq!((op.dims(), op.dimsd()), (vec![12], vec![6 + 2 + 2]));
        let g = ChunkGrid::uniform(&[12], &[5]).unwrap();
        assert!(
            dot_test_with(&op, ChunkedArray::zeros(g), 1, None)
                .unwrap()
                .passed
        );
        let x = ChunkedArray::<Complex64>::random(ChunkGrid::single(&[12]), 3);
        let y = op.forward(&x).unwrap();
        let xa = x.to_array();
        // Row 2: the restriction of the whole model to [1, 11].
        assert_eq!(y.to_array()[[8]], xa[[1]]);
        assert_eq!(y.to_array()[[9]], xa[[11]]);
        let yc = op.forward(&x.rechunk_uniform(&[4]).unwrap()).unwrap();
        assert_eq!(yc.to_array(), y.to_array());
        assert_eq!(op.ops().len(), 3);
    }

    #[test]
    fn mismatched_blocks_are_errors() {
        let mut o = ops();
        o[2].push(Box::new(Roll::<Complex64>::new(&[1], 0, 1).unwrap()));
        assert!(matches!(
            Block::new(o),
            Err(Error::IncompatibleOperators(_))
        ));
        let mut o = ops();
        o[1][0] = Box::new(Restriction::<Complex64>::new(&[5], &[4], 0).unwrap());
        assert!(Block::new(o).is_err());
        assert!(Block::<BoxOp<f64>>::new(vec![]).is_err());
        assert!(Block::<BoxOp<f64>>::new(vec![vec![]]).is_err());
        let one = Block::new(vec![vec![Roll::<f32>::new(&[3], 0, 1).unwrap()]]).unwrap();
        assert!(dot_test(&one, 0).unwrap().passed);
    }
}
