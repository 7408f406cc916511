//! Partitions: how a global n-d shape is split over a Cartesian grid of ranks.
//!
//! A [`Partition`] is a [`ChunkGrid`] whose blocks are ranks: along every axis the list of the ranks'
//! local lengths, and rank `r` owns the block whose C-order index is `r` (the row-major numbering of
//! `MPI_Cart_create`). Splitting along one axis gives slabs, along two pencils, along three blocks;
//! splits may be uneven or given by the user. Everything here is pure arithmetic shared by all ranks,
//! so it needs no MPI and is tested without it.

use rylops_core::grid::ChunkGrid;
use rylops_core::{Error, Result};

/// A global n-d shape split over a Cartesian grid of ranks (one block of a [`ChunkGrid`] per rank).
///
/// ```
/// use rylops_mpi::Partition;
/// // 10 x 7 split over 3 x 2 ranks: rows 4,3,3 and columns 4,3.
/// let p = Partition::balanced(&[10, 7], &[3, 2]).unwrap();
/// assert_eq!(p.nranks(), 6);
/// assert_eq!(p.local_shape(3), vec![3, 3]); // rank 3 = coordinates (1, 1)
/// assert_eq!(p.local_offset(3), vec![4, 4]);
/// // user-given local lengths along axis 0, unsplit along axis 1
/// let q = Partition::new(&[10, 7], vec![vec![1, 6, 3], vec![7]]).unwrap();
/// assert_eq!(q.procs(), vec![3, 1]);
/// assert!(q.is_split(0) && !q.is_split(1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Partition {
    grid: ChunkGrid,
}

/// `n` split into `p` nearly equal parts, the first `n % p` one longer.
pub fn balanced_split(n: usize, p: usize) -> Vec<usize> {
    let p = p.max(1);
    (0..p).map(|k| n / p + usize::from(k < n % p)).collect()
}

/// Prime factors of `n`, largest first.
fn factors_desc(mut n: usize) -> Vec<usize> {
    let mut f = Vec::new();
    let mut d = 2;
    while d * d <= n {
        while n % d == 0 {
            f.push(d);
            n /= d;
        }
        d += 1;
    }
    if n > 1 {
        f.push(n);
    }
    f.reverse();
    f
}

impl Partition {
    /// A partition from the ranks' local lengths along every axis (`sizes[ax]` has one entry per
    /// process along `ax` and sums to `shape[ax]`; a single entry means "not split along `ax`").
    ///
    /// # Errors
    /// [`Error::InconsistentChunks`]: lengths that do not sum to the shape, a zero length (a rank
    /// without data), or a list per axis missing.
    pub fn new(shape: &[usize], sizes: Vec<Vec<usize>>) -> Result<Self> {
        for (ax, s) in sizes.iter().enumerate() {
            if s.len() > 1 && s.contains(&0) {
                return Err(Error::InconsistentChunks(format!(
                    "partition gives a rank no data along axis {ax} ({s:?}): use fewer ranks \
                     along that axis"
                )));
            }
        }
        Ok(Self {
            grid: ChunkGrid::new(shape, sizes)?,
        })
    }

    /// A partition over `procs[ax]` ranks along each axis, split as evenly as possible.
    ///
    /// # Errors
    /// [`Error::InconsistentChunks`] if `procs` has another length than `shape`, or asks for zero
    /// ranks, or for more ranks than rows along an axis.
    pub fn balanced(shape: &[usize], procs: &[usize]) -> Result<Self> {
        if procs.len() != shape.len() {
            return Err(Error::InconsistentChunks(format!(
                "{} process counts given for an array of {} dimensions",
                procs.len(),
                shape.len()
            )));
        }
        for (ax, (&n, &p)) in shape.iter().zip(procs).enumerate() {
            if p == 0 || (p > n && p > 1) {
                return Err(Error::InconsistentChunks(format!(
                    "{p} ranks along axis {ax} of length {n}: every rank needs at least one row"
                )));
            }
        }
        Self::new(
            shape,
            shape
                .iter()
                .zip(procs)
                .map(|(&n, &p)| balanced_split(n, p))
                .collect(),
        )
    }

    /// `nranks` ranks along `axis` only (slabs).
    ///
    /// # Errors
    /// [`Error::AxisOutOfRange`] for a bad `axis`; otherwise as [`Partition::balanced`].
    pub fn slabs(shape: &[usize], nranks: usize, axis: usize) -> Result<Self> {
        let mut procs = vec![1; shape.len()];
        if axis >= shape.len() {
            return Err(Error::AxisOutOfRange {
                axis: axis as isize,
                ndim: shape.len(),
            });
        }
        procs[axis] = nranks;
        Self::balanced(shape, &procs)
    }

