//! Shared helpers of the tsc-raw tests.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::PathBuf;

/// The fixture folder of the Python TSC test suite, or `None` (with a note) when it is missing
/// outside CI. With `CI=true` a missing folder fails the test.
pub fn fixtures_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/tsc-assets");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "fixture folder {} is missing (required when CI=true)",
            dir.display()
        );
    }
    eprintln!("skipping: fixture folder {} is missing", dir.display());
    None
}

/// Every `*.xml` fixture, sorted, with its text.
pub fn xml_fixtures() -> Vec<(String, String)> {
    let Some(dir) = fixtures_dir() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().and_then(|e| e.to_str()) == Some("xml") {
            let bytes = std::fs::read(&p).unwrap();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            out.push((p.file_name().unwrap().to_string_lossy().into_owned(), text));
        }
    }
    out.sort();
    out
}
