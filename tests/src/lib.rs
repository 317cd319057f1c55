//! End-to-end tests of `tsc` against the embedded emulator live in `tests/`.
