//! Run-time dispatch of the drivers to a build compiled with AVX2 (x86-64 CPUs that have it): the
//! same generic code, the same operations in the same order, so the same bits.

use super::block::{apply_range_generic, apply_rows_generic};
use super::lane::{AxisBlock, Cached, LaneStencil, Put, RowsMut};
use super::point::{point_sums_generic, point_sums_unstreamed};
use super::terms::BlockTerm;
use crate::scalar::Scalar;

/// Defines a dispatcher `$name` that calls `$generic` through a build compiled with AVX2 (`$fast`)
/// where the CPU has it, and through a plain build (`$plain`) otherwise. The plain
/// build is a function of its own, never inlined: unoptimised builds keep every inlined local in
/// its own stack slot, and a dispatcher holding both builds would need both frames (rayon nests
/// them; a test once overflowed a worker's stack). `=> $generic | $plain_generic` gives the plain
/// build a generic of its own (same signature).
macro_rules! dispatched {
    (
        $(#[$doc:meta])*
        $vis:vis fn $name:ident / $fast:ident / $plain:ident
        <$($g:ident: $bound:path),*> ($($a:ident: $t:ty),* $(,)?) => $generic:path
    ) => {
        dispatched! {
            $(#[$doc])*
            $vis fn $name / $fast / $plain <$($g: $bound),*> ($($a: $t),*) => $generic | $generic
        }
    };
    (
        $(#[$doc:meta])*
        $vis:vis fn $name:ident / $fast:ident / $plain:ident
        <$($g:ident: $bound:path),*> ($($a:ident: $t:ty),* $(,)?) => $generic:path | $pgeneric:path
    ) => {
        $(#[$doc])*
        #[inline]
        $vis fn $name<$($g: $bound),*>($($a: $t),*) {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2, checked just above.
                    unsafe { $fast($($a),*) };
                    return;
                }
            }
            $plain($($a),*)
        }

        #[doc = concat!("[`", stringify!($name), "`] compiled with AVX2 enabled.")]
        ///
        /// # Safety
        /// The CPU must support AVX2.
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        unsafe fn $fast<$($g: $bound),*>($($a: $t),*) {
            $generic($($a),*)
        }

        #[doc = concat!("[`", stringify!($name), "`] without AVX2, in a frame of its own.")]
        #[inline(never)]
        fn $plain<$($g: $bound),*>($($a: $t),*) {
            $pgeneric($($a),*)
        }
    };
}

/// Computes the block's output elements `p0 .. p0 + y.len()` (flat, C order) into `y`.
/// Uses the AVX2 build of the driver when the CPU has AVX2 (same results, see the module docs).
#[inline]
pub fn apply_range<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    b: &AxisBlock<'_, T>,
    p0: usize,
    y: &mut [T],
    put: P,
) {
    apply_range_nt(st, b, p0, y, put, false)
}

/// Computes the rows of one column window of a block's output: row `r` of `y` holds the output
/// elements `p0 + r * b.inner ..` (consecutive rows of one outer index). The same bits as
/// [`apply_range`] on each row; the interior rows go to [`LaneStencil::run_interior_rows`]
/// together. Uses the AVX2 build when the CPU has AVX2.
#[inline]
pub fn apply_rows<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    b: &AxisBlock<'_, T>,
    p0: usize,
    y: RowsMut<'_, T>,
    put: P,
) {
    apply_rows_nt(st, b, p0, y, put, false)
}

dispatched! {
    /// [`apply_range`], with the interior runs written with streaming stores where `stream`,
    /// `put` [streams](Put::Streamed) (`Set`) and the CPU has AVX2; the caller then owes a
    /// [fence](crate::stream::fence) before another thread reads `y`.
    pub fn apply_range_nt / apply_range_avx2 / apply_range_plain
    <T: Scalar, S: LaneStencil<T>, P: Put<T>>
    (st: &S, b: &AxisBlock<'_, T>, p0: usize, y: &mut [T], put: P, stream: bool) => apply_range_generic
}

dispatched! {
    /// [`apply_rows`], with the interior rows written with streaming stores where `stream` (see
    /// [`apply_range_nt`]).
    pub fn apply_rows_nt / apply_rows_avx2 / apply_rows_plain
    <T: Scalar, S: LaneStencil<T>, P: Put<T>>
    (st: &S, b: &AxisBlock<'_, T>, p0: usize, y: RowsMut<'_, T>, put: P, stream: bool) => apply_rows_generic
}

/// Whether the drivers write streamed runs ([`run_interior_nt`]) on this CPU: x86-64 with AVX2.
/// Elsewhere a run asked to stream is stored as usual (the same bits): streaming stores are meant
/// for servers, and one build of the streamed loops (not two) keeps compile times down.
#[inline]
pub(crate) fn streams_here() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The interior formula over a run, written with streaming stores (`put.streamed()`): the
/// drivers' second copy of their bulk loop, compiled with AVX2 in a function of its own, so that
/// the drivers' frames do not grow in unoptimised builds (which give every inlined local its own
/// slot). Elsewhere than on x86-64 it is never called ([`streams_here`]).
///
/// # Safety
/// On x86-64, the CPU must support AVX2 ([`streams_here`]).
#[cfg_attr(target_arch = "x86_64", target_feature(enable = "avx2"))]
pub(crate) unsafe fn run_interior_nt<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    x: &[T],
    p0: usize,
    stride: usize,
    y: &mut [T],
    put: P,
) {
    st.run_interior(x, p0, stride, y, put.streamed())
}

/// [`run_interior_nt`] for the rows of a column window.
///
/// # Safety
/// On x86-64, the CPU must support AVX2 ([`streams_here`]).
#[cfg_attr(target_arch = "x86_64", target_feature(enable = "avx2"))]
pub(crate) unsafe fn run_interior_rows_nt<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    x: &[T],
    p0: usize,
    stride: usize,
    y: RowsMut<'_, T>,
    put: P,
) {
    st.run_interior_rows(x, p0, stride, y, put.streamed())
}

dispatched! {
    /// The point-by-point sums of a fused pass ([`point_sums_generic`]). One build with AVX2 and
    /// one without, called from both places that sum point by point (the all-interior pieces and
    /// the merged runs across lane ends), rather than the whole tile function compiled twice with
    /// its loops inlined at both places: the loops are most of a fused pass's code, one build per
    /// stencil formula, term count, centre tap, weighting and store.
    pub(crate) fn point_sums / point_sums_avx2 / point_sums_plain
    <T: Scalar, S: LaneStencil<T>>
    (terms: &[BlockTerm<'_, T, S>], p: usize, y: &mut [T], stream: bool, cached: Cached)
        => point_sums_generic | point_sums_unstreamed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stencil::lane::toy::{data, Toy};
    use crate::stencil::lane::Set;

    #[test]
    fn the_dispatched_build_gives_the_generic_bits() {
        let shape = [6, 5, 33];
        let x = data(990, 6);
        let st = Toy { s: 0.1 };
        for axis in 0..3 {
            let b = AxisBlock::new(&x, &shape, axis, 0, shape[axis]);
            let (mut y, mut z) = (vec![0.0; 990], vec![0.0; 990]);
            apply_range(&st, &b, 0, &mut y, Set);
            apply_range_generic(&st, &b, 0, &mut z, Set, false);
            assert!(y.iter().zip(&z).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }
}
