//! Operators on partitioned arrays: [`Distributed`] wraps a serial operator of `rylops-operators`
//! (FirstDerivative, SecondDerivative, Laplacian, Gradient) and applies it to [`DistArray`]s, forward
//! and adjoint, bit for bit as the serial operator.
//!
//! No kernel is rewritten: every term is the operator's own row gather ([`StencilOp::stencil`]) run by
//! the core driver ([`apply_range`]) over the rank's block, exactly as the chunked driver runs it over
//! a chunk. What differs is where the halo comes from, and when:
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
use crate::partition::Partition;
use crate::plan::{halo_rows, split_runs, HaloPlan};
use mpi::request::LocalScope;
use rayon::prelude::*;
use rylops_core::stencil::{
    apply_range, Add, AddScaled, AxisBlock, LaneStencil, Set, SetScaled, StencilOp, TASK, TILE,
};
use rylops_core::{Chunked, ChunkedOperator, Error, LinearMap, LinearOperator, Result};
use rylops_operators::{FirstDerivative, Gradient, Laplacian, SecondDerivative};
use std::sync::atomic::{AtomicBool, Ordering};

/// One term `w * S(input)` of an output group.
struct Term<'a, T, S> {
    axis: usize,
    st: S,
    weight: Option<T>,
    input: &'a [T],
    plan: Option<&'a HaloPlan>,
}

/// Tags of the exchanges of one application: one per term.
const TAG_BASE: i32 = 100;

