//! The crate's one error type.
//!
//! An [`Error`] has a [`ErrorKind`] that tells the caller what to do (fix the input, retry, sign
//! in again), a message that never contains a secret, and, for service errors, the AWS error
//! name (`__type`) it came from.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// What went wrong, in terms of what the caller should do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Invalid configuration: a field is missing or not of the expected form, or the user pool,
    /// app client or identity pool is set up in a way that cannot serve the call
    /// (`InvalidUserPoolConfigurationException`, `UnsupportedOperationException`, ...).
    Config,
    /// A token (JWT) that cannot be decoded, or that lacks a claim the operation needs.
    InvalidToken,
    /// A request that cannot be signed (an unhashable body, an invalid header, ...).
    Signing,
    /// The network failed (connect, timeout, reset). Retryable.
    Network,
    /// The service throttled the call (`TooManyRequestsException`, `Throttling`, ...). Retryable.
    Throttled,
    /// The service failed (HTTP 5xx, `InternalErrorException`). Retryable.
    ServiceUnavailable,
    /// Wrong credentials, or a revoked or expired token (`NotAuthorizedException`).
    NotAuthorized,
    /// The user does not exist (`UserNotFoundException`).
    UserNotFound,
    /// The user has not confirmed their account (`UserNotConfirmedException`).
    UserNotConfirmed,
    /// The user must reset their password (`PasswordResetRequiredException`).
    PasswordResetRequired,
    /// A wrong one-time code (`CodeMismatchException`, `EnableSoftwareTokenMFAException`).
    CodeMismatch,
    /// An expired one-time code or challenge session (`ExpiredCodeException`).
    ExpiredCode,
    /// The service rejected a parameter (`InvalidParameterException`,
    /// `InvalidPasswordException`, ...).
    InvalidParameter,
    /// A resource (identity, identity pool, user pool) the service does not know
    /// (`ResourceNotFoundException`).
    ResourceNotFound,
    /// The service answered with a challenge this crate does not handle.
    UnknownChallenge,
    /// A role that the token does not allow (`CustomRoleArn` not in `cognito:roles`).
    RoleNotAllowed,
    /// The session has ended (refresh token revoked or expired, user gone): sign in again.
    SessionEnded,
    /// The session store failed, or holds a corrupt or foreign file.
    Store,
    /// The credentials provider failed to produce credentials.
    Credentials,
    /// The server answered with something that is not a valid answer (garbage, missing fields).
    InvalidResponse,
    /// Any other service error; see [`Error::service_code`].
    Service,
    /// Something took longer than it may (a refresh, a user's token source). Retryable.
    Timeout,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            ErrorKind::Config => "invalid configuration",
            ErrorKind::InvalidToken => "invalid token",
            ErrorKind::Signing => "cannot sign request",
            ErrorKind::Network => "network error",
            ErrorKind::Throttled => "throttled",
            ErrorKind::ServiceUnavailable => "service unavailable",
            ErrorKind::NotAuthorized => "not authorized",
            ErrorKind::UserNotFound => "user not found",
            ErrorKind::UserNotConfirmed => "user not confirmed",
            ErrorKind::PasswordResetRequired => "password reset required",
            ErrorKind::CodeMismatch => "code mismatch",
            ErrorKind::ExpiredCode => "expired code",
            ErrorKind::InvalidParameter => "invalid parameter",
            ErrorKind::ResourceNotFound => "resource not found",
            ErrorKind::UnknownChallenge => "unknown challenge",
            ErrorKind::RoleNotAllowed => "role not allowed",
            ErrorKind::SessionEnded => "session ended, sign in again",
            ErrorKind::Store => "session store error",
            ErrorKind::Credentials => "credentials error",
            ErrorKind::InvalidResponse => "invalid response",
            ErrorKind::Service => "service error",
            ErrorKind::Timeout => "timed out",
        }
    }

    /// Whether retrying the same call later may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::Network
                | ErrorKind::Throttled
                | ErrorKind::ServiceUnavailable
                | ErrorKind::Timeout
        )
    }

    /// Whether this error, met while refreshing, means the session cannot continue and the user
    /// must sign in again. Network, throttling and 5xx errors never end a session.
    pub fn ends_session(self) -> bool {
        matches!(
            self,
            ErrorKind::NotAuthorized
                | ErrorKind::UserNotFound
                | ErrorKind::UserNotConfirmed
                | ErrorKind::PasswordResetRequired
                | ErrorKind::SessionEnded
        )
    }

    /// The kind for an AWS error name (`__type`, with or without a `prefix#`).
    ///
    /// Covers the errors the Cognito API references list for InitiateAuth,
    /// RespondToAuthChallenge, GetTokensFromRefreshToken, RevokeToken, GlobalSignOut,
    /// AssociateSoftwareToken, VerifySoftwareToken, GetId, GetCredentialsForIdentity,
    /// GetOpenIdToken and STS's AssumeRoleWithWebIdentity, and the error names of the OAuth 2.0
    /// token endpoint (`invalid_grant`, ...).
    pub fn from_service_code(code: &str) -> ErrorKind {
        let code = code.rsplit('#').next().unwrap_or(code);
        let code = code.split(':').next().unwrap_or(code);
        match code {
            "NotAuthorizedException"
            | "TokenRevokedException"
            | "RefreshTokenReuseException"
            | "ExpiredTokenException"
            // RevokeToken: the client is not allowed to revoke this token (wrong client or
            // secret).
            | "UnauthorizedException"
            // OAuth 2.0 (RFC 6749 §5.2): a code, refresh token or PKCE verifier refused.
            | "invalid_grant" => ErrorKind::NotAuthorized,
            "UserNotFoundException" => ErrorKind::UserNotFound,
            "UserNotConfirmedException" => ErrorKind::UserNotConfirmed,
            "PasswordResetRequiredException" => ErrorKind::PasswordResetRequired,
            "CodeMismatchException" | "EnableSoftwareTokenMFAException" => ErrorKind::CodeMismatch,
            "ExpiredCodeException"
            // Passkey registration: no pending registration (it expired, or was another).
            | "WebAuthnChallengeNotFoundException" => ErrorKind::ExpiredCode,
            "InvalidParameterException"
            | "InvalidPasswordException"
            | "PasswordHistoryPolicyViolationException"
            | "AliasExistsException"
            | "InvalidIdentityPoolConfigurationException"
            | "ValidationException"
            | "InvalidParameterValue"
            | "InvalidIdentityToken"
            | "IDPRejectedClaim"
            // RevokeToken given a token that is not a refresh token.
            | "UnsupportedTokenTypeException"
            // SELECT_MFA_TYPE / MFA answers naming a factor the user has not set up.
            | "MFAMethodNotFoundException"
            | "SoftwareTokenMFANotFoundException"
            // GetId / GetCredentialsForIdentity: the login is linked to another identity.
            | "ResourceConflictException"
            | "DeveloperUserAlreadyRegisteredException"
            // SignUp: the name (or e-mail) is taken.
            | "UsernameExistsException"
            // OAuth 2.0: a malformed request, or scopes the client may not have.
            | "invalid_request"
            | "invalid_scope"
            // A passkey response from another origin or relying party, or of a kind the pool
            // does not take.
            | "WebAuthnOriginNotAllowedException"
            | "WebAuthnRelyingPartyMismatchException"
            | "WebAuthnCredentialNotSupportedException"
            | "WebAuthnClientMismatchException" => ErrorKind::InvalidParameter,
            "ResourceNotFoundException" => ErrorKind::ResourceNotFound,
            // The pool or app client is set up so that the call cannot work (flow not enabled,
            // token revocation off, SMS/e-mail role missing): fix the setup, do not retry.
            // OAuth 2.0: the app client (its id, secret, allowed flows) is set up wrong.
            "invalid_client"
            | "unauthorized_client"
            | "unsupported_grant_type"
            | "unsupported_response_type"
            | "UnsupportedOperationException"
            | "InvalidUserPoolConfigurationException"
            | "InvalidSmsRoleAccessPolicyException"
            | "InvalidSmsRoleTrustRelationshipException"
            | "InvalidEmailRoleAccessPolicyException"
            // Passkeys are not among the pool's sign-in factors, or it has no relying party.
            | "WebAuthnNotEnabledException"
            | "WebAuthnConfigurationMissingException" => ErrorKind::Config,
            "TooManyRequestsException"
            | "LimitExceededException"
            | "ThrottlingException"
            | "Throttling"
            | "TooManyFailedAttemptsException" => ErrorKind::Throttled,
            "InternalErrorException"
            | "InternalFailure"
            | "ServiceUnavailable"
            | "ServiceUnavailableException"
            | "IDPCommunicationError"
            // GetId / GetCredentialsForIdentity: the external identity provider failed.
            | "ExternalServiceException"
            // A Lambda trigger failed or answered garbage: the pool's backend failed.
            | "InvalidLambdaResponseException"
            | "UnexpectedLambdaException" => ErrorKind::ServiceUnavailable,
            // Plain service errors, neither retryable nor ending a session:
            // `ForbiddenException` (AWS WAF blocked the request) says nothing about the
            // credentials, and `UserLambdaValidationException` is whatever error a Lambda
            // trigger threw, deliberate or transient (Amplify JS does not end a session on
            // either).
            _ => ErrorKind::Service,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The crate's error: a kind, a message free of secrets, and the AWS error name if any.
///
/// `Clone`, so that every caller waiting on one shared refresh gets the same error, source
/// included (the source is shared, not copied).
#[derive(Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    service_code: Option<String>,
    source: Option<Arc<dyn StdError + Send + Sync + 'static>>,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` with a message. The message must not contain a secret.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            service_code: None,
            source: None,
        }
    }

    /// An error for an AWS service's answer: the kind comes from the error name.
    pub fn from_service(code: impl Into<String>, message: impl Into<String>) -> Self {
        let code = code.into();
        Self {
            kind: ErrorKind::from_service_code(&code),
            message: message.into(),
            service_code: Some(code),
            source: None,
        }
    }

    /// An invalid configuration value: names the field and the expected form.
    pub fn config(field: &str, expected: &str) -> Self {
        Self::new(
            ErrorKind::Config,
            format!("`{field}` is invalid: expected {expected}"),
        )
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// Replaces the kind, keeping message, code and source.
    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message (free of secrets).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The AWS error name (`__type`, such as `NotAuthorizedException`), if the error came from a
    /// service.
    pub fn service_code(&self) -> Option<&str> {
        self.service_code.as_deref()
    }

    /// Whether retrying the same call later may succeed.
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }

    /// Whether, met on refresh, this error ends the session.
    pub fn ends_session(&self) -> bool {
        self.kind.ends_session()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("service_code", &self.service_code)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.service_code {
            Some(code) => write!(f, "{}: {code}: {}", self.kind, self.message),
            None => write!(f, "{}: {}", self.kind, self.message),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// Converts an AWS SDK client error into this crate's error, keeping the service's error name
/// and message. The SDK error itself is not kept as the source: its `Debug` can hold the raw
/// HTTP exchange.
pub(crate) fn from_sdk<E>(
    operation: &str,
    err: aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> Error
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    use aws_smithy_runtime_api::client::result::SdkError;
    use aws_smithy_types::error::display::DisplayErrorContext;
    match err {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let e = se.err();
            let message = e.message().unwrap_or("").to_owned();
            match e.code() {
                Some(code) => Error::from_service(code, format!("{operation}: {message}")),
                None if status >= 500 => Error::new(
                    ErrorKind::ServiceUnavailable,
                    format!("{operation}: HTTP {status} {message}"),
                ),
                None => Error::new(
                    ErrorKind::Service,
                    format!("{operation}: HTTP {status} {message}"),
                ),
            }
        }
        SdkError::TimeoutError(_) => {
            Error::new(ErrorKind::Network, format!("{operation}: timed out"))
        }
        SdkError::DispatchFailure(df) => {
            let kind = if df.is_user() {
                ErrorKind::Config
            } else {
                ErrorKind::Network
            };
            let cause = df
                .as_connector_error()
                .map(|c| DisplayErrorContext(c).to_string())
                .unwrap_or_else(|| "connection failed".to_owned());
            Error::new(
                kind,
                format!("{operation}: could not reach the service: {cause}"),
            )
        }
        SdkError::ResponseError(re) => Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "{operation}: unreadable answer (HTTP {})",
                re.raw().status().as_u16()
            ),
        ),
        SdkError::ConstructionFailure(_) => Error::new(
            ErrorKind::InvalidParameter,
            format!("{operation}: the request could not be built"),
        ),
        _ => Error::new(
            ErrorKind::Service,
            format!("{operation}: unexpected SDK error"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_codes_map_to_kinds_that_say_what_to_do() {
        let e = Error::from_service("NotAuthorizedException", "Incorrect username or password.");
        assert_eq!(e.kind(), ErrorKind::NotAuthorized);
        assert!(e.ends_session() && !e.is_retryable());
        assert_eq!(e.service_code(), Some("NotAuthorizedException"));
        let e = Error::from_service("com.amazonaws#TooManyRequestsException", "slow down");
        assert_eq!(e.kind(), ErrorKind::Throttled);
        assert!(e.is_retryable() && !e.ends_session());
        assert_eq!(ErrorKind::from_service_code("Whatever"), ErrorKind::Service);
        assert_eq!(
            ErrorKind::from_service_code("UserNotFoundException:http://internal.amazon.com/"),
            ErrorKind::UserNotFound
        );
        assert_eq!(
            Error::from_service("UserNotFoundException", "User does not exist.").to_string(),
            "user not found: UserNotFoundException: User does not exist."
        );
    }

    #[test]
    fn every_cognito_error_the_api_reference_lists_has_a_deliberate_kind() {
        use ErrorKind::*;
        for (code, kind) in [
            ("ForbiddenException", Service),
            ("UnsupportedOperationException", Config),
            ("InvalidUserPoolConfigurationException", Config),
            ("InvalidSmsRoleAccessPolicyException", Config),
            ("InvalidSmsRoleTrustRelationshipException", Config),
            ("InvalidEmailRoleAccessPolicyException", Config),
            ("UnauthorizedException", NotAuthorized),
            ("UserLambdaValidationException", Service),
            ("RefreshTokenReuseException", NotAuthorized),
            ("UnsupportedTokenTypeException", InvalidParameter),
            ("MFAMethodNotFoundException", InvalidParameter),
            ("SoftwareTokenMFANotFoundException", InvalidParameter),
            ("PasswordHistoryPolicyViolationException", InvalidParameter),
            ("AliasExistsException", InvalidParameter),
            ("ResourceConflictException", InvalidParameter),
            ("DeveloperUserAlreadyRegisteredException", InvalidParameter),
            (
                "InvalidIdentityPoolConfigurationException",
                InvalidParameter,
            ),
            ("ExternalServiceException", ServiceUnavailable),
            ("InvalidLambdaResponseException", ServiceUnavailable),
            ("UnexpectedLambdaException", ServiceUnavailable),
            ("LimitExceededException", Throttled),
            ("WebAuthnChallengeNotFoundException", ExpiredCode),
            ("WebAuthnOriginNotAllowedException", InvalidParameter),
            ("WebAuthnRelyingPartyMismatchException", InvalidParameter),
            ("WebAuthnCredentialNotSupportedException", InvalidParameter),
            ("WebAuthnClientMismatchException", InvalidParameter),
            ("WebAuthnNotEnabledException", Config),
            ("WebAuthnConfigurationMissingException", Config),
        ] {
            assert_eq!(ErrorKind::from_service_code(code), kind, "{code}");
            let prefixed = format!("com.amazonaws.cognito.identity.idp.model#{code}");
            assert_eq!(ErrorKind::from_service_code(&prefixed), kind, "{prefixed}");
        }
        // A WAF block, a Lambda trigger's error or a misconfigured pool must never make a
        // session sign the user out; a Lambda trigger that crashed is worth retrying.
        for code in [
            "ForbiddenException",
            "UserLambdaValidationException",
            "UnsupportedOperationException",
            // OAuth 2.0: the app client (its id, secret, allowed flows) is set up wrong.
            "invalid_client",
            "unauthorized_client",
            "unsupported_grant_type",
        ] {
            let kind = ErrorKind::from_service_code(code);
            assert!(!kind.ends_session() && !kind.is_retryable(), "{code}");
        }
        assert!(ErrorKind::from_service_code("UnexpectedLambdaException").is_retryable());
        assert!(ErrorKind::from_service_code("UnauthorizedException").ends_session());
        // OAuth 2.0's names: a refused grant ends a session; a bad request or scope does not.
        assert!(ErrorKind::from_service_code("invalid_grant").ends_session());
        for code in ["invalid_request", "invalid_scope"] {
            assert_eq!(
                ErrorKind::from_service_code(code),
                ErrorKind::InvalidParameter
            );
        }
        assert_eq!(
            ErrorKind::from_service_code("invalid_client"),
            ErrorKind::Config
        );
    }
}
