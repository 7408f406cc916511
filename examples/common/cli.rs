//! Command-line parsing shared by the examples (each includes this file with `#[path]`): arguments
//! are read with `lexopt`, `--help` prints the example's usage, and anything the example does not
//! take is an error (exit status 2) instead of being ignored.
#![allow(dead_code)] // each example uses the part it needs

pub use lexopt::prelude::*;
use std::path::PathBuf;

/// Runs `parse` on the command line. On an error (an unknown flag, a missing or malformed value)
/// prints it with `usage` to stderr and exits with status 2.
pub fn parse<T>(
    usage: &str,
    parse: impl FnOnce(&mut lexopt::Parser) -> Result<T, lexopt::Error>,
) -> T {
    let mut p = lexopt::Parser::from_env();
    match parse(&mut p) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}\n{usage}");
            std::process::exit(2)
        }
    }
}

/// The error for an argument the example does not take; `-h`/`--help` print `usage` to stdout and
/// exit with status 0 instead.
pub fn unexpected(arg: lexopt::Arg<'_>, usage: &str) -> lexopt::Error {
    if matches!(arg, Short('h') | Long("help")) {
        println!("{usage}");
        std::process::exit(0)
    }
    arg.unexpected()
}

/// For examples without arguments: only `--help` is accepted.
pub fn no_arguments(usage: &str) {
    parse(usage, |p| match p.next()? {
        None => Ok(()),
        Some(arg) => Err(unexpected(arg, usage)),
    })
}

/// The value of `--out`, a folder for pictures. Builds without the `plot` feature draw none, so
/// there it is an error rather than a flag silently ignored.
pub fn out_dir(p: &mut lexopt::Parser) -> Result<PathBuf, lexopt::Error> {
    let dir = PathBuf::from(p.value()?);
    if cfg!(feature = "plot") {
        Ok(dir)
    } else {
        Err("--out: this build draws no pictures; run with `--features plot`".into())
    }
}

/// Where pictures go when `--out` is not given.
pub fn default_out() -> PathBuf {
    PathBuf::from("target/gallery")
}