/// Computes `out_g = sum_{k in group g} w_k S_k(input_k)` for every group, overlapping the halo
/// exchange with the interior (see the module docs).
fn run_terms<T: MpiScalar, S: LaneStencil<T>>(
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
                let (hb, ha) = halo_rows(&t.st, s, s + m, n);
                let hi = m.saturating_sub(ha).max(hb.min(m));
                (t.axis, hb.min(m), hi)
            })
        })
        .collect();
    let (members, outputs): (Vec<Vec<usize>>, Vec<&mut [T]>) = groups.into_iter().unzip();
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
    let compute = |g: usize, blocks: &[AxisBlock<'_, T>], p0: usize, y: &mut [T]| {
        for (j, &k) in members[g].iter().enumerate() {
            let t = &terms[k];
            let b = &blocks[k];
            match (j == 0, t.weight) {
                (true, None) => apply_range(&t.st, b, p0, y, Set),
                (true, Some(w)) => apply_range(&t.st, b, p0, y, SetScaled(w)),
                (false, None) => apply_range(&t.st, b, p0, y, Add),
                (false, Some(w)) => apply_range(&t.st, b, p0, y, AddScaled(w)),
            }
        }
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

/// The serial operators that [`Distributed`] can run on partitioned arrays.
pub trait DistKernel: std::fmt::Debug + Send + Sync {
    /// The scalar type.
    type Scalar: MpiScalar;
    /// Model shape.
    fn model_dims(&self) -> Vec<usize>;
    /// The layout of the operator's output for a model on `layout`.
    fn range_layout(&self, layout: &Layout) -> Layout {
        layout.clone()
    }
    /// The halo plan of every term (`None` where the term's axis is not split), forward or adjoint.
    fn plans(&self, part: &Partition, rank: usize, adjoint: bool) -> Vec<Option<HaloPlan>>;
}

fn plan_of<T: MpiScalar, O: StencilOp<T>>(
    op: &O,
    part: &Partition,
    rank: usize,
    adjoint: bool,
) -> Option<HaloPlan> {
    part.is_split(op.axis())
        .then(|| HaloPlan::for_stencil(part, rank, op.axis(), &op.stencil(adjoint)))
}

/// A serial operator applied to arrays partitioned over MPI ranks.
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

impl<O: DistKernel> Distributed<O> {
    /// Wraps `op` (as the operators' constructors return it) for arrays on `layout` (collective). Errors, the same on every rank: ranks that
    /// disagree on the operator's parameters ([`Error::InvalidParameter`] naming the first rank that
    /// differs from rank 0 and both descriptions), or an operator whose shape is not the layout's
    /// ([`Error::ShapeMismatch`]). Nothing is exchanged before these checks.
    pub fn new(op: Chunked<O>, layout: &Layout) -> Result<Self> {
        let op = op.into_inner();
        let desc = format!("{} {:?}", std::any::type_name::<O>(), op);
        layout
            .comm()
            .check_same(&desc, |a, da, b, db| Error::InvalidParameter {
                name: "operator".into(),
                reason: format!(
                    "ranks disagree on the operator: rank {a} has {da}, rank {b} has {db}"
                ),
            })?;
        if op.model_dims() != layout.shape() {
            return Err(Error::ShapeMismatch {
                context: "Distributed::new: operator model shape vs partition".into(),
                expected: layout.shape().to_vec(),
                got: op.model_dims(),
            });
        }
        let rank = layout.rank();
        let part = layout.partition();
        let plans = [op.plans(part, rank, false), op.plans(part, rank, true)];
        let range = op.range_layout(layout);
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
            * std::mem::size_of::<O::Scalar>()
    }
    fn check(&self, x: &DistArray<O::Scalar>, lx: &Layout, what: &str) -> Result<()> {
        if x.layout().same(lx) {
            return Ok(());
        }
        if x.shape() != lx.shape() {
            return Err(Error::ShapeMismatch {
                context: format!("Distributed {what}"),
                expected: lx.shape().to_vec(),
                got: x.shape().to_vec(),
            });
        }
        Err(Error::ChunkMismatch(format!(
            "Distributed {what}: array partitioned as {}, operator as {}",
            x.layout().partition().describe(),
            lx.partition().describe()
        )))
    }
    fn terms_plan(&self, adjoint: bool, k: usize) -> Option<&HaloPlan> {
        self.plans[usize::from(adjoint)][k].as_ref()
    }
}

macro_rules! common_impl {
    () => {
        type Scalar = T;
        type Domain = DistArray<T>;
        type Range = DistArray<T>;
        fn dims(&self) -> Vec<usize> {
            self.op.dims()
        }
        fn dimsd(&self) -> Vec<usize> {
            self.op.dimsd()
        }
        fn range_like(&self, x: &DistArray<T>) -> Result<DistArray<T>> {
            self.check(x, &self.layout, "input")?;
            Ok(DistArray::zeros(&self.range))
        }
        fn zeros_domain(&self) -> DistArray<T> {
            DistArray::zeros(&self.layout)
        }
        fn zeros_range(&self) -> DistArray<T> {
            DistArray::zeros(&self.range)
        }
    };
}

macro_rules! domain_like_impl {
    () => {
        fn domain_like(&self, y: &DistArray<T>) -> Result<DistArray<T>> {
            self.check(y, &self.range, "adjoint input")?;
            Ok(DistArray::zeros(&self.layout))
        }
    };
}

macro_rules! single_stencil {
    ($op:ident) => {
        impl<T: MpiScalar> DistKernel for $op<T> {
            type Scalar = T;
            fn model_dims(&self) -> Vec<usize> {
                ChunkedOperator::dims(self)
            }
            fn plans(&self, part: &Partition, rank: usize, adjoint: bool) -> Vec<Option<HaloPlan>> {
                vec![plan_of(self, part, rank, adjoint)]
            }
        }

        impl<T: MpiScalar> Distributed<$op<T>> {
            fn apply(&self, adjoint: bool, x: &DistArray<T>, y: &mut DistArray<T>) {
                let terms = [Term {
                    axis: self.op.axis(),
                    st: self.op.stencil(adjoint),
                    weight: None,
                    input: x.local_slice(),
                    plan: self.terms_plan(adjoint, 0),
                }];
                run_terms(&self.layout, &terms, vec![(vec![0], y.local_slice_mut())]);
            }
        }

        impl<T: MpiScalar> LinearMap for Distributed<$op<T>> {
            common_impl!();
            fn forward_into(&self, x: &DistArray<T>, y: &mut DistArray<T>) -> Result<()> {
                self.check(x, &self.layout, "forward input")?;
                self.check(y, &self.range, "forward output")?;
                self.apply(false, x, y);
                Ok(())
            }
        }

        impl<T: MpiScalar> LinearOperator for Distributed<$op<T>> {
            domain_like_impl!();
            fn adjoint_into(&self, y: &DistArray<T>, x: &mut DistArray<T>) -> Result<()> {
                self.check(y, &self.range, "adjoint input")?;
                self.check(x, &self.layout, "adjoint output")?;
                self.apply(true, y, x);
                Ok(())
            }
        }
    };
}
single_stencil!(FirstDerivative);
single_stencil!(SecondDerivative);

impl<T: MpiScalar> DistKernel for Laplacian<T> {
    type Scalar = T;
    fn model_dims(&self) -> Vec<usize> {
        ChunkedOperator::dims(self)
    }
    fn plans(&self, part: &Partition, rank: usize, adjoint: bool) -> Vec<Option<HaloPlan>> {
        self.terms()
            .iter()
            .map(|(sd, _)| plan_of(sd, part, rank, adjoint))
            .collect()
    }
}

impl<T: MpiScalar> Distributed<Laplacian<T>> {
    /// One fused pass: `y = w0 S0 x + w1 S1 x + ...` per element, in the serial order.
    fn apply(&self, adjoint: bool, x: &DistArray<T>, y: &mut DistArray<T>) {
        let terms: Vec<_> = self
            .op
            .terms()
            .iter()
            .enumerate()
            .map(|(k, (sd, w))| Term {
                axis: sd.axis(),
                st: sd.stencil(adjoint),
                weight: Some(if adjoint { w.conj() } else { *w }),
                input: x.local_slice(),
                plan: self.terms_plan(adjoint, k),
            })
            .collect();
        let all = (0..terms.len()).collect();
        run_terms(&self.layout, &terms, vec![(all, y.local_slice_mut())]);
    }
}

impl<T: MpiScalar> LinearMap for Distributed<Laplacian<T>> {
    common_impl!();
    fn forward_into(&self, x: &DistArray<T>, y: &mut DistArray<T>) -> Result<()> {
        self.check(x, &self.layout, "forward input")?;
        self.check(y, &self.range, "forward output")?;
        self.apply(false, x, y);
        Ok(())
    }
}

impl<T: MpiScalar> LinearOperator for Distributed<Laplacian<T>> {
    domain_like_impl!();
    fn adjoint_into(&self, y: &DistArray<T>, x: &mut DistArray<T>) -> Result<()> {
        self.check(y, &self.range, "adjoint input")?;
        self.check(x, &self.layout, "adjoint output")?;
        self.apply(true, y, x);
        Ok(())
    }
}

impl<T: MpiScalar> DistKernel for Gradient<T> {
    type Scalar = T;
    fn model_dims(&self) -> Vec<usize> {
        ChunkedOperator::dims(self)
    }
    fn range_layout(&self, layout: &Layout) -> Layout {
        layout.prepend_axis(layout.shape().len())
    }
    fn plans(&self, part: &Partition, rank: usize, adjoint: bool) -> Vec<Option<HaloPlan>> {
        self.derivatives()
            .iter()
            .map(|d| plan_of(d, part, rank, adjoint))
            .collect()
    }
}

impl<T: MpiScalar> LinearMap for Distributed<Gradient<T>> {
    common_impl!();
    /// Component `k` of the output (leading axis) is the derivative along axis `k`; all components'
    /// exchanges are in flight together.
    fn forward_into(&self, x: &DistArray<T>, y: &mut DistArray<T>) -> Result<()> {
        self.check(x, &self.layout, "forward input")?;
        self.check(y, &self.range, "forward output")?;
        let len = x.local_slice().len();
        let terms: Vec<_> = self
            .op
            .derivatives()
            .iter()
            .enumerate()
            .map(|(k, d)| Term {
                axis: d.axis(),
                st: d.stencil(false),
                weight: None,
                input: x.local_slice(),
                plan: self.terms_plan(false, k),
            })
            .collect();
        let groups = y
            .local_slice_mut()
            .chunks_mut(len.max(1))
            .take(terms.len())
            .enumerate()
            .map(|(k, out)| (vec![k], out))
            .collect();
        run_terms(&self.layout, &terms, groups);
        Ok(())
    }
}

impl<T: MpiScalar> LinearOperator for Distributed<Gradient<T>> {
    domain_like_impl!();
    /// The sum of the components' adjoints, in axis order, in one fused pass.
    fn adjoint_into(&self, y: &DistArray<T>, x: &mut DistArray<T>) -> Result<()> {
        self.check(y, &self.range, "adjoint input")?;
        self.check(x, &self.layout, "adjoint output")?;
        let len = x.local_slice().len();
        let ys = y.local_slice();
        let terms: Vec<_> = self
            .op
            .derivatives()
            .iter()
            .enumerate()
            .map(|(k, d)| Term {
                axis: d.axis(),
                st: d.stencil(true),
                weight: None,
                input: &ys[k * len..(k + 1) * len],
                plan: self.terms_plan(true, k),
            })
            .collect();
        let all = (0..terms.len()).collect();
        run_terms(&self.layout, &terms, vec![(all, x.local_slice_mut())]);
        Ok(())
    }
}
