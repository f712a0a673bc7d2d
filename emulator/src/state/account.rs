//! Codes the account lifecycle sends (sign-up confirmation, password reset, attribute
//! verification), waiting for their answer: each with its expiry and wrong attempts.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// What a code confirms.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum CodePurpose {
    /// ConfirmSignUp.
    SignUp,
    /// ConfirmForgotPassword.
    ResetPassword,
    /// VerifyUserAttribute of this attribute.
    Attribute(String),
}

impl CodePurpose {
    /// The purpose as the outbox names it.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            CodePurpose::SignUp => "SignUp",
            CodePurpose::ResetPassword => "ForgotPassword",
            CodePurpose::Attribute(_) => "VerifyAttribute",
        }
    }

    /// How long AWS lets the code be used: a day for sign-up and attribute codes, an hour for
    /// a password reset (Cognito's developer guide, "Confirming user accounts" and "Forgot
    /// password").
    pub(crate) fn lifetime(&self) -> Duration {
        match self {
            CodePurpose::ResetPassword => Duration::from_secs(3600),
            _ => Duration::from_secs(24 * 3600),
        }
    }
}

/// A code sent and not yet used. Not `Debug`: the code is a secret.
#[derive(Clone)]
pub(crate) struct PendingCode {
    pub(crate) code: String,
    pub(crate) expires_at: SystemTime,
    /// Wrong answers so far.
    pub(crate) wrong: u32,
}

/// A pool's pending lifecycle codes, by username and purpose. `Debug` shows their number only.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct AccountCodes {
    #[serde(skip)]
    pub(crate) pending: HashMap<(String, CodePurpose), PendingCode>,
}

impl std::fmt::Debug for AccountCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountCodes")
            .field("pending", &self.pending.len())
            .finish()
    }
}

impl AccountCodes {
    /// Forgets codes that expired before `horizon`.
    pub(crate) fn forget(&mut self, horizon: SystemTime) {
        self.pending.retain(|_, c| c.expires_at > horizon);
    }
}
