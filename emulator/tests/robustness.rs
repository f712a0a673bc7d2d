//! The emulator against garbage: every operation of every service, fed bodies that are not
//! JSON, not UTF-8, of the wrong shape or with members of the wrong type, answers with AWS's
//! error shape and a 4xx status, never a 5xx or a dropped connection.

use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};
use serde_json::{Value, json};

const CLIENT: &str = "quickstartwebclient0000001";

async fn start() -> RunningEmulator {
    Emulator::builder()
        .seed(Seed::reference())
        .start()
        .await
        .unwrap()
}

/// POSTs `body` to `target` and returns the status and the parsed JSON answer.
async fn call(emu: &RunningEmulator, target: &str, body: Vec<u8>) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(emu.endpoint())
        .header("x-amz-target", target)
        .header("content-type", "application/x-amz-json-1.1")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{target}: answer is not JSON ({e}): {text:?}"));
    (status, value)
}

const IDP_OPS: &[&str] = &[
    "InitiateAuth",
    "RespondToAuthChallenge",
    "GetTokensFromRefreshToken",
    "RevokeToken",
    "GlobalSignOut",
    "GetUser",
    "AssociateSoftwareToken",
    "VerifySoftwareToken",
    "SetUserMFAPreference",
];
const IDENTITY_OPS: &[&str] = &["GetId", "GetCredentialsForIdentity", "GetOpenIdToken"];

fn garbage_bodies() -> Vec<Vec<u8>> {
    vec![
        b"not json".to_vec(),
        b"{\"AuthFlow\":".to_vec(),
        vec![0xff, 0xfe, b'{', 0x80, b'}'],
        b"[1,2,3]".to_vec(),
        b"\"a string\"".to_vec(),
        b"null".to_vec(),
        b"{}".to_vec(),
        Vec::new(),
        json!({
            "AuthFlow": 5, "ClientId": ["x"], "AuthParameters": "USERNAME",
            "ChallengeName": {}, "ChallengeResponses": [1], "Session": true,
            "AccessToken": 1.5, "RefreshToken": {}, "Token": [], "UserCode": 123456,
            "IdentityPoolId": 7, "IdentityId": [], "Logins": "x", "CustomRoleArn": {},
            "SoftwareTokenMfaSettings": "yes",
        })
        .to_string()
        .into_bytes(),
        json!({
            "AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT,
            "AuthParameters": { "USERNAME": "jdoe", "SRP_A": "zz-not-hex\u{e9}" },
        })
        .to_string()
        .into_bytes(),
        json!({
            "AuthFlow": "USER_SRP_AUTH", "ClientId": CLIENT,
            "AuthParameters": { "USERNAME": "jdoe", "SRP_A": "f".repeat(20_000) },
        })
        .to_string()
        .into_bytes(),
        json!({
            "ChallengeName": "PASSWORD_VERIFIER", "ClientId": CLIENT,
            "ChallengeResponses": {
                "USERNAME": "jdoe", "PASSWORD_CLAIM_SECRET_BLOCK": "%%%",
                "PASSWORD_CLAIM_SIGNATURE": "%%%", "TIMESTAMP": "Mon Jan 99 99:99:99 UTC 20266",
            },
        })
        .to_string()
        .into_bytes(),
        json!({ "AccessToken": "a.b.c", "IdentityPoolId": "us-east-1:x",
                "IdentityId": "us-east-1:x", "Logins": { "cognito-idp": "\u{0}.\u{1}.\u{2}" } })
        .to_string()
        .into_bytes(),
    ]
}

