//! One iteration of the library's `cgls` and `lsqr` on a regularized 512x512 problem
//! `min || [I; eps L] x - [d; 0] ||` (the operator a `VStack` of `Identity` and `Laplacian`), next to one
//! forward plus one adjoint of the same operator (`cargo bench --bench solver_iteration`).
//!
//! Iterations are timed inside the solver, between consecutive callbacks, so a solve's set-up (work
//! vectors, the first adjoint) is not counted: criterion asks for `iters` iterations and gets the sum
//! of that many callback intervals, taken from as many solves as needed.

mod common;

use common::{configure, random};
use criterion::{criterion_group, criterion_main, Criterion};
use rylops::core::BoxOp;
use rylops::operators::Identity;
use rylops::prelude::*;
use rylops::solvers::callback::{Control, IterInfo};
use rylops::solvers::{cgls_with, lsqr_with, CglsParams, LsqrParams};
use std::time::{Duration, Instant};

type Arr = ChunkedArray<f64>;

/// Iterations per solve (the first interval starts after iteration 1).
const PER_SOLVE: usize = 16;

/// Sum of `iters` iteration times of `solve` (which runs `PER_SOLVE` iterations with a callback).
fn iterations(
    iters: u64,
    mut solve: impl FnMut(&mut dyn FnMut(&IterInfo<'_, f64, Arr>) -> Control),
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters as usize;
    while left > 0 {
        let mut stamps = Vec::with_capacity(PER_SOLVE);
        solve(&mut |_| {
            stamps.push(Instant::now());
            Control::Continue
        });
        assert_eq!(stamps.len(), PER_SOLVE, "the solve stopped early");
        for w in stamps.windows(2).take(left) {
            total += w[1] - w[0];
            left -= 1;
        }
    }
    total
}

fn solvers(c: &mut Criterion) {
    let shape = [512, 512];
    let lap = Laplacian::<f64>::builder(&shape)
        .build()
        .expect("Laplacian");
    let id = Identity::<f64>::with_dims(&shape).expect("Identity");
    let op = VStack::new(vec![Box::new(id) as BoxOp<f64>, Box::new(lap)]).expect("VStack");
    let g = ChunkGrid::single(&shape);
    let y = Stack(vec![random::<f64>(g.clone(), 3), Arr::zeros(g.clone())]);
    let p: Arr = random(g.clone(), 4);
    let s = Stack(vec![random::<f64>(g.clone(), 5), random(g.clone(), 6)]);
    let (mut q, mut r) = (op.zeros_range(), Arr::zeros(g));

    let mut group = c.benchmark_group("solvers_512x512");
    configure(&mut group);
    group.bench_function("forward+adjoint", |b| {
        b.iter(|| {
            op.forward_into(&p, &mut q).expect("forward");
            op.adjoint_into(&s, &mut r).expect("adjoint");
        })
    });
    let cp = CglsParams::default().niter(PER_SOLVE).tol(0.0);
    group.bench_function("cgls iteration", |b| {
        b.iter_custom(|iters| {
            iterations(iters, |cb| {
                cgls_with(&op, &y, &cp, cb).expect("cgls");
            })
        })
    });
    let lp = LsqrParams::default()
        .niter(PER_SOLVE)
        .atol(0.0)
        .btol(0.0)
        .conlim(0.0);
    group.bench_function("lsqr iteration", |b| {
        b.iter_custom(|iters| {
            iterations(iters, |cb| {
                lsqr_with(&op, &y, &lp, cb).expect("lsqr");
            })
        })
    });
    group.finish();
}

criterion_group!(benches, solvers);
criterion_main!(benches);
