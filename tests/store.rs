//! Session stores: what a resumed app finds, and what a corrupt or foreign file gives.

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
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FileStore::new(dir.path().join("session.json"));
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
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("session.json");
    let store = FileStore::new(&path);
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
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FileStore::new(dir.path().join("session.json"));
    for _ in 0..5 {
        store.save(&sample()).expect("save");
    }
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["session.json".to_owned()]);
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
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["session.json".to_owned()]);
}

#[test]
fn corrupt_or_foreign_files_are_typed_store_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("session.json");
    let store = FileStore::new(&path);
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
