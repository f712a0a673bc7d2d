//! Fuzz target `srp_arith` (differential). Body and input format: `cognito_sigv4_fuzz::srp::srp_arith`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cognito_sigv4_fuzz::srp::srp_arith(data));
