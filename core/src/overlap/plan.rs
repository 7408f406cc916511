//! The per-axis plan: where every sample of an extended block comes from (the block, a
//! neighbour, or the boundary), and the copies that build and cut extended blocks.

use super::*;

/// Depth and boundary of one axis, validated against its length.
#[derive(Clone, Copy, Debug)]
pub(super) struct AxisSpec<T> {
    pub(super) n: usize,
    pub(super) before: usize,
    pub(super) after: usize,
    pub(super) boundary: Boundary<T>,
}

/// Where a sample of the padded array comes from along one axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Src {
    /// Global index into the array.
    Index(usize),
    /// Past a global end of a [`Boundary::Constant`] axis.
    Const,
}

impl<T: Scalar> AxisSpec<T> {
    /// Samples actually added before and after the block covering `[start, end)`.
    pub(super) fn added(&self, start: usize, end: usize) -> (usize, usize) {
        match self.boundary {
            Boundary::None => (self.before.min(start), self.after.min(self.n - end)),
            _ => (self.before, self.after),
        }
    }

    /// Source of global (possibly out-of-range) coordinate `g`; only called where `P` exists.
    pub(super) fn source(&self, g: isize) -> Src {
        let n = self.n as isize;
        if (0..n).contains(&g) {
            return Src::Index(g as usize);
        }
        match self.boundary {
            // Never asked: `None` extensions are clamped to the array.
            Boundary::None => Src::Index(g.clamp(0, n - 1) as usize),
            Boundary::Constant(_) => Src::Const,
            Boundary::Periodic => Src::Index(g.rem_euclid(n) as usize),
            Boundary::Nearest => Src::Index(g.clamp(0, n - 1) as usize),
            Boundary::Reflect => {
                // Symmetric extension: period 2n, the second half mirrored.
                let j = g.rem_euclid(2 * n);
                Src::Index(if j < n { j } else { 2 * n - 1 - j } as usize)
            }
        }
    }
}

/// Validates depth and boundaries against `shape`.
pub(super) fn axis_specs<T: Scalar>(
    shape: &[usize],
    depth: &Depth,
    boundaries: &Boundaries<T>,
) -> Result<Vec<AxisSpec<T>>> {
    let nd = shape.len();
    let d = depth.resolve(nd)?;
    let b = boundaries.resolve(nd)?;
    let mut specs = Vec::with_capacity(nd);
    for k in 0..nd {
        let n = shape[k];
        let (before, after) = d[k];
        let boundary = b[k];
        if n == 0
            && (before > 0 || after > 0)
            && matches!(
                boundary,
                Boundary::Reflect | Boundary::Periodic | Boundary::Nearest
            )
        {
            return Err(Error::HaloImpossible(format!(
                "axis {k} has length 0: a {boundary:?} boundary has no sample to continue the \
                 array with; use Boundary::None or Boundary::Constant"
            )));
        }
        if matches!(boundary, Boundary::Periodic) && (before > n || after > n) {
            return Err(Error::HaloImpossible(format!(
                "periodic boundary along axis {k}: depth ({before}, {after}) exceeds the axis \
                 length {n} (a periodic halo wraps around at most once)"
            )));
        }
        specs.push(AxisSpec {
            n,
            before,
            after,
            boundary,
        });
    }
    Ok(specs)
}

/// A run of consecutive samples of an extended block along one axis with a common source pattern.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Segment {
    /// First position in the extended block.
    pub(super) out: usize,
    /// Number of samples.
    pub(super) len: usize,
    /// Whether the run lies outside the block's own range (a face or corner).
    pub(super) outside: bool,
    /// First source index, or `None` for a constant run.
    pub(super) first: Option<usize>,
    /// Source step between consecutive samples: 1, -1, or 0 (repeated sample).
    pub(super) step: isize,
}

impl Segment {
    pub(super) fn start(out: usize, src: Src, outside: bool) -> Self {
        Self {
            out,
            len: 1,
            outside,
            first: match src {
                Src::Index(i) => Some(i),
                Src::Const => None,
            },
            step: 0,
        }
    }

    /// Appends the next sample if it continues the run.
    pub(super) fn push(&mut self, src: Src, outside: bool) -> bool {
        if outside != self.outside {
            return false;
        }
        match (self.first, src) {
            (None, Src::Const) => {}
            (Some(f), Src::Index(i)) => {
                let d = i as isize - f as isize;
                if self.len == 1 && d.abs() <= 1 {
                    self.step = d;
                } else if self.len == 1 || d != self.step * self.len as isize {
                    return false;
                }
            }
            _ => return false,
        }
        self.len += 1;
        true
    }

