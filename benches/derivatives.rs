//! FirstDerivative and SecondDerivative: every axis of 1-D to 3-D arrays, every kind, every scalar
//! type, and chunking along and across the derivative axis (`cargo bench --bench derivatives`).

mod common;

use common::{configure, forward_adjoint, grid};
use criterion::{criterion_group, criterion_main, Criterion};
use num_complex::{Complex32, Complex64};
use rylops::prelude::*;

const S3: &[usize] = &[256, 256, 256];

fn fd<T: Scalar>(
    shape: &[usize],
    axis: usize,
    kind: Kind,
    order: usize,
) -> Chunked<FirstDerivative<T>> {
    FirstDerivative::<T>::builder(shape)
        .axis(axis as isize)
        .kind(kind)
        .order(order)
        .build()
        .expect("FirstDerivative")
}

fn axes(c: &mut Criterion) {
    let mut g = c.benchmark_group("first_derivative_axes");
    configure(&mut g);
    forward_adjoint(
        &mut g,
        "1d_2^24/axis0",
        &fd::<f64>(&[1 << 24], 0, Kind::Centered, 3),
        grid(&[1 << 24], None),
    );
    for axis in 0..2 {
        let s = [4096, 4096];
        forward_adjoint(
            &mut g,
            &format!("4096x4096/axis{axis}"),
            &fd::<f64>(&s, axis, Kind::Centered, 3),
            grid(&s, None),
        );
    }
    for axis in 0..3 {
        forward_adjoint(
            &mut g,
            &format!("256^3/axis{axis}"),
            &fd::<f64>(S3, axis, Kind::Centered, 3),
            grid(S3, None),
        );
    }
    let s4 = [64, 64, 64, 64];
    for axis in 0..4 {
        forward_adjoint(
            &mut g,
            &format!("64^4/axis{axis}"),
            &fd::<f64>(&s4, axis, Kind::Centered, 3),
            grid(&s4, None),
        );
    }
    g.finish();
}

fn kinds(c: &mut Criterion) {
    let mut g = c.benchmark_group("first_derivative_kinds");
    configure(&mut g);
    for (name, kind, order) in [
        ("centered3", Kind::Centered, 3),
        ("centered5", Kind::Centered, 5),
        ("forward", Kind::Forward, 3),
        ("backward", Kind::Backward, 3),
    ] {
        for axis in [0, 2] {
            forward_adjoint(
                &mut g,
                &format!("256^3/{name}/axis{axis}"),
                &fd::<f64>(S3, axis, kind, order),
                grid(S3, None),
            );
        }
    }
    g.finish();
}

fn scalars(c: &mut Criterion) {
    let mut g = c.benchmark_group("first_derivative_scalars");
    configure(&mut g);
    for axis in [0, 2] {
        forward_adjoint(
            &mut g,
            &format!("256^3/f32/axis{axis}"),
            &fd::<f32>(S3, axis, Kind::Centered, 3),
            grid(S3, None),
        );
        forward_adjoint(
            &mut g,
            &format!("256^3/f64/axis{axis}"),
            &fd::<f64>(S3, axis, Kind::Centered, 3),
            grid(S3, None),
        );
        forward_adjoint(
            &mut g,
            &format!("256^3/c64/axis{axis}"),
            &fd::<Complex32>(S3, axis, Kind::Centered, 3),
            grid(S3, None),
        );
        forward_adjoint(
            &mut g,
            &format!("256^3/c128/axis{axis}"),
            &fd::<Complex64>(S3, axis, Kind::Centered, 3),
            grid(S3, None),
        );
    }
    g.finish();
}

fn chunking(c: &mut Criterion) {
    let mut g = c.benchmark_group("first_derivative_chunking");
    configure(&mut g);
    let op = fd::<f64>(S3, 0, Kind::Centered, 3);
    for (name, chunks) in [
        ("single", None),
        ("along_64x256x256", Some(&[64, 256, 256][..])),
        ("along_16x256x256", Some(&[16, 256, 256][..])),
        ("across_256x256x64", Some(&[256, 256, 64][..])),
        ("both_64x128x128", Some(&[64, 128, 128][..])),
    ] {
        forward_adjoint(
            &mut g,
            &format!("256^3/axis0/{name}"),
            &op,
            grid(S3, chunks),
        );
    }
    g.finish();
}

fn second(c: &mut Criterion) {
    let mut g = c.benchmark_group("second_derivative");
    configure(&mut g);
    for axis in 0..3 {
        let op = SecondDerivative::<f64>::builder(S3)
            .axis(axis as isize)
            .build()
            .expect("SecondDerivative");
        forward_adjoint(&mut g, &format!("256^3/axis{axis}"), &op, grid(S3, None));
    }
    let op = SecondDerivative::<f64>::builder(S3)
        .axis(0)
        .edge(true)
        .build()
        .expect("SecondDerivative");
    forward_adjoint(&mut g, "256^3/axis0/edge", &op, grid(S3, None));
    let op = SecondDerivative::<f64>::builder(S3)
        .axis(0)
        .build()
        .expect("SecondDerivative");
    forward_adjoint(
        &mut g,
        "256^3/axis0/along_64x256x256",
        &op,
        grid(S3, Some(&[64, 256, 256])),
    );
    g.finish();
}

criterion_group!(benches, axes, kinds, scalars, chunking, second);
criterion_main!(benches);
