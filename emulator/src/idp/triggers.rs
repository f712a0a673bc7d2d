//! Cognito's Lambda triggers: the events Cognito sends (`version`, `triggerSource`, `region`,
//! `userPoolId`, `userName`, `callerContext`, `request`, `response`, as the Cognito developer
//! guide's "Lambda triggers" documents them), the function's answer read back, and AWS's
//! errors when it fails:
//!
//! - the function throws: `UserLambdaValidationException: <Trigger> failed with error
//!   <message>.`;
//! - it times out or cannot be reached: `UnexpectedLambdaException: <Trigger> invocation failed
//!   due to error Socket timeout while invoking Lambda function.` (the timeout's text is AWS's,
//!   quoted in sst#1815 and amazon-cognito-identity-dart-2#204; for an unreachable function the
//!   reason is the emulator's);
//! - it answers something that is not an event with a `response` object:
//!   `InvalidLambdaResponseException: Unrecognizable lambda output` (AWS's text, quoted in
//!   amplify-studio#1006).
//!
//! A handler asks for a trigger with [`invoke`]; the call itself is made outside the state's
//! lock ([`crate::lambda::replay`]): a pass that stops at it is undone and run again.

use crate::lambda::InvokeError;
use crate::lambda::replay::{self, Pending};
use crate::seed::LambdaConfigSeed;
use crate::state::{User, UserPool};
use crate::wire::WireError;
use serde_json::{Map, Value, json};
use std::cell::RefCell;

/// A user-pool trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trigger {
    PreSignUp,
    CustomMessage,
    PostConfirmation,
    PreAuthentication,
    PostAuthentication,
    DefineAuthChallenge,
    CreateAuthChallenge,
    VerifyAuthChallengeResponse,
    PreTokenGeneration,
    UserMigration,
}

impl Trigger {
    /// The name AWS's error messages use.
    pub(super) fn name(self) -> &'static str {
        match self {
            Trigger::PreSignUp => "PreSignUp",
            Trigger::CustomMessage => "CustomMessage",
            Trigger::PostConfirmation => "PostConfirmation",
            Trigger::PreAuthentication => "PreAuthentication",
            Trigger::PostAuthentication => "PostAuthentication",
            Trigger::DefineAuthChallenge => "DefineAuthChallenge",
            Trigger::CreateAuthChallenge => "CreateAuthChallenge",
            Trigger::VerifyAuthChallengeResponse => "VerifyAuthChallengeResponse",
            Trigger::PreTokenGeneration => "PreTokenGeneration",
            Trigger::UserMigration => "UserMigration",
        }
    }

    /// The function configured for it, and the event version it takes (`"1"`, or for
    /// pre-token generation what `PreTokenGenerationConfig.LambdaVersion` says).
    pub(super) fn function(self, config: &LambdaConfigSeed) -> Option<(&str, &'static str)> {
        fn plain(f: &Option<String>) -> Option<(&str, &'static str)> {
            f.as_deref().map(|arn| (arn, "1"))
        }
        match self {
            Trigger::PreSignUp => plain(&config.pre_sign_up),
            Trigger::CustomMessage => plain(&config.custom_message),
            Trigger::PostConfirmation => plain(&config.post_confirmation),
            Trigger::PreAuthentication => plain(&config.pre_authentication),
            Trigger::PostAuthentication => plain(&config.post_authentication),
            Trigger::DefineAuthChallenge => plain(&config.define_auth_challenge),
            Trigger::CreateAuthChallenge => plain(&config.create_auth_challenge),
            Trigger::VerifyAuthChallengeResponse => plain(&config.verify_auth_challenge_response),
            Trigger::UserMigration => plain(&config.user_migration),
            Trigger::PreTokenGeneration => match &config.pre_token_generation_config {
                Some(v) => Some((
                    v.lambda_arn.as_str(),
                    match v.lambda_version.as_str() {
                        "V2_0" => "2",
                        "V3_0" => "3",
                        _ => "1",
                    },
                )),
                None => plain(&config.pre_token_generation),
            },
        }
    }

    /// The `response` member of the event Cognito sends, before the function fills it.
    fn empty_response(self, version: &str) -> Value {
        match self {
            Trigger::PreSignUp => json!({
                "autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false,
            }),
            Trigger::CustomMessage => {
                json!({ "smsMessage": null, "emailMessage": null, "emailSubject": null })
            }
            Trigger::DefineAuthChallenge => json!({
                "challengeName": null, "issueTokens": null, "failAuthentication": null,
            }),
            Trigger::CreateAuthChallenge => json!({
                "publicChallengeParameters": null,
                "privateChallengeParameters": null,
                "challengeMetadata": null,
            }),
            Trigger::VerifyAuthChallengeResponse => json!({ "answerCorrect": null }),
            Trigger::PreTokenGeneration if version == "1" => {
                json!({ "claimsOverrideDetails": null })
            }
            Trigger::PreTokenGeneration => json!({ "claimsAndScopeOverrideDetails": null }),
            Trigger::UserMigration => json!({
                "userAttributes": null,
                "finalUserStatus": null,
                "messageAction": null,
                "desiredDeliveryMediums": null,
                "forceAliasCreation": null,
                "enableSMSMFA": null,
            }),
            Trigger::PostConfirmation
            | Trigger::PreAuthentication
            | Trigger::PostAuthentication => json!({}),
        }
    }

    /// Whether AWS passes the caller's `ClientMetadata` to this trigger. It does not to
    /// pre-authentication (whose documented request has `validationData` only).
    fn takes_client_metadata(self) -> bool {
        self != Trigger::PreAuthentication
    }
}

