//! Maintainer tasks for the `tsc` workspace: generation of `tsc-raw/src/generated/` from the
//! Tableau REST API XSD.
//!
//! ```text
//! cargo xtask codegen [--check] [--schema PATH] [--out DIR]
//! ```
//!
//! The generator is offline and deterministic: the same XSD gives byte-identical files.
//!
//! # Bumping the API version
//! 1. Drop the new `ts-api_X_Y.xsd` into `schema/` (unchanged; the highest version is the default).
//! 2. `cargo xtask codegen`; a construct the generator does not know, a type-name collision or a
//!    fixup in [`fixups`] that no longer applies stops it with a message saying what to change.
//! 3. Review the diff of `tsc-raw/src/generated/` (new types and fields, changed enumerations).
//! 4. `cargo insta review` for changed request snapshots, then `cargo test --workspace`.
//!
//! # Pipeline
//! [`dom`] reads the XSD into a tree, [`model`] turns it into Rust structs, enums and aliases
//! (failing on unsupported constructs), [`fixups`] holds every deviation from the schema, and
//! [`emit`] writes tokens with `quote` and formats them with `prettyplease`.

pub mod dom;
pub mod emit;
pub mod fixups;
pub mod model;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use emit::File;
pub use model::Model;

/// The workspace root (the folder above `xtask/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The default output folder, `tsc-raw/src/generated`.
pub fn default_out() -> PathBuf {
    workspace_root()
        .join("tsc-raw")
        .join("src")
        .join("generated")
}

/// The highest-versioned `ts-api_*.xsd` in `schema/`.
pub fn default_schema() -> Result<PathBuf, String> {
    let dir = workspace_root().join("schema");
    let mut best: Option<(Vec<u64>, PathBuf)> = None;
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(ver) = name
            .strip_prefix("ts-api_")
            .and_then(|n| n.strip_suffix(".xsd"))
        else {
            continue;
        };
        let Ok(key) = ver
            .split('_')
            .map(str::parse::<u64>)
            .collect::<Result<Vec<_>, _>>()
        else {
            continue;
        };
        if best.as_ref().is_none_or(|(k, _)| key > *k) {
            best = Some((key, path));
        }
    }
    best.map(|(_, p)| p)
        .ok_or_else(|| format!("no schema/ts-api_*.xsd in {}", dir.display()))
}

/// Reads and models an XSD file.
pub fn load_model(schema: &Path) -> Result<Model, String> {
    let src = std::fs::read_to_string(schema)
        .map_err(|e| format!("cannot read {}: {e}", schema.display()))?;
    model_from_str(&src).map_err(|e| format!("{}: {e}", schema.display()))
}

/// Models XSD text with the standard fixups.
pub fn model_from_str(src: &str) -> Result<Model, String> {
    let root = dom::parse(src)?;
    model::build(&root, &mut fixups::Fixups::standard())
}

/// The generated files for an XSD file, in memory.
pub fn generate(schema: &Path) -> Result<Vec<File>, String> {
    let bytes =
        std::fs::read(schema).map_err(|e| format!("cannot read {}: {e}", schema.display()))?;
    let src = String::from_utf8(bytes.clone())
        .map_err(|_| format!("{} is not UTF-8", schema.display()))?;
    let model = model_from_str(&src).map_err(|e| format!("{}: {e}", schema.display()))?;
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let name = schema
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("schema.xsd");
    emit::files(&model, name, &sha)
}

/// Writes the generated files into `out` (created if missing); removes stale `.rs` files there.
pub fn write(files: &[File], out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    for f in files {
        let p = out.join(f.name);
        std::fs::write(&p, &f.contents)
            .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    for extra in extra_files(files, out)? {
        std::fs::remove_file(&extra)
            .map_err(|e| format!("cannot remove {}: {e}", extra.display()))?;
    }
    Ok(())
}

fn extra_files(files: &[File], out: &Path) -> Result<Vec<PathBuf>, String> {
    let mut extra = Vec::new();
    let entries =
        std::fs::read_dir(out).map_err(|e| format!("cannot read {}: {e}", out.display()))?;
    for entry in entries {
        let p = entry
            .map_err(|e| format!("cannot read {}: {e}", out.display()))?
            .path();
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name.ends_with(".rs") && !files.iter().any(|f| f.name == name) {
            extra.push(p);
        }
    }
    extra.sort();
    Ok(extra)
}

/// The files in `out` that differ from `files`, are missing, or should not be there.
pub fn stale(files: &[File], out: &Path) -> Result<Vec<PathBuf>, String> {
    let mut bad = Vec::new();
    for f in files {
        let p = out.join(f.name);
        if std::fs::read_to_string(&p).ok().as_deref() != Some(f.contents.as_str()) {
            bad.push(p);
        }
    }
    if out.exists() {
        bad.extend(extra_files(files, out)?);
    }
    Ok(bad)
}
