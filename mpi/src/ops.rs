//! Operators on partitioned arrays: [`Distributed`] wraps any operator that describes itself as
//! stencil terms ([`StencilOperator`]: the derivatives, Laplacian and Gradient of
//! `rylops-operators`, or a user's own stencil) and applies it to [`DistArray`]s, forward and
//! adjoint, bit for bit as the serial operator.
//!
//! No kernel is rewritten and none is known here: the operator's terms
//! ([`StencilOperator::stencil_terms`]) run through the core runner ([`run_terms`]) over the rank's
//! block, exactly as the chunked driver runs them over a chunk. What differs is where the halo comes
//! from, and when:
//! 1. **begin**: post the halo exchange of every term whose axis is split over ranks;
//! 2. **interior**: compute, in parallel on the rank's cores, every output element whose stencil
//!    windows stay in the block — all terms, in the serial summation order — while MPI progresses;
//! 3. **end**: wait for the slabs and compute the remaining elements (the rows next to a split face).
//!
//! Each output element is computed by the same formula from the same values as in one process, so the
//! result is identical for every rank count and partition.

use crate::array::{DistArray, Layout};
use crate::comm::MpiScalar;
use crate::exchange::{begin, HaloBuffers, HaloSlabs, PendingHalo};
use crate::plan::{halo_rows, split_runs, HaloPlan};
use mpi::request::LocalScope;
use rayon::prelude::*;
use rylops_core::stencil::{
    run_terms, run_terms_streamed, with_terms, AxisBlock, BlockTerm, LaneStencil, StencilOperator,
    StencilTerms, TermMap, TASK, TILE,
};
use rylops_core::{Error, LinearMap, LinearOperator, Result};
use std::sync::atomic::{AtomicBool, Ordering};

/// One term of an application: its stencil and weight, its input (the rank's block, or one
/// component of a stacked block) and its halo plan (`None` where its axis is not split).
struct Term<'a, T, S> {
    axis: usize,
    st: &'a S,
    weight: Option<T>,
    input: &'a [T],
    plan: Option<&'a HaloPlan>,
}

/// Checks that `x` lies on `lx`: [`Error::ShapeMismatch`] for another global shape,
/// [`Error::ChunkMismatch`] (naming both partitions) for another partition.
pub(crate) fn check_layout<T: MpiScalar>(x: &DistArray<T>, lx: &Layout, what: &str) -> Result<()> {
    if x.layout().same(lx) {
        return Ok(());
    }
    if x.shape() != lx.shape() {
        return Err(Error::ShapeMismatch {
            context: what.into(),
            expected: lx.shape().to_vec(),
            got: x.shape().to_vec(),
        });
    }
    Err(Error::ChunkMismatch(format!(
        "{what}: array partitioned as {}, operator as {}",
        x.layout().partition().describe(),
        lx.partition().describe()
    )))
}

/// Tags of the exchanges of one application: one per term.
const TAG_BASE: i32 = 100;

