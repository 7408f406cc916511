//! pylops-compatible mode reproduces pylops 2.8's iterates, iteration counts and stop codes.
//!
//! The expected numbers below were produced by pylops 2.8.0 (numpy 2.4, Python 3.11) with this
//! script, run as `python compat.py 0.03 1e-3` (its output is pasted verbatim below it):
//!
//!     import numpy as np, pylops
//!     from pylops.optimization.basic import cg, cgls, lsqr
//!     m, n = 16, 10
//!     A = np.array([[((i*7 + j*3) % 11) / 4 - 1 + (2.0 if i == j else 0.0) for j in range(n)] for i in range(m)])
//!     Ai = np.array([[((i + 2*j) % 5 - 2) / 4 for j in range(n)] for i in range(m)])
//!     y = np.array([((i*5) % 7) - 3 + 0.5 for i in range(m)])
//!     yi = np.array([((i*3) % 5) - 2 - 0.25 for i in range(m)])
//!     x0 = np.array([0.1*j - 0.2 for j in range(n)])
//!     Ac = A + 1j*Ai; yc = y + 1j*yi; x0c = x0 - 0.5j*x0
//!     N = A.T @ A; Nc = Ac.conj().T @ Ac
//!     b = y[:n]; bc = yc[:n]
//!     import sys
//!     TOLCG = float(sys.argv[1]); TOLCGLS = float(sys.argv[2])
//!     def p(name, v):
//!         v = np.atleast_1d(np.asarray(v))
//!         if np.iscomplexobj(v):
//!             print(f"const {name}: [[f64; 2]; {v.size}] = [" + ", ".join(f"[{float(z.real)!r}, {float(z.imag)!r}]" for z in v) + "];")
//!         else:
//!             print(f"const {name}: [f64; {v.size}] = [" + ", ".join(repr(float(z)) for z in v) + "];")
//!     x, it, cost = cg(pylops.MatrixMult(N), b, x0=x0, niter=20, damp=0.3, tol=TOLCG)
//!     print("// cg real: iiter =", it); p("CG_X", x); p("CG_COST", cost)
//!     x, it, cost = cg(pylops.MatrixMult(Nc, dtype='complex128'), bc, x0=x0c, niter=20, damp=0.3, tol=TOLCG)
//!     print("// cg complex: iiter =", it); p("CGC_X", x); p("CGC_COST", cost)
//!     op = pylops.MatrixMult(A)
//!     solver = pylops.optimization.cls_basic.CGLS(op)
//!     x, istop, it, r1, r2, cost = solver.solve(y, x0=x0, niter=20, damp=0.7, tol=TOLCGLS)
//!     print("// cgls real: istop =", istop, "iiter =", it); p("CGLS_X", x); p("CGLS_COST", cost); p("CGLS_COST1", solver.cost1); p("CGLS_R1R2", [r1, r2])
//!     opc = pylops.MatrixMult(Ac, dtype='complex128')
//!     x, istop, it, r1, r2, anorm, acond, arnorm, xnorm, var, cost = lsqr(opc, yc, x0=x0c, damp=0.2, niter=3, calc_var=True)
//!     print("// lsqr complex niter=3: istop =", istop, "iiter =", it); p("LSQR_X", x); p("LSQR_COST", cost); p("LSQR_VAR", var); p("LSQR_DIAG", [r1, r2, anorm, acond, arnorm, xnorm])
//!     x, istop, it, r1, r2, anorm, acond, arnorm, xnorm, var, cost = lsqr(opc, yc, x0=x0c, damp=0.2, niter=50, calc_var=True)
//!     print("// lsqr complex niter=50: istop =", istop, "iiter =", it); p("LSQR50_X", x); p("LSQR50_COST", cost); p("LSQR50_DIAG", [r1, r2, anorm, acond, arnorm, xnorm])
//!
//! The matrices have exact entries (multiples of 1/4), so they, `A^T A` and `A^H A` are the same
//! bits here and in numpy; only summation orders differ, hence the 1e-10 relative tolerance.

mod common;
use common::*;
use ndarray::{Array1, Array2};
use rylops_solvers::*;

