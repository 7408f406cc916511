//! Arrays partitioned over ranks: [`Layout`] (a partition agreed by every rank of a communicator) and
//! [`DistArray`] (the local part of a global array, as a [`ChunkedArray`]).

use crate::comm::{Comm, MpiScalar};
use crate::partition::Partition;
use mpi::traits::{Communicator, Destination, Root, Source};
use rylops_core::ndarray::{ArrayD, ArrayViewD, Axis, Dimension, IxDyn, Slice};
use rylops_core::{ChunkedArray, Error, Result, Rng, Vector};
use std::sync::Arc;

#[derive(Debug)]
struct LayoutInner {
    comm: Arc<Comm>,
    part: Partition,
}

/// A [`Partition`] that every rank of a communicator has agreed on (cheap to clone).
///
/// Building one is collective: every rank must call [`Layout::new`] with the same partition. Arrays
/// and operators on the same layout then need no further agreement: every check they make is a
/// function of agreed data, so it has the same outcome on every rank.
#[derive(Clone, Debug)]
pub struct Layout {
    inner: Arc<LayoutInner>,
}

impl Layout {
    /// Agrees on `part` over `comm` (collective). Errors, identical on every rank: ranks that hold
    /// different partitions ([`Error::InconsistentChunks`], naming the first rank that differs and
    /// both descriptions), or a partition for another number of ranks than the communicator has.
    ///
    /// # Errors
    /// As described above, the same on every rank.
    pub fn new(comm: Arc<Comm>, part: Partition) -> Result<Self> {
        comm.check_same(&part.describe(), |a, da, b, db| {
            Error::InconsistentChunks(format!(
                "ranks disagree on the partition: rank {a} has {da}, rank {b} has {db}"
            ))
        })?;
        if part.nranks() != comm.size() {
            return Err(Error::InconsistentChunks(format!(
                "the partition has {} ranks ({:?} per axis) but the communicator has {}",
                part.nranks(),
                part.procs(),
                comm.size()
            )));
        }
        Ok(Self {
            inner: Arc::new(LayoutInner { comm, part }),
        })
    }
    /// The communicator.
    pub fn comm(&self) -> &Arc<Comm> {
        &self.inner.comm
    }
    /// The partition.
    pub fn partition(&self) -> &Partition {
        &self.inner.part
    }
    /// This rank.
    pub fn rank(&self) -> usize {
        self.inner.comm.rank()
    }
    /// The global shape.
    pub fn shape(&self) -> &[usize] {
        self.inner.part.shape()
    }
    /// This rank's local shape.
    pub fn local_shape(&self) -> Vec<usize> {
        self.inner.part.local_shape(self.rank())
    }
    /// This rank's global offset.
    pub fn local_offset(&self) -> Vec<usize> {
        self.inner.part.local_offset(self.rank())
    }
    /// The layout of a stacked array `(n, *shape)` (e.g. a Gradient's output): same ranks, a leading
    /// axis of length `n` that is not split. Needs no agreement (derived from agreed data).
    pub fn prepend_axis(&self, n: usize) -> Self {
        Self {
            inner: Arc::new(LayoutInner {
                comm: self.inner.comm.clone(),
                part: self.inner.part.prepend_axis(n),
            }),
        }
    }
    /// Whether two layouts are the same (same communicator object and partition).
    pub fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
            || (Arc::ptr_eq(&self.inner.comm, &other.inner.comm)
                && self.inner.part == other.inner.part)
    }
    /// Global box of `rank`'s block in an array of this layout, as a view of `a`.
    fn local_view<'a, T>(&self, a: &ArrayViewD<'a, T>, rank: usize) -> ArrayViewD<'a, T> {
        let off = self.inner.part.local_offset(rank);
        let shp = self.inner.part.local_shape(rank);
        let mut v = a.clone();
        for ax in 0..shp.len() {
            v.slice_axis_inplace(Axis(ax), Slice::from(off[ax]..off[ax] + shp[ax]));
        }
        v
    }
}