    /// Source range `[lo, lo + len)` read by the run (length 1 for a repeated sample).
    fn source_range(&self, f: usize) -> (usize, usize) {
        match self.step {
            1 => (f, self.len),
            -1 => (f + 1 - self.len, self.len),
            _ => (f, 1),
        }
    }
}

/// The runs of the extended block of the block covering `[start, end)` along one axis.
pub(super) fn axis_segments<T: Scalar>(
    spec: &AxisSpec<T>,
    start: usize,
    end: usize,
) -> Vec<Segment> {
    let (db, da) = spec.added(start, end);
    let lo = start as isize - db as isize;
    let hi = (end + da) as isize;
    let mut segs: Vec<Segment> = Vec::new();
    for (p, g) in (lo..hi).enumerate() {
        let outside = g < start as isize || g >= end as isize;
        let src = spec.source(g);
        if let Some(s) = segs.last_mut() {
            if s.push(src, outside) {
                continue;
            }
        }
        segs.push(Segment::start(p, src, outside));
    }
    segs
}

/// Copies the source box described by the non-constant runs `segs` into `dst` (one run per axis).
fn copy_runs<T: Scalar>(x: &ChunkedArray<T>, segs: &[&Segment], mut dst: ArrayViewMutD<'_, T>) {
    let grid = x.grid();
    let nd = segs.len();
    let mut lo = Vec::with_capacity(nd);
    let mut len = Vec::with_capacity(nd);
    for (k, s) in segs.iter().enumerate() {
        let f = s.first.expect("copy_runs is only called on data runs");
        let (a, l) = s.source_range(f);
        if s.step == -1 {
            // Reversed run: in the inverted view, position q reads source a + q.
            dst.invert_axis(Axis(k));
        }
        lo.push(a);
        len.push(l);
    }
    let ranges: Vec<(usize, usize)> = (0..nd)
        .map(|k| {
            let (b0, _) = grid.locate(k, lo[k]);
            let (b1, _) = grid.locate(k, lo[k] + len[k] - 1);
            (b0, b1 + 1)
        })
        .collect();
    let mut id: Vec<usize> = ranges.iter().map(|r| r.0).collect();
    loop {
        let boff = grid.block_offset(&id);
        let bshp = grid.block_shape(&id);
        let mut src = x.blocks()[grid.linear_index(&id)].view();
        let mut d = dst.view_mut();
        for k in 0..nd {
            let a = lo[k].max(boff[k]);
            let z = (lo[k] + len[k]).min(boff[k] + bshp[k]);
            src.slice_axis_inplace(Axis(k), Slice::from(a - boff[k]..z - boff[k]));
            if segs[k].step != 0 {
                d.slice_axis_inplace(Axis(k), Slice::from(a - lo[k]..z - lo[k]));
            }
        }
        // A repeated sample (step 0) has source length 1 and is broadcast along its run.
        d.assign(&src);
        if !next_id(&mut id, &ranges) {
            return;
        }
    }
}

/// Advances `id` through the box `ranges` in C order; false when done.
fn next_id(id: &mut [usize], ranges: &[(usize, usize)]) -> bool {
    for k in (0..id.len()).rev() {
        id[k] += 1;
        if id[k] < ranges[k].1 {
            return true;
        }
        id[k] = ranges[k].0;
    }
    false
}

