//! User-pool Lambda triggers, driven with the official Rust SDK client against an emulator
//! whose functions are Rust closures (and, in `invoke_api`, a stand-in Lambda Invoke server).
//! Every event a function receives is checked against the Lambda runtime's own event types
//! (`aws_lambda_events`, code this project did not write): it must deserialize into the
//! trigger's type, with AWS's `triggerSource`, and carry no member the type does not know.

#[path = "../support/mod.rs"]
mod support;

mod boto3;
mod custom_auth;
mod invoke_api;
mod lifecycle;

use aws_sdk_cognitoidentityprovider as idp;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use base64::Engine as _;
use cognito_sigv4::ManualClock;
use cognito_sigv4_emulator::{Emulator, EmulatorBuilder, FunctionError, RunningEmulator, Seed};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const START: u64 = 1_768_480_496; // 2026-01-15T12:34:56Z
const POOL: &str = "us-east-1_Triggers1";
const CLIENT: &str = "triggersappclient000000001";
const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";
const PASSWORD: &str = "Passw0rd!-long-enough";

/// A pool whose every trigger names a function of [`functions`].
fn seed() -> Seed {
    Seed::from_toml_str(&format!(
        r#"
[[user_pools]]
id = "{POOL}"
name = "main"
[user_pools.lambda_config]
PreSignUp = "{ARN}pre-sign-up"
PostConfirmation = "{ARN}post-confirmation"
PreAuthentication = "{ARN}pre-authentication"
PostAuthentication = "{ARN}post-authentication"
DefineAuthChallenge = "{ARN}define"
CreateAuthChallenge = "{ARN}create"
VerifyAuthChallengeResponse = "{ARN}verify"
UserMigration = "{ARN}migrate"
CustomMessage = "{ARN}custom-message"
[user_pools.lambda_config.PreTokenGenerationConfig]
LambdaVersion = "V2_0"
LambdaArn = "{ARN}pre-token"

[[user_pools.clients]]
id = "{CLIENT}"
name = "app"
explicit_auth_flows = ["ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

[[user_pools.groups]]
name = "readers"

[[user_pools.users]]
username = "jdoe"
password = "{PASSWORD}"
groups = ["readers"]
[user_pools.users.attributes]
email = "jdoe@example.com"
email_verified = "true"

[[user_pools.users]]
username = "blocked"
password = "{PASSWORD}"
"#
    ))
    .unwrap()
}

/// The events the functions received, oldest first.
type Events = Arc<Mutex<Vec<Value>>>;

/// Registers `name` on `builder`: it records each event, then answers with `f`.
fn function(
    builder: EmulatorBuilder,
    events: &Events,
    name: &str,
    f: impl Fn(Value) -> Result<Value, FunctionError> + Send + Sync + 'static,
) -> EmulatorBuilder {
    let events = events.clone();
    let f = Arc::new(f);
    builder.lambda_function(name, move |event: Value| {
        events.lock().unwrap().push(event.clone());
        let f = f.clone();
        async move { f(event) }
    })
}

/// The trigger functions of [`seed`], as a small app would write them.
fn functions(builder: EmulatorBuilder, events: &Events) -> EmulatorBuilder {
    let builder = function(builder, events, "pre-sign-up", |mut e| {
        let email = e["request"]["userAttributes"]["email"]
            .as_str()
            .unwrap_or("");
        if !email.ends_with("@example.com") {
            return Err(FunctionError::new("only example.com addresses may sign up"));
        }
        if e["request"]["clientMetadata"]["invited"] == "yes" {
            e["response"]["autoConfirmUser"] = json!(true);
            e["response"]["autoVerifyEmail"] = json!(true);
        }
        Ok(e)
    });
    let builder = function(builder, events, "post-confirmation", |e| {
        if e["request"]["userAttributes"]["email"] == "fail@example.com" {
            return Err(FunctionError::typed(
                "DatabaseError",
                "welcome row not written",
            ));
        }
        Ok(e)
    });
    let builder = function(builder, events, "pre-authentication", |e| {
        if e["userName"] == "blocked" {
            return Err(FunctionError::new("this account is blocked"));
        }
        Ok(e)
    });
    let builder = function(builder, events, "post-authentication", Ok);
    let builder = function(builder, events, "pre-token", |mut e| {
        e["response"]["claimsAndScopeOverrideDetails"] = json!({
            "idTokenGeneration": {
                "claimsToAddOrOverride": { "tenant": "acme", "plan": { "tier": 2 } },
                "claimsToSuppress": ["email_verified"],
            },
            "accessTokenGeneration": {
                "claimsToAddOrOverride": { "tenant": "acme" },
                "scopesToAdd": ["api/read"],
            },
            "groupOverrideDetails": { "groupsToOverride": ["readers", "beta"] },
        });
        Ok(e)
    });
    let builder = function(builder, events, "custom-message", |mut e| {
        if e["triggerSource"] == "CustomMessage_SignUp" {
            let name = e["request"]["userAttributes"]["email"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            e["response"]["emailSubject"] = json!("Welcome to Acme");
            e["response"]["emailMessage"] = json!(format!(
                "Hello {name}, your code is {}",
                e["request"]["codeParameter"].as_str().unwrap_or("")
            ));
        }
        Ok(e)
    });
    let builder = custom_auth::functions(builder, events);
    function(builder, events, "migrate", |mut e| {
        if e["userName"] == "legacy" && e["request"]["password"] == "Legacy-Passw0rd!" {
            e["response"]["userAttributes"] =
                json!({ "email": "legacy@example.com", "email_verified": "true" });
            e["response"]["finalUserStatus"] = json!("CONFIRMED");
            e["response"]["messageAction"] = json!("SUPPRESS");
            return Ok(e);
        }
        if e["triggerSource"] == "UserMigration_ForgotPassword" && e["userName"] == "legacy2" {
            e["response"]["userAttributes"] = json!({ "email": "legacy2@example.com" });
            e["response"]["finalUserStatus"] = json!("RESET_REQUIRED");
            return Ok(e);
        }
        Err(FunctionError::new("no such legacy user"))
    })
}

struct Env {
    emu: RunningEmulator,
    idp: idp::Client,
    events: Events,
}

impl Env {
    async fn start() -> Env {
        Self::start_with(|b| b).await
    }

    async fn start_with(configure: impl FnOnce(EmulatorBuilder) -> EmulatorBuilder) -> Env {
        let events = Events::default();
        let builder = Emulator::builder()
            .seed(seed())
            .clock(ManualClock::at_epoch_secs(START));
        let emu = configure(functions(builder, &events))
            .start()
            .await
            .unwrap();
        let config = idp::Config::builder()
            .behavior_version(idp::config::BehaviorVersion::latest())
            .region(idp::config::Region::new("us-east-1"))
            .endpoint_url(emu.endpoint().as_str())
            .build();
        Env {
            idp: idp::Client::from_conf(config),
            emu,
            events,
        }
    }

    /// The events received since the last call, and forgets them.
    fn take_events(&self) -> Vec<Value> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }

    async fn password_sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> Result<idp::types::AuthenticationResultType, (String, String)> {
        let out = self
            .idp
            .initiate_auth()
            .auth_flow(idp::types::AuthFlowType::UserPasswordAuth)
            .client_id(CLIENT)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password)
            .client_metadata("app-version", "1.2.3")
            .send()
            .await
            .map_err(aws_error)?;
        Ok(out.authentication_result().unwrap().clone())
    }
}