// pylops: cg real: iiter = 9
const CG_X: [f64; 10] = [
    -0.38775656017509763,
    0.23752274222380318,
    -0.05200878915451266,
    0.4010289186364635,
    0.4807254417403419,
    -0.02175571904862803,
    -0.07655503267952449,
    -0.3188368485543429,
    -0.3442825487822389,
    0.3688848307575104,
];
const CG_COST: [f64; 10] = [
    21.289360238743672,
    6.966631094799338,
    4.127542950501605,
    1.8743164249607043,
    2.357500949230876,
    1.1297366418866803,
    0.776143370488841,
    0.31060450814146867,
    0.22897342270858845,
    0.040321090388111325,
];
// pylops: cg complex: iiter = 9
const CGC_X: [[f64; 2]; 10] = [
    [-0.45686671470314105, -0.25053604158975723],
    [0.23682016707950052, 0.038363050828544874],
    [0.12653082961929374, -0.21299768348454184],
    [0.1366255452309823, 0.2833734010805217],
    [0.26029068832625646, 0.05624251972432419],
    [-0.04656189514775237, -0.1740028764975225],
    [0.024223236159931334, 0.14199216432805287],
    [0.049891593812310196, -0.2205845505272176],
    [-0.1821341710682192, 0.0979470108876064],
    [-0.034326099510656245, 0.19074723630550594],
];
const CGC_COST: [f64; 10] = [
    24.364637621073907,
    9.010079040951949,
    5.798163459722731,
    2.9763158130453355,
    2.7195212914836953,
    1.1622245459389944,
    0.6397165956976838,
    0.37401474211394903,
    0.2686019355698073,
    0.15500985390526437,
];
// pylops: cgls real: istop = 1 iiter = 13
const CGLS_X: [f64; 10] = [
    -1.6411110528517692,
    0.0426577953554612,
    0.26653430326288097,
    0.5741890036399918,
    0.7345495910629055,
    0.17351785138049838,
    0.4982373448293012,
    0.2627389868584309,
    1.029909284147034,
    -1.3317191751784483,
];
const CGLS_COST: [f64; 14] = [
    9.396741456483731,
    6.3133237326244025,
    4.439651247069747,
    3.9256705941177605,
    3.6216551733243194,
    3.523086535905316,
    3.4177467016918746,
    3.4083265920321892,
    3.397977942340539,
    3.3810766943942308,
    3.37809359312985,
    3.3737388550964797,
    3.372899767641875,
    3.372711448942177,
];
const CGLS_COST1: [f64; 14] = [
    9.450595219349943,
    6.378649245338915,
    4.604803033932138,
    4.196931101939572,
    3.984619579625189,
    3.921347039379578,
    3.857820993728488,
    3.8529994449553464,
    3.844272021794459,
    3.8379404962067625,
    3.8370981634989554,
    3.836338300160355,
    3.8361106481677525,
    3.83607598950018,
];
const CGLS_R1R2: [f64; 2] = [0.00023046804433320353, 3.83607598950018];
// pylops: lsqr complex niter=3: istop = 0 iiter = 3
const LSQR_X: [[f64; 2]; 10] = [
    [-0.6159617502670495, -0.06757379538064212],
    [-0.01637578113418589, -0.4875894797827022],
    [-0.013996555539327576, 0.020703878706415782],
    [0.7053428275711324, 0.3580711663681512],
    [0.46533626450527626, 0.0020954583144038585],
    [0.5759058270271448, -0.25768628298355173],
    [0.4133179640497927, -0.03437281194759553],
    [-0.5146767313322326, -0.0857314582392927],
    [0.9807084992722076, 0.1578894804722026],
    [-1.0320740395021886, -0.5035575067234601],
];
const LSQR_COST: [f64; 4] = [
    11.183204482615883,
    7.986680620798714,
    6.667364958841086,
    6.185579969064855,
];
const LSQR_VAR: [[f64; 2]; 10] = [
    [0.002872364512333341, 0.0033076171100294787],
    [-0.014794440716893092, 7.944046190759926e-05],
    [0.012516112028006326, -0.0070207185173492],
    [0.01520574516313039, 0.007025654509391691],
    [0.006816968460463838, 0.003911296167438852],
    [-0.0003504509104333841, 0.003724762555777677],
    [0.00011179887784440196, -0.005555102409555835],
    [0.01838966372929135, 0.0031274710087312763],
    [-0.0038473180437841323, 0.0009725920547007025],
    [0.04708016783595259, 0.015844038466132866],
];
const LSQR_DIAG: [f64; 6] = [
    6.185579969064855,
    6.201861817098064,
    8.929357333020048,
    3.748642684056953,
    5.295696400580643,
    2.3794241405123135,
];
// pylops: lsqr complex niter=50: istop = 2 iiter = 10
const LSQR50_X: [[f64; 2]; 10] = [
    [-0.8696495198013233, -0.2737370018144467],
    [-0.2628549519595803, -0.7217779873751802],
    [0.23758538320097433, 0.34084237682784563],
    [0.959177954749059, -0.0077620392273905076],
    [0.6821292699919649, 0.07130509151778122],
    [0.7526718587618476, -0.3283674783814711],
    [-0.0010390287782431479, -0.006559315888784912],
    [-0.5262500577542067, 0.44148207722301874],
    [1.0784669491079233, 0.47699815035875953],
    [-1.020138550091905, -0.9846569859138444],
];
const LSQR50_COST: [f64; 11] = [
    11.183204482615883,
    7.986680620798714,
    6.667364958841086,
    6.185579969064855,
    6.020242493310027,
    5.92783656137325,
    5.888033406960737,
    5.8685491764470274,
    5.849110654853208,
    5.843369819916964,
    5.8399747758343885,
];
const LSQR50_DIAG: [f64; 6] = [
    5.8399747758343885,
    5.869166654562858,
    13.60927992217075,
    17.201928533538666,
    3.5295226582492186e-12,
    2.9232338114263796,
];

