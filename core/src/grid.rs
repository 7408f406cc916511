//! Chunk grids: how a global n-d shape is tiled into blocks (dask's `chunks`).

use crate::error::{Error, Result};

/// The tiling of a global n-d shape into blocks: per axis, the list of chunk lengths.
///
/// Like dask's `chunks`, chunks may be irregular. An axis of length zero has the single chunk `[0]`;
/// every other chunk length is positive. Blocks are numbered in C (row-major) order of their block ids.
///
/// ```
/// use rylops_core::ChunkGrid;
/// let g = ChunkGrid::new(&[10, 7], vec![vec![5, 5], vec![3, 4]]).unwrap();
/// assert_eq!(g.nblocks(), 4);
/// assert_eq!(g.block_shape(&[1, 1]), vec![5, 4]);
/// assert_eq!(g.block_offset(&[1, 1]), vec![5, 3]);
/// let u = ChunkGrid::uniform(&[10, 7], &[4, 7]).unwrap();
/// assert_eq!(u.chunks(0), &[4, 4, 2]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChunkGrid {
    shape: Vec<usize>,
    chunks: Vec<Vec<usize>>,
    offsets: Vec<Vec<usize>>,
}

impl ChunkGrid {
    /// A grid from per-axis chunk lengths; they must sum to the shape along each axis.
    ///
    /// # Errors
    /// [`Error::InconsistentChunks`] if the number of chunk lists differs from the number of axes,
    /// an axis has no chunks, a chunk of a non-empty axis has length zero, an empty axis has chunks
    /// other than `[0]`, or the chunks do not sum to the axis length (a sum past `usize::MAX`
    /// included); [`Error::InvalidParameter`] (named `shape`) if the shape has more elements than an
    /// array can hold (the product of its non-zero lengths exceeds `isize::MAX`, ndarray's limit).
    pub fn new(shape: &[usize], chunks: Vec<Vec<usize>>) -> Result<Self> {
        if chunks.len() != shape.len() {
            return Err(Error::InconsistentChunks(format!(
                "{} chunk lists given for an array of {} dimensions",
                chunks.len(),
                shape.len()
            )));
        }
        check_element_count(shape)?;
        let mut offsets = Vec::with_capacity(shape.len());
        for (ax, (c, &n)) in chunks.iter().zip(shape).enumerate() {
            if c.is_empty() {
                return Err(Error::InconsistentChunks(format!(
                    "axis {ax} has no chunks (use [{n}] for a single chunk)"
                )));
            }
            if n > 0 && c.contains(&0) {
                return Err(Error::InconsistentChunks(format!(
                    "axis {ax} has a zero-length chunk in {}",
                    short_list(c)
                )));
            }
            if n == 0 && c != &[0] {
                return Err(Error::InconsistentChunks(format!(
                    "axis {ax} has length 0: its chunks must be [0], got {}",
                    short_list(c)
                )));
            }
            let mut o = Vec::new();
            o.try_reserve_exact(c.len() + 1).map_err(|_| {
                Error::InconsistentChunks(format!(
                    "axis {ax} has {} chunks: more than memory can index",
                    c.len()
                ))
            })?;
            let mut acc = 0usize;
            o.push(0);
            for &len in c {
                acc = match acc.checked_add(len) {
                    Some(v) if v <= n => v,
                    _ => {
                        return Err(Error::InconsistentChunks(format!(
                            "chunks {} along axis {ax} sum to more than the axis length {n}",
                            short_list(c)
                        )))
                    }
                };
                o.push(acc);
            }
            if acc != n {
                return Err(Error::InconsistentChunks(format!(
                    "chunks {} along axis {ax} sum to {acc}, but the axis has length {n}",
                    short_list(c)
                )));
            }
            offsets.push(o);
        }
        Ok(Self {
            shape: shape.to_vec(),
            chunks,
            offsets,
        })
    }

