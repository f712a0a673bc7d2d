//! Fuzz target `config_amplify`: `CognitoConfig::from_amplify_outputs_str` on any text: the file is
//! user-supplied, and a config it accepts must rebuild unchanged.
//! Body and input format: `cognito_sigv4_fuzz::sdk::config_amplify`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cognito_sigv4_fuzz::sdk::config_amplify(data));
