//! `cargo xtask codegen [--check] [--schema PATH] [--out DIR]`

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask codegen [--check] [--schema PATH] [--out DIR]

  --check        compare the generated code with the files on disk; exit 1 and name stale files
  --schema PATH  the XSD to read (default: the highest ts-api_*.xsd in schema/)
  --out DIR      output folder (default: tsc-raw/src/generated)";

fn run() -> Result<ExitCode, String> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("codegen") => {}
        Some("-h" | "--help") | None => {
            println!("{USAGE}");
            return Ok(ExitCode::SUCCESS);
        }
        Some(other) => return Err(format!("unknown task {other:?}\n{USAGE}")),
    }
    let mut check = false;
    let mut schema: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--check" => check = true,
            "--schema" => schema = Some(args.next().ok_or("--schema needs a path")?.into()),
            "--out" => out = Some(args.next().ok_or("--out needs a folder")?.into()),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let schema = match schema {
        Some(s) => s,
        None => xtask::default_schema()?,
    };
    let out = out.unwrap_or_else(xtask::default_out);
    let files = xtask::generate(&schema)?;
    if check {
        let stale = xtask::stale(&files, &out)?;
        if stale.is_empty() {
            println!(
                "generated code in {} is up to date with {}",
                out.display(),
                schema.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!("stale generated files (run `cargo xtask codegen` and review the diff):");
        for s in stale {
            eprintln!("  {}", s.display());
        }
        return Ok(ExitCode::FAILURE);
    }
    xtask::write(&files, &out)?;
    println!(
        "wrote {} files to {} from {}",
        files.len(),
        out.display(),
        schema.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