#[tokio::test]
async fn garbage_requests_get_aws_error_shapes_not_server_errors() {
    let emu = start().await;
    let targets = IDP_OPS
        .iter()
        .map(|op| format!("AWSCognitoIdentityProviderService.{op}"))
        .chain(
            IDENTITY_OPS
                .iter()
                .map(|op| format!("AWSCognitoIdentityService.{op}")),
        );
    for target in targets {
        for body in garbage_bodies() {
            let shown = String::from_utf8_lossy(&body)
                .chars()
                .take(80)
                .collect::<String>();
            let (status, answer) = call(&emu, &target, body).await;
            assert!(
                (400..500).contains(&status),
                "{target} {shown:?}: status {status}, {answer}"
            );
            let ty = answer["__type"].as_str().unwrap_or_default();
            assert!(
                !ty.is_empty() && answer["message"].is_string(),
                "{target} {shown:?}: not AWS's error shape: {answer}"
            );
        }
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn members_of_the_wrong_type_are_serialization_errors() {
    let emu = start().await;
    let cases = [
        (
            "AWSCognitoIdentityProviderService.InitiateAuth",
            json!({ "AuthFlow": 5, "ClientId": CLIENT }),
        ),
        (
            "AWSCognitoIdentityProviderService.InitiateAuth",
            json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": CLIENT,
                    "AuthParameters": { "USERNAME": "jdoe", "PASSWORD": 12345678 } }),
        ),
        (
            "AWSCognitoIdentityProviderService.RespondToAuthChallenge",
            json!({ "ChallengeName": "SMS_MFA", "ClientId": CLIENT, "ChallengeResponses": "x" }),
        ),
        (
            "AWSCognitoIdentityProviderService.GetUser",
            json!({ "AccessToken": ["a.b.c"] }),
        ),
        (
            "AWSCognitoIdentityService.GetId",
            json!({ "IdentityPoolId": 42 }),
        ),
    ];
    for (target, body) in cases {
        let (status, answer) = call(&emu, target, body.to_string().into_bytes()).await;
        assert_eq!(status, 400, "{target} {body}");
        assert_eq!(
            answer["__type"], "SerializationException",
            "{target} {body}: {answer}"
        );
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_a_serialization_error() {
    let emu = start().await;
    let (status, answer) = call(
        &emu,
        "AWSCognitoIdentityProviderService.InitiateAuth",
        vec![b'{', b'"', 0xff, b'"', b':', b'1', b'}'],
    )
    .await;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("SerializationException"))
    );
    emu.shutdown().await;
}

#[test]
fn seed_and_builder_debug_hold_no_passwords_client_secrets_or_totp_secrets() {
    let seed = Seed::from_toml_str(
        r#"
        [[user_pools]]
        name = "p"
        [[user_pools.clients]]
        name = "c"
        secret = "CLIENT-SECRET-MARKER"
        [[user_pools.users]]
        username = "u"
        password = "PASSWORD-MARKER-1!"
        totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        "#,
    )
    .unwrap();
    let builder = Emulator::builder().seed(seed.clone());
    for shown in [format!("{seed:?}"), format!("{builder:?}")] {
        assert!(
            shown.contains("\"u\"") && shown.contains("\"c\""),
            "{shown}"
        );
        for secret in [
            "CLIENT-SECRET-MARKER",
            "PASSWORD-MARKER-1!",
            "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        ] {
            assert!(!shown.contains(secret), "a secret reached Debug: {shown}");
        }
    }
}

#[test]
fn a_seed_syntax_error_names_the_line_without_quoting_it() {
    let err = Seed::from_toml_str(
        "[[user_pools]]\nname = \"p\"\n[[user_pools.users]]\nusername = \"u\"\npassword = \"PASSWORD-MARKER-1!\n",
    )
    .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("line 5"), "{shown}");
    assert!(
        !shown.contains("PASSWORD-MARKER"),
        "the seed's text reached the error: {shown}"
    );
}

#[tokio::test]
async fn a_totp_secret_that_is_not_base32_is_a_seed_error_not_silent_mismatches() {
    let seed = Seed::from_toml_str(
        "[[user_pools]]\nname = \"p\"\n[[user_pools.users]]\nusername = \"u\"\n\
         password = \"Passw0rd!\"\ntotp_secret = \"not base32: 0189!\"\n",
    )
    .unwrap();
    let err = Emulator::builder().seed(seed).start().await.unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("totp_secret is not base32"), "{shown}");
    assert!(
        !shown.contains("0189"),
        "the secret reached the error: {shown}"
    );
}