const M: usize = 16;
const N: usize = 10;

fn a_real() -> Array2<f64> {
    Array2::from_shape_fn((M, N), |(i, j)| {
        ((i * 7 + j * 3) % 11) as f64 / 4.0 - 1.0 + if i == j { 2.0 } else { 0.0 }
    })
}
fn a_complex() -> Array2<C64> {
    let a = a_real();
    Array2::from_shape_fn((M, N), |(i, j)| {
        C64::new(a[[i, j]], (((i + 2 * j) % 5) as f64 - 2.0) / 4.0)
    })
}
fn y_real() -> Array1<f64> {
    Array1::from_shape_fn(M, |i| ((i * 5) % 7) as f64 - 3.0 + 0.5)
}
fn y_complex() -> Array1<C64> {
    let y = y_real();
    Array1::from_shape_fn(M, |i| C64::new(y[i], ((i * 3) % 5) as f64 - 2.0 - 0.25))
}
fn x0_real() -> Array1<f64> {
    Array1::from_shape_fn(N, |j| 0.1 * j as f64 - 0.2)
}
fn x0_complex() -> Array1<C64> {
    x0_real().mapv(|v| C64::new(v, -(0.5 * v)))
}
fn c(v: &[[f64; 2]]) -> Array1<C64> {
    v.iter().map(|z| C64::new(z[0], z[1])).collect()
}
fn close(name: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{name}: length");
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-10 * scale, "{name}[{k}]: {g} vs {w}");
    }
}
fn close_c(name: &str, got: &Array1<C64>, want: &Array1<C64>) {
    let e = rel_err(got, want);
    assert!(e <= 1e-10, "{name}: relative error {e}");
}

#[test]
fn cg_real_squared_tolerance_and_linear_damping() {
    let a = a_real();
    let op = Dense::new(matmul(&herm(&a), &a));
    let b = single(&y_real().slice(ndarray::s![..N]).to_owned());
    let p = CgParams::default()
        .x0(single(&x0_real()))
        .niter(20)
        .shift(0.3) // pylops' cg(damp=0.3): a linear shift
        .tol(0.03)
        .pylops_compat(true);
    let sol = cg(&op, &b, &p).unwrap();
    assert_eq!(sol.iterations, 9);
    assert_eq!(sol.stop, StopReason::Tolerance);
    close("x", arr(&sol.x).as_slice().unwrap(), &CG_X);
    close("cost", &sol.cost, &CG_COST);
    // The same shift as `damp(sqrt(0.3))` (damp is squared, in both modes).
    let sol = cg(&op, &b, &p.clone().shift(0.0).damp(0.3f64.sqrt())).unwrap();
    assert_eq!(sol.iterations, 9);
    close("x via damp", arr(&sol.x).as_slice().unwrap(), &CG_X);
    // The default compares the norm: ||r_9|| = 0.0403 > 0.03, so one more iteration runs on the
    // same system.
    let sol = cg(&op, &b, &p.clone().pylops_compat(false)).unwrap();
    assert_eq!(sol.iterations, 10);
    assert!(sol.cost[9] > 0.03 && sol.cost[10] <= 0.03);
    close("first costs", &sol.cost[..10], &CG_COST);
}

