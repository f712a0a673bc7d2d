//! Where a session persists between runs, and what sessions sharing it share: the refresh
//! token, the identity id, a device key, and the latest ID and access tokens. Never the
//! password, never AWS credentials.
//!
//! The ID and access tokens are kept because, when the app client rotates refresh tokens,
//! they are not cheap to get again: every refresh retires the refresh token every other
//! session sharing the store holds. Sessions that find newer tokens in the store take them
//! instead of refreshing, so that processes sharing one store refresh once per token
//! generation between them, not once each.
//!
//! [`SessionStore`] is synchronous: a store writes a few hundred bytes, rarely (at sign-in, when
//! the identity id is learnt, when a rotating refresh token changes, at sign-out), so blocking
//! briefly is cheaper than making every implementation async.
//!
//! Two implementations: [`MemoryStore`] (for tests and apps that never persist) and
//! [`FileStore`] (JSON, mode 0600 on Unix, replaced atomically, locked across processes).
//!
//! # Several writers: compare before you write or clear
//!
//! Two processes (or two sessions in one) may share a store. When the app client rotates
//! refresh tokens, every refresh retires the token it used, so a plain read-modify-write loses:
//! both sessions refresh with token `T`, the winner stores `T1`, and the loser, whose `T` is now
//! refused, must not overwrite `T1` with its own result nor wipe it by signing out. Hence two
//! conditional operations, each one compare-and-swap on the stored refresh token:
//!
//! - [`SessionStore::save_if_current`]`(Some(&t), s)` stores `s` only if the store still holds
//!   refresh token `t` (`None`: only if the store is empty); it says whether it saved.
//! - [`SessionStore::clear_if_current`]`(&t)` removes the stored session only if it holds `t`:
//!   a session clears the token *it* failed with, never a newer one written by someone else.
//!
//! When either answers `false`, someone else changed the store: [`SessionStore::load`] it again
//! and carry on with what is there. Refresh tokens are unique, and a rotated one never comes
//! back, so comparing the token alone tells whether the store changed.
//!
//! [`FileStore`] and [`MemoryStore`] do both atomically. The trait's default implementations
//! (for other stores) are built from `load`, `save` and `clear` and are **not** atomic.
//!
//! # The file lock
//!
//! [`FileStore`] takes an OS file lock (`flock` on Unix, `LockFileEx` on Windows) on a sidecar
//! file `<path>.lock` around every operation: exclusive for anything that writes, shared for
//! `load`. The lock belongs to one open file, so two `FileStore`s in one process exclude each
//! other just as two processes do. It is on a separate file because the session file itself is
//! replaced by rename (a lock on the old file would not cover the new one). The lock file is
//! created with mode 0600 and empty, and is never deleted (deleting a lock file that someone
//! may be waiting on would let two writers in). A lock that cannot be taken within the store's
//! wait ([`FileStore::with_lock_wait`], 5 s by default) is an [`ErrorKind::Store`] naming the
//! file. Locks are advisory: they exclude this crate's stores, not other programs writing the
//! file.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::config::CognitoConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::{DevicePassword, Jwt, RefreshToken};
use crate::user_pool::RememberedDevice;

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
    /// The remembered device the session signs in and refreshes on (its password is a secret).
    #[serde(default)]
    pub device: Option<StoredDevice>,
    /// The app client rotates refresh tokens: refresh with GetTokensFromRefreshToken (its
    /// clients may not use REFRESH_TOKEN_AUTH). Kept so a resumed session refreshes the same way.
    #[serde(default)]
    pub refresh_token_rotation: bool,
    /// The latest ID and access tokens issued with [`refresh_token`](Self::refresh_token), for
    /// the sessions sharing this store (absent in files written before they were kept).
    #[serde(default)]
    pub tokens: Option<StoredTokens>,
}

/// The ID and access tokens a store shares between sessions.
///
/// `Debug` never shows a token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoredTokens {
    /// The ID token.
    #[serde(with = "crate::secret::exposed")]
    pub id: Jwt,
    /// The access token.
    #[serde(with = "crate::secret::exposed")]
    pub access: Jwt,
}

impl StoredTokens {
    /// Both tokens.
    pub fn new(id: Jwt, access: Jwt) -> Self {
        Self { id, access }
    }
}

impl fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredTokens")
            .field("id", &"***")
            .field("access", &"***")
            .finish()
    }
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
            .field("device", &self.device)
            .field("tokens", &self.tokens)
            .finish()
    }
}