#[tokio::test]
async fn api_gateway_takes_payloads_up_to_its_10_mb_quota() {
    let seed = Seed::from_toml_str(
        "[[apis]]\nid = \"abc123defg\"\nname = \"open\"\nstages = [\"prod\"]\n\
         [[apis.resources]]\npath = \"/upload\"\n\
         methods = [{ http_method = \"POST\", authorization = \"NONE\" }]\n",
    )
    .unwrap();
    let emu = Emulator::builder().seed(seed).start().await.unwrap();
    let url = emu.api_url("open", "prod").unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{url}/upload"))
        .body(vec![b'x'; 3 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["body"].as_str().map(str::len), Some(3 * 1024 * 1024));
    emu.shutdown().await;
}

/// Seeds broken in every way a parser meets, each around a password or a client secret:
/// the error names where and what, never the value. (TOML's and serde's own messages quote the
/// offending line or value; the emulator's errors must not.)
#[test]
fn seed_errors_never_quote_a_password_or_a_secret() {
    const MARKER: &str = "MARKER-s3cret";
    let toml_seeds = [
        // Wrong types, where a string, a bool, a number or a list was expected.
        format!(
            "[[user_pools]]\nname = \"p\"\n[[user_pools.users]]\nusername = \"u\"\npassword = [\"{MARKER}\"]\n"
        ),
        format!(
            "[[user_pools]]\nname = \"p\"\n[[user_pools.users]]\nusername = \"u\"\ndisabled = \"{MARKER}\"\n"
        ),
        format!(
            "[[user_pools]]\nname = \"p\"\n[[user_pools.clients]]\nname = \"c\"\nid_token_validity_secs = \"{MARKER}\"\n"
        ),
        format!(
            "[[user_pools]]\nname = \"p\"\n[[user_pools.clients]]\nname = \"c\"\nexplicit_auth_flows = \"{MARKER}\"\n"
        ),
        format!(
            "[[user_pools]]\nname = \"p\"\n[[user_pools.users]]\nusername = \"u\"\nattributes = \"{MARKER}\"\n"
        ),
        // Syntax: an unterminated string, a bad escape, a duplicate key, a stray value.
        format!(
            "[[user_pools]]\nname = \"p\"\n[[user_pools.clients]]\nname = \"c\"\nsecret = \"{MARKER}\n"
        ),
        format!(
            "[[user_pools]]\nname = \"p\"\n[[user_pools.users]]\nusername = \"u\"\npassword = \"{MARKER}\\q\"\n"
        ),
        format!(
            "[[user_pools]]\nname = \"p\"\n[[user_pools.clients]]\nname = \"c\"\nsecret = \"{MARKER}\"\nsecret = \"{MARKER}2\"\n"
        ),
        format!(
            "[[user_pools]]\nname = \"p\"\n[[user_pools.users]]\nusername = \"u\"\npassword = \"x\" \"{MARKER}\"\n"
        ),
        format!(
            "[[user_pools]]\nname = \"p\"\n[[user_pools.users]]\nusername = \"u\"\npassword = {MARKER}\n"
        ),
        // An unknown field next to a secret.
        format!(
            "[[user_pools]]\nname = \"p\"\n[[user_pools.users]]\nusername = \"u\"\npasword = \"{MARKER}\"\n"
        ),
    ];
    let json_seeds = [
        format!(
            r#"{{"user_pools": [{{"name": "p", "users": [{{"username": "u", "password": ["{MARKER}"]}}]}}]}}"#
        ),
        format!(
            r#"{{"user_pools": [{{"name": "p", "users": [{{"username": "u", "disabled": "{MARKER}"}}]}}]}}"#
        ),
        format!(
            r#"{{"user_pools": [{{"name": "p", "clients": [{{"name": "c", "secret": "{MARKER}"#
        ),
        format!(
            r#"{{"user_pools": [{{"name": "p", "clients": [{{"name": "c", "secret": "{MARKER}\q"}}]}}]}}"#
        ),
        format!(
            r#"{{"user_pools": [{{"name": "p", "clients": [{{"name": "c", "secret": "{MARKER}" "x"}}]}}]}}"#
        ),
        format!(
            r#"{{"user_pools": [{{"name": "p", "clients": [{{"name": "c", "secret": {MARKER}}}]}}]}}"#
        ),
        format!(
            r#"{{"user_pools": [{{"name": "p", "users": [{{"username": "u", "pasword": "{MARKER}"}}]}}]}}"#
        ),
    ];
    let errors = toml_seeds
        .iter()
        .map(|text| (text, Seed::from_toml_str(text)))
        .chain(
            json_seeds
                .iter()
                .map(|text| (text, Seed::from_json_str(text))),
        );
    for (i, (text, result)) in errors.enumerate() {
        let Err(err) = result else {
            panic!("seed {i} parsed: {}", text.replace(MARKER, "<marker>"));
        };
        let shown = format!("{err} {err:?}");
        assert!(
            !shown.contains("MARKER"),
            "seed {i}: the value reached the error: {}",
            shown.replace(MARKER, "<marker>")
        );
        assert!(shown.contains("emulator seed"), "seed {i}: {shown}");
    }
}

#[tokio::test]
async fn a_refresh_token_grace_period_above_60_seconds_is_a_seed_error() {
    let seed = Seed::from_toml_str(
        "[[user_pools]]\nname = \"p\"\n[[user_pools.clients]]\nname = \"c\"\n\
         refresh_token_rotation = true\nrefresh_token_retry_grace_period_secs = 61\n",
    )
    .unwrap();
    let err = Emulator::builder().seed(seed).start().await.unwrap_err();
    assert_eq!(err.kind(), cognito_sigv4_emulator::ErrorKind::Seed);
    assert!(
        err.message()
            .contains("app client `c`: refresh_token_retry_grace_period_secs must be 0 to 60"),
        "{err}"
    );
}
