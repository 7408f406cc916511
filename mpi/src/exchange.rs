//! Halo exchange over MPI, split into begin and end, and its adjoint.
//!
//! [`begin`] posts every receive of a [`HaloPlan`] (`MPI_Irecv`) and then every send (`MPI_Isend`,
//! straight from the array when the rows are contiguous, packed otherwise) and returns at once; the
//! caller computes what does not need the halo, calling [`PendingHalo::poll`] now and then to let MPI
//! progress; [`PendingHalo::end`] waits and hands back the two slabs in the layout of
//! [`BlockHalo`] (the block's shape with the axis length replaced by the number of rows), borrowed
//! from the receive buffer when a single rank sent the slab. [`exchange_halo`] does both at once and
//! [`scatter_add_halo`] is its adjoint: every slab row is sent back to, and added into, its owner.
//!
//! Every request lives in an `mpi::request::scope`, so buffers cannot be freed while MPI uses them.

use crate::array::DistArray;
use crate::comm::{Comm, MpiScalar};
use crate::plan::{assemble, pack_rows, pack_rows_into, HaloPlan, Side};
use mpi::request::{Request, Scope};
use mpi::traits::{Communicator, Destination, Source};
use mpi::Tag;
use rylops_core::halo::BlockHalo;
use rylops_core::ndarray::{ArrayD, IxDyn};
use rylops_core::stencil::AxisBlock;
use rylops_core::{Error, Result};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};

static BYTES_SENT: AtomicU64 = AtomicU64::new(0);
static MESSAGES_SENT: AtomicU64 = AtomicU64::new(0);

/// Bytes this process has sent in halo messages (exchanges and their adjoints) since it started or
/// since the last [`reset_halo_counters`]; collectives are not counted.
pub fn halo_bytes_sent() -> u64 {
    BYTES_SENT.load(Ordering::Relaxed)
}
/// Halo messages this process has sent (see [`halo_bytes_sent`]).
pub fn halo_messages_sent() -> u64 {
    MESSAGES_SENT.load(Ordering::Relaxed)
}
/// Resets [`halo_bytes_sent`] and [`halo_messages_sent`].
pub fn reset_halo_counters() {
    BYTES_SENT.store(0, Ordering::Relaxed);
    MESSAGES_SENT.store(0, Ordering::Relaxed);
}
fn count_send<T>(elems: usize) {
    BYTES_SENT.fetch_add((elems * std::mem::size_of::<T>()) as u64, Ordering::Relaxed);
    MESSAGES_SENT.fetch_add(1, Ordering::Relaxed);
}

/// Receive and packing buffers of one exchange; create them before the request scope.
#[derive(Debug)]
pub struct HaloBuffers<T> {
    recv: Vec<Vec<T>>,
    send: Vec<Vec<T>>,
}

impl<T: MpiScalar> HaloBuffers<T> {
    /// Buffers for `plan`: one per received message, and one per sent message when the rows to send
    /// are not contiguous (the axis is not the first, or leading axes are longer than one).
    pub fn new(plan: &HaloPlan) -> Self {
        let recv = plan
            .recvs
            .iter()
            .map(|t| vec![T::zero(); plan.msg_len(&t.rows)])
            .collect();
        let send = if plan.outer > 1 {
            plan.sends
                .iter()
                .map(|t| vec![T::zero(); plan.msg_len(&t.rows)])
                .collect()
        } else {
            Vec::new()
        };
        Self { recv, send }
    }
}

enum Recv<'a, T, S: Scope<'a>> {
    Pending(Request<'a, [T], S>),
    Done(&'a [T]),
    Taken,
}

/// An exchange in flight (see [`begin`]).
pub struct PendingHalo<'a, T: MpiScalar, S: Scope<'a>> {
    plan: &'a HaloPlan,
    recvs: Vec<Recv<'a, T, S>>,
    sends: Vec<Option<Request<'a, [T], S>>>,
}

/// The two halo slabs of a block, `(outer, rows, inner)` in C order each.
#[derive(Clone, Debug)]
pub struct HaloSlabs<'a, T: Clone> {
    /// Rows before the block.
    pub before: Cow<'a, [T]>,
    /// Rows after the block.
    pub after: Cow<'a, [T]>,
    /// Number of rows before.
    pub nb: usize,
    /// Number of rows after.
    pub na: usize,
}

impl<'a, T: MpiScalar> HaloSlabs<'a, T> {
    /// The block `x` (local shape `shape`, global start `start` along `axis` of length `n`) with these
    /// slabs, as the stencil drivers take it.
    pub fn axis_block<'b>(
        &'b self,
        x: &'b [T],
        shape: &[usize],
        axis: usize,
        start: usize,
        n: usize,
    ) -> AxisBlock<'b, T> {
        let mut b = AxisBlock::new(x, shape, axis, start, n);
        b.before = &self.before;
        b.after = &self.after;
        b.nb = self.nb;
        b.na = self.na;
        b
    }
    /// The slabs as a [`BlockHalo`] for a block of shape `shape` (copies).
    ///
    /// # Panics
    /// If `shape` (with `axis` replaced by the slab depths) does not match the buffers' lengths, i.e.
    /// `shape` is not the local shape of the plan these buffers were made for.
    pub fn to_block_halo(&self, shape: &[usize], axis: usize) -> BlockHalo<T> {
        let mut s = shape.to_vec();
        s[axis] = self.nb;
        let before = ArrayD::from_shape_vec(IxDyn(&s), self.before.to_vec()).expect("slab shape");
        s[axis] = self.na;
        let after = ArrayD::from_shape_vec(IxDyn(&s), self.after.to_vec()).expect("slab shape");
        BlockHalo { before, after }
    }
}

