//! Helpers shared by the benchmarks: input arrays and a forward/adjoint benchmark of an operator.
#![allow(dead_code)]

use criterion::{BenchmarkGroup, Throughput};
use rylops::prelude::*;
use std::time::Duration;

/// An array on `grid` with ordinary pseudo-random values in [-0.5, 0.5) (real and imaginary parts).
pub fn random<T: Scalar>(grid: ChunkGrid, seed: u64) -> ChunkedArray<T> {
    let mut a = ChunkedArray::<T>::zeros(grid);
    let mut z = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        z ^= z << 13;
        z ^= z >> 7;
        z ^= z << 17;
        <T::Real as Scalar>::from_f64((z >> 11) as f64 / (1u64 << 53) as f64 - 0.5)
    };
    for mut b in a.blocks_mut() {
        for v in b.iter_mut() {
            let re = next();
            let im = next();
            *v = T::from_parts(re, im);
        }
    }
    a
}

/// Short sampling: these kernels take milliseconds and are memory-bound.
pub fn configure<M: criterion::measurement::Measurement>(g: &mut BenchmarkGroup<'_, M>) {
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
}

/// Benchmarks `forward_into` and `adjoint_into` of `op` on arrays of `grid` (preallocated outputs),
/// reporting the bytes moved (one read of the input, one write of the output).
pub fn forward_adjoint<T, O>(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    op: &O,
    grid: ChunkGrid,
) where
    T: Scalar,
    O: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>,
{
    let x: ChunkedArray<T> = random(grid, 1);
    let mut y = op.range_like(&x).expect("range");
    let v: ChunkedArray<T> = random(y.grid().clone(), 2);
    let mut u = x.zeros_like();
    let bytes = ((x.len() + y.len()) * std::mem::size_of::<T>()) as u64;
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function(format!("{name}/forward"), |b| {
        b.iter(|| op.forward_into(&x, &mut y).expect("forward"))
    });
    g.bench_function(format!("{name}/adjoint"), |b| {
        b.iter(|| op.adjoint_into(&v, &mut u).expect("adjoint"))
    });
}

/// A uniform grid of `shape` with chunks `chunks` (`None`: one chunk).
pub fn grid(shape: &[usize], chunks: Option<&[usize]>) -> ChunkGrid {
    match chunks {
        None => ChunkGrid::single(shape),
        Some(c) => ChunkGrid::uniform(shape, c).expect("grid"),
    }
}
