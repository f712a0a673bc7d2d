//! Where a session persists between runs: the refresh token, the identity id and (later) a
//! device key. Never the password, never the short-lived ID/access tokens or AWS credentials
//! (they are cheap to get again and expensive to leak).
//!
//! [`SessionStore`] is synchronous: a store writes a few hundred bytes, rarely (at sign-in, when
//! the identity id is learnt, when a rotating refresh token changes, at sign-out), so blocking
//! briefly is cheaper than making every implementation async.
//!
//! Two implementations: [`MemoryStore`] (for tests and apps that never persist) and
//! [`FileStore`] (JSON, mode 0600 on Unix, replaced atomically).

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::config::CognitoConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::RefreshToken;

/// The format version written by this crate. Files with another version are refused.
pub const STORED_SESSION_VERSION: u32 = 1;

/// What a session keeps to be resumed later.
///
/// `Debug` never shows the refresh token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoredSession {
    /// The format version ([`STORED_SESSION_VERSION`]).
    pub version: u32,
    /// The user pool the refresh token belongs to.
    pub user_pool_id: String,
    /// The app client the refresh token was issued to.
    pub client_id: String,
    /// Cognito's username for the user (needed for `SECRET_HASH` on refresh).
    pub username: String,
    /// The refresh token.
    #[serde(with = "crate::secret::exposed")]
    pub refresh_token: RefreshToken,
    /// The identity pool the identity id belongs to, if any.
    #[serde(default)]
    pub identity_pool_id: Option<String>,
    /// The user's identity id in that identity pool, once known.
    #[serde(default)]
    pub identity_id: Option<String>,
    /// A remembered device's key, once device tracking is supported.
    #[serde(default)]
    pub device_key: Option<String>,
    /// The app client rotates refresh tokens: refresh with GetTokensFromRefreshToken (its
    /// clients may not use REFRESH_TOKEN_AUTH). Kept so a resumed session refreshes the same way.
    #[serde(default)]
    pub refresh_token_rotation: bool,
}

impl fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSession")
            .field("version", &self.version)
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .field("username", &self.username)
            .field("refresh_token", &"***")
            .field("identity_pool_id", &self.identity_pool_id)
            .field("refresh_token_rotation", &self.refresh_token_rotation)
            .field("identity_id", &self.identity_id)
            .field("device_key", &self.device_key.as_ref().map(|_| "***"))
            .finish()
    }
}

impl StoredSession {
    /// A stored session of the current version.
    pub fn new(
        user_pool_id: impl Into<String>,
        client_id: impl Into<String>,
        username: impl Into<String>,
        refresh_token: RefreshToken,
    ) -> Self {
        Self {
            version: STORED_SESSION_VERSION,
            user_pool_id: user_pool_id.into(),
            client_id: client_id.into(),
            username: username.into(),
            refresh_token,
            identity_pool_id: None,
            identity_id: None,
            device_key: None,
            refresh_token_rotation: false,
        }
    }

    /// Checks that this session is of the current version and belongs to the user pool and app
    /// client of `config`: a refresh token of another pool or client would only be refused by
    /// the service, and an identity id of another identity pool would be unknown there.
    ///
    /// Errors: [`ErrorKind::Store`] naming what does not match.
    pub fn check_belongs_to(&self, config: &CognitoConfig) -> Result<()> {
        self.check_version()?;
        let (pool, client) = config.require_user_pool()?;
        if self.user_pool_id != pool {
            return Err(store_error(format!(
                "the stored session belongs to user pool `{}`, not `{pool}`",
                self.user_pool_id
            )));
        }
        if self.client_id != client {
            return Err(store_error(format!(
                "the stored session belongs to app client `{}`, not `{client}`",
                self.client_id
            )));
        }
        Ok(())
    }

    fn check_version(&self) -> Result<()> {
        if self.version != STORED_SESSION_VERSION {
            return Err(store_error(format!(
                "stored session version {} is not supported (expected {STORED_SESSION_VERSION})",
                self.version
            )));
        }
        Ok(())
    }
}

/// Where sessions persist. Implementations must keep the refresh token private (see
/// [`FileStore`]'s file mode) and must never log it.
pub trait SessionStore: Send + Sync + fmt::Debug {
    /// The stored session, or `None` if there is none.
    ///
    /// Errors: [`ErrorKind::Store`] if the storage fails or holds something unreadable.
    fn load(&self) -> Result<Option<StoredSession>>;