/// An SDK error's code and message.
fn aws_error<E: ProvideErrorMetadata>(e: E) -> (String, String) {
    (
        e.code().unwrap_or_default().to_owned(),
        e.message().unwrap_or_default().to_owned(),
    )
}

/// A JWT's claims (unverified: the emulator's own tests check signatures).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// Checks `event` against the Lambda runtime's type `T`: it deserializes, and no member of the
/// event, its `request`, `response` or `callerContext` is unknown to `T` (members the crate
/// does not model but AWS documents are named in `documented_extra`). Returns the typed event.
fn shaped<T: DeserializeOwned + Serialize>(event: &Value, documented_extra: &[&str]) -> T {
    let typed: T = serde_json::from_value(event.clone())
        .unwrap_or_else(|e| panic!("{e}: the event does not fit the crate's type: {event:#}"));
    let back = serde_json::to_value(&typed).unwrap();
    for section in [
        None,
        Some("request"),
        Some("response"),
        Some("callerContext"),
    ] {
        let (ours, theirs) = match section {
            None => (event, &back),
            Some(s) => (&event[s], &back[s]),
        };
        for key in ours.as_object().into_iter().flat_map(|m| m.keys()) {
            assert!(
                theirs.get(key).is_some() || documented_extra.contains(&key.as_str()),
                "{section:?}.{key} is not a member of the crate's type: {event:#}"
            );
        }
    }
    typed
}

/// The common members every event carries, as AWS documents them.
fn assert_common(event: &Value, trigger_source: &str, user_name: &str) {
    assert_eq!(event["triggerSource"], trigger_source, "{event:#}");
    assert_eq!(event["region"], "us-east-1");
    assert_eq!(event["userPoolId"], POOL);
    assert_eq!(event["userName"], user_name);
    assert_eq!(event["callerContext"]["clientId"], CLIENT);
    assert!(event["callerContext"]["awsSdkVersion"].is_string());
}
