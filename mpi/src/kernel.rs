//! [`DistributedKernel`]: a user's [`BlockKernel`] on arrays partitioned over ranks, bit for bit as
//! in one process.
//!
//! Each rank needs the window of its block: the block extended by the kernel's reach, corners
//! included, zero beyond the array's ends. Every rank computes, from the partition alone, which part
//! of its block falls in each other rank's window and sends it (one message per pair of ranks whose
//! boxes meet, all posted at once), and receives the parts of its own window that the other ranks
//! own — across as many ranks as the reach spans. The kernel then runs on pieces of the local
//! block in parallel, exactly as on chunks in one process, so the bits are the same for every rank
//! count and partition (the [`BlockKernel`] contract: a kernel's output depends on global positions
//! and window values only).

use crate::array::{DistArray, Layout};
use crate::comm::MpiScalar;
use crate::ops::check_layout;
use mpi::traits::{Communicator, Destination, Source};
use rayon::prelude::*;
use rylops_core::ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Axis, IxDyn, Slice};
use rylops_core::{BlockKernel, Chunked, Error, LinearMap, LinearOperator, Result, Window};

/// Tag of the window exchange.
const TAG_WINDOW: i32 = 7101;

/// A global box: `[lo, hi)` per axis.
type GBox = Vec<(usize, usize)>;

/// The intersection of two boxes, `None` if it is empty.
fn intersect(a: &GBox, b: &GBox) -> Option<GBox> {
    let r: GBox = a
        .iter()
        .zip(b)
        .map(|(&(l0, h0), &(l1, h1))| (l0.max(l1), h0.min(h1)))
        .collect();
    r.iter().all(|&(l, h)| l < h).then_some(r)
}

/// The view of `a` (whose element 0 sits at global `origin`) on the global box `bx`.
fn sub<'a, T>(mut a: ArrayViewD<'a, T>, origin: &[usize], bx: &GBox) -> ArrayViewD<'a, T> {
    for (ax, &(l, h)) in bx.iter().enumerate() {
        a.slice_axis_inplace(Axis(ax), Slice::from(l - origin[ax]..h - origin[ax]));
    }
    a
}

/// [`sub`], mutable.
fn sub_mut<'a, T>(
    mut a: ArrayViewMutD<'a, T>,
    origin: &[usize],
    bx: &GBox,
) -> ArrayViewMutD<'a, T> {
    for (ax, &(l, h)) in bx.iter().enumerate() {
        a.slice_axis_inplace(Axis(ax), Slice::from(l - origin[ax]..h - origin[ax]));
    }
    a
}

/// The box rank `r` owns.
fn owned(layout: &Layout, r: usize) -> GBox {
    let p = layout.partition();
    let (off, shp) = (p.local_offset(r), p.local_shape(r));
    off.iter().zip(&shp).map(|(&o, &s)| (o, o + s)).collect()
}

/// The box of rank `r`'s window inside the array.
fn window_box(layout: &Layout, r: usize, reach: &[(usize, usize)]) -> GBox {
    owned(layout, r)
        .iter()
        .zip(reach)
        .zip(layout.shape())
        .map(|((&(lo, hi), &(b, a)), &n)| (lo.saturating_sub(b), (hi + a).min(n)))
        .collect()
}

