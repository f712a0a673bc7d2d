//! Cold start, the Rust way: from process start to the first signed 200: an SRP sign-in,
//! identity-pool credentials (GetId + GetCredentialsForIdentity) and one SigV4-signed
//! `GET /cip` through [`ApiClient`], against an emulator already serving the reference seed.
//!
//! The peer of `benches/cold_start.py`; both are timed by `cold_start_ab`:
//!
//! ```text
//! cold_start ENDPOINT_URL
//! ```
//!
//! Exit status 0 only when the signed request answered 200.

use std::process::ExitCode;

use cognito_sigv4::client::ApiClient;
use cognito_sigv4::secret::Password;
use cognito_sigv4::{Session, SignInOutcome};
use cognito_sigv4_benches::reference_config;

/// The reference seed's API stage (`emulator/seeds/reference.toml`).
const STAGE: &str = "http://abc123defg.execute-api.us-east-1.amazonaws.com/prod";

// One thread, as a command-line tool would run: nothing here runs in parallel.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let Some(endpoint) = std::env::args().nth(1) else {
        eprintln!("usage: cold_start ENDPOINT_URL");
        return ExitCode::from(2);
    };
    match run(&endpoint).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(endpoint: &str) -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = url::Url::parse(endpoint)?;
    let server = endpoint
        .socket_addrs(|| None)?
        .into_iter()
        .next()
        .ok_or("the endpoint has no address")?;
    let config = reference_config(&endpoint)?;
    let SignInOutcome::Done(session) = Session::builder(config)
        .sign_in("jdoe", &Password::new("Quickstart-Passw0rd!"))
        .await?
    else {
        return Err("unexpected challenge".into());
    };
    let api = ApiClient::builder(STAGE)
        .connect_to(server)
        .session(&session)
        .build()?;
    let response = api.request(http::Method::GET, "/cip").send().await?;
    if response.status() != 200 {
        return Err(format!("GET /cip: {}", response.status()).into());
    }
    Ok(())
}
