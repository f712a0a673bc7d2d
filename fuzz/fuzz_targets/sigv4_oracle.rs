//! Fuzz target `sigv4_oracle` (differential). Body and input format: `cognito_sigv4_fuzz::sdk::sigv4_oracle`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cognito_sigv4_fuzz::sdk::sigv4_oracle(data));
