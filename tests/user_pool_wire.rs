//! `UserPoolClient` against a scripted server: what goes on the wire (unsigned calls, the typed
//! username, SRP's answer with Cognito's username and SECRET_HASH), odd answers (unknown
//! challenges, empty answers, every Cognito error name), and network failures (unreachable,
//! silent), with no secret in the trace logs.

mod support;

use std::time::Duration;

use cognito_sigv4::secret::Password;
use cognito_sigv4::user_pool::{AuthFlow, UserPoolClient, UserPoolClientBuilder};
use cognito_sigv4::{CognitoConfig, ErrorKind, ManualClock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The scripted clients' clock: 2026-01-05 09:04:03 UTC.
const START: u64 = 1_767_603_843;

/// A one-connection-per-answer HTTP server on 127.0.0.1 that answers `answers` in order and
/// returns the raw requests it received.
async fn scripted(answers: Vec<(u16, String)>) -> (url::Url, tokio::task::JoinHandle<Vec<String>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let task = tokio::spawn(async move {
        let mut seen = Vec::new();
        for (status, body) in answers {
            let accepted = tokio::time::timeout(Duration::from_secs(10), listener.accept()).await;
            let Ok(Ok((mut sock, _))) = accepted else {
                break;
            };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read the head, then as much body as Content-Length says.
            loop {
                let n = tokio::time::timeout(Duration::from_secs(10), sock.read(&mut chunk))
                    .await
                    .unwrap_or(Ok(0))
                    .unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(head_end) = text.find("\r\n\r\n") {
                    let len = text[..head_end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if buf.len() >= head_end + 4 + len {
                        break;
                    }
                }
            }
            seen.push(String::from_utf8_lossy(&buf).to_string());
            let reason = if status == 200 { "OK" } else { "Bad Request" };
            let resp = format!(
                "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(resp.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
        seen
    });
    (url, task)
}

/// A client of the scripted server, at [`START`].
fn scripted_builder(url: url::Url, secret: Option<&str>) -> UserPoolClientBuilder {
    let mut b = CognitoConfig::builder()
        .region("eu-west-1")
        .user_pool_id("eu-west-1_AbC123")
        .client_id("client1")
        .endpoint_url(url);
    if let Some(s) = secret {
        b = b.client_secret(s);
    }
    UserPoolClient::builder(&b.build().unwrap()).clock(ManualClock::at_epoch_secs(START))
}

fn scripted_client(url: url::Url, secret: Option<&str>) -> UserPoolClient {
    scripted_builder(url, secret).build().unwrap()
}

#[tokio::test]
async fn calls_are_unsigned_and_carry_the_typed_username_at_initiate_auth() {
    let (url, server) = scripted(vec![(
        400,
        r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#.into(),
    )])
    .await;
    let client = scripted_client(url, Some("MARKER-client-secret"));
    let err = client
        .sign_in_with_flow(
            "a@example.com",
            &Password::new("MARKER-pw"),
            AuthFlow::Password,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAuthorized);
    let seen = server.await.unwrap();
    assert_eq!(seen.len(), 1, "one attempt: the SDK's retries are off");
    let req = &seen[0];
    let lower = req.to_lowercase();
    assert!(
        lower.contains("x-amz-target: awscognitoidentityproviderservice.initiateauth"),
        "{req}"
    );
    // No SigV4 and no credentials: these operations are unauthenticated.
    assert!(!lower.contains("\nauthorization:"), "{req}");
    assert!(!lower.contains("x-amz-security-token"), "{req}");
    assert!(req.contains(r#""USER_PASSWORD_AUTH""#), "{req}");
    // SECRET_HASH at InitiateAuth is over the name typed.
    let expected = cognito_sigv4::user_pool::secret_hash::secret_hash(
        &"MARKER-client-secret".into(),
        "a@example.com",
        "client1",
    );
    assert!(
        req.contains(&expected.replace('/', "\\/")) || req.contains(&expected),
        "{req}"
    );
}

#[tokio::test]
async fn unknown_challenges_and_empty_answers_are_typed_errors() {
    let (url, server) = scripted(vec![
        // A name of AWS's ChallengeNameType that no client flow answers.
        (200, r#"{"ChallengeName":"ADMIN_NO_SRP_AUTH","ChallengeParameters":{},"Session":"s"}"#.into()),
        (200, r#"{"ChallengeParameters":{}}"#.into()),
        (200, r#"{"AuthenticationResult":{"AccessToken":"not-a-jwt","IdToken":"x.y.z","ExpiresIn":3600}}"#.into()),
    ])
    .await;
    let client = scripted_client(url, None);
    let pw = Password::new("pw");
    let err = client
        .sign_in_with_flow("a", &pw, AuthFlow::Password)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownChallenge);
    assert!(err.message().contains("ADMIN_NO_SRP_AUTH"), "{err}");
    let err = client
        .sign_in_with_flow("a", &pw, AuthFlow::Password)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
    let err = client
        .sign_in_with_flow("a", &pw, AuthFlow::Password)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{err}");
    assert!(!err.to_string().contains("not-a-jwt"), "{err}");
    server.await.unwrap();
}

#[tokio::test]
async fn srp_answers_password_verifier_with_cognitos_username_and_secret_hash() {
    // A PASSWORD_VERIFIER for alias "a@example.com" whose Cognito username is "uuid-1".
    let verifier = r#"{"ChallengeName":"PASSWORD_VERIFIER","ChallengeParameters":{
        "USER_ID_FOR_SRP":"uuid-1","USERNAME":"uuid-1","SALT":"a1b2c3d4e5f6","SRP_B":"1234567890abcdef1234567890abcdef",
        "SECRET_BLOCK":"AAECAwQF"}}"#;
    let (url, server) = scripted(vec![
        (200, verifier.into()),
        (
            400,
            r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#
                .into(),
        ),
    ])
    .await;
    let client = scripted_client(url, Some("sekrit"));
    let err = client
        .sign_in("a@example.com", &Password::new("pw"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAuthorized);
    let seen = server.await.unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].contains("\"SRP_A\""), "{}", seen[0]);
    let answer = &seen[1];
    assert!(
        answer.to_lowercase().contains("respondtoauthchallenge"),
        "{answer}"
    );
    assert!(answer.contains(r#""USERNAME":"uuid-1""#), "{answer}");
    assert!(
        answer.contains(r#""TIMESTAMP":"Mon Jan 5 09:04:03 UTC 2026""#),
        "{answer}"
    );
    assert!(
        answer.contains(r#""PASSWORD_CLAIM_SECRET_BLOCK":"AAECAwQF""#),
        "{answer}"
    );
    let hash =
        cognito_sigv4::user_pool::secret_hash::secret_hash(&"sekrit".into(), "uuid-1", "client1");
    assert!(
        answer.contains(&hash) || answer.contains(&hash.replace('/', "\\/")),
        "{answer}"
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_retryable_network_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let err = scripted_client(url, None)
        .sign_in("a", &Password::new("MARKER-pw"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(err.is_retryable() && !err.ends_session());
    assert!(!format!("{err} {err:?}").contains("MARKER"));
}

#[tokio::test]
async fn cognito_error_names_reach_the_caller_as_kinds_that_say_what_to_do() {
    // Error names from the Cognito API reference's lists for RevokeToken, InitiateAuth and
    // GetTokensFromRefreshToken, answered by a scripted server so the SDK's parsing is covered.
    let cases = [
        ("UnsupportedOperationException", ErrorKind::Config),
        ("UnauthorizedException", ErrorKind::NotAuthorized),
        ("UnsupportedTokenTypeException", ErrorKind::InvalidParameter),
        ("ForbiddenException", ErrorKind::Service),
        ("UserLambdaValidationException", ErrorKind::Service),
        (
            "InvalidLambdaResponseException",
            ErrorKind::ServiceUnavailable,
        ),
    ];
    let answers = cases
        .iter()
        .map(|(code, _)| {
            (
                400,
                format!(r#"{{"__type":"{code}","message":"the service says no"}}"#),
            )
        })
        .collect();
    let (url, server) = scripted(answers).await;
    let client = scripted_client(url, Some("MARKER-client-secret"));
    let refresh = cognito_sigv4::secret::RefreshToken::new("MARKER-refresh-token");
    let mut errors = Vec::new();
    for _ in 0..3 {
        errors.push(client.revoke_refresh_token(&refresh).await.unwrap_err());
    }
    errors.push(
        client
            .sign_in_with_flow("a", &Password::new("MARKER-pw"), AuthFlow::Password)
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .sign_in_with_flow("a", &Password::new("MARKER-pw"), AuthFlow::Password)
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .sign_in_with_flow("a", &Password::new("MARKER-pw"), AuthFlow::Password)
            .await
            .unwrap_err(),
    );
    for (err, (code, kind)) in errors.iter().zip(cases) {
        assert_eq!(err.service_code(), Some(code), "{err}");
        assert_eq!(err.kind(), kind, "{code}: {err}");
        assert!(!format!("{err} {err:?}").contains("MARKER"), "{err:?}");
    }
    // A WAF block or a trigger's error must not sign the user out; a crashed trigger is worth
    // a retry.
    for err in &errors[3..5] {
        assert!(!err.ends_session() && !err.is_retryable(), "{err}");
    }
    assert!(errors[5].is_retryable());
    assert_eq!(server.await.unwrap().len(), cases.len());
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_as_a_retryable_network_error() {
    // Accepts the connection, reads, and stays silent until the client gives up.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let server = tokio::spawn(async move {
        let Ok(Ok((mut sock, _))) =
            tokio::time::timeout(Duration::from_secs(10), listener.accept()).await
        else {
            return;
        };
        let mut buf = [0u8; 4096];
        let _ = tokio::time::timeout(Duration::from_secs(10), async {
            while let Ok(n) = sock.read(&mut buf).await {
                if n == 0 {
                    break;
                }
            }
        })
        .await;
    });
    let client = scripted_builder(url, None)
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    // Bounded by a wall-clock guard: the client must give up well before it.
    let err = tokio::time::timeout(
        Duration::from_secs(5),
        client.sign_in_with_flow("a", &Password::new("pw"), AuthFlow::Password),
    )
    .await
    .expect("the client gave up in time")
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Network, "{err}");
    assert!(err.is_retryable());
    server.abort();
}