/// A global n-d array partitioned over the ranks of a [`Layout`]: this rank holds its block as a
/// [`ChunkedArray`] (one chunk, processed in parallel on the rank's cores by the stencil drivers).
///
/// It implements [`Vector`], so solvers run on it unchanged: element-wise operations are local, `dot`
/// and `norm` add each rank's fixed-order partial in rank order on every rank (one `all_gather`), so
/// the result is the same on every rank and never depends on timing.
#[derive(Clone, Debug)]
pub struct DistArray<T> {
    layout: Layout,
    local: ChunkedArray<T>,
}

impl<T: MpiScalar> DistArray<T> {
    /// Adds every rank's real partial in rank order (one `all_gather`; the same on every rank).
    fn sum_real(&self, local: T::Real) -> T::Real {
        T::mpi_to_real(self.layout.comm().sum_in_rank_order(T::real_to_mpi(local)))
    }

    /// Zeros (local, no communication).
    pub fn zeros(layout: &Layout) -> Self {
        Self {
            layout: layout.clone(),
            local: ChunkedArray::zeros_single(&layout.local_shape()),
        }
    }

    /// Every rank fills its block from a function of the global index (no communication).
    pub fn from_global_fn(layout: &Layout, f: impl Fn(&[usize]) -> T) -> Self {
        let off = layout.local_offset();
        let a = ArrayD::from_shape_fn(IxDyn(&layout.local_shape()), |ix| {
            let g: Vec<usize> = ix.slice().iter().zip(&off).map(|(a, b)| a + b).collect();
            f(&g)
        });
        Self {
            layout: layout.clone(),
            local: ChunkedArray::from_array(a),
        }
    }

    /// Wraps this rank's block (collective: a block of the wrong shape on any rank gives the same
    /// [`Error::ShapeMismatch`] on every rank). A chunked block is assembled into one chunk.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if a rank's block differs from its local shape (on every rank).
    pub fn from_local(layout: &Layout, local: ChunkedArray<T>) -> Result<Self> {
        let want = layout.local_shape();
        let check = if local.shape() != want.as_slice() {
            Err(Error::ShapeMismatch {
                context: format!("local block of rank {}", layout.rank()),
                expected: want,
                got: local.shape().to_vec(),
            })
        } else {
            Ok(())
        };
        layout.comm().agree(check)?;
        let local = if local.grid().nblocks() == 1 {
            local
        } else {
            ChunkedArray::from_array(local.into_array())
        };
        Ok(Self {
            layout: layout.clone(),
            local,
        })
    }

    /// Takes this rank's block of a global array that every rank holds (collective shape check).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if a rank's `global` differs from the layout's global shape (on
    /// every rank).
    pub fn from_global(layout: &Layout, global: ArrayViewD<'_, T>) -> Result<Self> {
        let check = if global.shape() != layout.shape() {
            Err(Error::ShapeMismatch {
                context: "DistArray::from_global".into(),
                expected: layout.shape().to_vec(),
                got: global.shape().to_vec(),
            })
        } else {
            Ok(())
        };
        layout.comm().agree(check)?;
        let v = layout.local_view(&global, layout.rank());
        Ok(Self {
            layout: layout.clone(),
            local: ChunkedArray::from_array(v.as_standard_layout().into_owned()),
        })
    }

    /// Scatters a global array held by `root` (ignored elsewhere) to every rank (collective): the root
    /// sends each rank its block, one message per rank. A missing or mis-shaped array on the root gives
    /// the same error on every rank.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `root` is not a rank or holds no array,
    /// [`Error::ShapeMismatch`] if its array has the wrong shape (on every rank).
    ///
    /// # Panics
    /// Only on a broken MPI transport (a message of the wrong length), never on user input.
    pub fn scatter(
        layout: &Layout,
        root: usize,
        global: Option<ArrayViewD<'_, T>>,
    ) -> Result<Self> {
        let comm = layout.comm();
        let me = comm.rank();
        let check = if me != root {
            Ok(())
        } else {
            match &global {
                None => Err(Error::InvalidParameter {
                    name: "global".into(),
                    reason: format!("the root rank {root} must hold the array to scatter"),
                }),
                Some(g) if g.shape() != layout.shape() => Err(Error::ShapeMismatch {
                    context: "DistArray::scatter".into(),
                    expected: layout.shape().to_vec(),
                    got: g.shape().to_vec(),
                }),
                _ => Ok(()),
            }
        };
        if root >= comm.size() {
            return Err(Error::InvalidParameter {
                name: "root".into(),
                reason: format!("rank {root} does not exist ({} ranks)", comm.size()),
            });
        }
        comm.agree(check)?;
        let shape = layout.local_shape();
        let local = if me == root {
            let g = global.expect("checked");
            for r in 0..comm.size() {
                if r == root {
                    continue;
                }
                let v = layout.local_view(&g, r);
                let buf: Vec<T> = v.iter().copied().collect();
                comm.raw().process_at_rank(r as i32).send(&buf[..]);
            }
            layout.local_view(&g, me).as_standard_layout().into_owned()
        } else {
            let mut buf = vec![T::zero(); shape.iter().product()];
            comm.raw()
                .process_at_rank(root as i32)
                .receive_into(&mut buf[..]);
            ArrayD::from_shape_vec(IxDyn(&shape), buf).expect("local shape")
        };
        Ok(Self {
            layout: layout.clone(),
            local: ChunkedArray::from_array(local),
        })
    }

