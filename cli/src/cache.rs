//! The per-profile cache of tokens and credentials between invocations (the AWS CLI does not
//! cache `credential_process` answers, so without it every AWS CLI call would refresh tokens
//! and exchange them again). A file of the owner's only (0600), beside the session file; a
//! cache that cannot be read is ignored, never fatal: the session can always rebuild it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use cognito_sigv4::CognitoConfig;
use cognito_sigv4::secret::Jwt;
use serde::{Deserialize, Serialize};

use crate::failure::Outcome;
use crate::profile::write_private;

/// The cache format written by this version.
const VERSION: u32 = 1;

/// What one profile's cache holds. Not `Debug`: every field but the ids is a secret.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct Cached {
    version: u32,
    /// The pools and client these values belong to: a profile whose settings changed must
    /// not be handed another pool's credentials.
    user_pool_id: String,
    client_id: String,
    identity_pool_id: Option<String>,
    /// The ID and access tokens, and when the first of them expires (seconds since 1970).
    pub tokens: Option<CachedTokens>,
    /// Temporary AWS credentials and their identity id.
    pub credentials: Option<CachedCredentials>,
}

/// Cached user-pool tokens.
#[derive(Clone, Serialize, Deserialize)]
pub struct CachedTokens {
    /// The ID token.
    pub id: String,
    /// The access token.
    pub access: String,
    /// When the first of them expires, in seconds since 1970.
    pub expires_at: u64,
}

/// Cached credentials.
#[derive(Clone, Serialize, Deserialize)]
pub struct CachedCredentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token.
    pub session_token: Option<String>,
    /// When they expire, in seconds since 1970.
    pub expires_at: u64,
    /// The identity id they were issued to.
    pub identity_id: Option<String>,
}

/// Seconds since 1970.
pub fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

/// The time `secs` seconds after 1970.
pub fn from_epoch_secs(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

impl CachedTokens {
    /// The ID and access tokens of `tokens`.
    pub fn of(tokens: &cognito_sigv4::user_pool::Tokens) -> Self {
        Self {
            id: tokens.id.expose_secret().to_owned(),
            access: tokens.access.expose_secret().to_owned(),
            expires_at: epoch_secs(tokens.expires_at),
        }
    }

    /// Whether the tokens are good for at least `margin` after `now`.
    pub fn fresh(&self, now: SystemTime, margin: Duration) -> bool {
        now + margin < from_epoch_secs(self.expires_at)
    }

    /// The token of `kind`.
    pub fn get(&self, kind: cognito_sigv4::credentials::TokenKind) -> Jwt {
        match kind {
            cognito_sigv4::credentials::TokenKind::Id => Jwt::new(self.id.clone()),
            cognito_sigv4::credentials::TokenKind::Access => Jwt::new(self.access.clone()),
        }
    }
}

impl CachedCredentials {
    /// Whether the credentials are good for at least `margin` after `now`.
    pub fn fresh(&self, now: SystemTime, margin: Duration) -> bool {
        now + margin < from_epoch_secs(self.expires_at)
    }

    /// As the SDK's type.
    pub fn to_credentials(&self) -> Credentials {
        Credentials::new(
            self.access_key_id.clone(),
            self.secret_access_key.clone(),
            self.session_token.clone(),
            Some(from_epoch_secs(self.expires_at)),
            "cognito-sigv4-cli-cache",
        )
    }

    /// From the SDK's type.
    pub fn from_credentials(credentials: &Credentials, identity_id: Option<String>) -> Self {
        Self {
            access_key_id: credentials.access_key_id().to_owned(),
            secret_access_key: credentials.secret_access_key().to_owned(),
            session_token: credentials.session_token().map(str::to_owned),
            expires_at: credentials.expiry().map(epoch_secs).unwrap_or(0),
            identity_id,
        }
    }
}

/// One profile's cache file.
#[derive(Debug, Clone)]
pub struct CacheFile {
    path: PathBuf,
}

impl CacheFile {
    /// The cache at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What it holds for `config`, or an empty cache if it holds nothing for it (absent,
    /// unreadable, another version, or another pool's).
    pub fn load(&self, config: &CognitoConfig) -> Cached {
        let empty = Cached::empty_for(config);
        let Ok(bytes) = std::fs::read(&self.path) else {
            return empty;
        };
        match serde_json::from_slice::<Cached>(&bytes) {
            Ok(cached) if cached.version == VERSION && cached.belongs_to(config) => cached,
            _ => empty,
        }
    }

    /// Saves `cached`.
    pub fn save(&self, cached: &Cached) -> Outcome<()> {
        let bytes = serde_json::to_vec(cached).unwrap_or_default();
        write_private(&self.path, &bytes)
    }

    /// Forgets everything (after a sign-out or a new sign-in).
    pub fn clear(&self) -> Outcome<()> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(crate::failure::Failure::other(format!(
                    "cannot remove {}: {e}",
                    self.path.display()
                )))
            }
            _ => Ok(()),
        }
    }
}

impl Cached {
    fn empty_for(config: &CognitoConfig) -> Cached {
        Cached {
            version: VERSION,
            user_pool_id: config.user_pool_id().unwrap_or_default().to_owned(),
            client_id: config.client_id().unwrap_or_default().to_owned(),
            identity_pool_id: config.identity_pool_id().map(str::to_owned),
            tokens: None,
            credentials: None,
        }
    }

    fn belongs_to(&self, config: &CognitoConfig) -> bool {
        Some(self.user_pool_id.as_str()) == config.user_pool_id()
            && Some(self.client_id.as_str()) == config.client_id()
            && self.identity_pool_id.as_deref() == config.identity_pool_id()
    }
}
