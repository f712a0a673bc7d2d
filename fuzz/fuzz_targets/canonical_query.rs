//! Fuzz target `canonical_query`: the SDK's signer on any path, query, header value and body,
//! checked against the emulator's independent SigV4 verifier: whatever the signer signs must
//! verify.
//! Body and input format: `cognito_sigv4_fuzz::sdk::canonical_query`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cognito_sigv4_fuzz::sdk::canonical_query(data));