/// Builds the extended block of block `id` (validated specs, on a grid whose extension
/// [`extended_grid_of`] accepted).
///
/// The output is allocated (fallibly) before any per-sample work, so a depth too large for memory
/// is an error found in constant time per axis, never a loop over the extended range; an extended
/// block with an empty axis is returned at once.
pub(super) fn build_block<T: Scalar>(
    x: &ChunkedArray<T>,
    specs: &[AxisSpec<T>],
    id: &[usize],
    corners: bool,
) -> Result<ArrayD<T>> {
    let grid = x.grid();
    let nd = grid.ndim();
    let shape: Vec<usize> = (0..nd)
        .map(|k| {
            let o = grid.offsets(k);
            let (b, a) = specs[k].added(o[id[k]], o[id[k] + 1]);
            extended_len(b, o[id[k] + 1] - o[id[k]], a, k)
        })
        .collect::<Result<_>>()?;
    let mut out = try_zeros_array::<T>(&shape)?;
    if shape.contains(&0) {
        return Ok(out);
    }
    let segs: Vec<Vec<Segment>> = (0..nd)
        .map(|k| {
            let o = grid.offsets(k);
            axis_segments(&specs[k], o[id[k]], o[id[k] + 1])
        })
        .collect();
    let ranges: Vec<(usize, usize)> = segs.iter().map(|s| (0, s.len())).collect();
    let mut pick = vec![0usize; nd];
    loop {
        let chosen: Vec<&Segment> = pick.iter().enumerate().map(|(k, &i)| &segs[k][i]).collect();
        let n_outside = chosen.iter().filter(|s| s.outside).count();
        if corners || n_outside < 2 {
            let mut dst = out.view_mut();
            for (k, s) in chosen.iter().enumerate() {
                dst.slice_axis_inplace(Axis(k), Slice::from(s.out..s.out + s.len));
            }
            // Padding goes axis by axis: the last constant axis wins.
            let constant = (0..nd).rev().find(|&k| chosen[k].first.is_none());
            match constant {
                Some(k) => match specs[k].boundary {
                    Boundary::Constant(c) => dst.fill(c),
                    _ => unreachable!("constant runs only arise from Boundary::Constant"),
                },
                None => copy_runs(x, &chosen, dst),
            }
        }
        if !next_id(&mut pick, &ranges) {
            return Ok(out);
        }
    }
}

/// `before + len + after`, or an error naming the depth if it does not fit in `usize`.
fn extended_len(before: usize, len: usize, after: usize, axis: usize) -> Result<usize> {
    before
        .checked_add(len)
        .and_then(|v| v.checked_add(after))
        .ok_or_else(|| Error::InvalidParameter {
            name: "depth".into(),
            reason: format!(
                "depth ({before}, {after}) along axis {axis} extends a block of length {len} past \
                 usize::MAX samples"
            ),
        })
}

/// The grid of the extended blocks of an array on `grid` (dask's `g.chunks`), in checked
/// arithmetic: lengths past `usize::MAX`, or more elements than an array can hold, are errors.
pub(super) fn extended_grid_of<T: Scalar>(
    grid: &ChunkGrid,
    specs: &[AxisSpec<T>],
) -> Result<ChunkGrid> {
    let mut chunks = Vec::with_capacity(grid.ndim());
    let mut shape = Vec::with_capacity(grid.ndim());
    for (k, spec) in specs.iter().enumerate() {
        let o = grid.offsets(k);
        let c: Vec<usize> = grid
            .chunks(k)
            .iter()
            .enumerate()
            .map(|(j, &len)| {
                let (b, a) = spec.added(o[j], o[j + 1]);
                extended_len(b, len, a, k)
            })
            .collect::<Result<_>>()?;
        let total = c
            .iter()
            .try_fold(0usize, |acc, &v| acc.checked_add(v))
            .ok_or_else(|| Error::InvalidParameter {
                name: "depth".into(),
                reason: format!(
                    "depth ({}, {}) along axis {k} makes the extended axis longer than usize::MAX",
                    spec.before, spec.after
                ),
            })?;
        shape.push(total);
        chunks.push(c);
    }
    ChunkGrid::new(&shape, chunks).map_err(|e| Error::InvalidParameter {
        name: "depth".into(),
        reason: format!("the extended array is impossible: {e}"),
    })
}

/// Per axis and block: samples to cut `(before, after)` to undo [`overlap`] on `grid`.
pub(super) fn added_amounts<T: Scalar>(
    grid: &ChunkGrid,
    specs: &[AxisSpec<T>],
) -> Vec<Vec<(usize, usize)>> {
    specs
        .iter()
        .enumerate()
        .map(|(k, spec)| {
            let o = grid.offsets(k);
            (0..grid.nblocks_along(k))
                .map(|j| spec.added(o[j], o[j + 1]))
                .collect()
        })
        .collect()
}

/// Cuts `cuts[k][id[k]]` off block `b` (of block id `id`).
pub(super) fn cut_block<U: Scalar>(
    b: ArrayViewD<'_, U>,
    id: &[usize],
    cuts: &[Vec<(usize, usize)>],
) -> ArrayD<U> {
    let mut v = b;
    for (k, c) in cuts.iter().enumerate() {
        let (cb, ca) = c[id[k]];
        let len = v.shape()[k];
        v.slice_axis_inplace(Axis(k), Slice::from(cb..len - ca));
    }
    v.as_standard_layout().into_owned()
}
