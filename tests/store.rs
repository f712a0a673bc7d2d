//! Session stores: what a resumed app finds, what a corrupt or foreign file gives, and how
//! several writers share one store (the lock, compare-before-save, compare-before-clear).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cognito_sigv4::ErrorKind;
use cognito_sigv4::config::CognitoConfig;
use cognito_sigv4::secret::RefreshToken;
use cognito_sigv4::store::{
    FileStore, MemoryStore, STORED_SESSION_VERSION, SessionStore, StoredSession,
};

const MARKER: &str = "MARKER-refresh-token-value";

fn sample() -> StoredSession {
    let mut s = StoredSession::new(
        "us-east-1_QuickStrt",
        "quickstartwebclient0000001",
        "jdoe",
        RefreshToken::new(MARKER),
    );
    s.identity_pool_id = Some("us-east-1:4a1f9e1c-7b6d-4c3a-9e2f-0d5b8c7a6e41".into());
    s.identity_id = Some("us-east-1:0f0e0d0c-0b0a-0908-0706-050403020100".into());
    s
}

/// A file store at `session.json` in a new temporary directory, which lives as long as the
/// returned `TempDir`.
fn temp_file_store() -> (tempfile::TempDir, PathBuf, FileStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("session.json");
    let store = FileStore::new(&path);
    (dir, path, store)
}

fn config(pool: &str, client: &str) -> CognitoConfig {
    CognitoConfig::builder()
        .region("us-east-1")
        .user_pool_id(pool)
        .client_id(client)
        .build()
        .expect("valid test config")
}

#[test]
fn file_store_round_trips_and_a_missing_file_is_no_session() {
    let (_dir, _, store) = temp_file_store();
    assert_eq!(store.load().expect("load"), None);
    store.save(&sample()).expect("save");
    assert_eq!(store.load().expect("load"), Some(sample()));
    // Saving again replaces.
    let mut other = sample();
    other.identity_id = None;
    store.save(&other).expect("save");
    assert_eq!(store.load().expect("load"), Some(other));
    store.clear().expect("clear");
    assert_eq!(store.load().expect("load"), None);
    store.clear().expect("clearing nothing is fine");
}

#[test]
fn memory_store_round_trips() {
    let store = MemoryStore::new();
    assert_eq!(store.load().expect("load"), None);
    store.save(&sample()).expect("save");
    assert_eq!(store.load().expect("load"), Some(sample()));
    store.clear().expect("clear");
    assert_eq!(store.load().expect("load"), None);
}

#[cfg(unix)]
#[test]
fn file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, path, store) = temp_file_store();
    store.save(&sample()).expect("save");
    let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");
    // Replacing a file that someone made world-readable yields a private one again.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    store.save(&sample()).expect("save");
    let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");
}

#[test]
fn replacing_leaves_no_temporary_files() {
    let (dir, _, store) = temp_file_store();
    for _ in 0..5 {
        store.save(&sample()).expect("save");
    }
    let token = RefreshToken::new(MARKER);
    assert!(
        store
            .save_if_current(Some(&token), &sample())
            .expect("save")
    );
    // The lock file stays: it is not temporary.
    assert_eq!(names_in(dir.path()), ["session.json", "session.json.lock"]);
}

/// The names in `dir`, sorted.
fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_failed_save_keeps_the_old_file_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("session.json");
    // The target is a non-empty directory: the rename must fail.
    std::fs::create_dir(&path).expect("mkdir");
    std::fs::write(path.join("keep"), b"x").expect("write");
    let err = FileStore::new(&path)
        .save(&sample())
        .expect_err("cannot replace a directory");
    assert_eq!(err.kind(), ErrorKind::Store);
    assert_eq!(names_in(dir.path()), ["session.json", "session.json.lock"]);
}

#[test]
fn corrupt_or_foreign_files_are_typed_store_errors() {
    let (_dir, path, store) = temp_file_store();
    let mut wrong_version = serde_json::to_value(sample()).expect("json");
    wrong_version["version"] = serde_json::json!(STORED_SESSION_VERSION + 1);
    let cases: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{not json".to_vec(),
        b"[1,2,3]".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x41],
        br#"{"version":1,"user_pool_id":"p"}"#.to_vec(),
        // A wrong type where a secret would be: the message must not quote the value.
        format!(r#"{{"version":"{MARKER}"}}"#).into_bytes(),
        serde_json::to_vec(&wrong_version).expect("json"),
    ];
    for bytes in cases {
        std::fs::write(&path, &bytes).expect("write");
        let err = store.load().expect_err("must be refused");
        assert_eq!(err.kind(), ErrorKind::Store, "{err}");
        assert!(!err.to_string().contains(MARKER), "{err}");
        assert!(!format!("{err:?}").contains(MARKER), "{err:?}");
    }
}