    /// A grid of uniform chunks of the given size per axis (the last chunk may be shorter).
    ///
    /// # Errors
    /// [`Error::InconsistentChunks`] if `chunk` does not have one entry per axis or a chunk size of a
    /// non-empty axis is zero, or if the chunk lists cannot be allocated (e.g. chunks of length 1
    /// along an axis of `2^62` samples); otherwise those of [`ChunkGrid::new`].
    pub fn uniform(shape: &[usize], chunk: &[usize]) -> Result<Self> {
        if chunk.len() != shape.len() {
            return Err(Error::InconsistentChunks(format!(
                "chunk size {chunk:?} has {} entries for an array of {} dimensions",
                chunk.len(),
                shape.len()
            )));
        }
        check_element_count(shape)?;
        let mut chunks = Vec::with_capacity(shape.len());
        for (ax, (&n, &c)) in shape.iter().zip(chunk).enumerate() {
            if c == 0 && n > 0 {
                return Err(Error::InconsistentChunks(format!(
                    "chunk size along axis {ax} is zero"
                )));
            }
            chunks.push(try_uniform_split(n, c).ok_or_else(|| {
                Error::InconsistentChunks(format!(
                    "axis {ax} of length {n} in chunks of {c} has {} chunks: more than memory can \
                     hold",
                    n.div_ceil(c.max(1))
                ))
            })?);
        }
        Self::new(shape, chunks)
    }

    /// A grid with one chunk covering the whole shape.
    ///
    /// # Panics
    /// If the shape has more elements than an array can hold (see [`ChunkGrid::try_single`], which
    /// returns an error instead).
    pub fn single(shape: &[usize]) -> Self {
        match Self::try_single(shape) {
            Ok(g) => g,
            Err(e) => panic!("ChunkGrid::single({shape:?}): {e}"),
        }
    }

    /// A grid with one chunk covering the whole shape.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (named `shape`) if the shape has more elements than an array can
    /// hold (the product of its non-zero lengths exceeds `isize::MAX`).
    pub fn try_single(shape: &[usize]) -> Result<Self> {
        let chunks = shape.iter().map(|&n| vec![n]).collect();
        Self::new(shape, chunks)
    }

