//! A WebSocket API whose `$connect` route is `AWS_IAM`, as a signed-in Cognito user: the session's
//! credentials presign the `wss://` URL (SigV4 in the query, the session token included), a
//! WebSocket client connects with it, sends a message and reads the answer. A new URL for each
//! connection: it carries the credentials of the moment.
//!
//! ```text
//! cargo run --example websocket
//! ```
//!
//! By default this starts the emulator in process with the reference scenario, whose `chat`
//! API echoes every message. Against AWS, set the `COGNITO_*` variables of
//! `CognitoConfig::from_env`, `COGNITO_USERNAME`, `COGNITO_PASSWORD` and `COGNITO_WS_URL`
//! (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`).

use std::error::Error;
use std::time::Duration;

use cognito_sigv4::client::ApiClient;
use cognito_sigv4::secret::Password;
use cognito_sigv4::{CognitoConfig, Session, SignInOutcome};
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message;

/// Where to sign in and what to connect to.
pub struct Target {
    config: CognitoConfig,
    username: String,
    password: Password,
    stage_url: String,
    region: Option<String>,
    _emulator: Option<RunningEmulator>,
}

fn env(name: &str) -> Result<String, Box<dyn Error>> {
    std::env::var(name).map_err(|_| format!("set {name} to run against AWS").into())
}

impl Target {
    /// AWS when `COGNITO_WS_URL` is set, the emulator otherwise.
    pub async fn from_env_or_emulator() -> Result<Target, Box<dyn Error>> {
        if std::env::var_os("COGNITO_WS_URL").is_none() {
            return Target::emulated().await;
        }
        Ok(Target {
            config: CognitoConfig::from_env()?,
            username: env("COGNITO_USERNAME")?,
            password: Password::new(env("COGNITO_PASSWORD")?),
            stage_url: env("COGNITO_WS_URL")?,
            region: None,
            _emulator: None,
        })
    }

    /// The emulator with the reference scenario, as `jdoe` (whose role may `$connect`).
    pub async fn emulated() -> Result<Target, Box<dyn Error>> {
        let emulator = Emulator::builder().seed(Seed::reference()).start().await?;
        let stage = emulator.api_url("chat", "prod").ok_or("no chat API")?;
        Ok(Target {
            config: emulator.config("quickstart", "web")?,
            username: "jdoe".into(),
            password: Password::new("Quickstart-Passw0rd!"),
            stage_url: stage.to_string(),
            region: Some(emulator.region()),
            _emulator: Some(emulator),
        })
    }
}

/// Signs in, connects with a presigned URL, sends `text` and returns the answer.
pub async fn run(target: &Target, text: &str) -> Result<String, Box<dyn Error>> {
    let session = match Session::builder(target.config.clone())
        .sign_in(&target.username, &target.password)
        .await?
    {
        SignInOutcome::Done(session) => session,
        SignInOutcome::Challenge(pending) => {
            return Err(format!("answer {} first", pending.challenge().name()).into());
        }
    };
    let mut api = ApiClient::builder(&target.stage_url).session(&session);
    if let Some(region) = &target.region {
        api = api.region(region);
    }
    let url = api.build()?.websocket_url(Duration::from_secs(60)).await?;
    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str()).await?;
    socket.send(Message::text(text)).await?;
    let answer = socket.next().await.ok_or("the connection closed")??;
    socket.close(None).await?;
    Ok(answer.into_text()?.to_string())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let target = Target::from_env_or_emulator().await?;
    let answer = run(&target, "hello over an IAM-authorized WebSocket").await?;
    println!("sent a message, the API answered: {answer}");
    Ok(())
}
