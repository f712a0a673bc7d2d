//! Replays every committed fuzz corpus file of the emulator's targets (`fuzz/corpus/{seed_parse,
//! sigv4_verify}` at the workspace root) through the same body the libFuzzer target runs, on
//! stable Rust, so that CI exercises what fuzzing found without nightly or cargo-fuzz.
//!
//! The bodies are `fuzz/src/emulator.rs`, taken in as a module (no dependency on the fuzz
//! package, which is not a workspace member). A body panics only on a bug; a missing or empty
//! corpus directory fails too, since the corpus is committed.

#[path = "../../fuzz/src/emulator.rs"]
mod bodies;
#[path = "../../fuzz/src/replay.rs"]
mod replay;

use std::path::PathBuf;

fn corpus(target: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/corpus")).join(target)
}

#[test]
fn seed_parse_corpus_replays() {
    replay::replay(&corpus("seed_parse"), bodies::seed_parse);
}

#[test]
fn sigv4_verify_corpus_replays() {
    replay::replay(&corpus("sigv4_verify"), bodies::sigv4_verify);
}