/// A remembered device as stored: its key, group key and password.
///
/// `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoredDevice {
    /// `DeviceKey`.
    pub key: String,
    /// `DeviceGroupKey`.
    pub group_key: String,
    /// The device's password.
    #[serde(with = "crate::secret::exposed")]
    pub password: DevicePassword,
}

impl fmt::Debug for StoredDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredDevice")
            .field("key", &self.key)
            .field("group_key", &self.group_key)
            .field("password", &"***")
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
            device: None,
            refresh_token_rotation: false,
            tokens: None,
        }
    }

    /// The stored device, as the session uses it.
    pub fn device(&self) -> Option<RememberedDevice> {
        self.device
            .as_ref()
            .map(|d| RememberedDevice::new(&d.key, &d.group_key, d.password.clone()))
    }

    /// Stores `device` (or none).
    pub fn set_device(&mut self, device: Option<&RememberedDevice>) {
        self.device = device.map(|d| StoredDevice {
            key: d.key().to_owned(),
            group_key: d.group_key().to_owned(),
            password: d.password().clone(),
        });
    }

    /// When the stored ID and access tokens expire (the earlier of their `exp`), if any are
    /// stored and readable: how new their generation is.
    pub fn tokens_expire_at(&self) -> Option<std::time::SystemTime> {
        let tokens = self.tokens.as_ref()?;
        crate::user_pool::Tokens::from_jwts(tokens.id.clone(), tokens.access.clone(), None)
            .ok()
            .map(|t| t.expires_at)
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
///
/// A store shared by several sessions (threads or processes) should override
/// [`save_if_current`](Self::save_if_current) and [`clear_if_current`](Self::clear_if_current)
/// with atomic versions; see the [module docs](self).
pub trait SessionStore: Send + Sync + fmt::Debug {
    /// The stored session, or `None` if there is none.
    ///
    /// Errors: [`ErrorKind::Store`] if the storage fails or holds something unreadable.
    fn load(&self) -> Result<Option<StoredSession>>;

    /// Replaces the stored session with `session`, whatever the store held.
    fn save(&self, session: &StoredSession) -> Result<()>;

    /// Removes the stored session, whatever it was. Removing nothing is not an error.
    fn clear(&self) -> Result<()>;

    /// Replaces the stored session with `session` only if the store holds refresh token
    /// `expected` (`Some`), or holds no session at all (`None`); returns whether it saved.
    ///
    /// Only the refresh token is compared. `false` means someone else wrote or cleared the store
    /// since the caller read it: [`load`](Self::load) again. An unconditional save is
    /// [`save`](Self::save).
    ///
    /// Errors: [`ErrorKind::Store`] if the storage fails or holds something unreadable (then
    /// nothing is written).
    ///
    /// The default implementation is `load` then `save`, **not atomic**: another writer can
    /// slip in between. [`FileStore`] and [`MemoryStore`] override it atomically.
    fn save_if_current(
        &self,
        expected: Option<&RefreshToken>,
        session: &StoredSession,
    ) -> Result<bool> {
        self.save_if(&|held| holds(held, expected), session)
    }

    /// Replaces the stored session with `session` if `replace`, given what the store holds,
    /// says so; returns whether it saved. [`save_if_current`](Self::save_if_current) is this
    /// with "holds that refresh token".
    ///
    /// Errors: [`ErrorKind::Store`] if the storage fails or holds something unreadable (then
    /// nothing is written).
    ///
    /// The default implementation is `load` then `save`, **not atomic**: another writer can
    /// slip in between. [`FileStore`] and [`MemoryStore`] override it atomically.
    fn save_if(
        &self,
        replace: &dyn Fn(Option<&StoredSession>) -> bool,
        session: &StoredSession,
    ) -> Result<bool> {
        if !replace(self.load()?.as_ref()) {
            return Ok(false);
        }
        self.save(session)?;
        Ok(true)
    }

    /// Removes the stored session only if it holds refresh token `token`; returns whether it
    /// removed one. A session that holds no longer valid tokens clears with this, never with
    /// [`clear`](Self::clear), so it cannot wipe a newer session another process stored.
    ///
    /// Errors: [`ErrorKind::Store`] if the storage fails or holds something unreadable (then
    /// nothing is removed).
    ///
    /// The default implementation is `load` then `clear`, **not atomic**: another writer can
    /// slip in between. [`FileStore`] and [`MemoryStore`] override it atomically.
    fn clear_if_current(&self, token: &RefreshToken) -> Result<bool> {
        if !holds(self.load()?.as_ref(), Some(token)) {
            return Ok(false);
        }
        self.clear()?;
        Ok(true)
    }

    /// Keeps every other session sharing this store from refreshing until the returned guard
    /// drops. A session refreshes under it: it reads the store, takes newer tokens another
    /// session stored or refreshes and saves its own, then lets the next one in, so that the
    /// sessions of several processes refresh once per token generation between them and never
    /// race to rotate one refresh token. May block for a while (the store's own wait).
    ///
    /// `Ok(None)` when the store cannot coordinate (the default): sessions then refresh
    /// without it, and one that loses a race waits for the winner's save instead.
    ///
    /// Errors: [`ErrorKind::Store`] if the lock cannot be taken (sessions then refresh
    /// without it).
    fn refresh_lock(&self) -> Result<Option<RefreshLock>> {
        Ok(None)
    }
}

/// A held [`SessionStore::refresh_lock`]: released when dropped.
pub struct RefreshLock(#[allow(dead_code)] Box<dyn Send + Sync>);

impl RefreshLock {
    /// A guard holding `held` (whatever releases the lock when dropped).
    pub fn new(held: impl Send + Sync + 'static) -> Self {
        Self(Box::new(held))
    }
}

impl fmt::Debug for RefreshLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshLock")
    }
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

    fn save_if_current(
        &self,
        expected: Option<&RefreshToken>,
        session: &StoredSession,
    ) -> Result<bool> {
        (**self).save_if_current(expected, session)
    }

    fn save_if(
        &self,
        replace: &dyn Fn(Option<&StoredSession>) -> bool,
        session: &StoredSession,
    ) -> Result<bool> {
        (**self).save_if(replace, session)
    }

    fn clear_if_current(&self, token: &RefreshToken) -> Result<bool> {
        (**self).clear_if_current(token)
    }

    fn refresh_lock(&self) -> Result<Option<RefreshLock>> {
        (**self).refresh_lock()
    }
}