/// Posts the exchange of `plan` for the local block `x` (C order, this rank's local shape): every
/// receive, then every send, all non-blocking, with tag `tag` (give concurrent exchanges distinct
/// tags). Returns at once.
///
/// # Panics
/// If `x` or `bufs` were not made for `plan` (fewer packing buffers than sends): internal callers
/// always pass matching ones.
pub fn begin<'a, T: MpiScalar, S: Scope<'a> + Copy>(
    comm: &Comm,
    plan: &'a HaloPlan,
    x: &'a [T],
    bufs: &'a mut HaloBuffers<T>,
    scope: S,
    tag: Tag,
) -> PendingHalo<'a, T, S> {
    let raw = comm.raw();
    let recvs = plan
        .recvs
        .iter()
        .zip(bufs.recv.iter_mut())
        .map(|(t, buf)| {
            let buf: &'a mut [T] = buf.as_mut_slice();
            Recv::Pending(
                raw.process_at_rank(t.peer as i32)
                    .immediate_receive_into_with_tag(scope, buf, tag),
            )
        })
        .collect();
    let m = plan.m();
    let off = plan.own.0;
    let mut packed = bufs.send.iter_mut();
    let sends = plan
        .sends
        .iter()
        .map(|t| {
            let local = t.rows.start - off..t.rows.end - off;
            let data: &'a [T] = if plan.outer == 1 {
                &x[local.start * plan.inner..local.end * plan.inner]
            } else {
                let b = packed.next().expect("one packing buffer per send");
                pack_rows_into(x, plan.outer, m, plan.inner, local, b);
                b
            };
            count_send::<T>(data.len());
            Some(
                raw.process_at_rank(t.peer as i32)
                    .immediate_send_with_tag(scope, data, tag),
            )
        })
        .collect();
    PendingHalo { plan, recvs, sends }
}

impl<'a, T: MpiScalar, S: Scope<'a>> PendingHalo<'a, T, S> {
    /// Lets MPI progress (`MPI_Test` on every request still in flight); `true` once all completed.
    pub fn poll(&mut self) -> bool {
        let mut done = true;
        for r in &mut self.recvs {
            if let Recv::Pending(_) = r {
                let Recv::Pending(req) = std::mem::replace(r, Recv::Taken) else {
                    unreachable!()
                };
                *r = match req.test_with_data() {
                    Ok((_, data)) => Recv::Done(data),
                    Err(req) => {
                        done = false;
                        Recv::Pending(req)
                    }
                };
            }
        }
        for s in &mut self.sends {
            if let Some(req) = s.take() {
                if let Err(req) = req.test() {
                    done = false;
                    *s = Some(req);
                }
            }
        }
        done
    }

    /// Waits for every message and returns the slabs.
    pub fn end(self) -> HaloSlabs<'a, T> {
        let plan = self.plan;
        let data: Vec<&'a [T]> = self
            .recvs
            .into_iter()
            .map(|r| match r {
                Recv::Pending(req) => req.wait_for_data(),
                Recv::Done(d) => d,
                Recv::Taken => unreachable!("a receive is never left taken"),
            })
            .collect();
        for req in self.sends.into_iter().flatten() {
            req.wait_without_status();
        }
        let mut before = Vec::new();
        let mut after = Vec::new();
        for (t, d) in plan.recvs.iter().zip(data) {
            match t.side {
                Side::Before => before.push((d, t.rows.len())),
                Side::After => after.push((d, t.rows.len())),
            }
        }
        HaloSlabs {
            before: assemble(&before, plan.outer, plan.inner),
            after: assemble(&after, plan.outer, plan.inner),
            nb: plan.depth.0,
            na: plan.depth.1,
        }
    }
}

fn check_plan<T: MpiScalar>(plan: &HaloPlan, x: &DistArray<T>) -> Result<()> {
    let layout = x.layout();
    let shape = layout.local_shape();
    let ok = plan.block == layout.rank()
        && plan.axis < shape.len()
        && plan.n == layout.shape()[plan.axis]
        && plan.own == layout.partition().rows(plan.block, plan.axis)
        && plan.outer == shape[..plan.axis].iter().product::<usize>()
        && plan.inner == shape[plan.axis + 1..].iter().product::<usize>();
    if ok {
        Ok(())
    } else {
        Err(Error::InconsistentChunks(format!(
            "halo plan for rank {} along axis {} does not match the array's layout ({})",
            plan.block,
            plan.axis,
            layout.partition().describe()
        )))
    }
}