/// Computes `out_g = sum_{k in group g} w_k S_k(input_k)` for every group, overlapping the halo
/// exchange with the interior (see the module docs).
fn run_distributed<T: MpiScalar, S: LaneStencil<T>>(
    layout: &Layout,
    terms: &[Term<'_, T, S>],
    groups: Vec<(Vec<usize>, &mut [T])>,
) {
    let comm = layout.comm();
    let shape = layout.local_shape();
    let off = layout.local_offset();
    let gshape = layout.shape().to_vec();
    // interior bounds of every term that has a halo
    let bounds: Vec<Option<(usize, usize, usize)>> = terms
        .iter()
        .map(|t| {
            t.plan.map(|_| {
                let (s, m, n) = (off[t.axis], shape[t.axis], gshape[t.axis]);
                let (hb, ha) = halo_rows(t.st, s, s + m, n);
                let hi = m.saturating_sub(ha).max(hb.min(m));
                (t.axis, hb.min(m), hi)
            })
        })
        .collect();
    let (members, outputs): (Vec<Vec<usize>>, Vec<&mut [T]>) = groups.into_iter().unzip();
    // Streaming stores for outputs larger than the cache (the rank's whole output counts).
    let out_bytes: usize = outputs.iter().map(|o| std::mem::size_of_val(&**o)).sum();
    let stream = rylops_core::stream::streams(out_bytes);
    let mut interior: Vec<(usize, usize, &mut [T])> = Vec::new();
    let mut boundary: Vec<(usize, usize, &mut [T])> = Vec::new();
    for (g, out) in outputs.into_iter().enumerate() {
        let b: Vec<(usize, usize, usize)> = members[g].iter().filter_map(|&k| bounds[k]).collect();
        let piece = if members[g].len() > 1 { TILE } else { TASK };
        let mut rest: &mut [T] = out;
        for run in split_runs(&shape, &b, piece) {
            let (head, tail) = rest.split_at_mut(run.range.len());
            if run.interior {
                interior.push((g, run.range.start, head));
            } else {
                boundary.push((g, run.range.start, head));
            }
            rest = tail;
        }
    }
    // The one runner, on the terms of group `g` with their blocks `blocks`.
    let compute = |g: usize, blocks: &[AxisBlock<'_, T>], p0: usize, y: &mut [T]| {
        let m = &members[g];
        let term = |j: usize| BlockTerm {
            stencil: terms[m[j]].st,
            block: blocks[m[j]],
            weight: terms[m[j]].weight,
        };
        with_terms(m.len(), term, |bt| {
            if stream {
                run_terms_streamed(bt, p0, y)
            } else {
                run_terms(bt, p0, y)
            }
        });
    };
    let plain: Vec<AxisBlock<'_, T>> = terms
        .iter()
        .map(|t| AxisBlock::new(t.input, &shape, t.axis, off[t.axis], gshape[t.axis]))
        .collect();
    let mut bufs: Vec<Option<HaloBuffers<T>>> =
        terms.iter().map(|t| t.plan.map(HaloBuffers::new)).collect();
    mpi::request::scope(|sc: &LocalScope<'_>| {
        // 1. begin: post every exchange
        let mut pending: Vec<Option<PendingHalo<'_, T, &LocalScope<'_>>>> = terms
            .iter()
            .zip(bufs.iter_mut())
            .enumerate()
            .map(|(k, (t, b))| match (t.plan, b) {
                (Some(p), Some(b)) => Some(begin(comm, p, t.input, b, sc, TAG_BASE + k as i32)),
                _ => None,
            })
            .collect();
        // 2. interior on the rank's cores while this thread lets MPI progress
        let done = AtomicBool::new(false);
        let mut finished = pending.iter().all(Option::is_none);
        rayon::in_place_scope(|s| {
            let interior = &mut interior;
            let plain = &plain;
            let compute = &compute;
            let done = &done;
            s.spawn(move |_| {
                interior
                    .par_iter_mut()
                    .for_each(|(g, p0, y)| compute(*g, plain, *p0, y));
                done.store(true, Ordering::Release);
            });
            while !finished && !done.load(Ordering::Acquire) {
                finished = true;
                for p in pending.iter_mut().flatten() {
                    finished &= p.poll(); // poll every request, no short circuit
                }
                if !finished {
                    std::thread::yield_now();
                }
            }
        });
        // 3. end: wait for the slabs, then the elements next to split faces
        let slabs: Vec<Option<HaloSlabs<'_, T>>> = pending
            .into_iter()
            .map(|p| p.map(PendingHalo::end))
            .collect();
        let full: Vec<AxisBlock<'_, T>> = terms
            .iter()
            .zip(&slabs)
            .zip(&plain)
            .map(|((t, h), b)| match h {
                Some(h) => h.axis_block(t.input, &shape, t.axis, off[t.axis], gshape[t.axis]),
                None => *b,
            })
            .collect();
        boundary
            .par_iter_mut()
            .for_each(|(g, p0, y)| compute(*g, &full, *p0, y));
    });
}

