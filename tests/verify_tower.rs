//! The tower layer (feature `verify-tower`) on an axum service, with the emulator's tokens:
//! the claims reach the handler, refusals answer as API Gateway's Cognito authorizer.

mod support;

#[allow(dead_code)]
#[path = "../examples/verify.rs"]
mod example;

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::routing::get;
use axum::{Extension, Router};
use cognito_sigv4::jwt::TokenUse;
use cognito_sigv4::secret::Password;
use cognito_sigv4::verify::layer::CognitoAuthLayer;
use cognito_sigv4::verify::{CognitoJwtVerifier, VerifiedClaims};
use http::{Request, StatusCode};
use support::{CLIENT, PASSWORD, POOL, TestEmulator, done};
use tower_service::Service as _;

async fn call(app: &Router, authorization: Option<&str>) -> (StatusCode, Option<String>, String) {
    let mut request = Request::get("/me");
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response: Result<_, Infallible> =
        app.clone().call(request.body(Body::empty()).unwrap()).await;
    let response = response.unwrap();
    let status = response.status();
    let error_type = response
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        error_type,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn the_layer_hands_verified_claims_to_handlers_and_answers_refusals_like_api_gateway() {
    let env = TestEmulator::start().await;
    let tokens = done(
        env.user_pool_client(POOL, CLIENT)
            .sign_in("jdoe@example.com", &Password::new(PASSWORD))
            .await
            .unwrap(),
    );
    let verifier = CognitoJwtVerifier::builder_for(&env.config())
        .unwrap()
        .token_use(TokenUse::Id)
        .clock(env.clock.clone())
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            "/me",
            get(|Extension(claims): Extension<VerifiedClaims>| async move {
                claims.cognito_username().unwrap_or_default().to_owned()
            }),
        )
        .layer(CognitoAuthLayer::new(verifier));

    let id = tokens.id.expose_secret();
    assert_eq!(
        call(&app, Some(id)).await,
        (StatusCode::OK, None, "jdoe".into())
    );
    let bearer = format!("Bearer {id}");
    assert_eq!(call(&app, Some(&bearer)).await.0, StatusCode::OK);

    let unauthorized = (
        StatusCode::UNAUTHORIZED,
        Some("UnauthorizedException".to_owned()),
        r#"{"message":"Unauthorized"}"#.to_owned(),
    );
    assert_eq!(call(&app, None).await, unauthorized);
    assert_eq!(call(&app, Some("garbage")).await, unauthorized);
    assert_eq!(
        call(&app, Some(tokens.access.expose_secret())).await,
        unauthorized,
        "an access token where ID tokens are required"
    );

    env.clock.advance(Duration::from_secs(3601));
    assert_eq!(
        call(&app, Some(id)).await,
        (
            StatusCode::UNAUTHORIZED,
            Some("UnauthorizedException".to_owned()),
            r#"{"message":"The incoming token has expired"}"#.to_owned(),
        )
    );
    env.shutdown().await;
}

#[tokio::test]
async fn the_example_serves_alice_with_her_access_token_only() {
    let outcome = example::run().await.expect("the example runs");
    let unauthorized = r#"{"message":"Unauthorized"}"#.to_owned();
    assert_eq!(
        outcome.calls,
        [
            ("access token", 200, "hello alice".to_owned()),
            ("no token", 401, unauthorized.clone()),
            ("ID token", 401, unauthorized),
        ],
        "{outcome}"
    );
}