/// This rank's window of `x` for `reach` (collective over the ranks whose boxes meet it).
fn gather_window<T: MpiScalar>(x: &DistArray<T>, reach: &[(usize, usize)]) -> ArrayD<T> {
    let layout = x.layout();
    let comm = layout.comm();
    let raw = comm.raw();
    let me = comm.rank();
    let off = layout.local_offset();
    let local = &x.local().blocks()[0];
    let mine = owned(layout, me);
    let my_window = window_box(layout, me, reach);
    // the window's element 0 sits at global `off - before`: shift boxes by `before` to index it
    let ext_shape: Vec<usize> = local
        .shape()
        .iter()
        .zip(reach)
        .map(|(&m, &(b, a))| m + b + a)
        .collect();
    let mut ext = ArrayD::zeros(IxDyn(&ext_shape));
    let ext_origin: Vec<isize> = off
        .iter()
        .zip(reach)
        .map(|(&o, &(b, _))| o as isize - b as isize)
        .collect();
    let to_ext = |bx: &GBox| -> GBox {
        bx.iter()
            .zip(&ext_origin)
            .map(|(&(l, h), &o)| ((l as isize - o) as usize, (h as isize - o) as usize))
            .collect()
    };
    let zero_origin = vec![0; off.len()];
    let sends: Vec<(usize, Vec<T>)> = (0..comm.size())
        .filter(|&q| q != me)
        .filter_map(|q| {
            let bx = intersect(&mine, &window_box(layout, q, reach))?;
            Some((q, sub(local.view(), &off, &bx).iter().copied().collect()))
        })
        .collect();
    let mut recvs: Vec<(usize, GBox, Vec<T>)> = (0..comm.size())
        .filter(|&q| q != me)
        .filter_map(|q| {
            let bx = intersect(&owned(layout, q), &my_window)?;
            let len = bx.iter().map(|&(l, h)| h - l).product();
            Some((q, bx, vec![T::zero(); len]))
        })
        .collect();
    mpi::request::scope(|sc| {
        let rq: Vec<_> = recvs
            .iter_mut()
            .map(|(q, _, buf)| {
                raw.process_at_rank(*q as i32)
                    .immediate_receive_into_with_tag(sc, &mut buf[..], TAG_WINDOW)
            })
            .collect();
        let sq: Vec<_> = sends
            .iter()
            .map(|(q, buf)| {
                raw.process_at_rank(*q as i32)
                    .immediate_send_with_tag(sc, &buf[..], TAG_WINDOW)
            })
            .collect();
        for r in rq {
            r.wait_without_status();
        }
        for s in sq {
            s.wait_without_status();
        }
    });
    // own block, then every received part, each at its place in the window
    if let Some(bx) = intersect(&mine, &my_window) {
        sub_mut(ext.view_mut(), &zero_origin, &to_ext(&bx)).assign(&sub(local.view(), &off, &bx));
    }
    for (_, bx, buf) in recvs {
        let shape: Vec<usize> = bx.iter().map(|&(l, h)| h - l).collect();
        let part = ArrayViewD::from_shape(IxDyn(&shape), &buf[..])
            .expect("a receive buffer holds its box in C order");
        sub_mut(ext.view_mut(), &zero_origin, &to_ext(&bx)).assign(&part);
    }
    ext
}

/// A [`BlockKernel`] on [`DistArray`]s over a [`Layout`]: forward and adjoint, bit for bit as the
/// serial operator on any partition (see the [module docs](self)).
///
/// ```no_run
/// use std::sync::Arc;
/// use rylops_core::{BlockKernel, LinearMap};
/// use rylops_mpi::{Comm, DistArray, DistributedKernel, Layout, Partition};
/// let _universe = rylops_mpi::mpi::initialize().unwrap();
/// let comm = Arc::new(Comm::world());
/// let shape = [64, 64];
/// let layout = Layout::new(comm.clone(), Partition::auto(&shape, comm.size(), &[0, 1])?)?;
/// // a 3 x 3 box sum (self-adjoint), zero outside
/// let k = |w: &rylops_core::Window<'_, f64>, y: &mut rylops_core::ndarray::ArrayViewMutD<'_, f64>| {
///     for (i, v) in y.indexed_iter_mut() {
///         *v = (-1..=1).flat_map(|a| (-1..=1).map(move |b| [a, b])).map(|d| w.at(&i, &d)).sum();
///     }
///     Ok(())
/// };
/// let op = DistributedKernel::new(BlockKernel::new(&shape, &[(1, 1), (1, 1)], k, k)?, &layout)?;
/// let x = DistArray::from_global_fn(&layout, |g| (g[0] + g[1]) as f64);
/// println!("|Kx| = {}", rylops_core::Vector::norm(&op.forward(&x)?));
/// # Ok::<(), rylops_core::Error>(())
/// ```
#[derive(Debug)]
pub struct DistributedKernel<T> {
    op: Chunked<BlockKernel<T>>,
    layout: Layout,
}