/// The halo plan of every term of `t` (`None` where the term's axis is not split).
fn plans_of<T: MpiScalar, S: LaneStencil<T>>(
    t: &StencilTerms<T, S>,
    layout: &Layout,
) -> Vec<Option<HaloPlan>> {
    let (part, rank) = (layout.partition(), layout.rank());
    t.terms()
        .iter()
        .map(|term| {
            part.is_split(term.axis)
                .then(|| HaloPlan::for_stencil(part.grid(), rank, term.axis, &term.stencil))
        })
        .collect()
}

/// An operator made of stencil terms applied to arrays partitioned over MPI ranks.
///
/// Any [`StencilOperator`] runs: the derivatives, Laplacian and Gradient of `rylops-operators`, and
/// an operator of your own that describes itself as stencil terms. The model is partitioned as the
/// layout given to [`Distributed::new`]; an operator that stacks its outputs ([`TermMap::Stack`],
/// a Gradient) has its data on the same partition with a leading axis, whole on every rank.
///
/// ```no_run
/// use std::sync::Arc;
/// use rylops_core::{LinearMap, LinearOperator, Vector};
/// use rylops_mpi::{Comm, Distributed, DistArray, Layout, Partition};
/// use rylops_operators::Laplacian;
/// let _universe = rylops_mpi::mpi::initialize().unwrap();
/// let comm = Arc::new(Comm::world());
/// let shape = [64, 64, 64];
/// let layout = Layout::new(comm.clone(), Partition::slabs(&shape, comm.size(), 0)?)?;
/// let lap = Laplacian::<f64>::builder(&shape).axes(&[0, 1, 2]).weights(&[1.0; 3]).sampling(&[1.0; 3]).build()?;
/// let op = Distributed::new(lap, &layout)?; // collective: every rank must agree on the operator
/// let x = DistArray::from_global_fn(&layout, |g| (g[0] * g[1] + g[2]) as f64);
/// let y = op.forward(&x)?;
/// println!("|Lx| = {}", y.norm());
/// # Ok::<(), rylops_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Distributed<O> {
    op: O,
    layout: Layout,
    range: Layout,
    plans: [Vec<Option<HaloPlan>>; 2],
}