    /// The global shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }
    /// Total number of elements (it fits: [`ChunkGrid::new`] rejects larger shapes).
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Chunk lengths along `axis`.
    pub fn chunks(&self, axis: usize) -> &[usize] {
        &self.chunks[axis]
    }
    /// All chunk lengths, per axis.
    pub fn all_chunks(&self) -> &[Vec<usize>] {
        &self.chunks
    }
    /// Offsets of the chunks along `axis` (length `nblocks_along(axis) + 1`, last = axis length).
    pub fn offsets(&self, axis: usize) -> &[usize] {
        &self.offsets[axis]
    }
    /// Number of blocks along `axis`.
    pub fn nblocks_along(&self, axis: usize) -> usize {
        self.chunks[axis].len()
    }
    /// Number of blocks per axis.
    pub fn block_counts(&self) -> Vec<usize> {
        self.chunks.iter().map(|c| c.len()).collect()
    }
    /// Total number of blocks.
    pub fn nblocks(&self) -> usize {
        self.chunks.iter().map(|c| c.len()).product()
    }
    /// Whether the array is split along `axis` (more than one block).
    pub fn is_chunked_along(&self, axis: usize) -> bool {
        self.chunks[axis].len() > 1
    }
    /// Shape of the block with id `id`.
    pub fn block_shape(&self, id: &[usize]) -> Vec<usize> {
        id.iter()
            .enumerate()
            .map(|(ax, &b)| self.chunks[ax][b])
            .collect()
    }
    /// Global offset of the block with id `id`.
    pub fn block_offset(&self, id: &[usize]) -> Vec<usize> {
        id.iter()
            .enumerate()
            .map(|(ax, &b)| self.offsets[ax][b])
            .collect()
    }
    /// Linear (C-order) index of a block id.
    pub fn linear_index(&self, id: &[usize]) -> usize {
        let mut k = 0;
        for (ax, &b) in id.iter().enumerate() {
            k = k * self.chunks[ax].len() + b;
        }
        k
    }
    /// Block id of a linear index.
    pub fn block_id(&self, mut k: usize) -> Vec<usize> {
        let mut id = vec![0; self.ndim()];
        for ax in (0..self.ndim()).rev() {
            let nb = self.chunks[ax].len();
            id[ax] = k % nb;
            k /= nb;
        }
        id
    }
    /// Checks a block id, returning an error naming the bad axis.
    ///
    /// # Errors
    /// [`Error::InconsistentChunks`] if `id` has the wrong length or an entry past the block count.
    pub fn check_block_id(&self, id: &[usize]) -> Result<()> {
        if id.len() != self.ndim() {
            return Err(Error::InconsistentChunks(format!(
                "block id {id:?} has {} entries, the grid has {} axes",
                id.len(),
                self.ndim()
            )));
        }
        for (ax, &b) in id.iter().enumerate() {
            if b >= self.chunks[ax].len() {
                return Err(Error::InconsistentChunks(format!(
                    "block id {id:?}: axis {ax} has only {} blocks",
                    self.chunks[ax].len()
                )));
            }
        }
        Ok(())
    }
    /// The block (along `axis`) holding global index `g`, and the index inside it.
    ///
    /// # Panics
    /// If `axis >= self.ndim()` or the axis has length zero. `g` past the end is reported in the
    /// last block (the index inside it is then past the block's end).
    pub fn locate(&self, axis: usize, g: usize) -> (usize, usize) {
        let o = &self.offsets[axis];
        // partition_point: first offset > g, minus one.
        let b = o.partition_point(|&v| v <= g) - 1;
        let b = b.min(self.chunks[axis].len() - 1);
        (b, g - o[b])
    }
    /// The same grid with `chunks` replaced along `axis`.
    ///
    /// # Errors
    /// [`Error::AxisOutOfRange`] if `axis >= ndim`; those of [`ChunkGrid::new`] for bad chunks.
    pub fn with_axis_chunks(&self, axis: usize, chunks: Vec<usize>) -> Result<Self> {
        if axis >= self.ndim() {
            return Err(Error::AxisOutOfRange {
                axis: isize::try_from(axis).unwrap_or(isize::MAX),
                ndim: self.ndim(),
            });
        }
        let mut all = self.chunks.clone();
        all[axis] = chunks;
        Self::new(&self.shape, all)
    }
    /// The grid with a new leading axis of length `n` held in a single chunk.
    ///
    /// # Panics
    /// If the new shape has more elements than an array can hold (see
    /// [`ChunkGrid::try_prepend_axis`]).
    pub fn prepend_axis(&self, n: usize) -> Self {
        match self.try_prepend_axis(n) {
            Ok(g) => g,
            Err(e) => panic!("ChunkGrid::prepend_axis({n}): {e}"),
        }
    }
    /// The grid with a new leading axis of length `n` held in a single chunk.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (named `shape`) if the new shape has more elements than an array
    /// can hold.
    pub fn try_prepend_axis(&self, n: usize) -> Result<Self> {
        let mut shape = vec![n];
        shape.extend_from_slice(&self.shape);
        let mut chunks = vec![vec![n]];
        chunks.extend(self.chunks.iter().cloned());
        Self::new(&shape, chunks)
    }
    /// The grid without its leading axis.
    pub fn drop_leading_axis(&self) -> Option<Self> {
        if self.ndim() == 0 {
            return None;
        }
        Self::new(&self.shape[1..], self.chunks[1..].to_vec()).ok()
    }
}

