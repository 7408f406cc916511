//! The fused Laplacian and Gradient equal their explicit definitions bit for bit.

use num_complex::Complex64;
use rylops_core::{ChunkGrid, ChunkedArray, LinearMap, LinearOperator, RealScalar, Scalar, Vector};
use rylops_operators::{FirstDerivative, Gradient, Kind, Laplacian, SecondDerivative};

/// `((w0*S0 x) + w1*S1 x) + ...` with separate SecondDerivative applications (pylops' order).
#[allow(clippy::too_many_arguments)]
fn explicit_sum<T: Scalar>(
    dims: &[usize],
    axes: &[isize],
    w: &[f64],
    s: &[f64],
    kind: Kind,
    edge: bool,
    x: &ChunkedArray<T>,
    adjoint: bool,
) -> ChunkedArray<T> {
    let mut acc: Option<ChunkedArray<T>> = None;
    for ((&ax, &wk), &sk) in axes.iter().zip(w).zip(s) {
        let sd = SecondDerivative::<T>::builder(dims)
            .axis(ax)
            .sampling(sk)
            .kind(kind)
            .edge(edge)
            .build()
            .unwrap();
        let mut t = if adjoint {
            sd.adjoint(x).unwrap()
        } else {
            sd.forward(x).unwrap()
        };
        let wt = if adjoint {
            T::from_f64(wk).conj()
        } else {
            T::from_f64(wk)
        };
        t.scale(wt);
        acc = Some(match acc {
            None => t,
            Some(mut a) => {
                a.add_assign(&t);
                a
            }
        });
    }
    acc.unwrap()
}

fn check_lap<T: Scalar>(dims: &[usize], axes: &[isize], kind: Kind, edge: bool, chunk: &[usize]) {
    let w: Vec<f64> = (0..axes.len()).map(|i| 0.7 + i as f64).collect();
    // Samplings whose squares are exact in every precision, so the f64-squared SecondDerivative and
    // the scalar-squared Laplacian agree.
    let s: Vec<f64> = (0..axes.len()).map(|i| [0.5, 2.0, 0.25][i % 3]).collect();
    let lap = Laplacian::<T>::builder(dims)
        .axes(axes)
        .weights(&w)
        .sampling(&s)
        .kind(kind)
        .edge(edge)
        .build()
        .unwrap();
    let grid = ChunkGrid::uniform(dims, chunk).unwrap();
    let x = ChunkedArray::<T>::random(grid, 11);
    for adjoint in [false, true] {
        let fused = if adjoint {
            lap.adjoint(&x).unwrap()
        } else {
            lap.forward(&x).unwrap()
        };
        let explicit = explicit_sum(dims, axes, &w, &s, kind, edge, &x, adjoint);
        assert_eq!(
            fused.to_array(),
            explicit.to_array(),
            "dims {dims:?} axes {axes:?} {kind} edge {edge} adjoint {adjoint}"
        );
    }
}

#[test]
fn laplacian_fused_pass_equals_weighted_sum_bitwise() {
    for kind in [Kind::Centered, Kind::Forward, Kind::Backward] {
        for edge in [false, true] {
            check_lap::<f64>(&[13, 17], &[0, 1], kind, edge, &[13, 17]);
            check_lap::<f64>(&[13, 17], &[1, 0], kind, edge, &[4, 5]);
            check_lap::<f64>(&[9, 10, 11], &[0, 1, 2], kind, edge, &[3, 10, 4]);
            check_lap::<f64>(&[9, 10, 11], &[2, 2], kind, edge, &[9, 2, 3]);
            check_lap::<Complex64>(&[6, 7, 8, 5], &[3, 0, 2], kind, edge, &[2, 7, 3, 5]);
            check_lap::<f32>(&[70, 90], &[-1, -2], kind, edge, &[33, 40]);
        }
    }
}

#[test]
fn laplacian_over_a_large_array_crosses_tiles() {
    // More elements than one fused tile, so the tiling itself is exercised.
    check_lap::<f64>(
        &[40, 50, 30],
        &[0, 1, 2],
        Kind::Centered,
        true,
        &[40, 50, 30],
    );
    check_lap::<f64>(
        &[40, 50, 30],
        &[0, 1, 2],
        Kind::Centered,
        true,
        &[7, 50, 11],
    );
}

