//! What went wrong, as one line and an exit code in the AWS CLI's convention.

use std::fmt;

use cognito_sigv4::{Error, ErrorKind};

/// The AWS CLI's exit codes.
pub mod code {
    /// The command line could not be parsed.
    pub const USAGE: u8 = 252;
    /// Configuration, or credentials that could not be obtained.
    pub const CONFIG: u8 = 253;
    /// A service answered with an error.
    pub const SERVICE: u8 = 254;
    /// Anything else.
    pub const OTHER: u8 = 255;
    /// `call --fail-with-body` and an HTTP status of 400 or more (curl's code).
    pub const HTTP_FAILED: u8 = 22;
}

/// A failure: one line for standard error (never a secret) and its exit code.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: u8,
    /// What happened and what to do.
    pub message: String,
}

impl Failure {
    /// A configuration problem.
    pub fn config(message: impl Into<String>) -> Self {
        Self {
            code: code::CONFIG,
            message: message.into(),
        }
    }

    /// A usage problem.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: code::USAGE,
            message: message.into(),
        }
    }

    /// Anything else (local I/O and the like).
    pub fn other(message: impl Into<String>) -> Self {
        Self {
            code: code::OTHER,
            message: message.into(),
        }
    }

    /// A library error, in the words of someone at a terminal using `profile`.
    pub fn from_error(error: &Error, profile: &str) -> Self {
        let login = format!("run `cognito-sigv4 login --profile {profile}`");
        let (code, message) = match error.kind() {
            ErrorKind::SessionEnded => (
                code::CONFIG,
                format!("session ended ({}): {login}", error.message()),
            ),
            ErrorKind::Config | ErrorKind::Store => (code::CONFIG, error.to_string()),
            ErrorKind::Credentials | ErrorKind::RoleNotAllowed => (code::CONFIG, error.to_string()),
            ErrorKind::Network | ErrorKind::ServiceUnavailable | ErrorKind::Timeout => (
                code::OTHER,
                format!("{error} (the session is kept: try again)"),
            ),
            ErrorKind::Throttled => (code::SERVICE, format!("{error} (try again shortly)")),
            ErrorKind::NotAuthorized
            | ErrorKind::UserNotFound
            | ErrorKind::UserNotConfirmed
            | ErrorKind::PasswordResetRequired
            | ErrorKind::CodeMismatch
            | ErrorKind::ExpiredCode
            | ErrorKind::InvalidParameter
            | ErrorKind::ResourceNotFound
            | ErrorKind::Service => (code::SERVICE, error.to_string()),
            _ => (code::OTHER, error.to_string()),
        };
        Self { code, message }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cognito-sigv4: {}", self.message)
    }
}

/// A command's result.
pub type Outcome<T = ()> = std::result::Result<T, Failure>;

/// Turns library errors into failures for one profile.
pub trait OrFail<T> {
    /// The failure for `profile`'s user.
    fn or_fail(self, profile: &str) -> Outcome<T>;
}

impl<T> OrFail<T> for cognito_sigv4::Result<T> {
    fn or_fail(self, profile: &str) -> Outcome<T> {
        self.map_err(|e| Failure::from_error(&e, profile))
    }
}