impl ChunkGrid {
    /// A chunk grid for `shape` laid out like this grid: axes of unchanged length keep their chunks,
    /// other axes are split uniformly with this grid's first chunk length along that axis (or kept in
    /// one chunk if this grid does not split it). A shape that stacks this shape along a new leading
    /// axis gets one chunk along it and this grid's chunks elsewhere; a shape that drops this grid's
    /// leading axis keeps the other axes' chunks. Any other number of axes gives one chunk.
    ///
    /// Operators use it to lay out their output like their input.
    ///
    /// ```
    /// use rylops_core::ChunkGrid;
    /// let g = ChunkGrid::uniform(&[10, 6], &[4, 6]).unwrap();
    /// assert_eq!(g.like(&[10, 6]), g);
    /// let r = g.like(&[9, 3]);
    /// assert_eq!((r.chunks(0), r.chunks(1)), (&[4, 4, 1][..], &[3][..]));
    /// assert_eq!(g.like(&[5]), ChunkGrid::single(&[5]));
    /// let stacked = g.like(&[2, 10, 6]); // e.g. a gradient's output
    /// assert_eq!(stacked, g.prepend_axis(2));
    /// assert_eq!(stacked.like(&[10, 6]), g);
    /// ```
    pub fn like(&self, shape: &[usize]) -> ChunkGrid {
        if self.shape() == shape {
            return self.clone();
        }
        if shape.len() == self.ndim() + 1 && shape[1..] == *self.shape() {
            return self.prepend_axis(shape[0]);
        }
        if shape.len() + 1 == self.ndim() && *shape == self.shape()[1..] {
            if let Some(g) = self.drop_leading_axis() {
                return g;
            }
        }
        if self.ndim() != shape.len() {
            return ChunkGrid::single(shape);
        }
        let chunks = shape
            .iter()
            .enumerate()
            .map(|(ax, &n)| {
                if self.shape()[ax] == n {
                    self.chunks(ax).to_vec()
                } else if self.is_chunked_along(ax) {
                    uniform_split(n, self.chunks(ax)[0])
                } else {
                    vec![n]
                }
            })
            .collect();
        ChunkGrid::new(shape, chunks).unwrap_or_else(|_| ChunkGrid::single(shape))
    }
}

/// Splits `n` into chunks of size `c` (the last one shorter); `[0]` for `n == 0`.
///
/// # Panics
/// If the list of chunks cannot be allocated (`n / c` in the billions); [`ChunkGrid::uniform`]
/// returns an error there instead.
pub fn uniform_split(n: usize, c: usize) -> Vec<usize> {
    match try_uniform_split(n, c) {
        Some(v) => v,
        None => panic!("uniform_split({n}, {c}): too many chunks to allocate"),
    }
}

/// [`uniform_split`], or `None` if the list of chunks cannot be allocated.
fn try_uniform_split(n: usize, c: usize) -> Option<Vec<usize>> {
    if n == 0 {
        return Some(vec![0]);
    }
    let c = c.max(1);
    let count = n.div_ceil(c);
    let mut v = Vec::new();
    v.try_reserve_exact(count).ok()?;
    v.resize(n / c, c);
    if n % c != 0 {
        v.push(n % c);
    }
    Some(v)
}

/// The number of elements of `shape`, checked against ndarray's limit: the product of the non-zero
/// lengths must not exceed `isize::MAX`.
///
/// # Errors
/// [`Error::InvalidParameter`] (named `shape`) if it does.
pub fn check_element_count(shape: &[usize]) -> Result<usize> {
    let nonzero = shape
        .iter()
        .filter(|&&n| n != 0)
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .filter(|&p| p <= isize::MAX as usize);
    match nonzero {
        Some(p) => Ok(if shape.contains(&0) { 0 } else { p }),
        None => Err(Error::InvalidParameter {
            name: "shape".into(),
            reason: format!(
                "shape {shape:?} has more elements than an array can hold (the product of its \
                 non-zero lengths must not exceed isize::MAX)"
            ),
        }),
    }
}

