//! Fuzz target `seed_parse`: `Seed::from_toml_str` and `Seed::from_json_str` on any text: seed
//! files are user-supplied, and a bad one must be an error, never a panic.
//! Body and input format: `cognito_sigv4_fuzz::emulator::seed_parse`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cognito_sigv4_fuzz::emulator::seed_parse(data));
