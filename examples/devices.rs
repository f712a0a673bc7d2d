//! Remembered devices: the first sign-in on this device asks for the TOTP code, confirms the
//! new device and remembers it; after signing out, the second sign-in proves the device (device
//! SRP) and gets no MFA prompt. The session's refresh is bound to the device, as pools that
//! track devices require.
//!
//! ```text
//! cargo run --example devices
//! ```
//!
//! It starts the emulator in process with a pool that tracks devices and a user with an
//! authenticator app (the example computes the code, playing the app). Against AWS, build the
//! session from `CognitoConfig::from_env()`, read the code from the person, and keep
//! [`Session::remembered_device`] in the app's secure storage between runs.

use std::error::Error;

use cognito_sigv4::Clock;
use cognito_sigv4::credentials::{Session, SignInOutcome};
use cognito_sigv4::secret::{OneTimeCode, Password};
use cognito_sigv4::user_pool::{ChallengeResponse, RememberedDevice};
use cognito_sigv4_emulator::{Emulator, Seed, totp_code};

const SEED: &str = r#"
[[user_pools]]
name = "devices"
device_configuration = { challenge_required_on_new_device = true, device_only_remembered_on_user_prompt = true }
[[user_pools.clients]]
name = "app"
[[user_pools.users]]
username = "tina"
password = "Tina-Passw0rd!"
totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
"#;
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// What the two sign-ins asked for: the challenges of the first, then of the second.
#[derive(Debug, PartialEq, Eq)]
pub struct Prompts {
    /// The first sign-in (a new device): `["SOFTWARE_TOKEN_MFA"]`.
    pub first: Vec<&'static str>,
    /// The second sign-in (the remembered device): none.
    pub second: Vec<&'static str>,
}

/// Runs both sign-ins against a fresh emulator and says what each asked for.
pub async fn run() -> Result<Prompts, Box<dyn Error>> {
    let emulator = Emulator::builder()
        .seed(Seed::from_toml_str(SEED)?)
        .start()
        .await?;
    let config = emulator.config("devices", "app")?;
    let password = Password::new("Tina-Passw0rd!");

    println!("1. first sign-in on this device");
    let (session, first) = sign_in(
        Session::builder(config.clone()).remember_new_device("example laptop"),
        &password,
    )
    .await?;
    let device: RememberedDevice = session
        .remembered_device()
        .ok_or("the pool tracks devices: the sign-in confirmed one")?;
    println!("   remembered device {}", device.key());
    session.sign_out().await?;
    println!("   signed out (the app keeps the device)");

    println!("2. second sign-in, on the remembered device");
    let (session, second) = sign_in(Session::builder(config).device(device), &password).await?;
    let tokens = session.tokens().await?;
    println!("   signed in as {} with no MFA prompt", tokens.username);
    session.sign_out().await?;
    emulator.shutdown().await;
    Ok(Prompts { first, second })
}

/// Signs in, answering any TOTP prompt as the authenticator app would; returns the session
/// and the challenges it was asked.
async fn sign_in(
    builder: cognito_sigv4::credentials::SessionBuilder,
    password: &Password,
) -> Result<(Session, Vec<&'static str>), Box<dyn Error>> {
    let mut prompts = Vec::new();
    let mut outcome = builder.sign_in("tina", password).await?;
    loop {
        match outcome {
            SignInOutcome::Done(session) => return Ok((session, prompts)),
            SignInOutcome::Challenge(pending) => {
                let name = pending.challenge().name();
                println!("   Cognito asks for {name}");
                prompts.push(name);
                if name != "SOFTWARE_TOKEN_MFA" || prompts.len() > 3 {
                    return Err(format!("unexpected challenge {name}").into());
                }
                let code = totp_code(TOTP_SECRET, cognito_sigv4::SystemClock.now())?;
                outcome = pending
                    .respond(ChallengeResponse::MfaCode(OneTimeCode::new(code)))
                    .await?;
            }
        }
    }
}

#[allow(dead_code)] // `tests/examples.rs` includes this file and calls `run` itself
#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let prompts = run().await?;
    assert!(prompts.second.is_empty(), "{prompts:?}");
    Ok(())
}
