//! Comparison with pylops' reference arrays, shared by the gallery ports `plot_smoothing1d`,
//! `plot_smoothing2d` and `plot_convolve` (each includes this file with `#[path]`). The arrays are
//! under `tests/reference_ops/examples/<folder>/`, written by `gen_examples.py` there.
#![allow(dead_code)] // each example uses the part it needs

use ndarray::ArrayD;
use rylops::core::npy::read_npy;
use std::path::Path;

/// Agreement asked of an operator output that pylops computes through FFTs, or with dot products
/// whose order OpenBLAS chooses (see the operator's docs): relative to the largest value, as the
/// conformance suite's `operator_rtol`.
pub const ROUNDING_RTOL: f64 = 1e-12;

/// How far above pylops' own spread a solve may land (see [`Check::solve`]).
pub const SOLVE_FACTOR: f64 = 10.0;

/// pylops' arrays of one example, and the running verdict.
pub struct Check {
    folder: &'static str,
    ok: bool,
}

impl Check {
    /// The reference arrays in `tests/reference_ops/examples/<folder>/`.
    pub fn new(folder: &'static str) -> Self {
        Self { folder, ok: true }
    }

    /// The reference array `name` (float64).
    pub fn load(&self, name: &str) -> rylops::Result<ArrayD<f64>> {
        read_npy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/reference_ops/examples")
                .join(self.folder)
                .join(format!("{name}.npy")),
        )
    }

    /// Compares `got` with pylops' array `name`: bit for bit if `rtol` is `None`, else within
    /// `rtol` times the largest `|pylops|`. Prints one line and records the verdict.
    pub fn array(
        &mut self,
        what: &str,
        got: &ArrayD<f64>,
        name: &str,
        rtol: Option<f64>,
    ) -> rylops::Result<()> {
        let want = self.load(name)?;
        let ok = self.report(what, got, &want, rtol);
        self.ok &= ok;
        Ok(())
    }

    /// Compares the solution `got` of an iterative solve with pylops' `name`, within
    /// [`SOLVE_FACTOR`] times the larger of the two spreads the generator measured on pylops' own
    /// answer (`name_sens.npy`): how far it moves when the data is perturbed by 1e-15 relative,
    /// and how far pylops' own lsqr lands from scipy's on the same problem. Prints both.
    pub fn solve(&mut self, what: &str, got: &ArrayD<f64>, name: &str) -> rylops::Result<()> {
        let sens = self.load(&format!("{name}_sens"))?;
        let (moved, other) = match sens.as_slice() {
            Some(&[a, b]) => (a, b),
            _ => {
                return Err(rylops::Error::Io(format!(
                    "{name}_sens.npy: expected two numbers, got shape {:?}",
                    sens.shape()
                )))
            }
        };
        let rtol = SOLVE_FACTOR * moved.max(other);
        let want = self.load(name)?;
        let ok = self.report(what, got, &want, Some(rtol));
        println!(
            "  {:<36} ({SOLVE_FACTOR} x the larger of: pylops' answer moves up to {moved:.1e} under \
             1e-15 data perturbations (200 draws); pylops' lsqr vs scipy's {other:.1e})",
            ""
        );
        self.ok &= ok;
        Ok(())
    }

    /// Records a check made by the example itself.
    pub fn record(&mut self, ok: bool) {
        self.ok &= ok;
    }

    /// Prints the verdict and exits with status 1 if anything differed.
    pub fn finish(self, example: &str) {
        if !self.ok {
            eprintln!("{example}: results differ from pylops'");
            std::process::exit(1);
        }
        println!("{example}: every result agrees with pylops 2.8.0");
    }

    fn report(&self, what: &str, got: &ArrayD<f64>, want: &ArrayD<f64>, rtol: Option<f64>) -> bool {
        if got.shape() != want.shape() {
            println!(
                "  {what:<36} shape {:?} where pylops has {:?}  DIFFERS",
                got.shape(),
                want.shape()
            );
            return false;
        }
        let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let maxdiff = got
            .iter()
            .zip(want.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f64, |m, d| if d.is_nan() { f64::NAN } else { m.max(d) });
        let exact = got
            .iter()
            .zip(want.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits());
        let ok = match rtol {
            None => exact,
            Some(r) => exact || maxdiff <= r * scale,
        };
        let rel = maxdiff / scale.max(f64::MIN_POSITIVE);
        let verdict = match (exact, ok) {
            (true, _) => "bit-exact".to_string(),
            (false, true) => format!("agrees (tolerance {:.1e} relative)", rtol.unwrap_or(0.0)),
            (false, false) => match rtol {
                None => "DIFFERS (bit-exact required)".to_string(),
                Some(r) => format!("DIFFERS (tolerance {r:.1e} relative)"),
            },
        };
        println!(
            "  {what:<36} max |rylops - pylops| = {maxdiff:.1e} (relative {rel:.1e})  {verdict}"
        );
        ok
    }
}
