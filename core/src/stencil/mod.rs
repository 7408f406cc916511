//! The one driver that runs every axis-aligned stencil (derivatives, Laplacian terms, Gradient slices)
//! over one block, on any axis, forward or adjoint.
//!
//! A block is seen along the stencil axis as `(outer, m, inner)`: `m` rows of `inner` contiguous
//! elements, repeated `outer` times. A stencil is a *row gather*: output row `i` (global index along
//! the axis, of `n`) is a formula of a few input rows near `i`. The driver splits the block's flat
//! output into tasks for rayon and, inside each, runs:
//! - the stencil's **interior formula** over maximal contiguous runs of rows whose whole window lies in
//!   the block: a contiguous loop reading `x[p ± d*inner]`, which the compiler vectorises on every axis
//!   (for the last axis `inner = 1`, for outer axes whole planes at once);
//! - a **row path** for the few other rows (edge rows at the global ends, rows whose window reaches
//!   into the halo), which gets its input rows from the block or from its halo slabs.
//!
//! Every stencil gives two formulas, named after the rows they cover: the **interior formula**
//! ([`LaneStencil::interior_formula`], rows [`LaneStencil::interior_rows`], a point function the
//! drivers run over contiguous runs) and the **any-row formula** ([`LaneStencil::any_row_formula`],
//! every row of the lane, edge rows included, straight from the reference's definition). They agree
//! bit for bit on every interior row ([`interior_mismatch`] checks it). Rows of the global interior
//! whose window reaches into the halo run the interior formula with their input rows taken from the
//! block or the halo slabs ([`LaneStencil::run_interior_row`], through [`Taps`]); only the few rows
//! at the global ends of the axis go through the any-row formula: element by element, or, where
//! the stencil gives it, as a **row formula** ([`LaneStencil::row_formula`]: the any-row formula of
//! one row with its branches decided, a point function run over the whole row like the interior
//! formula; [`row_formula_mismatch`] checks that the two agree bit for bit).
//!
//! Because every output element is computed by the same formula from the same values whatever the
//! chunking, results are bit-for-bit identical in every chunking.
//!
//! On x86-64 CPUs with AVX2 (detected at run time) the same generic code is compiled a second time
//! with AVX2 enabled and used instead: wider vectors for the divisions the formulas need. The
//! operations and their order are the same (Rust never contracts or reorders floating-point
//! operations), so results are bit-for-bit the same.

//!
//! The files, one concern each:
//! - `check`: checks for implementers ([`interior_mismatch`], [`row_formula_mismatch`]);
//! - `lane`: the kernel interface ([`LaneStencil`], [`Put`], [`AxisBlock`], [`RowWindow`]);
//! - `put`: how values are stored ([`Put`]: set, add, scaled, streamed in groups by [`put_each`]);
//! - `taps`: the loops that run a point formula over contiguous rows ([`run_taps`]);
//! - `block`: the one-block driver (interior runs, halo rows, edge rows);
//! - `fused`: sums of several terms over one output, tile by tile, point by point where possible;
//! - `point`: the fused pass's point-by-point sums ([`run_terms`]'s bulk loop);
//! - `gaps`: the fused pass's handling of short gaps at lane ends;
//! - `divided`: formulas that divide every input by one constant, each input divided once
//!   ([`run_divided`], used by the centered order-5 first derivative);
//! - `simd`: the run-time AVX2 dispatch of the two drivers;
//! - `terms`: operators as data ([`StencilTerms`]: terms `(axis, stencil, weight)` and how they map
//!   to outputs; [`StencilOperator`]: an operator that describes itself so) and [`BlockTerm`], the
//!   input of the one runner [`run_terms`] (in `fused`);
//! - `chunked`: the chunked driver ([`apply_terms`]: halos gathered or borrowed, blocks in parallel);
//! - `reduce`: the reductions fused into that driver ([`apply_terms_norm_sqr`], [`apply_terms_dot`],
//!   [`apply_terms_xpby_norm_sqr`], [`apply_terms_add`], [`apply_terms_add_norm_sqr`],
//!   [`apply_terms_add_from`]) and their
//!   wrappers for a [`StencilOperator`] (`apply_op_chunked_*`).

mod block;
mod check;
mod chunked;
mod divided;
mod fused;
mod gaps;
mod lane;
mod macros;
mod point;
mod put;
mod reduce;
mod simd;
mod taps;
mod terms;

pub use block::TASK;
pub use check::{interior_mismatch, row_formula_mismatch};
pub use chunked::{apply_op_chunked, apply_terms, apply_terms_slices};
pub use divided::{in_exact_range, run_divided, run_divided_rows, Divided};
pub use fused::{
    run_terms, run_terms_add, run_terms_streamed, with_terms, MAX_POINT_TERMS, MAX_TERMS,
    STREAM_BUFFER, TILE,
};
pub use lane::{
    put_each, Add, AddScaled, AxisBlock, Cached, LaneStencil, Overwrite, PointVisitor, Put,
    RowWindow, RowsMut, RunTaps, Set, SetScaled, Stream, StreamExcept, Strided, Taps, GROUP,
    RADIUS,
};
pub use reduce::{
    apply_op_chunked_add, apply_op_chunked_add_from, apply_op_chunked_add_norm_sqr,
    apply_op_chunked_dot, apply_op_chunked_norm_sqr, apply_op_chunked_xpby_norm_sqr,
    apply_terms_add, apply_terms_add_from, apply_terms_add_norm_sqr, apply_terms_dot,
    apply_terms_norm_sqr, apply_terms_xpby_norm_sqr,
};
pub use simd::{apply_range, apply_range_nt, apply_rows, apply_rows_nt};
pub use taps::{is_exact_one, run_taps, run_taps_div};
pub use terms::{BlockTerm, StencilOperator, StencilTerms, Term, TermMap};
