//! The identity operator (pylops' `Identity`), square or rectangular.
//!
//! This module also holds the small chunk-layout helpers that the basic operators share.

use ndarray::{ArrayViewMutD, Slice};
use rylops_core::stream::copy_elems;
use rylops_core::{
    check_apply, ChunkGrid, Chunked, ChunkedArray, ChunkedOperator, Error, Result, Scalar, Vector,
};
use std::marker::PhantomData;
use std::ops::Range;

/// The identity `I`: `y = x` and `x = y`.
///
/// Square by default. [`Identity::nm`] builds pylops' rectangular identity `Identity(N, M)` with
/// `N != M`, arguments in pylops' order (data shape `N` first, model shape `M` second): along every
/// axis the model is truncated (if the data axis is shorter) or zero-padded at the end (if it is
/// longer); the adjoint does the reverse.
///
/// Input and output may be chunked differently: entries are copied across blocks by global index.
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use rylops_core::{dot_test, ChunkedArray, LinearMap, LinearOperator};
/// use rylops_operators::Identity;
///
/// let op = Identity::<f64>::new(5).unwrap();
/// let x = ChunkedArray::from(ArrayD::from_shape_fn(IxDyn(&[5]), |i| i[0] as f64));
/// assert_eq!(op.forward(&x).unwrap(), x);
/// assert_eq!(op.adjoint(&x).unwrap(), x);
/// assert!(dot_test(&op, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct Identity<T> {
    dims: Vec<usize>,
    dimsd: Vec<usize>,
    _scalar: PhantomData<fn() -> T>,
}

impl<T: Scalar> Identity<T> {
    /// The `n x n` identity on 1-D arrays (pylops' `Identity(N)`).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `n` exceeds the largest array length (`isize::MAX`).
    ///
    /// ```
    /// use rylops_core::{LinearMap, LinearOperator};
    /// use rylops_operators::Identity;
    /// let op = Identity::<f32>::new(7).unwrap();
    /// assert_eq!(op.shape(), (7, 7));
    /// ```
    pub fn new(n: usize) -> Result<Chunked<Self>> {
        Self::with_dims(&[n])
    }

    /// The identity on n-d arrays of shape `dims`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `dims` has more elements than an array can hold.
    ///
    /// ```
    /// use rylops_core::{LinearMap, LinearOperator};
    /// use rylops_operators::Identity;
    /// let op = Identity::<f64>::with_dims(&[3, 4]).unwrap();
    /// assert_eq!(op.dims(), vec![3, 4]);
    /// assert_eq!(op.shape(), (12, 12));
    /// ```
    pub fn with_dims(dims: &[usize]) -> Result<Chunked<Self>> {
        Self::nm(dims, dims)
    }

    /// pylops' rectangular identity `Identity(N, M)`, in pylops' argument order: `n` is the **data**
    /// shape (`dimsd`, pylops' `N`) and `m` the **model** shape (`dims`, pylops' `M`), with the same
    /// number of axes.
    ///
    /// Forward copies the leading `min(m[i], n[i])` entries along every axis and zero-fills the
    /// rest of the data; the adjoint copies back and zero-fills the rest of the model.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if the shapes have a different number of axes or too many
    /// elements.
    ///
    /// ```
    /// use ndarray::{arr1, ArrayD, IxDyn};
    /// use rylops_core::{ChunkedArray, LinearMap, LinearOperator};
    /// use rylops_operators::Identity;
    ///
    /// let pad = Identity::<f64>::nm(&[4], &[2]).unwrap(); // pylops' Identity(4, 2): data longer
    /// assert_eq!(pad.shape(), (4, 2));
    /// let x = ChunkedArray::from(arr1(&[1.0, 2.0]).into_dyn());
    /// let y = pad.forward(&x).unwrap();
    /// assert_eq!(y.to_array(), arr1(&[1.0, 2.0, 0.0, 0.0]).into_dyn());
    /// assert_eq!(pad.adjoint(&y).unwrap().to_array(), x.to_array());
    /// ```
    pub fn nm(n: &[usize], m: &[usize]) -> Result<Chunked<Self>> {
        let (dims, dimsd) = (m, n);
        check_dims("dims", dims)?;
        check_dims("dimsd", dimsd)?;
        if dims.len() != dimsd.len() {
            return Err(Error::InvalidParameter {
                name: "dimsd".into(),
                reason: format!(
                    "a rectangular identity needs model and data shapes with the same number of \
                     axes, got N (data) {dimsd:?} and M (model) {dims:?}"
                ),
            });
        }
        Ok(Chunked(Self {
            dims: dims.to_vec(),
            dimsd: dimsd.to_vec(),
            _scalar: PhantomData,
        }))
    }

