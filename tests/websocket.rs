//! WebSocket APIs with IAM on `$connect` against the emulator: a presigned URL from a session
//! connects and echoes; a role that may not connect, a tampered signature and an expired URL
//! are refused at the upgrade with API Gateway's 403.

mod support;

use std::time::Duration;

use cognito_sigv4::client::ApiClient;
use futures_util::{SinkExt as _, StreamExt as _};
use support::{TestEmulator, signed_in};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// The `chat` API's presigned `$connect` URL for `user`.
async fn connect_url(env: &TestEmulator, user: &str, expires_in: Duration) -> url::Url {
    let session = signed_in(
        cognito_sigv4::Session::builder(env.config()).clock(env.clock.clone()),
        user,
    )
    .await;
    let stage = env.emulator.api_url("chat", "prod").unwrap();
    ApiClient::builder(stage.as_str())
        .region(env.region())
        .clock(env.clock.clone())
        .session(&session)
        .build()
        .unwrap()
        .websocket_url(expires_in)
        .await
        .unwrap()
}

/// The HTTP status a refused upgrade answered.
async fn refused(url: &str) -> u16 {
    match tokio_tungstenite::connect_async(url).await {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("not an HTTP refusal: {other}"),
        Ok(_) => panic!("the upgrade was accepted"),
    }
}

#[tokio::test]
async fn a_presigned_connect_url_opens_an_echoing_socket() {
    let env = TestEmulator::start().await;
    let url = connect_url(&env, "jdoe", Duration::from_secs(60)).await;
    assert_eq!(url.scheme(), "ws");
    let pairs: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    for key in [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Security-Token",
        "X-Amz-Signature",
    ] {
        assert!(pairs.iter().any(|k| k == key), "{key} in {url}");
    }
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    for text in ["hello", "again"] {
        socket.send(Message::text(text)).await.unwrap();
        let answer = socket.next().await.unwrap().unwrap();
        assert_eq!(answer.into_text().unwrap().as_str(), text);
    }
    socket.close(None).await.unwrap();
    assert_eq!(env.calls("$connect"), 1);
    env.shutdown().await;
}

#[tokio::test]
async fn refused_upgrades_answer_403() {
    let env = TestEmulator::start().await;
    // alice's role may not invoke `$connect`.
    let alice = connect_url(&env, "alice", Duration::from_secs(60)).await;
    assert_eq!(refused(alice.as_str()).await, 403);
    // A signature changed by one character.
    let jdoe = connect_url(&env, "jdoe", Duration::from_secs(60)).await;
    let tampered = {
        let text = jdoe.to_string();
        let at = text.rfind("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
        let flipped = if &text[at..at + 1] == "0" { "1" } else { "0" };
        format!("{}{flipped}{}", &text[..at], &text[at + 1..])
    };
    assert_eq!(refused(&tampered).await, 403);
    // Unsigned.
    let unsigned = env.emulator.api_url("chat", "prod").unwrap();
    let unsigned = unsigned.as_str().replacen("http", "ws", 1);
    assert_eq!(refused(&unsigned).await, 403);
    // Expired: the URL was good for a minute.
    env.clock.advance(Duration::from_secs(61));
    assert_eq!(refused(jdoe.as_str()).await, 403);
    env.shutdown().await;
}
