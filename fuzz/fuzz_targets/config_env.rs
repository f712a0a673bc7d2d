//! Fuzz target `config_env`: `CognitoConfig::from_env_with` on an environment made of the input's
//! `NAME=value` lines: variables are user-supplied, and a config they make must rebuild unchanged.
//! Body and input format: `cognito_sigv4_fuzz::sdk::config_env`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cognito_sigv4_fuzz::sdk::config_env(data));
