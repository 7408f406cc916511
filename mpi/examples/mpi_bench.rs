//! Time per matvec of FirstDerivative (axis 0) and of the 3-D Laplacian on an `n^3` f64 array
//! partitioned in slabs along axis 0 over the ranks, next to the single-process chunked time measured
//! in the same run (on rank 0, before the distributed runs), and the bytes each rank sent per matvec.
//!
//! ```text
//! cargo build --release -p rylops-mpi --features mpi --example mpi_bench
//! RAYON_NUM_THREADS=1 OMPI_MCA_mpi_yield_when_idle=1 \
//!     mpirun -n 4 --oversubscribe --bind-to none target/release/examples/mpi_bench 256 10
//! ```

use rylops_core::{ChunkedArray, LinearOperator};
use rylops_mpi::exchange::{halo_bytes_sent, reset_halo_counters};
use rylops_mpi::mpi::traits::CommunicatorCollectives;
use rylops_mpi::{Comm, DistArray, Distributed, Layout, Partition};
use rylops_operators::{FirstDerivative, Laplacian};
use std::sync::Arc;
use std::time::Instant;

fn main() -> rylops_core::Result<()> {
    let (_universe, _) =
        rylops_mpi::mpi::initialize_with_threading(rylops_mpi::mpi::Threading::Funneled)
            .expect("MPI initialises once");
    let comm = Arc::new(Comm::world());
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(256);
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let p = comm.size();
    let me = comm.rank();
    let shape = [n, n, n];
    let fd = FirstDerivative::<f64>::builder(&shape).axis(0).build()?;
    let lap = Laplacian::<f64>::builder(&shape)
        .axes(&[0, 1, 2])
        .weights(&[1.0; 3])
        .sampling(&[1.0; 3])
        .build()?;
    let gb = (n * n * n * 8) as f64 / 1e9;
    if me == 0 {
        println!(
            "n = {n}, ranks = {p}, rayon threads per rank = {}, {reps} matvecs each",
            rayon::current_num_threads()
        );
        // single-process reference on all the machine's cores (the other ranks wait in a barrier),
        // one chunk and max(p, 2) chunks along axis 0
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(cores)
            .build()
            .expect("thread pool");
        println!("serial reference: {cores} rayon threads");
        pool.install(|| -> rylops_core::Result<()> {
        for chunks in [1, p.max(2)] {
            let x = ChunkedArray::from_array(rylops_core::ndarray::ArrayD::from_shape_fn(
                rylops_core::ndarray::IxDyn(&shape),
                |ix| (ix[0] * 7 + ix[1] * 3 + ix[2]) as f64,
            ))
            .rechunk_uniform(&[n.div_ceil(chunks), n, n])?;
            let mut y = x.clone();
            for (name, op) in [
                ("FirstDerivative axis 0", &fd as &dyn Apply),
                ("Laplacian 3-D", &lap as &dyn Apply),
            ] {
                op.apply_chunked(&x, &mut y);
                let t = Instant::now();
                for _ in 0..reps {
                    op.apply_chunked(&x, &mut y);
                }
                let dt = t.elapsed().as_secs_f64() / reps as f64;
                println!(
                    "serial  {chunks} chunk(s) along axis 0  {name:<24} {:8.2} ms/matvec  {:6.2} GB/s (read+write)",
                    dt * 1e3,
                    2.0 * gb / dt
                );
            }
        }
        Ok(())
        })?;
    }
    // The other ranks wait asleep (not spinning in MPI) while rank 0 measures the serial reference.
    let mut req = comm.raw().immediate_barrier();
    while let Err(r) = req.test() {
        req = r;
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let layout = Layout::new(comm.clone(), Partition::slabs(&shape, p, 0)?)?;
    let x = DistArray::from_global_fn(&layout, |g| (g[0] * 7 + g[1] * 3 + g[2]) as f64);
    let dfd = Distributed::new(fd, &layout)?;
    let dlap = Distributed::new(lap, &layout)?;
    let mut y = DistArray::zeros(&layout);
    for (name, op, planned) in [
        (
            "FirstDerivative axis 0",
            &dfd as &dyn DApply,
            dfd.halo_bytes(false),
        ),
        (
            "Laplacian 3-D",
            &dlap as &dyn DApply,
            dlap.halo_bytes(false),
        ),
    ] {
        op.apply(&x, &mut y);
        comm.raw().barrier();
        let t = Instant::now();
        for _ in 0..reps {
            op.apply(&x, &mut y);
        }
        comm.raw().barrier();
        let dt = t.elapsed().as_secs_f64() / reps as f64;
        reset_halo_counters();
        op.apply(&x, &mut y);
        let sent = halo_bytes_sent() as usize;
        let all_sent = comm.all_gather(sent as u64);
        let all_planned = comm.all_gather(planned as u64);
        if me == 0 {
            println!(
                "mpi     {p} rank(s), slabs on axis 0   {name:<24} {:8.2} ms/matvec  {:6.2} GB/s (read+write)",
                dt * 1e3,
                2.0 * gb / dt
            );
            println!(
                "        bytes sent per rank per matvec: {all_sent:?} (halo slabs: {all_planned:?})"
            );
        }
        assert_eq!(sent, planned, "bytes sent differ from the halo size");
    }
    Ok(())
}

trait Apply {
    fn apply_chunked(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>);
}
impl<O: LinearOperator<Scalar = f64, Domain = ChunkedArray<f64>, Range = ChunkedArray<f64>>> Apply
    for O
{
    fn apply_chunked(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) {
        self.forward_into(x, y).expect("forward");
    }
}
trait DApply {
    fn apply(&self, x: &DistArray<f64>, y: &mut DistArray<f64>);
}
impl<O: LinearOperator<Scalar = f64, Domain = DistArray<f64>, Range = DistArray<f64>>> DApply
    for O
{
    fn apply(&self, x: &DistArray<f64>, y: &mut DistArray<f64>) {
        self.forward_into(x, y).expect("forward");
    }
}
