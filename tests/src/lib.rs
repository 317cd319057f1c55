//! End-to-end tests of `tsc` against the embedded `tsc-emulator` (in `tests/tests/`), the quick
//! start (`cargo run --example quickstart`), and helpers they share: [`twbx`] writes small
//! workbooks, [`harness`] starts a signed-in emulator.

pub mod harness;
pub mod twbx;
