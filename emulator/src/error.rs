//! The emulator's own error: for seeds, start-up and the test helpers of a running emulator.
//! (What the emulated services answer on the wire is no error of the caller's: see `wire`.)

use std::fmt;

/// What went wrong, broadly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A seed that cannot be read or parsed, or that contradicts itself (a user in a group
    /// the pool does not have, an unknown status...).
    Seed,
    /// The server could not start: the address cannot be bound.
    Start,
    /// A running emulator was asked for something it does not have: a user pool, app client,
    /// identity pool, OIDC issuer or user.
    NotFound,
    /// An argument the emulator cannot use, such as a TOTP secret that is not base32, or ids
    /// that do not make a valid `CognitoConfig`.
    InvalidInput,
}

/// An error of the emulator itself. Its message never holds a password or a client secret:
/// seed errors name the line, field or user, never the offending value of a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// An error of `kind`; the message must hold no secret.
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// An invalid seed: `emulator seed: <message>`.
    pub(crate) fn seed(message: impl fmt::Display) -> Self {
        Self::new(ErrorKind::Seed, format!("emulator seed: {message}"))
    }

    /// What went wrong, broadly.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message (free of secrets).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// An emulator error is a configuration problem of the test using it, so that tests returning
/// `cognito_sigv4::Result` can use `?` on the emulator's calls.
impl From<Error> for cognito_sigv4::Error {
    fn from(e: Error) -> Self {
        cognito_sigv4::Error::new(cognito_sigv4::ErrorKind::Config, e.message)
    }
}
