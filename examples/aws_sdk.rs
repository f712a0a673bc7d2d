//! Sign in as the `/cip` user, then call AWS with an official aws-sdk-rust client (STS) as that
//! user: `GetCallerIdentity` names the role the identity pool gave them (`CipRole`).
//!
//! ```text
//! cargo run --example aws_sdk --features aws-sdk
//! ```
//!
//! Any other SDK client (`aws_sdk_s3::Client::new(&sdk_config)`, DynamoDB, ...) takes the same
//! config. By default this starts the emulator in process with the reference scenario
//! (`Seed::reference()`) and signs in as `jdoe`. To run against AWS instead, set
//! `COGNITO_REGION`, `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_ID`, `COGNITO_IDENTITY_POOL_ID`
//! (see `CognitoConfig::from_env`), `COGNITO_USERNAME` and `COGNITO_PASSWORD`.

use std::error::Error;
use std::fmt;

use cognito_sigv4::aws_sdk::sdk_config;
use cognito_sigv4::secret::Password;
use cognito_sigv4::{CognitoConfig, Session, SignInOutcome};
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};

/// Where to sign in.
pub struct Target {
    config: CognitoConfig,
    username: String,
    password: Password,
    /// Kept alive for the run when emulating.
    emulator: Option<RunningEmulator>,
}

fn env(name: &str) -> Result<String, Box<dyn Error>> {
    std::env::var(name).map_err(|_| format!("set {name} to run against AWS").into())
}

impl Target {
    /// AWS when `COGNITO_USER_POOL_ID` is set, the emulator otherwise.
    pub async fn from_env_or_emulator() -> Result<Target, Box<dyn Error>> {
        if std::env::var_os("COGNITO_USER_POOL_ID").is_some() {
            Ok(Target {
                config: CognitoConfig::from_env()?,
                username: env("COGNITO_USERNAME")?,
                password: Password::new(env("COGNITO_PASSWORD")?),
                emulator: None,
            })
        } else {
            Target::emulated().await
        }
    }

    /// An emulator of its own, with the reference scenario, as `jdoe`.
    pub async fn emulated() -> Result<Target, Box<dyn Error>> {
        let seed = Seed::reference();
        let password = seed
            .user_pools
            .iter()
            .flat_map(|p| &p.users)
            .find(|u| u.username == "jdoe")
            .map(|u| Password::new(u.password.clone()))
            .ok_or("the seed has no user jdoe")?;
        let emulator = Emulator::builder().seed(seed).start().await?;
        let config = emulator.config("quickstart", "web")?;
        Ok(Target {
            config,
            username: "jdoe".to_owned(),
            password,
            emulator: Some(emulator),
        })
    }
}

/// What the example shows.
#[derive(Debug)]
pub struct Outcome {
    /// The emulator's endpoint, when emulating.
    pub emulator: Option<url::Url>,
    /// Cognito's username of the signed-in user.
    pub username: String,
    /// STS's answer: the assumed role's session ARN.
    pub arn: String,
    /// STS's answer: the account.
    pub account: String,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(endpoint) = &self.emulator {
            writeln!(f, "emulator at {endpoint}")?;
        }
        writeln!(f, "signed in as {}", self.username)?;
        writeln!(f, "sts get-caller-identity:")?;
        writeln!(f, "  account {}", self.account)?;
        writeln!(f, "  arn     {}", self.arn)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    print!("{}", run(Target::from_env_or_emulator().await?).await?);
    Ok(())
}

/// Signs in, asks STS who the SDK client is, and signs out.
pub async fn run(target: Target) -> Result<Outcome, Box<dyn Error>> {
    let session = match Session::builder(target.config.clone())
        .sign_in(&target.username, &target.password)
        .await?
    {
        SignInOutcome::Done(session) => session,
        SignInOutcome::Challenge(pending) => {
            return Err(format!(
                "the user must answer {} first (see examples/cup.rs)",
                pending.challenge().name()
            )
            .into());
        }
    };

    // The one line: any aws-sdk-rust client, as the Cognito identity, refreshed by the session.
    let sts = aws_sdk_sts::Client::new(&sdk_config(&target.config, &session));
    let me = sts.get_caller_identity().send().await?;

    let outcome = Outcome {
        emulator: target.emulator.as_ref().map(RunningEmulator::endpoint),
        username: session.username().unwrap_or_default(),
        arn: me.arn().unwrap_or_default().to_owned(),
        account: me.account().unwrap_or_default().to_owned(),
    };
    session.sign_out().await?;
    Ok(outcome)
}
