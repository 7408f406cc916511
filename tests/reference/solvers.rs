//! Solver cases of the reference suite.

use super::HResult;
use serde_json::Value;
use std::path::Path;

/// Runs one solver case.
pub fn run_solver_case(_dir: &Path, case: &Value, _tol: &Value) -> HResult<String> {
    let solver = case["solver"].as_str().unwrap_or("?");
    Err(format!(
        "solver `{solver}` cases are not yet supported by the harness (they land with the solvers issue)"
    ))
}