#[test]
fn a_session_of_another_pool_or_client_is_refused() {
    let s = sample();
    s.check_belongs_to(&config("us-east-1_QuickStrt", "quickstartwebclient0000001"))
        .expect("same pool and client");
    let err = s
        .check_belongs_to(&config("us-east-1_OtherPool", "quickstartwebclient0000001"))
        .expect_err("another pool");
    assert_eq!(err.kind(), ErrorKind::Store);
    let err = s
        .check_belongs_to(&config("us-east-1_QuickStrt", "anotherclient000000000001"))
        .expect_err("another client");
    assert_eq!(err.kind(), ErrorKind::Store);
}

#[test]
fn debug_never_shows_the_refresh_token() {
    let s = sample();
    let dbg = format!("{s:?} {s:#?} {:?}", MemoryStore::with(s.clone()));
    assert!(!dbg.contains(MARKER), "{dbg}");
    assert!(dbg.contains("jdoe"));
}

#[test]
fn a_session_file_that_cannot_be_removed_is_a_store_error() {
    let (_dir, path, store) = temp_file_store();
    // A directory where the file should be: removing it fails (even for root).
    std::fs::create_dir(&path).unwrap();
    let err = store.clear().expect_err("the session was not removed");
    assert_eq!(err.kind(), ErrorKind::Store, "{err}");
    // Nothing there at all is fine.
    std::fs::remove_dir(&path).unwrap();
    store.clear().expect("no session: nothing to remove");
}

#[test]
fn debug_shows_the_stored_tokens_are_there_but_not_what_they_are() {
    use cognito_sigv4::secret::{DevicePassword, Jwt};
    use cognito_sigv4::store::StoredTokens;
    use cognito_sigv4::user_pool::RememberedDevice;
    let mut s = sample();
    s.tokens = Some(StoredTokens::new(
        Jwt::new("MARKER-id.token.value"),
        Jwt::new("MARKER-access.token.value"),
    ));
    s.set_device(Some(&RememberedDevice::new(
        "us-east-1_device-key-0001",
        "device-group-0001",
        DevicePassword::new("MARKER-device-password"),
    )));
    let dbg = format!("{s:?} {s:#?}");
    assert!(!dbg.contains("MARKER-"), "{dbg}");
    assert!(dbg.contains("StoredTokens"), "{dbg}");
    // What identifies the device is there, for whoever debugs a store.
    assert!(dbg.contains("us-east-1_device-key-0001"), "{dbg}");
    // A memory store says whether it holds a session, and nothing of it.
    let memory = format!("{:?}", MemoryStore::with(s));
    assert!(memory.contains("holds_session: true"), "{memory}");
    assert!(!memory.contains("MARKER"), "{memory}");
}

// ---- Several writers: compare-and-swap on the refresh token, and the file lock ----

/// A session holding refresh token `token`.
fn holding(token: &str) -> StoredSession {
    let mut s = sample();
    s.refresh_token = RefreshToken::new(token);
    s
}

/// A store with only `load`, `save` and `clear`: the trait's default conditional operations.
#[derive(Debug, Default)]
struct PlainStore(MemoryStore);

impl SessionStore for PlainStore {
    fn load(&self) -> cognito_sigv4::Result<Option<StoredSession>> {
        self.0.load()
    }
    fn save(&self, session: &StoredSession) -> cognito_sigv4::Result<()> {
        self.0.save(session)
    }
    fn clear(&self) -> cognito_sigv4::Result<()> {
        self.0.clear()
    }
}

/// `save_if_current` saves exactly when the store holds the expected token (`None`: nothing).
fn check_save_if_current(store: &dyn SessionStore) {
    let (a, b) = (RefreshToken::new("token-a"), RefreshToken::new("token-b"));
    assert_eq!(store.load().expect("load"), None);
    assert!(
        !store
            .save_if_current(Some(&a), &holding("token-a"))
            .expect("save"),
        "an empty store holds no token"
    );
    assert_eq!(store.load().expect("load"), None);
    assert!(
        store
            .save_if_current(None, &holding("token-a"))
            .expect("save"),
        "None: saves into an empty store"
    );
    assert_eq!(store.load().expect("load"), Some(holding("token-a")));
    assert!(
        !store
            .save_if_current(None, &holding("token-b"))
            .expect("save"),
        "None: the store is not empty"
    );
    assert!(
        !store
            .save_if_current(Some(&b), &holding("token-b"))
            .expect("save"),
        "another token"
    );
    assert_eq!(store.load().expect("load"), Some(holding("token-a")));
    assert!(
        store
            .save_if_current(Some(&a), &holding("token-b"))
            .expect("save"),
        "the stored token"
    );
    assert_eq!(store.load().expect("load"), Some(holding("token-b")));
}

