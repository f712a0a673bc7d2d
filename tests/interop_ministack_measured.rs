//! The emulator against MiniStack on the behaviours MiniStack's authors marked "(measured)"
//! against AWS in `ministack/services/cognito.py` (1.5): the same raw requests go to both, and
//! the status, error type and message must be the same.
//!
//! - PASSWORD_VERIFIER's answer is validated before the proof, key by key in AWS's order
//!   (`_srp_response_format_error`): no responses, then `USERNAME`, `TIMESTAMP`,
//!   `PASSWORD_CLAIM_SIGNATURE`, `PASSWORD_CLAIM_SECRET_BLOCK`; then the `TIMESTAMP` format
//!   (`EEE MMM d HH:mm:ss z yyyy`, names in any case, the zone `UTC` or `GMT` case-sensitively),
//!   then the signature's base64.
//! - A disabled user is refused as disabled before being refused as unconfirmed.
//! - ChangePassword needs the previous password (AWS names it `OldPassword` in the message)
//!   before it looks at the proposed one's policy.
//!
//! Fixtures: `scripts/interop/ministack_measured_bootstrap.py`, and the same users seeded in the
//! emulator.

mod support;

use cognito_sigv4_emulator::{
    AppClientSeed, Emulator, RunningEmulator, Seed, UserPoolSeed, UserSeed,
};
use serde_json::{Value, json};
use support::peers::{self, Bootstrapped, Unavailable};

const PASSWORD: &str = "Measured-Passw0rd!";

/// Where to send, and the ids to send.
struct Side {
    endpoint: String,
    client_id: String,
}

struct Peers {
    ministack: peers::Peer,
    ids: Value,
}

static MINISTACK: std::sync::OnceLock<Result<Peers, Unavailable>> = std::sync::OnceLock::new();

fn start() -> Result<Peers, Unavailable> {
    let spec = peers::ministack_spec("ministack-measured");
    let Bootstrapped { peer, ids } = peers::start_bootstrapped(
        &["ministack", "boto3"],
        &spec,
        "ministack_measured_bootstrap.py",
    )?;
    Ok(Peers {
        ministack: peer,
        ids,
    })
}

/// The emulator with the same pool: `alice`, and `ghost` unconfirmed and disabled.
async fn emulator() -> RunningEmulator {
    let user = |name: &str, status: Option<&str>, disabled| UserSeed {
        username: name.into(),
        password: PASSWORD.into(),
        status: status.map(str::to_owned),
        disabled,
        ..UserSeed::default()
    };
    let seed = Seed {
        user_pools: vec![UserPoolSeed {
            name: "measured".into(),
            clients: vec![AppClientSeed {
                name: "app".into(),
                ..AppClientSeed::default()
            }],
            users: vec![
                user("alice", None, false),
                user("ghost", Some("UNCONFIRMED"), true),
            ],
            ..UserPoolSeed::default()
        }],
        ..Seed::default()
    };
    Emulator::builder().seed(seed).start().await.unwrap()
}

/// One cognito-idp call: the status and the JSON answer.
async fn post(side: &Side, op: &str, body: Value) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .post(&side.endpoint)
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

/// One cognito-idp call; `(status, __type without its prefix, message)`.
async fn call(side: &Side, op: &str, body: Value) -> (u16, String, String) {
    let (status, body) = post(side, op, body).await;
    let kind = body["__type"].as_str().unwrap_or_default();
    let kind = kind.rsplit('#').next().unwrap_or(kind).to_owned();
    let message = body["message"]
        .as_str()
        .or(body["Message"].as_str())
        .unwrap_or_default()
        .to_owned();
    (status, kind, message)
}

/// A PASSWORD_VERIFIER answer with `responses`, after a real USER_SRP_AUTH start.
async fn verifier(side: &Side, responses: Value) -> (u16, String, String) {
    let (_, started) = post(
        side,
        "InitiateAuth",
        json!({
            "AuthFlow": "USER_SRP_AUTH",
            "ClientId": side.client_id,
            "AuthParameters": {"USERNAME": "alice", "SRP_A": "2"},
        }),
    )
    .await;
    let session = started["Session"].as_str().unwrap_or_default().to_owned();
    call(
        side,
        "RespondToAuthChallenge",
        json!({
            "ChallengeName": "PASSWORD_VERIFIER",
            "ClientId": side.client_id,
            "Session": session,
            "ChallengeResponses": responses,
        }),
    )
    .await
}