#[test]
fn gradient_is_the_stack_of_first_derivatives() {
    let dims = [9, 12, 7];
    for kind in [Kind::Centered, Kind::Forward, Kind::Backward] {
        let g = Gradient::<f64>::builder(&dims)
            .sampling_per_axis(&[0.3, 1.0, 2.5])
            .kind(kind)
            .edge(true)
            .build()
            .unwrap();
        let grid = ChunkGrid::uniform(&dims, &[4, 5, 7]).unwrap();
        let x = ChunkedArray::<f64>::random(grid, 3);
        let y = g.forward(&x).unwrap().to_array();
        let u = ChunkedArray::<f64>::random(g.range_like(&x).unwrap().grid().clone(), 4);
        let xadj = g.adjoint(&u).unwrap().to_array();
        let ua = u.to_array();
        let mut acc: Option<ndarray::ArrayD<f64>> = None;
        for (k, s) in [0.3, 1.0, 2.5].iter().enumerate() {
            let d = FirstDerivative::<f64>::builder(&dims)
                .axis(k as isize)
                .sampling(*s)
                .kind(kind)
                .edge(true)
                .build()
                .unwrap();
            let yk = d.forward(&x).unwrap().to_array();
            assert_eq!(y.index_axis(ndarray::Axis(0), k), yk.view());
            let uk = ChunkedArray::from_array(ua.index_axis(ndarray::Axis(0), k).to_owned());
            let ak = d.adjoint(&uk).unwrap().to_array();
            acc = Some(match acc {
                None => ak,
                Some(a) => a + ak,
            });
        }
        assert_eq!(xadj, acc.unwrap());
    }
}

/// The bits of every element (real and imaginary parts).
fn bits<T: Scalar>(a: &ChunkedArray<T>) -> Vec<u64> {
    a.to_array()
        .iter()
        .flat_map(|v| {
            [
                v.re().to_f64_lossless().to_bits(),
                v.im().to_f64_lossless().to_bits(),
            ]
        })
        .collect()
}

/// Forward and adjoint of `op` on `x` (and a random `u` in its range), under `never` and under
/// `always` streaming stores: the same bits.
fn same_bits_streamed<T: Scalar, O>(op: &O, x: &ChunkedArray<T>, what: &str)
where
    O: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>,
{
    use rylops_core::stream::{set_streaming, Streaming};
    let u = ChunkedArray::<T>::random(op.range_like(x).unwrap().grid().clone(), 9);
    let run = |s| {
        set_streaming(s);
        let r = (
            bits(&op.forward(x).unwrap()),
            bits(&op.adjoint(&u).unwrap()),
        );
        set_streaming(Streaming::Auto);
        r
    };
    assert!(run(Streaming::Never) == run(Streaming::Always), "{what}");
}

fn streamed_family<T: Scalar>(dims: &[usize], chunks: &[usize]) {
    let x = ChunkedArray::<T>::random(ChunkGrid::uniform(dims, chunks).unwrap(), 5);
    let label = |s: &str| {
        format!(
            "{s} {} dims {dims:?} chunks {chunks:?}",
            std::any::type_name::<T>()
        )
    };
    for axis in 0..dims.len() as isize {
        for (kind, order, edge) in [
            (Kind::Centered, 3, false),
            (Kind::Centered, 3, true),
            (Kind::Centered, 5, true),
            (Kind::Forward, 3, true),
            (Kind::Backward, 3, false),
        ] {
            let d = FirstDerivative::<T>::builder(dims)
                .axis(axis)
                .kind(kind)
                .order(order)
                .edge(edge)
                .sampling(0.7)
                .build()
                .unwrap();
            same_bits_streamed(
                &d,
                &x,
                &label(&format!("FirstDerivative {axis} {kind:?} {order} {edge}")),
            );
        }
        let s = SecondDerivative::<T>::builder(dims)
            .axis(axis)
            .build()
            .unwrap();
        same_bits_streamed(&s, &x, &label("SecondDerivative"));
    }
    let axes: Vec<isize> = (0..dims.len() as isize).collect();
    let lap = Laplacian::<T>::builder(dims)
        .axes(&axes)
        .weights(&vec![0.5; dims.len()])
        .sampling(&vec![1.5; dims.len()])
        .build()
        .unwrap();
    same_bits_streamed(&lap, &x, &label("Laplacian"));
    let g = Gradient::<T>::builder(dims).edge(true).build().unwrap();
    same_bits_streamed(&g, &x, &label("Gradient"));
}

/// Streaming stores change how bytes reach memory, never which: every derivative operator gives the
/// same bits with and without them (streamed wherever a loop computes whole 64-byte-aligned groups:
/// most of each row of 97 elements), in one chunk and chunked along every axis.
#[test]
fn streaming_stores_give_the_same_bits() {
    let dims = [9, 23, 97];
    streamed_family::<f64>(&dims, &dims);
    streamed_family::<f64>(&dims, &[4, 23, 40]);
    streamed_family::<f32>(&dims, &[9, 10, 97]);
    streamed_family::<Complex64>(&dims, &dims);
}
