//! A tower layer (feature `verify-tower`) that requires a valid Cognito token on every request
//! of a service (axum, hyper, tonic) and puts the [`VerifiedClaims`] in the request's
//! extensions, answering refusals as API Gateway's Cognito authorizer does.
//!
//! ```no_run
//! # async fn f() -> Result<(), cognito_sigv4::Error> {
//! use axum::{Extension, Router, routing::get};
//! use cognito_sigv4::jwt::TokenUse;
//! use cognito_sigv4::verify::{CognitoJwtVerifier, VerifiedClaims, layer::CognitoAuthLayer};
//!
//! let verifier = CognitoJwtVerifier::builder("eu-west-1_AbCdEf123", "eu-west-1")
//!     .token_use(TokenUse::Id)
//!     .client_ids(["3n4b5urk1ft4fl3mg5e62d9ado"])
//!     .build()?;
//! let app: Router = Router::new()
//!     .route(
//!         "/me",
//!         get(|Extension(claims): Extension<VerifiedClaims>| async move {
//!             claims.sub().unwrap_or_default().to_owned()
//!         }),
//!     )
//!     .layer(CognitoAuthLayer::new(verifier));
//! # Ok(()) }
//! ```
//!
//! The token is read from the `Authorization` header (or the one given to
//! [`CognitoAuthLayer::header`]), raw or after `Bearer `, as API Gateway reads it. Answers:
//!
//! | case | status | body | `x-amzn-ErrorType` |
//! | --- | --- | --- | --- |
//! | no token, or refused by any check but expiry | 401 | `{"message":"Unauthorized"}` | `UnauthorizedException` |
//! | expired | 401 | `{"message":"The incoming token has expired"}` | `UnauthorizedException` |
//! | no verdict (JWKS or revocation check unreachable) | 503 | `{"message":"Service Unavailable"}` | none |
//!
//! The refusal's [`VerifyError`] is logged at DEBUG (its check, never the token).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{HeaderName, HeaderValue, Request, Response, StatusCode, header};

use super::{CognitoJwtVerifier, VerifiedClaims, VerifyError};

/// Wraps a service in [`CognitoAuth`]: see the [module docs](self).
#[derive(Clone)]
pub struct CognitoAuthLayer {
    verifier: CognitoJwtVerifier,
    header: HeaderName,
}

impl fmt::Debug for CognitoAuthLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoAuthLayer")
            .field("verifier", &self.verifier)
            .field("header", &self.header)
            .finish()
    }
}

impl CognitoAuthLayer {
    /// A layer verifying the `Authorization` header's token with `verifier`.
    pub fn new(verifier: CognitoJwtVerifier) -> Self {
        Self {
            verifier,
            header: header::AUTHORIZATION,
        }
    }

    /// Reads the token from `header` instead of `Authorization` (API Gateway's token source
    /// can be any header).
    #[must_use]
    pub fn header(mut self, header: HeaderName) -> Self {
        self.header = header;
        self
    }
}

impl<S> tower_layer::Layer<S> for CognitoAuthLayer {
    type Service = CognitoAuth<S>;

    fn layer(&self, inner: S) -> CognitoAuth<S> {
        CognitoAuth {
            inner,
            verifier: self.verifier.clone(),
            header: self.header.clone(),
        }
    }
}

/// A service that calls its inner service only with a verified token, the claims in the
/// request's extensions; made by [`CognitoAuthLayer`].
#[derive(Clone)]
pub struct CognitoAuth<S> {
    inner: S,
    verifier: CognitoJwtVerifier,
    header: HeaderName,
}

impl<S> fmt::Debug for CognitoAuth<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoAuth")
            .field("verifier", &self.verifier)
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl<S, B, ResBody> tower_service::Service<Request<B>> for CognitoAuth<S>
where
    S: tower_service::Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
    ResBody: From<String>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // The ready service serves this request; its clone serves the next.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let verifier = self.verifier.clone();
        let token = request
            .headers()
            .get(&self.header)
            .and_then(|v| v.to_str().ok())
            .map(|t| t.strip_prefix("Bearer ").unwrap_or(t).trim().to_owned())
            .filter(|t| !t.is_empty());
        Box::pin(async move {
            let Some(token) = token else {
                tracing::debug!("no token: 401");
                return Ok(denial(None));
            };
            match verifier.verify(&token).await {
                Ok(claims) => {
                    request.extensions_mut().insert::<VerifiedClaims>(claims);
                    inner.call(request).await
                }
                Err(e) => {
                    tracing::debug!(check = e.check(), "token refused");
                    Ok(denial(Some(&e)))
                }
            }
        })
    }
}

/// API Gateway's answer for a refusal (`None`: no token).
fn denial<ResBody: From<String>>(error: Option<&VerifyError>) -> Response<ResBody> {
    let (status, message, error_type) = match error {
        Some(VerifyError::Expired) => (
            StatusCode::UNAUTHORIZED,
            "The incoming token has expired",
            true,
        ),
        Some(VerifyError::Jwks(_) | VerifyError::RevocationCheck(_)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
            false,
        ),
        _ => (StatusCode::UNAUTHORIZED, "Unauthorized", true),
    };
    let body = serde_json::json!({ "message": message }).to_string();
    let mut response = Response::new(ResBody::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if error_type {
        headers.insert(
            HeaderName::from_static("x-amzn-errortype"),
            HeaderValue::from_static("UnauthorizedException"),
        );
    }
    response
}
