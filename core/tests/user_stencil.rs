//! A user-defined 7-point stencil operator (in `support/`, outside the library) runs chunked, in
//! every chunking, bit for bit as on one chunk, and its adjoint is the transpose.

#[path = "support/seven_point.rs"]
mod seven_point;

use proptest::prelude::*;
use rylops_core::ndarray::{ArrayD, IxDyn};
use rylops_core::stencil::{apply_op_chunked, interior_mismatch, StencilOperator};
use rylops_core::{ChunkGrid, ChunkedArray, Rng, Vector};
use seven_point::{SevenPoint, SixthOrderSecondDerivative};

fn random(shape: &[usize], seed: u64) -> ArrayD<f64> {
    let mut r = Rng::new(seed);
    ArrayD::from_shape_fn(IxDyn(shape), |_| r.normal())
}

/// Random chunk lengths summing to `n` (1-wide chunks included).
fn split(n: usize, cuts: &[usize]) -> Vec<usize> {
    let mut c: Vec<usize> = cuts
        .iter()
        .map(|&v| v % n.max(1))
        .filter(|&v| v > 0)
        .collect();
    c.sort_unstable();
    c.dedup();
    let mut out = Vec::new();
    let mut prev = 0;
    for v in c.into_iter().chain(std::iter::once(n)) {
        out.push(v - prev);
        prev = v;
    }
    out.retain(|&v| v > 0);
    if out.is_empty() {
        out.push(n);
    }
    out
}

fn apply(
    op: &SixthOrderSecondDerivative,
    adjoint: bool,
    x: &ChunkedArray<f64>,
) -> ChunkedArray<f64> {
    let mut y = ChunkedArray::zeros(x.grid().clone());
    apply_op_chunked(op, adjoint, x, &mut y).unwrap();
    y
}

#[test]
fn its_two_formulas_agree_on_interior_rows() {
    let x: Vec<f64> = (0..40).map(|v| ((v * 37) % 11) as f64 - 4.5).collect();
    for adjoint in [false, true] {
        let st = SevenPoint {
            adjoint,
            div: 180.0 * 0.3 * 0.3,
        };
        for n in 0..=40 {
            assert_eq!(
                interior_mismatch(&st, &x[..n]),
                None,
                "n {n} adjoint {adjoint}"
            );
        }
    }
}

#[test]
fn its_adjoint_is_the_transpose() {
    let shape = [23, 5];
    let op = SixthOrderSecondDerivative::new(&shape, 0, 0.5).unwrap();
    let x = ChunkedArray::from_array(random(&shape, 1));
    let y = ChunkedArray::from_array(random(&shape, 2));
    let (ax, aty) = (apply(&op, false, &x), apply(&op, true, &y));
    let (l, r) = (ax.dot(&y), x.dot(&aty));
    assert!((l - r).abs() <= 1e-12 * l.abs().max(r.abs()), "{l} vs {r}");
    // The interior of a quadratic: its second derivative, 2.
    let q = ChunkedArray::from_array(ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
        let t = ix[0] as f64 * 0.5;
        t * t
    }));
    let d = apply(&op, false, &q).to_array();
    assert!((d[[10, 3]] - 2.0).abs() < 1e-9, "{}", d[[10, 3]]);
    assert_eq!(op.stencil_terms(false).terms().len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn every_chunking_gives_the_one_chunk_bits(
        shape in proptest::collection::vec(1usize..14, 1..4),
        cuts in proptest::collection::vec(proptest::collection::vec(0usize..16, 0..4), 3),
        axis in 0usize..3,
        h in 0.1f64..3.0,
    ) {
        let axis = axis % shape.len();
        let op = SixthOrderSecondDerivative::new(&shape, axis, h).unwrap();
        let a = random(&shape, 7);
        let one = ChunkedArray::from_array(a.clone());
        let chunks: Vec<Vec<usize>> = shape.iter().zip(&cuts).map(|(&n, c)| split(n, c)).collect();
        let g = ChunkGrid::new(&shape, chunks).unwrap();
        let x = ChunkedArray::from_array_grid(a.view(), g).unwrap();
        for adjoint in [false, true] {
            let want = apply(&op, adjoint, &one).to_array();
            let got = apply(&op, adjoint, &x).to_array();
            prop_assert!(want.iter().zip(got.iter()).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }
}
