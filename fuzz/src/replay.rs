//! Replays a committed corpus through a fuzz body, for the stable tests `tests/fuzz_replay.rs`
//! and `emulator/tests/fuzz_replay.rs` (which take this file as a module by `#[path]`).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// Runs `body` on every file of the corpus directory `dir` and fails naming each file it
/// panicked on. A missing or empty directory fails too: the corpus is committed.
pub fn replay(dir: &Path, body: fn(&[u8])) {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("corpus {} is committed but unreadable: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(!files.is_empty(), "corpus {} is empty", dir.display());
    let failed: Vec<String> = files
        .iter()
        .filter(|file| {
            let data = std::fs::read(file).unwrap();
            catch_unwind(AssertUnwindSafe(|| body(&data))).is_err()
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{}: {} of {} inputs panic: {failed:#?}",
        dir.display(),
        failed.len(),
        files.len()
    );
}