/// A chunk list for an error message: the first few entries of a long list.
fn short_list(c: &[usize]) -> String {
    if c.len() <= 8 {
        format!("{c:?}")
    } else {
        format!("{:?}... ({} chunks)", &c[..8], c.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_and_irregular() {
        let g = ChunkGrid::uniform(&[10, 3], &[4, 3]).unwrap();
        assert_eq!(g.chunks(0), &[4, 4, 2]);
        assert_eq!(g.offsets(0), &[0, 4, 8, 10]);
        assert_eq!(g.nblocks(), 3);
        assert_eq!(g.locate(0, 9), (2, 1));
        assert_eq!(g.locate(0, 4), (1, 0));
        let ir = ChunkGrid::new(&[6], vec![vec![1, 3, 2]]).unwrap();
        assert_eq!(ir.locate(0, 0), (0, 0));
        assert_eq!(ir.locate(0, 3), (1, 2));
        assert_eq!(ir.locate(0, 5), (2, 1));
    }

    #[test]
    fn ids_round_trip() {
        let g = ChunkGrid::uniform(&[5, 6, 7], &[2, 4, 3]).unwrap();
        for k in 0..g.nblocks() {
            assert_eq!(g.linear_index(&g.block_id(k)), k);
        }
    }

    #[test]
    fn overflowing_grids_are_typed_errors() {
        let big = usize::MAX / 2 + 2;
        // Chunk sums that wrap past usize::MAX.
        assert!(matches!(
            ChunkGrid::new(&[4], vec![vec![big, big, 6]]),
            Err(Error::InconsistentChunks(_))
        ));
        // Element counts past isize::MAX (len() would wrap).
        assert!(matches!(
            ChunkGrid::new(&[1 << 40, 1 << 40], vec![vec![1 << 40], vec![1 << 40]]),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(ChunkGrid::uniform(&[1 << 40, 1 << 40], &[1, 1]).is_err());
        assert!(ChunkGrid::try_single(&[usize::MAX, 2]).is_err());
        // Too many chunks to allocate: an error, not "capacity overflow".
        assert!(matches!(
            ChunkGrid::uniform(&[1 << 62], &[1]),
            Err(Error::InconsistentChunks(_))
        ));
        // An empty axis makes any other length legal, as in ndarray... up to isize::MAX.
        assert_eq!(ChunkGrid::try_single(&[0, 1 << 62]).unwrap().len(), 0);
        assert!(ChunkGrid::try_single(&[0, usize::MAX]).is_err());
        let g = ChunkGrid::single(&[3]);
        assert!(matches!(
            g.with_axis_chunks(1, vec![3]),
            Err(Error::AxisOutOfRange { .. })
        ));
        assert!(g.try_prepend_axis(usize::MAX).is_err());
    }

    #[test]
    fn bad_grids_are_rejected() {
        assert!(matches!(
            ChunkGrid::new(&[5], vec![vec![2, 2]]),
            Err(Error::InconsistentChunks(_))
        ));
        assert!(ChunkGrid::new(&[5], vec![vec![5, 0]]).is_err());
        assert!(ChunkGrid::new(&[5, 2], vec![vec![5]]).is_err());
        assert!(ChunkGrid::uniform(&[5], &[0]).is_err());
        assert!(ChunkGrid::new(&[0], vec![vec![0]]).is_ok());
    }

    #[test]
    fn like_keeps_or_resplits() {
        let g = ChunkGrid::uniform(&[10, 6], &[4, 6]).unwrap();
        assert_eq!(g.like(&[10, 6]), g);
        let r = g.like(&[9, 3]);
        assert_eq!(r.chunks(0), &[4, 4, 1]);
        assert_eq!(r.chunks(1), &[3]);
        assert_eq!(g.like(&[5]).all_chunks(), &[vec![5]]);
        assert_eq!(g.like(&[0, 6]).chunks(0), &[0]);
        let irregular = ChunkGrid::new(&[5, 4], vec![vec![1, 4], vec![2, 2]]).unwrap();
        assert_eq!(irregular.like(&[5, 7]).chunks(0), &[1, 4]);
        assert_eq!(irregular.like(&[5, 7]).chunks(1), &[2, 2, 2, 1]);
        let up = irregular.like(&[3, 5, 4]);
        assert_eq!(up.all_chunks(), &[vec![3], vec![1, 4], vec![2, 2]]);
        assert_eq!(up.like(&[5, 4]), irregular);
        let chunked_lead =
            ChunkGrid::new(&[2, 5, 4], vec![vec![1, 1], vec![5], vec![2, 2]]).unwrap();
        assert_eq!(
            chunked_lead.like(&[5, 4]).all_chunks(),
            &[vec![5], vec![2, 2]]
        );
    }
}
