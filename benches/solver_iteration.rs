//! One CGLS iteration on a regularized 512x512 problem `min || [I; eps L] x - [d; 0] ||`, written with
//! the `Vector` operations (the solvers crate is not a dependency of the benchmarks), next to one
//! forward plus one adjoint of the same operator (`cargo bench --bench solver_iteration`).

mod common;

use common::{configure, random};
use criterion::{criterion_group, criterion_main, Criterion};
use rylops::prelude::*;

/// The state of CGLS on `[I; L]` (`L` already weighted by `eps`), its operator applied block by block.
struct Cgls {
    lap: Laplacian<f64>,
    d: ChunkedArray<f64>,
    x: ChunkedArray<f64>,
    s1: ChunkedArray<f64>,
    s2: ChunkedArray<f64>,
    r: ChunkedArray<f64>,
    p: ChunkedArray<f64>,
    q1: ChunkedArray<f64>,
    q2: ChunkedArray<f64>,
    kold: f64,
    it: usize,
}

impl Cgls {
    fn new(n: usize, eps: f64) -> Self {
        let shape = [n, n];
        let g = ChunkGrid::single(&shape);
        let z = || ChunkedArray::<f64>::zeros(g.clone());
        let mut s = Self {
            lap: Laplacian::<f64>::builder(&shape)
                .weights(&[eps, eps])
                .build()
                .expect("Laplacian"),
            d: random(g.clone(), 3),
            x: z(),
            s1: z(),
            s2: z(),
            r: z(),
            p: z(),
            q1: z(),
            q2: z(),
            kold: 0.0,
            it: 0,
        };
        s.restart();
        s
    }
    /// `q = A p = [p; eps L p]`.
    fn forward(&mut self) {
        self.q1.copy_from(&self.p);
        self.lap
            .forward_into(&self.p, &mut self.q2)
            .expect("forward");
    }
    /// `r = A^H s = s1 + (eps L)^H s2`.
    fn adjoint(&mut self) {
        self.lap
            .adjoint_into(&self.s2, &mut self.r)
            .expect("adjoint");
        self.r.add_assign(&self.s1);
    }
    fn restart(&mut self) {
        self.x.fill(0.0);
        self.s1.copy_from(&self.d);
        self.s2.fill(0.0);
        self.adjoint();
        self.p.copy_from(&self.r);
        self.kold = self.r.norm_sqr();
        self.it = 0;
    }
    fn iteration(&mut self) {
        if self.it == 8 || !self.kold.is_normal() {
            self.restart();
        }
        self.forward();
        let qq = self.q1.norm_sqr() + self.q2.norm_sqr();
        let alpha = self.kold / qq;
        self.x.axpy(alpha, &self.p);
        self.s1.axpy(-alpha, &self.q1);
        self.s2.axpy(-alpha, &self.q2);
        self.adjoint();
        let k = self.r.norm_sqr();
        self.p.xpby(&self.r, k / self.kold);
        self.kold = k;
        self.it += 1;
    }
}

fn cgls(c: &mut Criterion) {
    let mut g = c.benchmark_group("cgls_512x512");
    configure(&mut g);
    let mut s = Cgls::new(512, 1.0);
    g.bench_function("forward+adjoint", |b| {
        b.iter(|| {
            s.forward();
            s.adjoint();
        })
    });
    g.bench_function("iteration", |b| b.iter(|| s.iteration()));
    g.finish();
}

criterion_group!(benches, cgls);
criterion_main!(benches);