    /// Gathers the global array on `root` (collective; `None` on the other ranks).
    ///
    /// # Panics
    /// If `root` is not a rank of the communicator (as MPI would abort), or on a broken MPI
    /// transport (a message of the wrong length).
    pub fn gather(&self, root: usize) -> Option<ArrayD<T>> {
        let comm = self.layout.comm();
        let part = self.layout.partition();
        if comm.rank() != root {
            comm.raw()
                .process_at_rank(root as i32)
                .send(self.local_slice());
            return None;
        }
        let mut out = ArrayD::zeros(IxDyn(part.shape()));
        for r in 0..comm.size() {
            let shp = part.local_shape(r);
            let block = if r == root {
                self.local.blocks()[0].clone()
            } else {
                let mut buf = vec![T::zero(); shp.iter().product()];
                comm.raw()
                    .process_at_rank(r as i32)
                    .receive_into(&mut buf[..]);
                ArrayD::from_shape_vec(IxDyn(&shp), buf).expect("local shape")
            };
            let off = part.local_offset(r);
            let mut v = out.view_mut();
            for ax in 0..shp.len() {
                v.slice_axis_inplace(Axis(ax), Slice::from(off[ax]..off[ax] + shp[ax]));
            }
            v.assign(&block);
        }
        Some(out)
    }

    /// The global array on every rank (collective: a gather to rank 0 and a broadcast).
    ///
    /// # Panics
    /// Only on a broken MPI transport (a message of the wrong length).
    pub fn to_global(&self) -> ArrayD<T> {
        let comm = self.layout.comm();
        let g = self.gather(0);
        let mut buf = match g {
            Some(a) => a.into_raw_vec_and_offset().0,
            None => vec![T::zero(); self.layout.shape().iter().product()],
        };
        comm.raw().process_at_rank(0).broadcast_into(&mut buf[..]);
        ArrayD::from_shape_vec(IxDyn(self.layout.shape()), buf).expect("global shape")
    }

    /// The layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
    /// The global shape.
    pub fn shape(&self) -> &[usize] {
        self.layout.shape()
    }
    /// This rank's block, as a one-chunk [`ChunkedArray`].
    pub fn local(&self) -> &ChunkedArray<T> {
        &self.local
    }
    /// This rank's block, mutable (its shape must not change).
    pub fn local_mut(&mut self) -> &mut ChunkedArray<T> {
        &mut self.local
    }
    /// This rank's block, rechunked for local work split in chunks (a copy).
    ///
    /// # Errors
    /// As [`ChunkedArray::rechunk_uniform`] for bad chunk sizes.
    pub fn local_chunked(&self, chunk: &[usize]) -> Result<ChunkedArray<T>> {
        self.local.rechunk_uniform(chunk)
    }
    /// This rank's block as one contiguous C-order slice.
    pub fn local_slice(&self) -> &[T] {
        self.local.block_slice(0)
    }
    /// This rank's block as one contiguous C-order slice, mutable.
    pub fn local_slice_mut(&mut self) -> &mut [T] {
        self.local.block_slice_mut(0)
    }
    /// Consumes the array into this rank's block.
    pub fn into_local(self) -> ChunkedArray<T> {
        self.local
    }
}

