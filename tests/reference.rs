//! The conformance harness: checks every case of a pylops-generated reference suite.
//!
//! Reads `manifest.json` from `$RYLOPS_REFERENCE_DIR` (default: `../shared/reference` next to the
//! repository), runs every operator case (forward and adjoint, float64 and complex128, expected errors)
//! and every solver case, and fails on any mismatch, on any missing file, and on any operator, option or
//! field it does not understand. Operator cases are also re-run on two chunkings of the input, which
//! must give results bit-for-bit equal to the single-chunk ones.
//!
//! It prints `reference: N operator cases passed (B bit-exact), M solver cases passed, F failed`.

use std::io::Write;

#[path = "reference/mod.rs"]
mod harness;

#[test]
fn reference_suite() {
    let dir = harness::suite_dir();
    let summary = harness::run_suite(&dir);
    for line in &summary.notes {
        let _ = writeln!(std::io::stderr(), "  {line}");
    }
    for f in &summary.failures {
        println!("FAILED {f}");
    }
    // Written to the process's stderr directly (not through the test harness's capture), so the
    // closing line shows in every `cargo test` run, passing or not.
    let _ = writeln!(
        std::io::stderr(),
        "reference: {} operator cases passed ({} bit-exact), {} solver cases passed, {} failed",
        summary.op_passed,
        summary.op_bitexact,
        summary.solver_passed,
        summary.failures.len()
    );
    assert!(
        summary.failures.is_empty(),
        "{} reference case(s) failed:\n{}",
        summary.failures.len(),
        summary.failures.join("\n")
    );
    assert!(
        summary.op_passed + summary.solver_passed > 0,
        "the suite at {} has no cases",
        dir.display()
    );
}