/// Tag of the blocking exchange and its adjoint.
const TAG_EXCHANGE: Tag = 7001;
const TAG_ADJOINT: Tag = 7002;

/// Exchanges the halo of `plan` and returns this rank's slabs (begin and end at once; collective over
/// the ranks of the plan's lines).
///
/// # Errors
/// [`Error::InconsistentChunks`] if `plan` was not made for `x`'s layout and rank.
pub fn exchange_halo<T: MpiScalar>(x: &DistArray<T>, plan: &HaloPlan) -> Result<BlockHalo<T>> {
    check_plan(plan, x)?;
    let comm = x.layout().comm();
    let shape = x.layout().local_shape();
    let mut bufs = HaloBuffers::new(plan);
    Ok(mpi::request::scope(|sc| {
        let p = begin(comm, plan, x.local_slice(), &mut bufs, sc, TAG_EXCHANGE);
        p.end().to_block_halo(&shape, plan.axis)
    }))
}

/// The adjoint of [`exchange_halo`]: sends every row of this rank's slabs back to the rank that owns
/// it and adds the rows it receives into `x` — in the order of the in-process
/// [`rylops_core::halo::scatter_add_halos`] (senders in increasing order along the axis), so the sums
/// are the same bit for bit.
///
/// # Errors
/// [`Error::InconsistentChunks`] if `plan` was not made for `x`'s layout and rank,
/// [`Error::ShapeMismatch`] if a slab's shape is not the plan's.
///
/// # Panics
/// If a slab is not in standard layout (slabs made by [`exchange_halo`] always are).
pub fn scatter_add_halo<T: MpiScalar>(
    halo: &BlockHalo<T>,
    plan: &HaloPlan,
    x: &mut DistArray<T>,
) -> Result<()> {
    check_plan(plan, x)?;
    let axis = plan.axis;
    let mut want = x.layout().local_shape();
    want[axis] = plan.depth.0;
    let ok_b = halo.before.shape() == want.as_slice();
    want[axis] = plan.depth.1;
    let ok_a = halo.after.shape() == want.as_slice();
    if !ok_b {
        want[axis] = plan.depth.0;
        return Err(Error::ShapeMismatch {
            context: "scatter_add_halo: before-slab".into(),
            expected: want,
            got: halo.before.shape().to_vec(),
        });
    }
    if !ok_a {
        return Err(Error::ShapeMismatch {
            context: "scatter_add_halo: after-slab".into(),
            expected: want,
            got: halo.after.shape().to_vec(),
        });
    }
    let comm = x.layout().comm().clone();
    let before = halo.before.as_standard_layout();
    let after = halo.after.as_standard_layout();
    let before = before.as_slice().expect("standard layout");
    let after = after.as_slice().expect("standard layout");
    let (s, e) = plan.own;
    // What goes back: for every message received, the same rows of the slab.
    let back: Vec<Cow<'_, [T]>> = plan
        .recvs
        .iter()
        .map(|t| match t.side {
            Side::Before => {
                let lo = s - plan.depth.0;
                pack_rows(
                    before,
                    plan.outer,
                    plan.depth.0,
                    plan.inner,
                    t.rows.start - lo..t.rows.end - lo,
                )
            }
            Side::After => pack_rows(
                after,
                plan.outer,
                plan.depth.1,
                plan.inner,
                t.rows.start - e..t.rows.end - e,
            ),
        })
        .collect();
    let mut incoming: Vec<Vec<T>> = plan
        .sends
        .iter()
        .map(|t| vec![T::zero(); plan.msg_len(&t.rows)])
        .collect();
    let raw = comm.raw();
    mpi::request::scope(|sc| {
        let recvs: Vec<_> = plan
            .sends
            .iter()
            .zip(incoming.iter_mut())
            .map(|(t, buf)| {
                raw.process_at_rank(t.peer as i32)
                    .immediate_receive_into_with_tag(sc, buf.as_mut_slice(), TAG_ADJOINT)
            })
            .collect();
        let sends: Vec<_> = plan
            .recvs
            .iter()
            .zip(&back)
            .map(|(t, d)| {
                count_send::<T>(d.len());
                raw.process_at_rank(t.peer as i32)
                    .immediate_send_with_tag(sc, &d[..], TAG_ADJOINT)
            })
            .collect();
        for r in recvs {
            r.wait_without_status();
        }
        for r in sends {
            r.wait_without_status();
        }
    });
    let m = plan.m();
    let y = x.local_slice_mut();
    for (t, msg) in plan.sends.iter().zip(&incoming) {
        crate::plan::add_rows(
            y,
            plan.outer,
            m,
            plan.inner,
            t.rows.start - s..t.rows.end - s,
            msg,
        );
    }
    Ok(())
}