/// Whether a store holding `current` holds refresh token `expected` (`None`: holds nothing).
fn holds(current: Option<&StoredSession>, expected: Option<&RefreshToken>) -> bool {
    match (current, expected) {
        (None, None) => true,
        (Some(current), Some(expected)) => {
            current.refresh_token.expose_secret() == expected.expose_secret()
        }
        _ => false,
    }
}

fn store_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Store, message)
}

/// A store in memory: for tests, and for apps that sign in on every start. Sessions sharing
/// one (through an `Arc`) share its refresh lock too.
#[derive(Default)]
pub struct MemoryStore {
    session: Mutex<Option<StoredSession>>,
    refreshing: Arc<(Mutex<bool>, Condvar)>,
}

/// Releases a [`MemoryStore`]'s refresh lock.
struct MemoryRefresh(Arc<(Mutex<bool>, Condvar)>);

impl Drop for MemoryRefresh {
    fn drop(&mut self) {
        let (held, freed) = &*self.0;
        *held.lock().unwrap_or_else(|e| e.into_inner()) = false;
        freed.notify_one();
    }
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
            refreshing: Arc::default(),
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

    /// Atomic: compares and saves under the store's mutex.
    fn save_if_current(
        &self,
        expected: Option<&RefreshToken>,
        session: &StoredSession,
    ) -> Result<bool> {
        self.save_if(&|held| holds(held, expected), session)
    }

    /// Atomic: decides and saves under the store's mutex.
    fn save_if(
        &self,
        replace: &dyn Fn(Option<&StoredSession>) -> bool,
        session: &StoredSession,
    ) -> Result<bool> {
        let mut held = self.session.lock().unwrap_or_else(|e| e.into_inner());
        if !replace(held.as_ref()) {
            return Ok(false);
        }
        *held = Some(session.clone());
        Ok(true)
    }

    /// Atomic: compares and clears under the store's mutex.
    fn clear_if_current(&self, token: &RefreshToken) -> Result<bool> {
        let mut held = self.session.lock().unwrap_or_else(|e| e.into_inner());
        if !holds(held.as_ref(), Some(token)) {
            return Ok(false);
        }
        *held = None;
        Ok(true)
    }

