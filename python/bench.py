"""pylops against rylops, side by side in one process, on the cases of the README's performance
table; prints the median times and the ratios (pylops time / rylops time).

    python bench.py            # the table's shapes (needs ~2 GiB of memory)
    python bench.py --quick    # smaller shapes, a few seconds
    python bench.py --reps 7 --threads 2

Both libraries get the same flat numpy vector (``Op.matvec`` / ``Op.rmatvec``, as pylops' solvers
call them); rylops' time includes everything its Python layer does (checks, dtype, the result
array). Runs alternate between the two libraries so that both see the same machine load.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pylops
from pylops.optimization.basic import cgls as pylops_cgls

import rylops


def cases(quick: bool):
    n3 = 64 if quick else 256
    n2 = 1024 if quick else 4096
    n1 = n2 * n2
    nl = 256 if quick else 512
    c3 = (n3, n3, n3)
    return [
        ("FirstDerivative", (n1,), dict(axis=0), None, "float64"),
        ("FirstDerivative", (n2, n2), dict(axis=0), None, "float64"),
        ("FirstDerivative", (n2, n2), dict(axis=1), None, "float64"),
        ("FirstDerivative", c3, dict(axis=0), None, "float64"),
        ("FirstDerivative", c3, dict(axis=1), None, "float64"),
        ("FirstDerivative", c3, dict(axis=2), None, "float64"),
        ("FirstDerivative", c3, dict(axis=0), (n3 // 4, n3, n3), "float64"),
        ("FirstDerivative", c3, dict(axis=0), (n3, n3, n3 // 4), "float64"),
        ("FirstDerivative", c3, dict(axis=0, order=5), None, "float64"),
        ("FirstDerivative", c3, dict(axis=0, kind="forward"), None, "float64"),
        ("FirstDerivative", c3, dict(axis=0), None, "complex128"),
        ("SecondDerivative", c3, dict(axis=0), None, "float64"),
        ("Laplacian", c3, dict(axes=(0, 1, 2), weights=(1, 1, 1), sampling=(1, 1, 1)), None, "float64"),
        ("Laplacian", (nl, nl), dict(), None, "float64"),
        ("Gradient", c3, dict(), None, "float64"),
    ]


def median_time(f, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def interleaved(fa, fb, reps):
    """Median times of `fa` and `fb`, run alternately (one warm-up each)."""
    fa(), fb()
    ta, tb = [], []
    for _ in range(reps):
        ta.append(median_time(fa, 1))
        tb.append(median_time(fb, 1))
    return float(np.median(ta)), float(np.median(tb))


def fmt_shape(s):
    return "x".join(map(str, s))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller shapes")
    ap.add_argument("--reps", type=int, default=5, help="timed runs per case and library")
    ap.add_argument("--threads", type=int, default=0, help="rylops threads (0: default)")
    args = ap.parse_args()
    if args.threads:
        rylops.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}, rylops threads {rylops.get_num_threads()}, pylops "
        f"{pylops.__version__}, numpy {np.__version__}, reps {args.reps}"
    )
    print("| operator | shape | options | chunks | pylops ms fwd / adj | rylops ms fwd / adj "
          "| ratio fwd / adj |")
    print("|---|---|---|---|---|---|---|")
    for name, dims, kw, chunks, dtype in cases(args.quick):
        P = getattr(pylops, name)(dims, dtype=dtype, **kw)
        R = getattr(rylops, name)(dims, dtype=dtype, chunks=chunks, **kw)
        x = rng.standard_normal(P.shape[1])
        u = rng.standard_normal(P.shape[0])
        if dtype.startswith("complex"):
            x = x + 1j * rng.standard_normal(P.shape[1])
            u = u + 1j * rng.standard_normal(P.shape[0])
        tpf, trf = interleaved(lambda: P.matvec(x), lambda: R.matvec(x), args.reps)
        tpa, tra = interleaved(lambda: P.rmatvec(u), lambda: R.rmatvec(u), args.reps)
        opts = ", ".join(f"{k}={v}" for k, v in kw.items() if k not in ("weights", "sampling"))
        if dtype != "float64":
            opts = ", ".join(filter(None, [opts, dtype]))
        print(
            f"| {name} | {fmt_shape(dims)} | {opts or '-'} | "
            f"{fmt_shape(chunks) if chunks else 'one'} | {tpf * 1e3:.1f} / {tpa * 1e3:.1f} | "
            f"{trf * 1e3:.2f} / {tra * 1e3:.2f} | {tpf / trf:.0f}x / {tpa / tra:.0f}x |"
        )
        del P, R, x, u
    # a solver: pylops' cgls on pylops' Laplacian, on rylops' Laplacian, and rylops' own cgls
    n = 256 if args.quick else 512
    P, R = pylops.Laplacian((n, n), edge=True), rylops.Laplacian((n, n), edge=True)
    y = P @ rng.standard_normal(P.shape[1])
    kw = dict(niter=20, damp=0.1, tol=0.0)
    t_pp = median_time(lambda: pylops_cgls(P, y, **kw), max(1, args.reps // 2))
    t_pr = median_time(lambda: pylops_cgls(R, y, **kw), max(1, args.reps // 2))
    t_rr = median_time(lambda: rylops.cgls(R, y, **kw), max(1, args.reps // 2))
    print()
    print(f"| cgls, 20 iterations, Laplacian {n}x{n} | ms | ratio to pylops |")
    print("|---|---|---|")
    print(f"| pylops cgls, pylops.Laplacian | {t_pp * 1e3:.1f} | 1x |")
    print(f"| pylops cgls, rylops.Laplacian | {t_pr * 1e3:.1f} | {t_pp / t_pr:.1f}x |")
    print(f"| rylops.cgls, rylops.Laplacian | {t_rr * 1e3:.1f} | {t_pp / t_rr:.1f}x |")


if __name__ == "__main__":
    main()
