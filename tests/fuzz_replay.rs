//! Replays every committed fuzz corpus file of the SDK's targets (`fuzz/corpus/{jwt_decode,
//! config_amplify,config_env,canonical_query,sigv4_oracle,srp_arith}`) through the same body the libFuzzer target runs,
//! on stable Rust, so that CI exercises what fuzzing found without nightly or cargo-fuzz.
//!
//! The bodies are `fuzz/src/sdk.rs`, taken in as a module (no dependency on the fuzz package,
//! which is not a workspace member). A body panics only on a bug; a missing or empty corpus
//! directory fails too, since the corpus is committed.

#[path = "../fuzz/src/sdk.rs"]
mod bodies;
#[path = "../fuzz/src/replay.rs"]
mod replay;
#[path = "../fuzz/src/srp.rs"]
mod srp_bodies;

use std::path::PathBuf;

fn corpus(target: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/corpus")).join(target)
}

#[test]
fn jwt_decode_corpus_replays() {
    replay::replay(&corpus("jwt_decode"), bodies::jwt_decode);
}

#[test]
fn config_amplify_corpus_replays() {
    replay::replay(&corpus("config_amplify"), bodies::config_amplify);
}

#[test]
fn config_env_corpus_replays() {
    replay::replay(&corpus("config_env"), bodies::config_env);
}

#[test]
fn canonical_query_corpus_replays() {
    replay::replay(&corpus("canonical_query"), bodies::canonical_query);
}

#[test]
fn sigv4_oracle_corpus_replays() {
    replay::replay(&corpus("sigv4_oracle"), bodies::sigv4_oracle);
}

#[test]
fn srp_arith_corpus_replays() {
    replay::replay(&corpus("srp_arith"), srp_bodies::srp_arith);
}