    /// Waits up to [`DEFAULT_LOCK_WAIT`] for the sessions sharing this store to finish theirs.
    fn refresh_lock(&self) -> Result<Option<RefreshLock>> {
        let (held, freed) = &*self.refreshing;
        let guard = held.lock().unwrap_or_else(|e| e.into_inner());
        let (mut guard, waited) = freed
            .wait_timeout_while(guard, DEFAULT_LOCK_WAIT, |held| *held)
            .unwrap_or_else(|e| e.into_inner());
        if waited.timed_out() && *guard {
            return Err(store_error("another session's refresh is taking too long"));
        }
        *guard = true;
        Ok(Some(RefreshLock::new(MemoryRefresh(
            self.refreshing.clone(),
        ))))
    }
}

/// How long [`FileStore`] waits for its lock by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(5);

/// The longest pause between two attempts to take the lock.
const MAX_LOCK_PAUSE: Duration = Duration::from_millis(2);

/// A store in one JSON file.
///
/// - On Unix the file is created with mode `0600` (owner read/write only).
/// - `save` writes a temporary file in the same directory, flushes it to disk and renames it
///   over the old one, so a crash leaves either the old or the new session, never half a file.
/// - A file that is not JSON, not of this crate's format or of another version is reported as
///   [`ErrorKind::Store`] (never a panic); nothing is overwritten until the next `save`.
/// - Every operation holds the lock on `<path>.lock` ([`lock_path`](Self::lock_path)), which
///   is created beside the file and never removed; see the [module docs](self). So
///   [`save_if_current`](SessionStore::save_if_current) and
///   [`clear_if_current`](SessionStore::clear_if_current) are atomic across processes, and the
///   directory must be writable for anything but `load`.
/// - `load` reads without the lock if it cannot create the lock file (a read-only directory,
///   or one that does not exist): the rename makes every read see a whole file anyway.
/// - Every operation blocks the calling thread until it has the lock, polling for about the
///   store's wait ([`with_lock_wait`](Self::with_lock_wait)); call it from async code as
///   blocking work (`spawn_blocking`), as any store's operations.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
    lock_wait: Duration,
}

/// Which lock an operation takes.
#[derive(Debug, Clone, Copy)]
enum LockMode {
    /// Readers share it.
    Shared,
    /// Writers hold it alone.
    Exclusive,
}

/// A held lock on a [`FileStore`]'s lock file; released when dropped.
#[derive(Debug)]
struct HeldLock(fs::File);

impl Drop for HeldLock {
    fn drop(&mut self) {
        // Closing the file releases the lock as well; unlocking first says so explicitly.
        let _ = self.0.unlock();
    }
}

impl FileStore {
    /// A store at `path` (the file need not exist; its directory must). It waits up to
    /// [`DEFAULT_LOCK_WAIT`] for its lock.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            lock_wait: DEFAULT_LOCK_WAIT,
        }
    }

    /// The same store, waiting up to `wait` for its lock before failing with
    /// [`ErrorKind::Store`] (`Duration::ZERO`: try once).
    #[must_use]
    pub fn with_lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file's path: the file's path with `.lock` appended (`session.json.lock`).
    pub fn lock_path(&self) -> PathBuf {
        let mut lock = self.path.clone().into_os_string();
        lock.push(".lock");
        PathBuf::from(lock)
    }

    fn io_error(&self, what: &str, e: &io::Error) -> Error {
        store_error(format!(
            "session file {}: cannot {what}: {e}",
            self.path.display()
        ))
    }

    /// The refresh lock's file: the file's path with `.refresh-lock` appended. Separate from
    /// the data lock, which the refresh takes (briefly) to read and write while it holds this
    /// one.
    pub fn refresh_lock_path(&self) -> PathBuf {
        let mut lock = self.path.clone().into_os_string();
        lock.push(".refresh-lock");
        PathBuf::from(lock)
    }

    /// Opens (creating it, mode 0600, if need be) the lock file.
    fn open_lock_file(&self) -> io::Result<fs::File> {
        open_lock(&self.lock_path())
    }

    /// Takes the lock, polling with growing pauses until the store's wait is spent. The wait
    /// is counted in pauses slept, not read from a clock (time is the crate clock's business).
    fn acquire(&self, file: fs::File, mode: LockMode) -> Result<HeldLock> {
        let mut slept = Duration::ZERO;
        let mut pause = Duration::from_micros(100);
        loop {
            let attempt = match mode {
                LockMode::Shared => file.try_lock_shared(),
                LockMode::Exclusive => file.try_lock(),
            };
            match attempt {
                Ok(()) => return Ok(HeldLock(file)),
                Err(fs::TryLockError::WouldBlock) => {}
                Err(fs::TryLockError::Error(e)) => return Err(self.io_error("lock", &e)),
            }
            if slept >= self.lock_wait {
                return Err(store_error(format!(
                    "session file {}: still locked by another process or store after {:?} \
                     (lock file {})",
                    self.path.display(),
                    self.lock_wait,
                    self.lock_path().display()
                )));
            }
            let now = pause.min(self.lock_wait - slept);
            std::thread::sleep(now);
            slept += now;
            pause = (pause * 2).min(MAX_LOCK_PAUSE);
        }
    }

    /// The exclusive lock, for anything that writes.
    fn lock_exclusive(&self) -> Result<HeldLock> {
        let file = self
            .open_lock_file()
            .map_err(|e| self.io_error("open its lock file", &e))?;
        self.acquire(file, LockMode::Exclusive)
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

    /// Reads the file; the caller holds the lock (or decided it need not).
    fn read(&self) -> Result<Option<StoredSession>> {
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

    /// Replaces the file; the caller holds the exclusive lock.
    fn write(&self, session: &StoredSession) -> Result<()> {
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

    /// Removes the file; the caller holds the exclusive lock.
    fn remove(&self) -> Result<()> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io_error("remove", &e)),
        }
    }
}