#[test]
fn cg_complex() {
    let a = a_complex();
    let op = Dense::new(matmul(&herm(&a), &a));
    let b = single(&y_complex().slice(ndarray::s![..N]).to_owned());
    let p = CgParams::default()
        .x0(single(&x0_complex()))
        .niter(20)
        .shift(0.3)
        .tol(0.03)
        .pylops_compat(true);
    let sol = cg(&op, &b, &p).unwrap();
    assert_eq!(sol.iterations, 9);
    close_c("x", &arr(&sol.x), &c(&CGC_X));
    close("cost", &sol.cost, &CGC_COST);
}

#[test]
fn cgls_nonzero_x0_damp_bug_and_istop() {
    let op = Dense::new(a_real());
    let y = single(&y_real());
    let p = CglsParams::default()
        .x0(single(&x0_real()))
        .niter(20)
        .damp(0.7)
        .tol(1e-3)
        .pylops_compat(true);
    let sol = cgls(&op, &y, &p).unwrap();
    assert_eq!((sol.iterations, sol.info.istop), (13, 1));
    assert_eq!(sol.stop, StopReason::Tolerance);
    close("x", arr(&sol.x).as_slice().unwrap(), &CGLS_X);
    close("cost", &sol.cost, &CGLS_COST);
    close("cost1", &sol.info.cost1, &CGLS_COST1);
    close(
        "r1norm (pylops)",
        &[sol.info.pylops_r1norm()],
        &CGLS_R1R2[..1],
    );
    close("r2norm", &[sol.info.r2norm], &CGLS_R1R2[1..]);

    // The default mode uses damp^2 in the first direction: other iterates, same minimiser.
    let exact = lstsq(&a_real(), &y_real(), 0.7);
    let d = cgls(
        &op,
        &y,
        &p.clone().pylops_compat(false).tol(1e-12).niter(40),
    )
    .unwrap();
    assert!((d.info.cost1[0] - CGLS_COST1[0]).abs() > 1e-3);
    assert!(rel_err(&arr(&d.x), &exact) < 1e-10);
    assert_eq!(d.info.istop, 1);
}

#[test]
fn lsqr_iteration_limit_gives_istop_zero_and_complex_var() {
    let op = Dense::new(a_complex());
    let y = single(&y_complex());
    let p = LsqrParams::default()
        .x0(single(&x0_complex()))
        .damp(0.2)
        .niter(3)
        .calc_var(true)
        .pylops_compat(true);
    let sol = lsqr(&op, &y, &p).unwrap();
    assert_eq!((sol.iterations, sol.info.istop), (3, 0));
    assert_eq!(sol.stop, StopReason::MaxIterations);
    close_c("x", &arr(&sol.x), &c(&LSQR_X));
    close("cost", &sol.cost, &LSQR_COST);
    close_c("var", &arr(sol.info.var.as_ref().unwrap()), &c(&LSQR_VAR));
    let i = &sol.info;
    close(
        "diagnostics",
        &[i.r1norm, i.r2norm, i.anorm, i.acond, i.arnorm, i.xnorm],
        &LSQR_DIAG,
    );

    // Default mode: same iterates, istop 7, and var = sum |dk|^2 (real, positive).
    let d = lsqr(&op, &y, &p.clone().pylops_compat(false)).unwrap();
    assert_eq!((d.iterations, d.info.istop), (3, 7));
    assert_eq!(d.stop, StopReason::MaxIterations);
    close_c("x", &arr(&d.x), &c(&LSQR_X));
    let var = arr(d.info.var.as_ref().unwrap());
    assert!(var.iter().all(|v| v.im == 0.0 && v.re > 0.0));
}

#[test]
fn lsqr_converges_with_istop_two() {
    let op = Dense::new(a_complex());
    let y = single(&y_complex());
    for compat in [true, false] {
        let p = LsqrParams::default()
            .x0(single(&x0_complex()))
            .damp(0.2)
            .niter(50)
            .pylops_compat(compat);
        let sol = lsqr(&op, &y, &p).unwrap();
        assert_eq!((sol.iterations, sol.info.istop), (10, 2));
        assert_eq!(sol.stop, StopReason::LeastSquaresTolerance);
        close_c("x", &arr(&sol.x), &c(&LSQR50_X));
        close("cost", &sol.cost, &LSQR50_COST);
        let i = &sol.info;
        // arnorm (3.5e-12) is at rounding level: compare it loosely.
        close(
            "diagnostics",
            &[i.r1norm, i.r2norm, i.anorm, i.acond, i.xnorm],
            &[
                LSQR50_DIAG[0],
                LSQR50_DIAG[1],
                LSQR50_DIAG[2],
                LSQR50_DIAG[3],
                LSQR50_DIAG[5],
            ],
        );
        assert!(i.arnorm < 1e-10);
    }
}
