//! Fuzz target `jwt_decode`: `UnverifiedClaims::decode` on any text (bytes lossily converted), then
//! every accessor: a token can come from anywhere, and decoding must fail cleanly, never panic.
//! Body and input format: `cognito_sigv4_fuzz::sdk::jwt_decode`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cognito_sigv4_fuzz::sdk::jwt_decode(data));
