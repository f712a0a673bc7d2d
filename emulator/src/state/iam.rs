//! IAM as far as the emulator needs it: roles with what they may invoke, and the temporary
//! credentials issued for them.

use std::time::SystemTime;

/// An IAM role (its ARN is its key in `State::roles`).
#[derive(Debug, Clone)]
pub(crate) struct Role {
    /// `execute-api:Invoke` resource patterns.
    pub(crate) invoke: Vec<String>,
    /// `MaxSessionDuration`, seconds.
    pub(crate) max_session_duration_secs: u64,
}

/// Temporary credentials the emulator issued: its API Gateway accepts them only with their own
/// session token and only until they expire.
#[derive(Clone)]
pub(crate) struct IssuedCredentials {
    pub(crate) secret_access_key: String,
    pub(crate) session_token: String,
    pub(crate) expires_at: SystemTime,
    pub(crate) role_arn: String,
    /// The identity id (identity pools) or the web identity's subject (STS).
    pub(crate) subject: String,
}

impl std::fmt::Debug for IssuedCredentials {
    // The secret key and session token never print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCredentials")
            .field("expires_at", &self.expires_at)
            .field("role_arn", &self.role_arn)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}
