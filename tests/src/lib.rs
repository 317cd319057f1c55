//! Crate `tsc-e2e`: end-to-end tests of `tsc` against the embedded `tsc-emulator` (in
//! `tests/tests/`), the quick start (`cargo run --example quickstart`), and helpers they share:
//! [`twbx`] writes small workbooks, [`harness`] starts a signed-in emulator. The repository's
//! README follows; its code blocks run as this crate's doctests.
//!
#![doc = include_str!("../../README.md")]

pub mod harness;
pub mod twbx;
