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
    run_and_report(&harness::suite_dir(), "reference");
}

/// The repository's own `convolve` group: pylops' filter operators.
#[test]
fn reference_convolve() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference_ops/convolve");
    run_and_report(&dir, "reference_ops/convolve");
}

/// The repository's own `layout` group: pylops' layout operators and combinators.
#[test]
fn reference_layout() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference_ops/layout");
    run_and_report(&dir, "reference_ops/layout");
}

/// Runs the suite at `dir`, prints its closing line under `label` and fails on any failure.
fn run_and_report(dir: &std::path::Path, label: &str) {
    let summary = harness::run_suite(dir);
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
        "{label}: {} operator cases passed ({} bit-exact), {} solver cases passed, {} failed",
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

/// Runs the harness on a manifest written from `json` (no array files), returning its failures.
fn failures_of(name: &str, json: &serde_json::Value) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("rylops-harness-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    std::fs::write(dir.join("manifest.json"), json.to_string()).expect("manifest written");
    let summary = harness::run_suite(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    summary.failures
}

/// The harness fails on every field, operator, option or stage it does not understand, naming it.
#[test]
fn harness_refuses_what_it_does_not_understand() {
    use serde_json::json;
    let error_case = |id: &str, kwargs: serde_json::Value| {
        json!({
            "id": id, "operator": "FirstDerivative", "kwargs": kwargs, "dtype": "float64",
            "files": {}, "dims": null, "dimsd": null,
            "expected_error": {"stage": "constructor", "type": "ValueError", "message": "m"}
        })
    };
    let good = error_case("good", json!({"dims": [10], "order": 4}));
    let manifest = |ops: Vec<serde_json::Value>, solvers: Vec<serde_json::Value>| json!({"format_version": 1, "operator_cases": ops, "solver_cases": solvers});
    // A well-formed expected-error case passes: no failure.
    assert_eq!(
        failures_of("good", &manifest(vec![good.clone()], vec![])),
        Vec::<String>::new()
    );

    let mut top = manifest(vec![good.clone()], vec![]);
    top["new_top_field"] = json!(1);
    let f = failures_of("top", &top);
    assert!(f.len() == 1 && f[0].contains("new_top_field"), "{f:?}");

    let mut version = manifest(vec![], vec![]);
    version["format_version"] = json!(2);
    assert!(failures_of("version", &version)[0].contains("format_version"));

    let mut extra = good.clone();
    extra["id"] = json!("extra");
    extra["new_case_field"] = json!(true);
    let bad_kwarg = error_case("kwarg", json!({"dims": [10], "order": 4, "new_option": 1}));
    let bad_op =
        json!({"id": "op", "operator": "NoSuchOp", "kwargs": {}, "dtype": "float64", "files": {}});
    let mut bad_stage = good.clone();
    bad_stage["id"] = json!("stage");
    bad_stage["expected_error"]["stage"] = json!("later");
    let mut bad_file = good.clone();
    bad_file["id"] = json!("file");
    bad_file["files"] = json!({"z": {"path": "z.npy"}});
    let bad_node = json!({
        "id": "node", "solver": "cg", "operator": {"type": "Roll", "kwargs": {}},
        "dtype": "float64", "call_kwargs": {}, "results": {"iiter": 0}, "n_cost": 1, "files": {}
    });
    let mut bad_result = bad_node.clone();
    bad_result["id"] = json!("result");
    bad_result["operator"] = json!({"type": "Identity", "kwargs": {"N": 3}});
    bad_result["results"]["new_result"] = json!(0.5);
    let f = failures_of(
        "cases",
        &manifest(
            vec![good, extra, bad_kwarg, bad_op, bad_stage, bad_file],
            vec![bad_node, bad_result],
        ),
    );
    let expect = [
        ("extra:", "new_case_field"),
        ("kwarg:", "new_option"),
        ("op:", "NoSuchOp"),
        ("stage:", "later"),
        ("file:", "`z`"),
        ("node:", "Roll"),
        ("result:", "new_result"),
    ];
    assert_eq!(f.len(), expect.len(), "{f:?}");
    for ((id, word), line) in expect.iter().zip(&f) {
        assert!(
            line.starts_with(id) && line.contains(word),
            "{line} (want {id} ... {word})"
        );
    }

    // Counts that disagree with the lists fail too.
    let mut counts = manifest(vec![], vec![]);
    counts["n_operator_cases"] = json!(1);
    counts["n_expected_error_cases"] = json!(1);
    counts["n_solver_cases"] = json!(1);
    assert_eq!(failures_of("counts", &counts).len(), 3);
}
