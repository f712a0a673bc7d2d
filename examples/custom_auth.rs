//! A one-time-code sign-in built from Cognito's custom authentication triggers (`CUSTOM_AUTH`):
//! the pool's define, create and verify auth-challenge functions issue a code, check the
//! answer and decide when the user is in; then the session's AWS credentials sign a call to an
//! IAM-authorized API Gateway route.
//!
//! ```text
//! cargo run --example custom_auth
//! ```
//!
//! By default this starts the emulator in process with the reference scenario, whose pool
//! gets the three triggers as Rust closures (the same code a Lambda function runs: it receives
//! AWS's event and answers it), signs in as `jdoe`, answers a wrong code first (the define
//! trigger allows three tries) and then the right one, read from the "mailbox" the create
//! trigger writes to. To run against AWS instead, deploy equivalent functions as the pool's
//! triggers, allow `ALLOW_CUSTOM_AUTH` on the app client, and set `COGNITO_REGION`,
//! `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_ID` (and `COGNITO_CLIENT_SECRET` if the app client
//! has one), `COGNITO_IDENTITY_POOL_ID`, `COGNITO_USERNAME` and `COGNITO_API_URL`; the codes
//! are then read from standard input.

use std::error::Error;
use std::fmt;
use std::sync::{Arc, Mutex};

use cognito_sigv4::client::ApiClient;
use cognito_sigv4::user_pool::{ChallengeAnswer, ChallengeKind, ChallengeResponse};
use cognito_sigv4::{CognitoConfig, Session, SignInOutcome};
use cognito_sigv4_emulator::{Emulator, EmulatorBuilder, LambdaConfigSeed, RunningEmulator, Seed};
use serde_json::{Value, json};

/// Where the three functions are, as the pool's `LambdaConfig` names them.
const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";

/// The codes the create trigger "e-mailed", newest last (the example's stand-in for SES).
type Mailbox = Arc<Mutex<Vec<String>>>;

/// Where to sign in and what to call.
pub struct Target {
    config: CognitoConfig,
    username: String,
    api_url: String,
    path: String,
    /// The emulated pool's mailbox, when emulating.
    mailbox: Option<Mailbox>,
    /// Kept alive for the run when emulating.
    emulator: Option<RunningEmulator>,
}

fn env(name: &str) -> Result<String, Box<dyn Error>> {
    std::env::var(name).map_err(|_| format!("set {name} to run against AWS").into())
}

