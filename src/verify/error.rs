//! Why a token was refused: one variant per check, in the order the checks run.

use std::fmt;

use crate::error::{Error, ErrorKind};

/// Why [`CognitoJwtVerifier::verify`](super::CognitoJwtVerifier::verify) refused a token.
///
/// Each variant names the one check that failed; the checks run in the order of the variants
/// (structure first, revocation last), so a token that fails several is refused for the first.
/// No variant holds or prints the token or any of its claims' values.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum VerifyError {
    /// Not a JWT: not three base64url parts, a header or payload that is not a JSON object, a
    /// known claim of the wrong JSON type, or a header without a string `kid`.
    Malformed,
    /// The header's `alg` is not `RS256` (`none`, `HS256`, `RS512`, ...): Cognito signs with
    /// RS256 only, and any other algorithm is refused before a key is looked at.
    Algorithm,
    /// The header's `kid` is not in the issuer's JWKS, even after the one refetch allowed.
    UnknownKey,
    /// The signature does not verify with the key the `kid` names (a tampered header or
    /// payload, or another key's signature).
    Signature,
    /// The `iss` claim is not the user pool's issuer.
    Issuer,
    /// The `token_use` claim is not the one required (an access token where an ID token is
    /// required, or the reverse).
    TokenUse,
    /// An ID token's `aud` claim is none of the allowed app client ids.
    Audience,
    /// An access token's `client_id` claim is none of the allowed app client ids.
    ClientId,
    /// The token has no `exp` claim, or it expired more than the grace period ago.
    Expired,
    /// The token's `nbf` claim is later than now plus the grace period.
    NotYetValid,
    /// The token's `cognito:groups` hold none of the required groups.
    Group,
    /// The token's `scope` holds none of the required scopes.
    Scope,
    /// Cognito refused the access token (GetUser answered `NotAuthorizedException`): it was
    /// revoked, or its user signed out globally, was disabled or deleted.
    Revoked,
    /// The issuer's JWKS could not be fetched or read (network, timeout, HTTP error, not a
    /// JWKS): the token could not be checked, which is not a verdict on it. Retry may help.
    Jwks(Error),
    /// The revocation check could not reach a verdict (network, throttling): the token's
    /// signature and claims were valid. Retry may help.
    RevocationCheck(Error),
}

impl VerifyError {
    /// The name of the check that failed: `structure`, `alg`, `kid`, `signature`, `iss`,
    /// `token_use`, `aud`, `client_id`, `exp`, `nbf`, `groups`, `scope`, `revocation`, `jwks`
    /// or `revocation check`.
    pub fn check(&self) -> &'static str {
        match self {
            VerifyError::Malformed => "structure",
            VerifyError::Algorithm => "alg",
            VerifyError::UnknownKey => "kid",
            VerifyError::Signature => "signature",
            VerifyError::Issuer => "iss",
            VerifyError::TokenUse => "token_use",
            VerifyError::Audience => "aud",
            VerifyError::ClientId => "client_id",
            VerifyError::Expired => "exp",
            VerifyError::NotYetValid => "nbf",
            VerifyError::Group => "groups",
            VerifyError::Scope => "scope",
            VerifyError::Revoked => "revocation",
            VerifyError::Jwks(_) => "jwks",
            VerifyError::RevocationCheck(_) => "revocation check",
        }
    }

    /// The crate error kind this maps to: [`ErrorKind::InvalidToken`] for a token that is not
    /// a genuine token of the issuer (structure, `alg`, `kid`, signature, `iss`, `token_use`),
    /// [`ErrorKind::NotAuthorized`] for a genuine token that does not grant access here
    /// (audience or client, expiry, groups, scopes, revocation), and the underlying error's
    /// kind when no verdict could be reached (JWKS fetch, revocation check).
    pub fn kind(&self) -> ErrorKind {
        match self {
            VerifyError::Malformed
            | VerifyError::Algorithm
            | VerifyError::UnknownKey
            | VerifyError::Signature
            | VerifyError::Issuer
            | VerifyError::TokenUse => ErrorKind::InvalidToken,
            VerifyError::Audience
            | VerifyError::ClientId
            | VerifyError::Expired
            | VerifyError::NotYetValid
            | VerifyError::Group
            | VerifyError::Scope
            | VerifyError::Revoked => ErrorKind::NotAuthorized,
            VerifyError::Jwks(e) | VerifyError::RevocationCheck(e) => e.kind(),
        }
    }

    /// Whether verifying the same token again later may succeed (only when no verdict was
    /// reached and the underlying error is retryable).
    pub fn is_retryable(&self) -> bool {
        match self {
            VerifyError::Jwks(e) | VerifyError::RevocationCheck(e) => e.is_retryable(),
            _ => false,
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            VerifyError::Malformed => "not a well-formed JWT",
            VerifyError::Algorithm => "the token's alg is not RS256",
            VerifyError::UnknownKey => "the token's kid is not in the issuer's JWKS",
            VerifyError::Signature => "the token's signature does not verify",
            VerifyError::Issuer => "the token's iss is not the expected issuer",
            VerifyError::TokenUse => "the token's token_use is not the one required",
            VerifyError::Audience => "the ID token's aud is not an allowed client id",
            VerifyError::ClientId => "the access token's client_id is not an allowed client id",
            VerifyError::Expired => "the token has expired",
            VerifyError::NotYetValid => "the token is not valid yet (nbf)",
            VerifyError::Group => "the token has none of the required groups",
            VerifyError::Scope => "the token has none of the required scopes",
            VerifyError::Revoked => "Cognito refused the access token (revoked or signed out)",
            VerifyError::Jwks(_) => "the issuer's JWKS could not be fetched",
            VerifyError::RevocationCheck(_) => "the revocation check failed",
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "token refused at check `{}`: {}",
            self.check(),
            self.describe()
        )?;
        match self {
            VerifyError::Jwks(e) | VerifyError::RevocationCheck(e) => write!(f, ": {e}"),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            VerifyError::Jwks(e) | VerifyError::RevocationCheck(e) => Some(e),
            _ => None,
        }
    }
}

/// Into the crate's error, with the kind of [`VerifyError::kind`] and the check in the
/// message; the original is kept as the source.
impl From<VerifyError> for Error {
    fn from(e: VerifyError) -> Self {
        Error::new(e.kind(), e.to_string()).with_source(e)
    }
}