/// `clear_if_current` clears exactly when the store holds the given token.
fn check_clear_if_current(store: &dyn SessionStore) {
    let (a, b) = (RefreshToken::new("token-a"), RefreshToken::new("token-b"));
    assert!(
        !store.clear_if_current(&a).expect("clear"),
        "nothing stored"
    );
    store.save(&holding("token-a")).expect("save");
    assert!(!store.clear_if_current(&b).expect("clear"), "another token");
    assert_eq!(store.load().expect("load"), Some(holding("token-a")));
    assert!(
        store.clear_if_current(&a).expect("clear"),
        "the stored token"
    );
    assert_eq!(store.load().expect("load"), None);
    assert!(
        !store.clear_if_current(&a).expect("clear"),
        "already cleared"
    );
}

/// Runs `check` on an empty store of each kind: file, memory, shared memory (the `Arc`
/// forwarding), and one with the trait's default conditional operations.
fn on_each_store(check: fn(&dyn SessionStore)) {
    let dir = tempfile::tempdir().expect("temp dir");
    check(&FileStore::new(dir.path().join("session.json")));
    check(&MemoryStore::new());
    check(&Arc::new(MemoryStore::new()));
    check(&PlainStore::default());
}

/// Sign-out's wipe: a cleared store holds nothing, and clearing it again is no error.
fn check_clear(store: &dyn SessionStore) {
    store.save(&holding("token-0")).expect("save");
    store.clear().expect("clear");
    assert_eq!(store.load().expect("load"), None, "cleared");
    store.clear().expect("clearing an empty store");
}

#[test]
fn clear_empties_every_kind_of_store() {
    on_each_store(check_clear);
}

#[test]
fn save_if_current_compares_the_stored_refresh_token() {
    on_each_store(check_save_if_current);
}

#[test]
fn clear_if_current_clears_only_the_given_token() {
    on_each_store(check_clear_if_current);
}

/// Two sessions refreshed with the same rotating token: the winner stores its new token; the
/// loser's result is not saved and its sign-out does not wipe the winner's.
fn check_rotation_race(winner: &dyn SessionStore, loser: &dyn SessionStore) {
    winner.save(&holding("token-0")).expect("save");
    let seen = loser
        .load()
        .expect("load")
        .expect("a session")
        .refresh_token;
    assert!(
        winner
            .save_if_current(Some(&seen), &holding("token-winner"))
            .expect("save")
    );
    assert!(
        !loser
            .save_if_current(Some(&seen), &holding("token-loser"))
            .expect("save")
    );
    assert!(!loser.clear_if_current(&seen).expect("clear"));
    assert_eq!(loser.load().expect("load"), Some(holding("token-winner")));
}

#[test]
fn a_rotation_race_loser_neither_overwrites_nor_wipes_the_winner() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("session.json");
    check_rotation_race(&FileStore::new(&path), &FileStore::new(&path));
    let shared = Arc::new(MemoryStore::new());
    check_rotation_race(&shared, &Arc::clone(&shared));
}