/// Define auth challenge: a code challenge until one is answered right; three wrong answers
/// fail the sign-in.
fn define(mut event: Value) -> Value {
    let session = event["request"]["session"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let answered = session.iter().any(|c| c["challengeResult"] == true);
    let wrong = session
        .iter()
        .filter(|c| c["challengeResult"] == false)
        .count();
    event["response"] = if answered {
        json!({ "issueTokens": true, "failAuthentication": false })
    } else if wrong >= 3 {
        json!({ "issueTokens": false, "failAuthentication": true })
    } else {
        json!({ "challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false })
    };
    event
}

/// Create auth challenge: a fresh 6-digit code, "sent" to the user's e-mail (the mailbox); the
/// code itself goes in the private parameters, which only the verify trigger sees.
fn create(mut event: Value, mailbox: &Mailbox) -> Value {
    let code = format!("{:06}", rand::random_range(0..1_000_000u32));
    if let Ok(mut sent) = mailbox.lock() {
        sent.push(code.clone());
    }
    let email = event["request"]["userAttributes"]["email"].clone();
    event["response"] = json!({
        "publicChallengeParameters": { "email": email, "hint": "the 6-digit code we e-mailed you" },
        "privateChallengeParameters": { "code": code },
        "challengeMetadata": "EMAIL_CODE",
    });
    event
}

/// Verify auth challenge response: the answer against the private code.
fn verify(mut event: Value) -> Value {
    let right = event["request"]["challengeAnswer"]
        == event["request"]["privateChallengeParameters"]["code"];
    event["response"] = json!({ "answerCorrect": right });
    event
}

/// The three triggers registered on an emulator builder, as closures.
fn with_triggers(builder: EmulatorBuilder, mailbox: &Mailbox) -> EmulatorBuilder {
    let mailbox = mailbox.clone();
    builder
        .lambda_function("define-auth-challenge", |e| async move { Ok(define(e)) })
        .lambda_function("create-auth-challenge", move |e| {
            let mailbox = mailbox.clone();
            async move { Ok(create(e, &mailbox)) }
        })
        .lambda_function("verify-auth-challenge", |e| async move { Ok(verify(e)) })
}

impl Target {
    /// AWS when `COGNITO_USER_POOL_ID` is set, the emulator otherwise.
    pub async fn from_env_or_emulator() -> Result<Target, Box<dyn Error>> {
        if std::env::var_os("COGNITO_USER_POOL_ID").is_some() {
            Target::from_env()
        } else {
            Target::emulated().await
        }
    }

    /// AWS, from the `COGNITO_*` variables.
    pub fn from_env() -> Result<Target, Box<dyn Error>> {
        Ok(Target {
            config: CognitoConfig::from_env()?,
            username: env("COGNITO_USERNAME")?,
            api_url: env("COGNITO_API_URL")?,
            path: env("COGNITO_IAM_PATH").unwrap_or_else(|_| "/cip".to_owned()),
            mailbox: None,
            emulator: None,
        })
    }

    /// An emulator of its own: the reference scenario, its pool given the three triggers.
    pub async fn emulated() -> Result<Target, Box<dyn Error>> {
        let mut seed = Seed::reference();
        let pool = seed.user_pools.first_mut().ok_or("no user pool")?;
        let config = pool
            .lambda_config
            .get_or_insert_with(LambdaConfigSeed::default);
        config.define_auth_challenge = Some(format!("{ARN}define-auth-challenge"));
        config.create_auth_challenge = Some(format!("{ARN}create-auth-challenge"));
        config.verify_auth_challenge_response = Some(format!("{ARN}verify-auth-challenge"));
        let web = pool
            .clients
            .iter_mut()
            .find(|c| c.name == "web")
            .ok_or("no app client `web`")?;
        web.explicit_auth_flows.push("ALLOW_CUSTOM_AUTH".into());
        let mailbox = Mailbox::default();
        let emulator = with_triggers(Emulator::builder().seed(seed), &mailbox)
            .start()
            .await?;
        Ok(Target {
            config: emulator.config("quickstart", "web")?,
            username: "jdoe".to_owned(),
            api_url: emulator
                .api_url("reference", "prod")
                .ok_or("no API `reference`")?
                .to_string(),
            path: "/cip".to_owned(),
            mailbox: Some(mailbox),
            emulator: Some(emulator),
        })
    }

    /// The latest code the user received: from the mailbox, or typed in.
    fn code(&self) -> Result<String, Box<dyn Error>> {
        if let Some(mailbox) = &self.mailbox {
            let sent = mailbox.lock().map_err(|_| "mailbox poisoned")?;
            return Ok(sent.last().ok_or("no code was sent")?.clone());
        }
        eprint!("code from the e-mail: ");
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim().to_owned())
    }
}

/// What the example shows.
#[derive(Debug)]
pub struct Outcome {
    /// The emulator's endpoint, when emulating.
    pub emulator: Option<url::Url>,
    /// The challenge's public parameters, as the user saw them.
    pub shown: Vec<(String, String)>,
    /// How many answers it took (a wrong one first when emulating).
    pub answers: usize,
    /// Cognito's username of the signed-in user.
    pub username: String,
    /// `(path, HTTP status)` of the signed call.
    pub response: (String, u16),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(endpoint) = &self.emulator {
            writeln!(f, "emulator at {endpoint}")?;
        }
        for (name, value) in &self.shown {
            writeln!(f, "challenge {name}: {value}")?;
        }
        writeln!(
            f,
            "signed in as {} after {} answers",
            self.username, self.answers
        )?;
        writeln!(f, "GET {} -> {}", self.response.0, self.response.1)
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    print!("{}", run(Target::from_env_or_emulator().await?).await?);
    Ok(())
}

/// Signs in with CUSTOM_AUTH (a wrong code first when emulating, to show the retry), then
/// makes one SigV4-signed call.
pub async fn run(target: Target) -> Result<Outcome, Box<dyn Error>> {
    let region = target.config.region().to_owned();
    let mut outcome = Session::builder(target.config.clone())
        .sign_in_custom(&target.username, None)
        .await?;
    let mut shown = Vec::new();
    let mut answers = 0;
    let session = loop {
        let pending = match outcome {
            SignInOutcome::Done(session) => break session,
            SignInOutcome::Challenge(pending) => pending,
        };
        let ChallengeKind::CustomChallenge { parameters } = pending.challenge().kind().clone()
        else {
            return Err(format!("Cognito asked for {}", pending.challenge().name()).into());
        };
        shown = parameters.into_iter().collect();
        let code = if answers == 0 && target.mailbox.is_some() {
            // A typo, to show the define trigger giving another try.
            "000000".to_owned()
        } else {
            target.code()?
        };
        answers += 1;
        let response = ChallengeResponse::CustomAnswer {
            answer: ChallengeAnswer::new(code),
            client_metadata: [("attempt".to_owned(), answers.to_string())].into(),
        };
        outcome = pending.respond(response).await?;
    };
    let api = ApiClient::builder(target.api_url.as_str())
        .region(region)
        .session(&session)
        .build()?;
    let response = api.request(http::Method::GET, &target.path).send().await?;
    let outcome = Outcome {
        emulator: target.emulator.as_ref().map(RunningEmulator::endpoint),
        shown,
        answers,
        username: session.username().unwrap_or_default(),
        response: (target.path.clone(), response.status().as_u16()),
    };
    session.sign_out().await?;
    Ok(outcome)
}
