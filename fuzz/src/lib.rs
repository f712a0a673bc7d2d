//! The bodies of the fuzz targets in `fuzz_targets/`, one function per target: `sdk` for the
//! `cognito-sigv4` parsers and signer, `srp` for the SRP arithmetic, `emulator` for the
//! emulator's. The stable replay tests
//! (`tests/fuzz_replay.rs`, `emulator/tests/fuzz_replay.rs`) take the same files in by `#[path]`
//! (with `replay`) and run every committed corpus file through them.

pub mod emulator;
pub mod replay;
pub mod sdk;
pub mod srp;