#[track_caller]
fn assert_layout<T: MpiScalar>(a: &DistArray<T>, b: &DistArray<T>) {
    assert!(
        a.layout.same(&b.layout),
        "vector operation on partitioned arrays with different layouts: {} vs {}",
        a.layout.partition().describe(),
        b.layout.partition().describe()
    );
}

impl<T: MpiScalar> Vector<T> for DistArray<T> {
    fn len(&self) -> usize {
        self.layout.shape().iter().product()
    }
    fn zeros_like(&self) -> Self {
        Self::zeros(&self.layout)
    }
    fn same_layout(&self, other: &Self) -> bool {
        self.layout.same(&other.layout)
    }
    fn dot(&self, other: &Self) -> T {
        assert_layout(self, other);
        let local = self.local.dot(&other.local);
        self.layout.comm().sum_in_rank_order(local)
    }
    fn norm_sqr(&self) -> T::Real {
        self.sum_real(self.local.norm_sqr())
    }
    fn axpy(&mut self, a: T, x: &Self) {
        assert_layout(self, x);
        self.local.axpy(a, &x.local);
    }
    fn add_assign(&mut self, x: &Self) {
        assert_layout(self, x);
        self.local.add_assign(&x.local);
    }
    fn sub_assign(&mut self, x: &Self) {
        assert_layout(self, x);
        self.local.sub_assign(&x.local);
    }
    fn zip_apply<F: Fn(&mut T, T) + Sync + Send>(&mut self, x: &Self, f: F) {
        assert_layout(self, x);
        self.local.zip_apply(&x.local, f);
    }
    fn xpby(&mut self, x: &Self, b: T) {
        assert_layout(self, x);
        self.local.xpby(&x.local, b);
    }
    fn lincomb(&mut self, a: T, x: &Self, b: T, y: &Self) {
        assert_layout(self, x);
        assert_layout(self, y);
        self.local.lincomb(a, &x.local, b, &y.local);
    }
    fn axpy_norm_sqr(&mut self, a: T, x: &Self) -> T::Real {
        assert_layout(self, x);
        let local = self.local.axpy_norm_sqr(a, &x.local);
        self.sum_real(local)
    }
    fn xpby_norm_sqr(&mut self, x: &Self, b: T) -> T::Real {
        assert_layout(self, x);
        let local = self.local.xpby_norm_sqr(&x.local, b);
        self.sum_real(local)
    }
    fn step_direction(&mut self, a: T, y: &mut Self, x: &Self, b: T) -> T::Real {
        assert_layout(self, y);
        assert_layout(self, x);
        let local = self.local.step_direction(a, &mut y.local, &x.local, b);
        self.sum_real(local)
    }
    fn scale(&mut self, a: T) {
        self.local.scale(a);
    }
    fn copy_from(&mut self, other: &Self) {
        assert_layout(self, other);
        self.local.copy_from(&other.local);
    }
    fn fill(&mut self, v: T) {
        self.local.fill(v);
    }
    /// Draws the whole global sequence on every rank and keeps this rank's part, so the values equal
    /// a serial [`ChunkedArray`]'s for the same generator and every rank's generator advances alike
    /// (cost: one draw per global element on every rank; meant for tests and dot tests).
    fn fill_random(&mut self, rng: &mut Rng) {
        let shape = self.layout.shape().to_vec();
        let off = self.layout.local_offset();
        let lshape = self.layout.local_shape();
        let nd = shape.len();
        let dst = self.local.block_slice_mut(0);
        let total: usize = shape.iter().product();
        let mut idx = vec![0usize; nd];
        for _ in 0..total {
            let v: T = rylops_core::vector::random_scalar(rng);
            let mut inside = true;
            let mut lin = 0;
            for ax in 0..nd {
                let l = idx[ax].wrapping_sub(off[ax]);
                if l >= lshape[ax] {
                    inside = false;
                    break;
                }
                lin = lin * lshape[ax] + l;
            }
            if inside {
                dst[lin] = v;
            }
            for ax in (0..nd).rev() {
                idx[ax] += 1;
                if idx[ax] < shape[ax] {
                    break;
                }
                idx[ax] = 0;
            }
        }
    }
    fn all_finite(&self) -> bool {
        self.layout.comm().all(self.local.all_finite())
    }
}