    /// The rectangular identity from model shape `dims` to data shape `dimsd`: `Identity::nm(dimsd,
    /// dims)`.
    ///
    /// # Errors
    /// As [`Identity::nm`].
    #[deprecated(
        since = "0.1.0",
        note = "takes (model, data), the reverse of pylops' Identity(N, M); use \
                Identity::nm(dimsd, dims), which takes pylops' order"
    )]
    pub fn rectangular(dims: &[usize], dimsd: &[usize]) -> Result<Chunked<Self>> {
        Self::nm(dimsd, dims)
    }

    /// Whether model and data shapes agree.
    ///
    /// ```
    /// use rylops_operators::Identity;
    /// assert!(Identity::<f64>::new(3).unwrap().is_square());
    /// assert!(!Identity::<f64>::nm(&[4], &[3]).unwrap().is_square());
    /// ```
    pub fn is_square(&self) -> bool {
        self.dims == self.dimsd
    }
}

impl<T: Scalar> ChunkedOperator for Identity<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dimsd.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        copy_leading(x, y);
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        copy_leading(y, x);
        Ok(())
    }
    // Square: the adjoint is a copy of its input (in the output's layout), which a stack reads
    // in place.
    fn adjoint_passthrough<'a>(&self, y: &'a ChunkedArray<T>) -> Option<&'a ChunkedArray<T>> {
        (self.dims == self.dimsd).then_some(y)
    }
    // On the same grid: the copy and the norm in one pass.
    fn forward_into_norm_sqr(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        check_apply(self, false, x, y)?;
        Ok(copy_leading_norm_sqr(x, y))
    }
    fn adjoint_into_norm_sqr(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        check_apply(self, true, y, x)?;
        Ok(copy_leading_norm_sqr(y, x))
    }
    fn forward_into_dot(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        w: &ChunkedArray<T>,
    ) -> Result<T> {
        check_apply(self, false, x, y)?;
        if x.grid() == y.grid() {
            return Ok(y.fill_dot(w, |k, s, p| {
                copy_elems(p, &x.block_slice(k)[s..s + p.len()])
            }));
        }
        copy_leading(x, y);
        Ok(w.dot(y))
    }
    fn forward_xpby_norm_sqr(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        b: T,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        check_apply(self, false, x, y)?;
        xpby_leading_norm_sqr(x, y, b, tmp)
    }
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
        b: T,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        check_apply(self, true, y, x)?;
        xpby_leading_norm_sqr(y, x, b, tmp)
    }
    // On the same grid `y += x`, one pass without the work vector.
    fn forward_add_into(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<()> {
        check_apply(self, false, x, y)?;
        add_leading(x, y, tmp, false).map(drop)
    }
    fn forward_add_into_norm_sqr(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        check_apply(self, false, x, y)?;
        add_leading(x, y, tmp, true)
    }
    fn adjoint_add_into(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<()> {
        check_apply(self, true, y, x)?;
        add_leading(y, x, tmp, false).map(drop)
    }
    fn adjoint_add_into_norm_sqr(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        check_apply(self, true, y, x)?;
        add_leading(y, x, tmp, true)
    }
}

/// `dst += I src` with `I` the (rectangular) identity, returning `||dst||^2` if `norm` (zero
/// otherwise): the bits of [`copy_leading`] into `tmp` then `add_assign` (`add_assign_norm_sqr`),
/// in one pass (without `tmp`) when the grids agree.
fn add_leading<T: Scalar>(
    src: &ChunkedArray<T>,
    dst: &mut ChunkedArray<T>,
    tmp: &mut ChunkedArray<T>,
    norm: bool,
) -> Result<T::Real> {
    let from = if src.grid() == dst.grid() {
        src
    } else {
        tmp.check_same_grid(dst, "Identity: work vector")?;
        copy_leading(src, tmp);
        tmp
    };
    Ok(if norm {
        dst.add_assign_norm_sqr(from)
    } else {
        dst.add_assign(from);
        <T::Real as num_traits::Zero>::zero()
    })
}

/// `dst = I src + b dst` with `I` the (rectangular) identity, returning `||dst||^2`: the bits of
/// [`copy_leading`] into `tmp` then `xpby_norm_sqr`, in one pass (without `tmp`) when the grids
/// agree.
fn xpby_leading_norm_sqr<T: Scalar>(
    src: &ChunkedArray<T>,
    dst: &mut ChunkedArray<T>,
    b: T,
    tmp: &mut ChunkedArray<T>,
) -> Result<T::Real> {
    if src.grid() == dst.grid() {
        return Ok(dst.fill_norm_sqr(|k, s, p| {
            for (d, &x) in p.iter_mut().zip(&src.block_slice(k)[s..]) {
                *d = x + b * *d;
            }
        }));
    }
    tmp.check_same_grid(dst, "Identity: work vector")?;
    copy_leading(src, tmp);
    Ok(dst.xpby_norm_sqr(tmp, b))
}

/// [`copy_leading`], returning `||dst||^2` (summed as the copy is written when the grids agree).
fn copy_leading_norm_sqr<T: Scalar>(src: &ChunkedArray<T>, dst: &mut ChunkedArray<T>) -> T::Real {
    if src.grid() == dst.grid() {
        // Not `copy_from_slice`: see `copy_elems`.
        return dst.fill_norm_sqr(|k, s, p| copy_elems(p, &src.block_slice(k)[s..s + p.len()]));
    }
    copy_leading(src, dst);
    dst.norm_sqr()
}

/// `dst[common] = src[common]` over the leading box shared by both shapes, zero elsewhere in `dst`.
/// Both arrays must have the same number of axes; their grids may differ.
fn copy_leading<T: Scalar>(src: &ChunkedArray<T>, dst: &mut ChunkedArray<T>) {
    if src.grid() == dst.grid() {
        dst.copy_from(src);
        return;
    }
    let common: Vec<usize> = src
        .shape()
        .iter()
        .zip(dst.shape())
        .map(|(&a, &b)| a.min(b))
        .collect();
    let dgrid = dst.grid().clone();
    dst.par_for_each_block(|id, block| {
        let off = dgrid.block_offset(id);
        // The part of this block inside the common box.
        let inside: Vec<usize> = block
            .shape()
            .iter()
            .enumerate()
            .map(|(ax, &len)| common[ax].saturating_sub(off[ax]).min(len))
            .collect();
        if inside.as_slice() != block.shape() {
            block.fill(T::zero());
        }
        if inside.iter().all(|&n| n > 0) {
            let sub = block.slice_each_axis_mut(|a| Slice::from(0..inside[a.axis.index()]));
            copy_region_into(src, &off, sub);
        }
    });
}

/// Checks that an operator shape has an element count that an array can hold.
pub(crate) fn check_dims(name: &str, dims: &[usize]) -> Result<()> {
    // ndarray's rule: the product of the non-zero lengths must fit (so `[0, usize::MAX]` is refused
    // too, although it has no element).
    if rylops_core::grid::check_element_count(dims).is_err() {
        return Err(Error::InvalidParameter {
            name: name.into(),
            reason: format!("shape {dims:?} has more elements than an array can hold"),
        });
    }
    Ok(())
}

/// Calls `f(k, in_block, in_box)` for every block `k` of `grid` that overlaps the box of global
/// indices starting at `off` with extent `shape`; `in_block` are the overlap's index ranges inside
/// the block and `in_box` inside the box. The box must lie inside the grid's shape.
pub(crate) fn for_each_overlap(
    grid: &ChunkGrid,
    off: &[usize],
    shape: &[usize],
    mut f: impl FnMut(usize, &[Range<usize>], &[Range<usize>]),
) {
    let nd = grid.ndim();
    if shape.contains(&0) {
        return;
    }
    // Range of block ids along each axis.
    let (first, end): (Vec<usize>, Vec<usize>) = (0..nd)
        .map(|ax| {
            let (b0, _) = grid.locate(ax, off[ax]);
            let (b1, _) = grid.locate(ax, off[ax] + shape[ax] - 1);
            (b0, b1 + 1)
        })
        .unzip();
    let mut id = first.clone();
    let mut in_block = vec![0..0; nd];
    let mut in_box = vec![0..0; nd];
    loop {
        let boff = grid.block_offset(&id);
        let bshp = grid.block_shape(&id);
        for ax in 0..nd {
            let lo = off[ax].max(boff[ax]);
            let hi = (off[ax] + shape[ax]).min(boff[ax] + bshp[ax]);
            in_block[ax] = lo - boff[ax]..hi - boff[ax];
            in_box[ax] = lo - off[ax]..hi - off[ax];
        }
        f(grid.linear_index(&id), &in_block, &in_box);
        // Next block id in C order inside [first, end).
        let mut ax = nd;
        loop {
            if ax == 0 {
                return;
            }
            ax -= 1;
            id[ax] += 1;
            if id[ax] < end[ax] {
                break;
            }
            id[ax] = first[ax];
        }
    }
}

/// Copies the region of `src` starting at global `off`, with the shape of `dst`, into the view `dst`.
pub(crate) fn copy_region_into<T: Scalar>(
    src: &ChunkedArray<T>,
    off: &[usize],
    mut dst: ArrayViewMutD<'_, T>,
) {
    let shape = dst.shape().to_vec();
    for_each_overlap(src.grid(), off, &shape, |k, in_block, in_box| {
        let from =
            src.blocks()[k].slice_each_axis(|a| Slice::from(in_block[a.axis.index()].clone()));
        dst.slice_each_axis_mut(|a| Slice::from(in_box[a.axis.index()].clone()))
            .assign(&from);
    });
}

/// Assembles `src` into a contiguous C-order buffer of its global shape.
pub(crate) fn gather_into<T: Scalar>(src: &ChunkedArray<T>, buf: &mut [T]) -> Result<()> {
    let got = buf.len();
    let view = ArrayViewMutD::from_shape(src.shape(), buf).map_err(|_| Error::ShapeMismatch {
        context: "gather buffer".into(),
        expected: vec![src.len()],
        got: vec![got],
    })?;
    let zero = vec![0; src.ndim()];
    copy_region_into(src, &zero, view);
    Ok(())
}

/// Splits a contiguous C-order buffer of `dst`'s global shape into `dst`'s blocks.
pub(crate) fn scatter_from<T: Scalar>(buf: &[T], dst: &mut ChunkedArray<T>) -> Result<()> {
    let view =
        ndarray::ArrayViewD::from_shape(dst.shape(), buf).map_err(|_| Error::ShapeMismatch {
            context: "scatter buffer".into(),
            expected: vec![dst.len()],
            got: vec![buf.len()],
        })?;
    let grid = dst.grid().clone();
    dst.par_for_each_block(|id, block: &mut ArrayViewMutD<'_, T>| {
        let off = grid.block_offset(id);
        let shp = block.shape().to_vec();
        block.assign(&view.slice_each_axis(|a| {
            let ax = a.axis.index();
            Slice::from(off[ax]..off[ax] + shp[ax])
        }));
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    #[allow(deprecated)]
    fn rectangular_is_nm_with_the_arguments_swapped() {
        let old = Identity::<f64>::rectangular(&[3, 4], &[5, 2]).unwrap();
        let new = Identity::<f64>::nm(&[5, 2], &[3, 4]).unwrap();
        assert_eq!((old.dims(), old.dimsd()), (new.dims(), new.dimsd()));
        assert_eq!((new.dims(), new.dimsd()), (vec![3, 4], vec![5, 2]));
        let old = crate::Zero::<f64>::new(&[3], &[2, 2]).unwrap();
        let new = crate::Zero::<f64>::nm(&[2, 2], &[3]).unwrap();
        assert_eq!((old.dims(), old.dimsd()), (new.dims(), new.dimsd()));
        assert_eq!(new.shape(), (4, 3));
    }

    use super::*;
    use ndarray::{ArrayD, IxDyn};
    use num_complex::Complex64;
    use rylops_core::{ChunkedArray, LinearMap, LinearOperator, Vector};

    fn ramp(shape: &[usize]) -> ArrayD<f64> {
        let mut k = 0.0;
        ArrayD::from_shape_simple_fn(IxDyn(shape), || {
            k += 1.0;
            k
        })
    }

    #[test]
    fn copies_across_different_chunkings() {
        let a = ramp(&[5, 7]);
        let x = ChunkedArray::from_array_chunks(a.view(), &[2, 3]).unwrap();
        let mut y = ChunkedArray::zeros(ChunkGrid::uniform(&[5, 7], &[3, 4]).unwrap());
        y.fill(f64::NAN);
        let op = Identity::<f64>::with_dims(&[5, 7]).unwrap();
        op.forward_into(&x, &mut y).unwrap();
        assert_eq!(y.to_array(), a);
        let mut back = x.zeros_like();
        op.adjoint_into(&y, &mut back).unwrap();
        assert_eq!(back, x);
    }

    #[test]
    fn rectangular_pads_and_truncates_per_axis() {
        // Model 3x4, data 5x2: axis 0 zero-padded, axis 1 truncated.
        let a = ramp(&[3, 4]);
        let op = Identity::<f64>::nm(&[5, 2], &[3, 4]).unwrap();
        let x = ChunkedArray::from_array_chunks(a.view(), &[2, 3]).unwrap();
        let y = op.forward(&x).unwrap();
        assert_eq!(y.shape(), &[5, 2]);
        let ya = y.to_array();
        for i in 0..5 {
            for j in 0..2 {
                let want = if i < 3 { a[[i, j]] } else { 0.0 };
                assert_eq!(ya[[i, j]], want);
            }
        }
        let xb = op.adjoint(&y).unwrap().to_array();
        for i in 0..3 {
            for j in 0..4 {
                let want = if j < 2 { a[[i, j]] } else { 0.0 };
                assert_eq!(xb[[i, j]], want);
            }
        }
        // A chunking that `range_like` then `domain_like` maps back to itself, as the dot test needs.
        let c = ChunkedArray::<Complex64>::zeros(ChunkGrid::uniform(&[3, 4], &[2, 1]).unwrap());
        assert!(
            rylops_core::dot_test_with(&op_c(), c, 3, None)
                .unwrap()
                .passed
        );
    }

    fn op_c() -> Chunked<Identity<Complex64>> {
        Identity::nm(&[5, 2], &[3, 4]).unwrap()
    }

    #[test]
    fn zero_d_and_empty_shapes() {
        let op = Identity::<f64>::with_dims(&[]).unwrap();
        let x = ChunkedArray::from(ArrayD::from_elem(IxDyn(&[]), 2.5));
        assert_eq!(op.forward(&x).unwrap(), x);
        let e = Identity::<f64>::nm(&[2, 3], &[0, 3]).unwrap();
        let y = e.forward(&ChunkedArray::zeros_single(&[0, 3])).unwrap();
        assert_eq!(y.to_array(), ArrayD::zeros(IxDyn(&[2, 3])));
    }

    #[test]
    fn rejects_bad_shapes() {
        assert!(matches!(
            Identity::<f64>::with_dims(&[usize::MAX, 2]),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            Identity::<f64>::nm(&[2, 1], &[2]),
            Err(Error::InvalidParameter { .. })
        ));
        let op = Identity::<f64>::new(4).unwrap();
        let mut y = ChunkedArray::zeros_single(&[4]);
        assert!(matches!(
            op.forward_into(&ChunkedArray::zeros_single(&[3]), &mut y),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn gather_scatter_round_trip() {
        let a = ramp(&[4, 3, 5]);
        let c = ChunkedArray::from_array_chunks(a.view(), &[3, 2, 2]).unwrap();
        let mut buf = vec![0.0; 60];
        gather_into(&c, &mut buf).unwrap();
        assert_eq!(buf.as_slice(), a.as_slice().unwrap());
        let mut d = c.zeros_like();
        scatter_from(&buf, &mut d).unwrap();
        assert_eq!(d, c);
    }
}