impl<T: MpiScalar> DistributedKernel<T> {
    /// Wraps `op` for arrays on `layout` (collective).
    ///
    /// # Errors
    /// The same on every rank: ranks that disagree on the operator's shape or reach
    /// ([`Error::InvalidParameter`], naming the first rank that differs from rank 0); an operator
    /// whose shape is not the layout's ([`Error::ShapeMismatch`]).
    pub fn new(op: Chunked<BlockKernel<T>>, layout: &Layout) -> Result<Self> {
        let desc = format!("{:?}", op.inner());
        layout
            .comm()
            .check_same(&desc, |a, da, b, db| Error::InvalidParameter {
                name: "operator".into(),
                reason: format!(
                    "ranks disagree on the kernel operator: rank {a} has {da}, rank {b} has {db}"
                ),
            })?;
        if op.dims() != layout.shape() {
            return Err(Error::ShapeMismatch {
                context: "DistributedKernel::new: operator shape vs partition".into(),
                expected: layout.shape().to_vec(),
                got: op.dims(),
            });
        }
        Ok(Self {
            op,
            layout: layout.clone(),
        })
    }
    /// The serial operator.
    pub fn inner(&self) -> &Chunked<BlockKernel<T>> {
        &self.op
    }
    /// The layout of models and data.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
    /// `y = op(x)` or `op^H(x)`: the window exchange, then the kernel on pieces of the local block
    /// along its first axis, in parallel.
    fn apply(&self, adjoint: bool, x: &DistArray<T>, y: &mut DistArray<T>) -> Result<()> {
        let reach = self.op.window_reach(adjoint);
        let ext = gather_window(x, &reach);
        let before: Vec<usize> = reach.iter().map(|r| r.0).collect();
        let origin = self.layout.local_offset();
        let global = self.layout.shape().to_vec();
        let mut out = y.local_mut().blocks_mut();
        let Some(out) = out.pop() else {
            return Ok(());
        };
        if out.is_empty() {
            return Ok(());
        }
        if out.ndim() == 0 {
            let w = Window::new(ext.view(), &before, &origin, &global)?;
            let mut out = out;
            return self.op.run_kernel(adjoint, &w, &mut out);
        }
        let rows = out.shape()[0];
        let pieces = rayon::current_num_threads().clamp(1, rows);
        let bounds: Vec<usize> = (0..=pieces).map(|k| k * rows / pieces).collect();
        let mut views = Vec::with_capacity(pieces);
        let mut rest = out;
        for k in 0..pieces {
            let (head, tail) = rest.split_at(Axis(0), bounds[k + 1] - bounds[k]);
            views.push((bounds[k], head));
            rest = tail;
        }
        views.into_par_iter().try_for_each(|(r0, mut piece)| {
            let n = piece.shape()[0];
            let mut data = ext.view();
            data.slice_axis_inplace(Axis(0), Slice::from(r0..r0 + n + reach[0].0 + reach[0].1));
            let mut o = origin.clone();
            o[0] += r0;
            let w = Window::new(data, &before, &o, &global)?;
            self.op.run_kernel(adjoint, &w, &mut piece)
        })
    }
}

impl<T: MpiScalar> LinearMap for DistributedKernel<T> {
    type Scalar = T;
    type Domain = DistArray<T>;
    type Range = DistArray<T>;
    fn dims(&self) -> Vec<usize> {
        self.layout.shape().to_vec()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.layout.shape().to_vec()
    }
    fn forward_into(&self, x: &DistArray<T>, y: &mut DistArray<T>) -> Result<()> {
        check_layout(x, &self.layout, "DistributedKernel forward input")?;
        check_layout(y, &self.layout, "DistributedKernel forward output")?;
        self.apply(false, x, y)
    }
    fn range_like(&self, x: &DistArray<T>) -> Result<DistArray<T>> {
        check_layout(x, &self.layout, "DistributedKernel input")?;
        Ok(DistArray::zeros(&self.layout))
    }
    fn zeros_domain(&self) -> DistArray<T> {
        DistArray::zeros(&self.layout)
    }
    fn zeros_range(&self) -> DistArray<T> {
        DistArray::zeros(&self.layout)
    }
}

impl<T: MpiScalar> LinearOperator for DistributedKernel<T> {
    fn adjoint_into(&self, y: &DistArray<T>, x: &mut DistArray<T>) -> Result<()> {
        check_layout(y, &self.layout, "DistributedKernel adjoint input")?;
        check_layout(x, &self.layout, "DistributedKernel adjoint output")?;
        if !self.op.has_adjoint() {
            return Err(Error::NotImplemented(
                "the adjoint of a BlockKernel built without one (use BlockKernel::new)".into(),
            ));
        }
        self.apply(true, y, x)
    }
    fn domain_like(&self, y: &DistArray<T>) -> Result<DistArray<T>> {
        check_layout(y, &self.layout, "DistributedKernel adjoint input")?;
        Ok(DistArray::zeros(&self.layout))
    }
}
