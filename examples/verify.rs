//! The server side: an axum service that requires a valid Cognito access token with the scope
//! `api/read` (`CognitoAuthLayer`, feature `verify-tower`), called by a client with a
//! session's (refreshing) tokens.
//!
//! ```text
//! cargo run --example verify --features verify-tower
//! ```
//!
//! It starts the emulator in process with the reference scenario (`Seed::reference()`), serves
//! the API on a local port, signs in as `alice`, and calls `GET /hello` with her access token
//! (200), without a token (401) and with her ID token (401: the service wants access tokens).
//! Against AWS, build the verifier with `CognitoJwtVerifier::builder(<pool id>, <region>)`
//! instead of from the emulator's config.

use std::error::Error;
use std::fmt;

use axum::routing::get;
use axum::{Extension, Router};
use cognito_sigv4::client::{ApiClient, AuthMode, TokenKind};
use cognito_sigv4::credentials::{Session, SignInOutcome};
use cognito_sigv4::jwt::TokenUse;
use cognito_sigv4::secret::Password;
use cognito_sigv4::verify::layer::CognitoAuthLayer;
use cognito_sigv4::verify::{CognitoJwtVerifier, VerifiedClaims};
use cognito_sigv4_emulator::{Emulator, Seed};

/// What the example shows: each call and its answer.
#[derive(Debug)]
pub struct Outcome {
    /// `(with which token, HTTP status, body)`, in order.
    pub calls: Vec<(&'static str, u16, String)>,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (with, status, body) in &self.calls {
            writeln!(f, "GET /hello with {with:<12} -> {status} {body}")?;
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    print!("{}", run().await?);
    Ok(())
}

/// The service, with its verifier: the claims reach the handler through the extensions.
fn service(verifier: CognitoJwtVerifier) -> Router {
    Router::new()
        .route(
            "/hello",
            get(|Extension(claims): Extension<VerifiedClaims>| async move {
                format!("hello {}", claims.cognito_username().unwrap_or("?"))
            }),
        )
        .layer(CognitoAuthLayer::new(verifier))
}

/// Serves the API, signs in, and calls it three ways.
pub async fn run() -> Result<Outcome, Box<dyn Error>> {
    let seed = Seed::reference();
    let password = seed
        .user_pools
        .iter()
        .flat_map(|p| &p.users)
        .find(|u| u.username == "alice")
        .map(|u| Password::new(u.password.clone()))
        .ok_or("the seed has no user alice")?;
    let emulator = Emulator::builder().seed(seed).start().await?;
    let config = emulator.config("quickstart", "web")?;

    // The server: access tokens of the `web` client with the scope `api/read`. Against AWS:
    // `CognitoJwtVerifier::builder("<pool id>", "<region>").client_ids(["<client id>"])`.
    let verifier = CognitoJwtVerifier::builder_for(&config)?
        .token_use(TokenUse::Access)
        .scopes(["api/read"])
        .build()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, service(verifier)).await });

    // The client: a session's access token, refreshed as needed.
    let session = match Session::builder(config.clone())
        .sign_in("alice@example.com", &password)
        .await?
    {
        SignInOutcome::Done(session) => session,
        SignInOutcome::Challenge(pending) => {
            return Err(format!("unexpected challenge {}", pending.challenge().name()).into());
        }
    };
    let client = |kind: Option<TokenKind>| {
        let builder = ApiClient::builder(base.as_str()).region(config.region());
        match kind {
            Some(kind) => builder
                .token_source(kind, session.token_source(kind))
                .default_auth(match kind {
                    TokenKind::Id => AuthMode::id_token(),
                    TokenKind::Access => AuthMode::access_token(),
                })
                .build(),
            None => builder.default_auth(AuthMode::None).build(),
        }
    };

    let mut calls = Vec::new();
    for (with, kind) in [
        ("access token", Some(TokenKind::Access)),
        ("no token", None),
        ("ID token", Some(TokenKind::Id)),
    ] {
        let response = client(kind)?
            .request(http::Method::GET, "/hello")
            .send()
            .await?;
        calls.push((with, response.status().as_u16(), response.text()));
    }
    session.sign_out().await?;
    server.abort();
    emulator.shutdown().await;
    Ok(Outcome { calls })
}