#[tokio::test]
async fn the_emulator_answers_as_ministack_measured_aws() {
    const TEST: &str = "the_emulator_answers_as_ministack_measured_aws";
    let Some(ms) = peers::shared(&MINISTACK, start, TEST, "MiniStack") else {
        return;
    };
    let emu = emulator().await;
    let sides = [
        Side {
            endpoint: format!("{}/", ms.ministack.endpoint()),
            client_id: ms.ids["client_id"].as_str().unwrap().to_owned(),
        },
        Side {
            endpoint: emu.endpoint().to_string(),
            client_id: emu
                .config("measured", "app")
                .unwrap()
                .client_id()
                .unwrap()
                .to_owned(),
        },
    ];
    let full = || {
        json!({
            "USERNAME": "alice",
            "TIMESTAMP": "Wed Jan 1 00:00:00 UTC 2025",
            "PASSWORD_CLAIM_SIGNATURE": "c2lnbmF0dXJl",
            "PASSWORD_CLAIM_SECRET_BLOCK": "c2VjcmV0",
        })
    };
    let without = |key: &str| {
        let mut r = full();
        r.as_object_mut().unwrap().remove(key);
        r
    };
    let with = |key: &str, value: &str| {
        let mut r = full();
        r[key] = json!(value);
        r
    };
    let cases: Vec<(&str, Value)> = vec![
        ("no responses", json!({})),
        ("no USERNAME", without("USERNAME")),
        ("no TIMESTAMP", without("TIMESTAMP")),
        ("no signature", without("PASSWORD_CLAIM_SIGNATURE")),
        ("no secret block", without("PASSWORD_CLAIM_SECRET_BLOCK")),
        (
            "zone in lower case",
            with("TIMESTAMP", "Wed Jan 1 00:00:00 utc 2025"),
        ),
        (
            "names in lower case",
            with("TIMESTAMP", "wed jan 1 00:00:00 UTC 2025"),
        ),
        (
            "a two-digit day, GMT",
            with("TIMESTAMP", "Wed Jan 01 00:00:00 GMT 2025"),
        ),
        (
            "signature not base64",
            with("PASSWORD_CLAIM_SIGNATURE", "not base64!"),
        ),
    ];
    let mut differences = Vec::new();
    for (what, responses) in cases {
        let ministack = verifier(&sides[0], responses.clone()).await;
        let emulated = verifier(&sides[1], responses).await;
        if ministack != emulated {
            differences.push(format!(
                "{what}: MiniStack {ministack:?}, emulator {emulated:?}"
            ));
        }
    }
    // Disabled is answered before unconfirmed.
    let (a, b) = (
        sign_in_ghost(&sides[0]).await,
        sign_in_ghost(&sides[1]).await,
    );
    if a != b {
        differences.push(format!(
            "disabled and unconfirmed: MiniStack {a:?}, emulator {b:?}"
        ));
    }
    // ChangePassword without the previous password, with a proposed one that breaks the policy.
    let mut change = Vec::new();
    for side in &sides {
        let (_, tokens) = post(
            side,
            "InitiateAuth",
            json!({
                "AuthFlow": "USER_PASSWORD_AUTH",
                "ClientId": side.client_id,
                "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
            }),
        )
        .await;
        let access = tokens["AuthenticationResult"]["AccessToken"]
            .as_str()
            .unwrap()
            .to_owned();
        change.push(
            call(
                side,
                "ChangePassword",
                json!({"AccessToken": access, "ProposedPassword": "weak"}),
            )
            .await,
        );
    }
    if change[0] != change[1] {
        differences.push(format!(
            "ChangePassword without PreviousPassword: MiniStack {:?}, emulator {:?}",
            change[0], change[1]
        ));
    }
    emu.shutdown().await;
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// USER_PASSWORD_AUTH as `ghost` (unconfirmed and disabled).
async fn sign_in_ghost(side: &Side) -> (u16, String, String) {
    call(
        side,
        "InitiateAuth",
        json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": side.client_id,
            "AuthParameters": {"USERNAME": "ghost", "PASSWORD": PASSWORD},
        }),
    )
    .await
}
