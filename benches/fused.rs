//! Laplacian (one fused pass over its axes) and Gradient, single chunk and chunked
//! (`cargo bench --bench fused`).

mod common;

use common::{configure, forward_adjoint, grid};
use criterion::{criterion_group, criterion_main, Criterion};
use num_complex::Complex64;
use rylops::prelude::*;

fn laplacian<T: Scalar>(shape: &[usize]) -> Chunked<Laplacian<T>> {
    let nd = shape.len();
    let axes: Vec<isize> = (0..nd as isize).collect();
    Laplacian::<T>::builder(shape)
        .axes(&axes)
        .weights(&vec![1.0; nd])
        .sampling(&vec![1.0; nd])
        .build()
        .expect("Laplacian")
}

fn laplacians(c: &mut Criterion) {
    let mut g = c.benchmark_group("laplacian");
    configure(&mut g);
    let s3 = [256, 256, 256];
    forward_adjoint(&mut g, "256^3/f64", &laplacian::<f64>(&s3), grid(&s3, None));
    forward_adjoint(
        &mut g,
        "256^3/c128",
        &laplacian::<Complex64>(&s3),
        grid(&s3, None),
    );
    forward_adjoint(
        &mut g,
        "256^3/f64/chunks_64x256x256",
        &laplacian::<f64>(&s3),
        grid(&s3, Some(&[64, 256, 256])),
    );
    forward_adjoint(
        &mut g,
        "256^3/f64/chunks_128^3",
        &laplacian::<f64>(&s3),
        grid(&s3, Some(&[128, 128, 128])),
    );
    let s2 = [512, 512];
    forward_adjoint(
        &mut g,
        "512x512/f64",
        &laplacian::<f64>(&s2),
        grid(&s2, None),
    );
    let s2 = [4096, 4096];
    forward_adjoint(
        &mut g,
        "4096x4096/f64",
        &laplacian::<f64>(&s2),
        grid(&s2, None),
    );
    g.finish();
}

fn gradients(c: &mut Criterion) {
    let mut g = c.benchmark_group("gradient");
    configure(&mut g);
    let s3 = [256, 256, 256];
    let op = Gradient::<f64>::builder(&s3).build().expect("Gradient");
    forward_adjoint(&mut g, "256^3/f64", &op, grid(&s3, None));
    forward_adjoint(
        &mut g,
        "256^3/f64/chunks_128^3",
        &op,
        grid(&s3, Some(&[128, 128, 128])),
    );
    let s2 = [4096, 4096];
    let op = Gradient::<f64>::builder(&s2).build().expect("Gradient");
    forward_adjoint(&mut g, "4096x4096/f64", &op, grid(&s2, None));
    g.finish();
}

criterion_group!(benches, laplacians, gradients);
criterion_main!(benches);