#[test]
fn another_sessions_file_is_left_byte_for_byte() {
    let (_dir, path, store) = temp_file_store();
    store.save(&sample()).expect("save");
    let before = std::fs::read(&path).expect("read");
    let mine = RefreshToken::new("token-of-a-session-that-failed");
    assert!(!store.clear_if_current(&mine).expect("clear"));
    assert!(
        !store
            .save_if_current(Some(&mine), &holding("x"))
            .expect("save")
    );
    assert!(!store.save_if_current(None, &holding("x")).expect("save"));
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn conditional_operations_on_a_corrupt_file_are_store_errors_and_leave_it() {
    let (dir, path, store) = temp_file_store();
    let corrupt = format!(r#"{{"version":1,"refresh_token":"{MARKER}""#).into_bytes();
    std::fs::write(&path, &corrupt).expect("write");
    let token = RefreshToken::new(MARKER);
    let errors = [
        store
            .save_if_current(Some(&token), &sample())
            .expect_err("unreadable"),
        store
            .save_if_current(None, &sample())
            .expect_err("unreadable"),
        store.clear_if_current(&token).expect_err("unreadable"),
    ];
    for err in errors {
        assert_eq!(err.kind(), ErrorKind::Store, "{err}");
        assert!(err.to_string().contains("session.json"), "{err}");
        assert!(!format!("{err} {err:?}").contains(MARKER), "{err:?}");
    }
    assert_eq!(std::fs::read(&path).expect("read"), corrupt);
    assert_eq!(names_in(dir.path()), ["session.json", "session.json.lock"]);
}

/// The counter session: count `n` in `username`, and a refresh token that is new with every
/// count, as a rotating refresh would give.
fn counter(n: u64) -> StoredSession {
    let mut s = holding(&format!("token-{n}"));
    s.username = n.to_string();
    s
}

/// The count a counter session holds.
fn count_of(store: &dyn SessionStore) -> u64 {
    let s = store.load().expect("load").expect("a session");
    let n: u64 = s.username.parse().expect("a count");
    assert_eq!(s.refresh_token.expose_secret(), format!("token-{n}"));
    n
}

/// Adds one to the count, `times` times: load, then save only if nobody wrote in between,
/// else start again from what is there now.
fn increment(store: &dyn SessionStore, times: u64) {
    for _ in 0..times {
        loop {
            let seen = store.load().expect("load").expect("a session");
            let n: u64 = seen.username.parse().expect("a count");
            if store
                .save_if_current(Some(&seen.refresh_token), &counter(n + 1))
                .expect("save")
            {
                break;
            }
        }
    }
}

/// Long enough not to fail on a loaded machine: these tests are about lost updates, not waits.
const PATIENT: Duration = Duration::from_secs(120);

#[test]
fn threads_on_two_file_stores_lose_no_increment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("session.json");
    let stores = [
        FileStore::new(&path).with_lock_wait(PATIENT),
        FileStore::new(&path).with_lock_wait(PATIENT),
    ];
    stores[0].save(&counter(0)).expect("save");
    std::thread::scope(|scope| {
        for i in 0..8 {
            let store = &stores[i % 2];
            scope.spawn(move || increment(store, 200));
        }
    });
    assert_eq!(count_of(&stores[1]), 1600);
}

#[test]
fn threads_on_one_memory_store_lose_no_increment() {
    let store = MemoryStore::with(counter(0));
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| increment(&store, 200));
        }
    });
    assert_eq!(count_of(&store), 1600);
}

/// Set in the children of `processes_sharing_one_file_lose_no_increment`: the file to count in.
const WORKER_FILE: &str = "COGNITO_SIGV4_STORE_TEST_WORKER_FILE";

#[test]
fn processes_sharing_one_file_lose_no_increment() {
    const NAME: &str = "processes_sharing_one_file_lose_no_increment";
    const PER_PROCESS: u64 = 200;
    if let Some(path) = std::env::var_os(WORKER_FILE) {
        // A child: count, and let the exit status tell the parent how it went.
        increment(&FileStore::new(path).with_lock_wait(PATIENT), PER_PROCESS);
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("session.json");
    let store = FileStore::new(&path).with_lock_wait(PATIENT);
    store.save(&counter(0)).expect("save");
    let exe = std::env::current_exe().expect("the test binary");
    let children: Vec<_> = (0..2)
        .map(|_| {
            std::process::Command::new(&exe)
                .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
                .env(WORKER_FILE, &path)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn a worker")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("worker");
        assert!(
            out.status.success(),
            "worker failed: {}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // The child really ran this test (and not zero tests).
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    assert_eq!(count_of(&store), 2 * PER_PROCESS);
}

#[test]
fn a_held_lock_blocks_writers_and_readers_then_times_out_naming_the_file() {
    let (dir, path, store) = temp_file_store();
    store.save(&sample()).expect("save");
    assert_eq!(store.lock_path(), dir.path().join("session.json.lock"));
    // Someone else (another process, in effect: its own open file) holds the lock.
    let held = std::fs::File::options()
        .read(true)
        .write(true)
        .open(store.lock_path())
        .expect("open the lock file");
    held.lock().expect("lock");
    let impatient = store.clone().with_lock_wait(Duration::from_millis(50));
    let token = RefreshToken::new(MARKER);
    let errors = [
        impatient.load().expect_err("locked"),
        impatient.save(&sample()).expect_err("locked"),
        impatient.clear().expect_err("locked"),
        impatient
            .save_if_current(Some(&token), &sample())
            .expect_err("locked"),
        impatient.clear_if_current(&token).expect_err("locked"),
    ];
    for err in errors {
        assert_eq!(err.kind(), ErrorKind::Store, "{err}");
        assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
    }
    // A patient writer waits until the lock is released, then goes ahead.
    let released = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let cleared = store.clear_if_current(&token).expect("clear");
            (cleared, released.load(Ordering::SeqCst))
        });
        std::thread::sleep(Duration::from_millis(200));
        released.store(true, Ordering::SeqCst);
        held.unlock().expect("unlock");
        assert_eq!(
            writer.join().expect("writer"),
            (true, true),
            "cleared, and only after the release"
        );
    });
    assert_eq!(store.load().expect("load"), None);
}