    /// `nranks` ranks spread over the given `axes` (as `MPI_Dims_create` would): prime factors of
    /// `nranks`, largest first, each given to the axis whose local length is then the largest.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `nranks > 1` and `axes` is empty, [`Error::AxisOutOfRange`]
    /// for an axis of no `shape`; otherwise as [`Partition::balanced`].
    pub fn auto(shape: &[usize], nranks: usize, axes: &[usize]) -> Result<Self> {
        if axes.is_empty() && nranks > 1 {
            return Err(Error::InvalidParameter {
                name: "axes".into(),
                reason: format!("{nranks} ranks need at least one axis to split"),
            });
        }
        let mut procs = vec![1usize; shape.len()];
        for &ax in axes {
            if ax >= shape.len() {
                return Err(Error::AxisOutOfRange {
                    axis: ax as isize,
                    ndim: shape.len(),
                });
            }
        }
        for f in factors_desc(nranks) {
            // `axes` is not empty here: `nranks > 1` has a factor, and was checked above
            let Some(&ax) = axes.iter().max_by(|&&a, &&b| {
                // largest local length; ties go to the lowest axis
                let la = shape[a] as f64 / procs[a] as f64;
                let lb = shape[b] as f64 / procs[b] as f64;
                la.partial_cmp(&lb)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(b.cmp(&a))
            }) else {
                break;
            };
            procs[ax] *= f;
        }
        Self::balanced(shape, &procs)
    }