impl SessionStore for FileStore {
    fn load(&self) -> Result<Option<StoredSession>> {
        let _lock = match self.open_lock_file() {
            Ok(file) => Some(self.acquire(file, LockMode::Shared)?),
            // Cannot create the lock file: nobody can write here either, and reads are whole.
            Err(_) => None,
        };
        self.read()
    }

    fn save(&self, session: &StoredSession) -> Result<()> {
        session.check_version()?;
        let _lock = self.lock_exclusive()?;
        self.write(session)
    }

    fn clear(&self) -> Result<()> {
        let _lock = self.lock_exclusive()?;
        self.remove()
    }

    /// Atomic across processes: reads, compares and replaces under the exclusive lock. A file
    /// that cannot be read is an error and stays as it was.
    fn save_if_current(
        &self,
        expected: Option<&RefreshToken>,
        session: &StoredSession,
    ) -> Result<bool> {
        self.save_if(&|held| holds(held, expected), session)
    }

    /// Atomic across processes: reads, decides and replaces under the exclusive lock. A file
    /// that cannot be read is an error and stays as it was.
    fn save_if(
        &self,
        replace: &dyn Fn(Option<&StoredSession>) -> bool,
        session: &StoredSession,
    ) -> Result<bool> {
        session.check_version()?;
        let _lock = self.lock_exclusive()?;
        if !replace(self.read()?.as_ref()) {
            return Ok(false);
        }
        self.write(session)?;
        Ok(true)
    }

    /// Atomic across processes: reads, compares and removes under the exclusive lock. A file
    /// that cannot be read is an error and stays as it was.
    fn clear_if_current(&self, token: &RefreshToken) -> Result<bool> {
        let _lock = self.lock_exclusive()?;
        if !holds(self.read()?.as_ref(), Some(token)) {
            return Ok(false);
        }
        self.remove()?;
        Ok(true)
    }

    /// The exclusive lock on [`refresh_lock_path`](FileStore::refresh_lock_path): it excludes
    /// the sessions of other processes, and other `FileStore`s of this one, as the data lock
    /// does. Waited for up to three times the store's wait, since a refresh holding it may
    /// itself wait for the data lock twice (to read, then to write).
    fn refresh_lock(&self) -> Result<Option<RefreshLock>> {
        let file = open_lock(&self.refresh_lock_path())
            .map_err(|e| self.io_error("open its refresh lock file", &e))?;
        let longer = Self {
            path: self.path.clone(),
            lock_wait: self.lock_wait * 3,
        };
        let held = longer.acquire(file, LockMode::Exclusive)?;
        Ok(Some(RefreshLock::new(held)))
    }
}

/// Opens (creating it, mode 0600, if need be) a lock file, never through a symbolic link: a
/// link planted at its name by another local user must not make this process create or lock
/// a file of theirs.
fn open_lock(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}
