//! Fuzz target `sigv4_verify`: the emulator's SigV4 verifier on any method, path, query, headers
//! and body: every request that reaches the emulator is untrusted, and each must be accepted or
//! refused, never panic.
//! Body and input format: `cognito_sigv4_fuzz::emulator::sigv4_verify`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cognito_sigv4_fuzz::emulator::sigv4_verify(data));
