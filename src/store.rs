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

use serde::{Deserialize, Serialize};

use crate::config::CognitoConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::{DevicePassword, Jwt, RefreshToken};
use crate::user_pool::RememberedDevice;

mod file;
mod memory;

pub use file::{DEFAULT_LOCK_WAIT, FileStore};
pub use memory::MemoryStore;

/// The format version written by this crate. Files with another version are refused.
pub const STORED_SESSION_VERSION: u32 = 1;

/// What a session keeps to be resumed later.
///
/// `Debug` never shows the refresh token or the tokens: they are [`crate::secret`] types.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
/// `Debug` never shows a token: both are [`Jwt`]s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// A remembered device as stored: its key, group key and password.
///
/// `Debug` never shows the password: it is a [`DevicePassword`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The default implementation is [`save_if`](Self::save_if) with that test: atomic where
    /// `save_if` is ([`FileStore`], [`MemoryStore`]), not in `save_if`'s own default.
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
pub(crate) fn holds(current: Option<&StoredSession>, expected: Option<&RefreshToken>) -> bool {
    match (current, expected) {
        (None, None) => true,
        (Some(current), Some(expected)) => {
            current.refresh_token.expose_secret() == expected.expose_secret()
        }
        _ => false,
    }
}

pub(crate) fn store_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Store, message)
}