/// Who calls: the pool, its region and the app client (`callerContext.clientId`).
#[derive(Clone, Copy)]
pub(super) struct Caller<'a> {
    pub(super) pool: &'a UserPool,
    pub(super) region: &'a str,
    pub(super) client_id: Option<&'a str>,
}

/// What the triggers a request invokes learn from the request itself.
#[derive(Default)]
struct RequestContext {
    client_metadata: Map<String, Value>,
    client_id: Option<String>,
    region: String,
}

thread_local! {
    /// The request being served on this thread ([`with_request`]).
    static REQUEST: RefCell<RequestContext> = RefCell::new(RequestContext::default());
}

/// Runs `f` with `req`'s `ClientMetadata` and `ClientId` (and the emulator's `region`) known
/// to the triggers it invokes from places that do not carry them (codes' messages).
pub(super) fn with_request<T>(req: &Value, region: &str, f: impl FnOnce() -> T) -> T {
    let context = RequestContext {
        client_metadata: req
            .get("ClientMetadata")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        client_id: req
            .get("ClientId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        region: region.to_owned(),
    };
    let previous = REQUEST.with(|m| std::mem::replace(&mut *m.borrow_mut(), context));
    let out = f();
    REQUEST.with(|m| *m.borrow_mut() = previous);
    out
}

/// The `ClientMetadata` of the request being served.
pub(super) fn client_metadata() -> Map<String, Value> {
    REQUEST.with(|m| m.borrow().client_metadata.clone())
}

/// Invokes `trigger` for `pool` as [`invoke`] does, the caller being the request being
/// served (its `ClientId`, the emulator's region).
pub(super) fn invoke_for_request(
    pool: &UserPool,
    trigger: Trigger,
    source: &str,
    user_name: &str,
    request: Map<String, Value>,
) -> Result<Option<Map<String, Value>>, WireError> {
    let (client_id, region) = REQUEST.with(|m| {
        let m = m.borrow();
        (m.client_id.clone(), m.region.clone())
    });
    let caller = Caller {
        pool,
        region: &region,
        client_id: client_id.as_deref(),
    };
    invoke(caller, trigger, source, user_name, request)
}

/// Whether the pool has the trigger.
pub(super) fn configured(pool: &UserPool, trigger: Trigger) -> bool {
    trigger.function(&pool.lambda).is_some()
}

/// Invokes `trigger` for `user_name` with `request` (its members besides `clientMetadata`,
/// which is added where AWS passes it): the function's `response`, or `None` when the pool has
/// no such trigger; AWS's error when the function fails.
pub(super) fn invoke(
    caller: Caller<'_>,
    trigger: Trigger,
    source: &str,
    user_name: &str,
    mut request: Map<String, Value>,
) -> Result<Option<Map<String, Value>>, WireError> {
    let Some((function, version)) = trigger.function(&caller.pool.lambda) else {
        return Ok(None);
    };
    if trigger.takes_client_metadata() && !request.contains_key("clientMetadata") {
        request.insert("clientMetadata".into(), Value::Object(client_metadata()));
    }
    let event = json!({
        "version": version,
        "triggerSource": source,
        "region": caller.region,
        "userPoolId": caller.pool.id,
        "userName": user_name,
        "callerContext": {
            // What real events carry for callers whose SDK Cognito does not recognise.
            "awsSdkVersion": "aws-sdk-unknown-unknown",
            "clientId": caller.client_id.unwrap_or("CLIENT_ID_NOT_APPLICABLE"),
        },
        "request": request,
        "response": trigger.empty_response(version),
    });
    let answer = match replay::call(function, event) {
        Err(Pending) => return Err(pending(trigger)),
        Ok(Err(e)) => return Err(failed(trigger, e)),
        Ok(Ok(answer)) => answer,
    };
    match answer.get("response") {
        Some(Value::Object(response)) => Ok(Some(response.clone())),
        _ => Err(unrecognizable()),
    }
}

/// What a pass that stops at a call answers (never seen by a client: the pass is run again,
/// unless the request has made too many calls, when it is the answer).
fn pending(trigger: Trigger) -> WireError {
    WireError::json(
        "UnexpectedLambdaException",
        format!(
            "{} invocation failed due to error Too many Lambda invocations for one request.",
            trigger.name()
        ),
    )
}

/// AWS's error for a trigger whose call failed.
pub(super) fn failed(trigger: Trigger, e: InvokeError) -> WireError {
    let name = trigger.name();
    match e {
        InvokeError::Function { message, .. } => WireError::json(
            "UserLambdaValidationException",
            format!("{name} failed with error {message}."),
        ),
        InvokeError::Timeout => WireError::json(
            "UnexpectedLambdaException",
            format!(
                "{name} invocation failed due to error Socket timeout while invoking Lambda function."
            ),
        ),
        InvokeError::Unreachable(reason) => WireError::json(
            "UnexpectedLambdaException",
            format!("{name} invocation failed due to error {reason}."),
        ),
        InvokeError::InvalidResponse => unrecognizable(),
    }
}

/// `InvalidLambdaResponseException: Unrecognizable lambda output`.
pub(super) fn unrecognizable() -> WireError {
    WireError::json(
        "InvalidLambdaResponseException",
        "Unrecognizable lambda output",
    )
}

/// A user's attributes as triggers see them: every attribute, `sub`, and
/// `cognito:user_status` (as real events carry it).
pub(super) fn user_attributes(user: &User) -> Value {
    let mut attrs: Map<String, Value> = user
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    attrs.insert("sub".into(), json!(user.sub));
    attrs.insert("cognito:user_status".into(), json!(user.status.as_str()));
    Value::Object(attrs)
}

/// A boolean member of a trigger's response: `null` and absent are `false`; anything else but
/// a boolean is an answer Cognito cannot read.
pub(super) fn flag(response: &Map<String, Value>, name: &str) -> Result<bool, WireError> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(unrecognizable()),
    }
}

/// A string-to-string map member of a trigger's response (`publicChallengeParameters`...):
/// `null` and absent are empty; values must be strings.
pub(super) fn string_map(
    response: &Map<String, Value>,
    name: &str,
) -> Result<Map<String, Value>, WireError> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) if m.values().all(Value::is_string) => Ok(m.clone()),
        Some(_) => Err(unrecognizable()),
    }
}

/// A list-of-strings member of a trigger's response: `null` and absent are empty.
pub(super) fn strings(response: &Map<String, Value>, name: &str) -> Result<Vec<String>, WireError> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).ok_or_else(unrecognizable))
            .collect(),
        Some(_) => Err(unrecognizable()),
    }
}

/// An optional string member of a trigger's response.
pub(super) fn text<'a>(
    response: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, WireError> {
    match response.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(unrecognizable()),
    }
}