impl<O> Distributed<O>
where
    O: StencilOperator + std::fmt::Debug + Send,
    O::Elem: MpiScalar,
{
    /// Wraps `op` for arrays on `layout` (collective).
    ///
    /// # Errors
    /// The same on every rank: ranks that disagree on the operator (its terms and parameters,
    /// [`Error::InvalidParameter`] naming the first rank that differs from rank 0 and both
    /// descriptions); an operator whose model shape is not the layout's ([`Error::ShapeMismatch`]);
    /// an operator whose forward reads a stacked input ([`TermMap::SumStacked`], wrap its adjoint
    /// instead: [`Error::InvalidParameter`]). Nothing is exchanged before these checks.
    pub fn new(op: O, layout: &Layout) -> Result<Self> {
        let desc = format!("{} {:?}", std::any::type_name::<O>(), op);
        layout
            .comm()
            .check_same(&desc, |a, da, b, db| Error::InvalidParameter {
                name: "operator".into(),
                reason: format!(
                    "ranks disagree on the operator: rank {a} has {da}, rank {b} has {db}"
                ),
            })?;
        let fwd = op.stencil_terms(false);
        if fwd.dims() != layout.shape() {
            return Err(Error::ShapeMismatch {
                context: "Distributed::new: operator model shape vs partition".into(),
                expected: layout.shape().to_vec(),
                got: fwd.dims().to_vec(),
            });
        }
        let range = match fwd.map() {
            TermMap::Sum => layout.clone(),
            TermMap::Stack => layout.prepend_axis(fwd.terms().len()),
            TermMap::SumStacked => {
                return Err(Error::InvalidParameter {
                    name: "operator".into(),
                    reason: "its forward reads a stacked input; wrap the operator whose adjoint \
                             it is"
                        .into(),
                })
            }
        };
        let plans = [
            plans_of(fwd, layout),
            plans_of(op.stencil_terms(true), layout),
        ];
        Ok(Self {
            op,
            layout: layout.clone(),
            range,
            plans,
        })
    }
    /// The serial operator.
    pub fn inner(&self) -> &O {
        &self.op
    }
    /// The model layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
    /// The data layout.
    pub fn range_layout(&self) -> &Layout {
        &self.range
    }
    /// The halo plans of this rank, one per term (`None` for a term whose axis is not split).
    pub fn plans(&self, adjoint: bool) -> &[Option<HaloPlan>] {
        &self.plans[usize::from(adjoint)]
    }
    /// Bytes this rank sends per application (forward or adjoint): the sum of its halo messages.
    pub fn halo_bytes(&self, adjoint: bool) -> usize {
        self.plans(adjoint)
            .iter()
            .flatten()
            .map(|p| p.send_elems())
            .sum::<usize>()
            * std::mem::size_of::<O::Elem>()
    }
    fn check(&self, x: &DistArray<O::Elem>, lx: &Layout, what: &str) -> Result<()> {
        check_layout(x, lx, &format!("Distributed {what}"))
    }
    /// `y = op(x)` (forward) or `y = op^H(x)` (adjoint) on this rank's blocks, layouts checked by
    /// the caller.
    fn apply(&self, adjoint: bool, x: &DistArray<O::Elem>, y: &mut DistArray<O::Elem>) {
        let t = self.op.stencil_terms(adjoint);
        let nt = t.terms().len();
        let xs = x.local_slice();
        let stacked_in = t.map() == TermMap::SumStacked;
        let len = if stacked_in { xs.len() / nt } else { xs.len() };
        let plans = self.plans(adjoint);
        let terms: Vec<Term<'_, O::Elem, O::Stencil>> = t
            .terms()
            .iter()
            .enumerate()
            .map(|(k, term)| Term {
                axis: term.axis,
                st: &term.stencil,
                weight: term.weight,
                input: if stacked_in {
                    &xs[k * len..(k + 1) * len]
                } else {
                    xs
                },
                plan: plans[k].as_ref(),
            })
            .collect();
        let ys = y.local_slice_mut();
        let groups = if t.map() == TermMap::Stack {
            ys.chunks_mut(len.max(1))
                .take(nt)
                .enumerate()
                .map(|(k, out)| (vec![k], out))
                .collect()
        } else {
            vec![((0..nt).collect(), ys)]
        };
        run_distributed(&self.layout, &terms, groups);
    }
}

impl<O> LinearMap for Distributed<O>
where
    O: StencilOperator + std::fmt::Debug + Send,
    O::Elem: MpiScalar,
{
    type Scalar = O::Elem;
    type Domain = DistArray<O::Elem>;
    type Range = DistArray<O::Elem>;
    fn dims(&self) -> Vec<usize> {
        self.layout.shape().to_vec()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.range.shape().to_vec()
    }
    fn forward_into(&self, x: &DistArray<O::Elem>, y: &mut DistArray<O::Elem>) -> Result<()> {
        self.check(x, &self.layout, "forward input")?;
        self.check(y, &self.range, "forward output")?;
        self.apply(false, x, y);
        Ok(())
    }
    fn range_like(&self, x: &DistArray<O::Elem>) -> Result<DistArray<O::Elem>> {
        self.check(x, &self.layout, "input")?;
        Ok(DistArray::zeros(&self.range))
    }
    fn zeros_domain(&self) -> DistArray<O::Elem> {
        DistArray::zeros(&self.layout)
    }
    fn zeros_range(&self) -> DistArray<O::Elem> {
        DistArray::zeros(&self.range)
    }
}

impl<O> LinearOperator for Distributed<O>
where
    O: StencilOperator + std::fmt::Debug + Send,
    O::Elem: MpiScalar,
{
    fn adjoint_into(&self, y: &DistArray<O::Elem>, x: &mut DistArray<O::Elem>) -> Result<()> {
        self.check(y, &self.range, "adjoint input")?;
        self.check(x, &self.layout, "adjoint output")?;
        self.apply(true, y, x);
        Ok(())
    }
    fn domain_like(&self, y: &DistArray<O::Elem>) -> Result<DistArray<O::Elem>> {
        self.check(y, &self.range, "adjoint input")?;
        Ok(DistArray::zeros(&self.layout))
    }
}