    /// Replaces the stored session with `session`.
    fn save(&self, session: &StoredSession) -> Result<()>;

    /// Removes the stored session. Removing nothing is not an error.
    fn clear(&self) -> Result<()>;
}

/// A shared store is a store, so builders can take `impl SessionStore` and the caller can keep
/// an `Arc` of the same store.
impl<S: SessionStore + ?Sized> SessionStore for std::sync::Arc<S> {
    fn load(&self) -> Result<Option<StoredSession>> {
        (**self).load()
    }

    fn save(&self, session: &StoredSession) -> Result<()> {
        (**self).save(session)
    }

    fn clear(&self) -> Result<()> {
        (**self).clear()
    }
}

fn store_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Store, message)
}

/// A store in memory: for tests, and for apps that sign in on every start.
#[derive(Default)]
pub struct MemoryStore {
    session: Mutex<Option<StoredSession>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that already holds `session`.
    pub fn with(session: StoredSession) -> Self {
        Self {
            session: Mutex::new(Some(session)),
        }
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = self
            .session
            .lock()
            .map(|s| s.is_some())
            .unwrap_or_else(|e| e.into_inner().is_some());
        f.debug_struct("MemoryStore")
            .field("holds_session", &held)
            .finish()
    }
}

impl SessionStore for MemoryStore {
    fn load(&self) -> Result<Option<StoredSession>> {
        Ok(self
            .session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone())
    }

    fn save(&self, session: &StoredSession) -> Result<()> {
        *self.session.lock().unwrap_or_else(|e| e.into_inner()) = Some(session.clone());
        Ok(())
    }

    fn clear(&self) -> Result<()> {
        *self.session.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }
}

/// A store in one JSON file.
///
/// - On Unix the file is created with mode `0600` (owner read/write only).
/// - `save` writes a temporary file in the same directory, flushes it to disk and renames it
///   over the old one, so a crash leaves either the old or the new session, never half a file.
/// - A file that is not JSON, not of this crate's format or of another version is reported as
///   [`ErrorKind::Store`] (never a panic); nothing is overwritten until the next `save`.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store at `path` (the file need not exist; its directory must).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io_error(&self, what: &str, e: &io::Error) -> Error {
        store_error(format!(
            "session file {}: cannot {what}: {e}",
            self.path.display()
        ))
    }

    fn temp_path(&self) -> Result<PathBuf> {
        let name = self
            .path
            .file_name()
            .ok_or_else(|| store_error(format!("{} is not a file path", self.path.display())))?;
        let mut temp = std::ffi::OsString::from(".");
        temp.push(name);
        temp.push(format!(
            ".tmp-{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ));
        Ok(self.path.with_file_name(temp))
    }

    fn write_temp(&self, temp: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(temp)?;
        file.write_all(bytes)?;
        file.sync_all()
    }
}

impl SessionStore for FileStore {
    fn load(&self) -> Result<Option<StoredSession>> {
        let mut bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io_error("read", &e)),
        };
        let parsed = serde_json::from_slice::<StoredSession>(&bytes);
        bytes.zeroize();
        // Only the position and category: serde's message can quote a value from the file.
        let session = parsed.map_err(|e| {
            store_error(format!(
                "session file {} is not a stored session ({:?} error at line {}, column {})",
                self.path.display(),
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        session.check_version()?;
        Ok(Some(session))
    }

    fn save(&self, session: &StoredSession) -> Result<()> {
        session.check_version()?;
        let mut bytes = serde_json::to_vec_pretty(session)
            .map_err(|e| store_error(format!("cannot encode the session: {e}")))?;
        let temp = self.temp_path()?;
        let written = self.write_temp(&temp, &bytes);
        bytes.zeroize();
        if let Err(e) = written.and_then(|()| fs::rename(&temp, &self.path)) {
            let _ = fs::remove_file(&temp);
            return Err(self.io_error("write", &e));
        }
        // Make the rename itself durable; not every platform can open a directory.
        #[cfg(unix)]
        if let Some(dir) = self.path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }

    fn clear(&self) -> Result<()> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io_error("remove", &e)),
        }
    }
}