    /// The grid of ranks as a chunk grid (block `r` in C order is rank `r`).
    pub fn grid(&self) -> &ChunkGrid {
        &self.grid
    }
    /// The global shape.
    pub fn shape(&self) -> &[usize] {
        self.grid.shape()
    }
    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.grid.ndim()
    }
    /// Number of ranks the partition needs.
    pub fn nranks(&self) -> usize {
        self.grid.nblocks()
    }
    /// Number of ranks along every axis (the Cartesian process grid).
    pub fn procs(&self) -> Vec<usize> {
        self.grid.block_counts()
    }
    /// The ranks' local lengths along `axis`.
    pub fn sizes(&self, axis: usize) -> &[usize] {
        self.grid.chunks(axis)
    }
    /// Global offsets of the ranks along `axis` (one more entry than ranks, the last = axis length).
    pub fn offsets(&self, axis: usize) -> &[usize] {
        self.grid.offsets(axis)
    }
    /// Whether more than one rank shares `axis` (then derivatives along it exchange halos).
    pub fn is_split(&self, axis: usize) -> bool {
        self.grid.is_chunked_along(axis)
    }
    /// Cartesian coordinates of `rank`.
    pub fn coords(&self, rank: usize) -> Vec<usize> {
        self.grid.block_id(rank)
    }
    /// The rank at Cartesian coordinates `coords`.
    pub fn rank_of(&self, coords: &[usize]) -> usize {
        self.grid.linear_index(coords)
    }
    /// Shape of `rank`'s local block.
    pub fn local_shape(&self, rank: usize) -> Vec<usize> {
        self.grid.block_shape(&self.coords(rank))
    }
    /// Global offset of `rank`'s local block.
    pub fn local_offset(&self, rank: usize) -> Vec<usize> {
        self.grid.block_offset(&self.coords(rank))
    }
    /// Number of elements `rank` owns.
    pub fn local_len(&self, rank: usize) -> usize {
        self.local_shape(rank).iter().product()
    }
    /// Global rows `[start, end)` that `rank` owns along `axis`.
    pub fn rows(&self, rank: usize, axis: usize) -> (usize, usize) {
        let c = self.coords(rank)[axis];
        let o = self.offsets(axis);
        (o[c], o[c + 1])
    }
    /// The neighbour of `rank` at displacement `disp` along `axis` (non-periodic), if any.
    pub fn neighbour(&self, rank: usize, axis: usize, disp: isize) -> Option<usize> {
        let mut c = self.coords(rank);
        let v = c[axis] as isize + disp;
        if v < 0 || v as usize >= self.grid.nblocks_along(axis) {
            return None;
        }
        c[axis] = v as usize;
        Some(self.rank_of(&c))
    }
    /// The ranks on `rank`'s line along `axis` (same coordinates on the other axes), in order.
    pub fn line(&self, rank: usize, axis: usize) -> Vec<usize> {
        let mut c = self.coords(rank);
        (0..self.grid.nblocks_along(axis))
            .map(|k| {
                c[axis] = k;
                self.rank_of(&c)
            })
            .collect()
    }
    /// The ranks on `rank`'s line along `axis` that own global rows `[lo, hi)`, with the part each
    /// owns, in increasing order (several when they are thinner than the range).
    pub fn owners(
        &self,
        rank: usize,
        axis: usize,
        lo: usize,
        hi: usize,
    ) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        let mut c = self.coords(rank);
        let o = self.offsets(axis);
        let mut g = lo;
        while g < hi {
            let (b, _) = self.grid.locate(axis, g);
            let top = o[b + 1].min(hi);
            c[axis] = b;
            out.push((self.rank_of(&c), g, top));
            g = top;
        }
        out
    }
    /// The partition of a stacked array `(n, *shape)`: a new leading axis of length `n`, not split.
    pub fn prepend_axis(&self, n: usize) -> Self {
        Self {
            grid: self.grid.prepend_axis(n),
        }
    }
    /// A canonical one-line description (shape and local lengths per axis), compared across ranks.
    pub fn describe(&self) -> String {
        format!(
            "shape {:?}, local lengths {:?}",
            self.shape(),
            self.grid.all_chunks()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_splits_are_even() {
        assert_eq!(balanced_split(10, 3), vec![4, 3, 3]);
        assert_eq!(balanced_split(2, 2), vec![1, 1]);
        let p = Partition::balanced(&[5, 6, 7], &[2, 1, 3]).unwrap();
        assert_eq!(p.nranks(), 6);
        let total: usize = (0..6).map(|r| p.local_len(r)).sum();
        assert_eq!(total, 5 * 6 * 7);
        assert_eq!(p.coords(5), vec![1, 0, 2]);
        assert_eq!(p.rank_of(&[1, 0, 2]), 5);
        assert_eq!(p.neighbour(5, 2, -1), Some(4));
        assert_eq!(p.neighbour(5, 2, 1), None);
        assert_eq!(p.neighbour(2, 0, 1), Some(5));
        assert_eq!(p.line(4, 0), vec![1, 4]);
    }

    #[test]
    fn auto_factorises_over_axes() {
        let p = Partition::auto(&[64, 32, 16], 8, &[0, 1]).unwrap();
        assert_eq!(p.procs(), vec![4, 2, 1]);
        let p = Partition::auto(&[16, 16, 16], 4, &[0, 1, 2]).unwrap();
        assert_eq!(p.procs(), vec![2, 2, 1]);
        let p = Partition::auto(&[16, 16], 1, &[]).unwrap();
        assert_eq!(p.procs(), vec![1, 1]);
        assert!(Partition::auto(&[2, 2], 3, &[0]).is_err());
    }

    #[test]
    fn owners_cross_thin_ranks() {
        let p = Partition::new(&[7, 2], vec![vec![1, 1, 3, 2], vec![2]]).unwrap();
        assert_eq!(p.owners(2, 0, 0, 2), vec![(0, 0, 1), (1, 1, 2)]);
        assert_eq!(p.owners(0, 0, 1, 6), vec![(1, 1, 2), (2, 2, 5), (3, 5, 6)]);
        assert_eq!(p.rows(2, 0), (2, 5));
    }

    #[test]
    fn bad_partitions_are_typed_errors() {
        assert!(matches!(
            Partition::new(&[5], vec![vec![2, 2]]),
            Err(Error::InconsistentChunks(_))
        ));
        assert!(matches!(
            Partition::new(&[5], vec![vec![5, 0]]),
            Err(Error::InconsistentChunks(_))
        ));
        assert!(matches!(
            Partition::balanced(&[3], &[4]),
            Err(Error::InconsistentChunks(_))
        ));
        assert!(Partition::slabs(&[3], 2, 1).is_err());
    }

    #[test]
    fn stacked_partition() {
        let p = Partition::balanced(&[6, 4], &[2, 2]).unwrap();
        let s = p.prepend_axis(2);
        assert_eq!(s.shape(), &[2, 6, 4]);
        assert_eq!(s.nranks(), 4);
        assert_eq!(s.local_shape(3), vec![2, 3, 2]);
        assert!(p.describe().contains("[6, 4]"));
    }
}