#[cfg(unix)]
#[test]
fn lock_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, _, store) = temp_file_store();
    store.clear().expect("clear");
    let mode = std::fs::metadata(store.lock_path())
        .expect("stat")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");
}

#[test]
fn a_missing_directory_loads_no_session_and_refuses_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("missing").join("session.json");
    let store = FileStore::new(&path);
    assert_eq!(store.load().expect("load"), None);
    let err = store.save(&sample()).expect_err("no directory");
    assert_eq!(err.kind(), ErrorKind::Store);
    assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
    assert!(names_in(dir.path()).is_empty());
}

/// `save_if` decides on what the store holds, atomically: the session rule that a failed save
/// leaves the store behind, and a newer generation may replace an older one, rests on it.
fn check_save_if(store: &dyn SessionStore) {
    let newest = |held: Option<&StoredSession>| held.is_none_or(|h| h.username != "other");
    assert!(store.save_if(&newest, &holding("t1")).expect("saved"));
    assert_eq!(
        store.load().expect("load").map(|s| s.refresh_token),
        Some(RefreshToken::new("t1"))
    );
    let mut other = holding("t2");
    other.username = "other".into();
    assert!(store.save_if(&|_| true, &other).expect("saved"));
    // The rule says no: nothing written.
    assert!(!store.save_if(&newest, &holding("t3")).expect("not saved"));
    assert_eq!(
        store.load().expect("load").map(|s| s.refresh_token),
        Some(RefreshToken::new("t2"))
    );
}

#[test]
fn save_if_writes_only_what_its_rule_allows() {
    on_each_store(check_save_if);
}

/// The refresh lock excludes a second holder (another `FileStore` of the same file, as
/// another process is) until the first drops it, and waits no longer than asked.
#[test]
fn the_refresh_lock_excludes_another_store_of_the_same_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("session.json");
    let first = FileStore::new(&path);
    let second = FileStore::new(&path).with_lock_wait(Duration::from_millis(50));
    let held = first
        .refresh_lock()
        .expect("taken")
        .expect("a file store has one");
    let e = second.refresh_lock().expect_err("held by the first");
    assert_eq!(e.kind(), cognito_sigv4::ErrorKind::Store);
    // The data lock is another lock: a refresh holding its lock still reads and writes.
    first
        .save(&holding("t1"))
        .expect("saved under the refresh lock");
    drop(held);
    assert!(second.refresh_lock().expect("free now").is_some());
    // One memory store shared by its sessions: the same exclusion.
    let shared = Arc::new(MemoryStore::new());
    let held = shared.refresh_lock().expect("taken");
    assert!(held.is_some());
    let other = shared.clone();
    let waiter = std::thread::spawn(move || other.refresh_lock().map(|l| l.is_some()));
    std::thread::sleep(Duration::from_millis(50));
    assert!(!waiter.is_finished(), "waits while held");
    drop(held);
    assert!(waiter.join().expect("joined").expect("taken after"));
    // A store with the trait's defaults cannot coordinate.
    assert!(
        PlainStore::default()
            .refresh_lock()
            .expect("no error")
            .is_none()
    );
}

/// A lock file planted as a symbolic link (another local user's trap) is never followed.
#[cfg(unix)]
#[test]
fn a_symlinked_lock_file_is_not_followed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FileStore::new(dir.path().join("session.json"));
    let target = dir.path().join("victim");
    std::os::unix::fs::symlink(&target, store.lock_path()).expect("symlink");
    std::os::unix::fs::symlink(&target, store.refresh_lock_path()).expect("symlink");
    let e = store.save(&holding("t1")).expect_err("refused");
    assert_eq!(e.kind(), cognito_sigv4::ErrorKind::Store);
    assert!(store.refresh_lock().is_err());
    assert!(!target.exists(), "nothing created through the link");
}
