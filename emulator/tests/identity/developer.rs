//! Developer-authenticated identities (issue 24): the app's back end, signed with an admin key
//! pair, calls GetOpenIdTokenForDeveloperIdentity and LookupDeveloperIdentity; the app trades
//! the token for the authenticated role's credentials at GetCredentialsForIdentity.

use super::*;
use aws_sdk_cognitoidentity::operation::get_open_id_token_for_developer_identity::GetOpenIdTokenForDeveloperIdentityOutput;

const DEV_POOL: &str = "us-east-1:0c000000-0000-4000-8000-000000000001";
const PLAIN_POOL: &str = "us-east-1:0c000000-0000-4000-8000-000000000002";
const DEVELOPER: &str = "login.example.app";
const COGNITO: &str = "cognito-identity.amazonaws.com";

/// `dev` (developer provider `login.example.app`, role `DevAuth` trusting it) and `plain` (no
/// developer provider).
fn developer_seed() -> Seed {
    Seed {
        identity_pools: vec![
            IdentityPoolSeed {
                id: Some(DEV_POOL.into()),
                name: "dev".into(),
                developer_provider_name: Some(DEVELOPER.into()),
                authenticated_role_arn: Some(role("DevAuth")),
                ..Default::default()
            },
            IdentityPoolSeed {
                id: Some(PLAIN_POOL.into()),
                name: "plain".into(),
                authenticated_role_arn: Some(role("DevAuth")),
                ..Default::default()
            },
        ],
        roles: vec![RoleSeed {
            arn: role("DevAuth"),
            trust: console_trust(&[DEV_POOL, PLAIN_POOL], &["authenticated"]),
            ..Default::default()
        }],
        ..Default::default()
    }
}

async fn start_developer() -> (RunningEmulator, ManualClock) {
    let clock = real_time_clock();
    let emu = Emulator::builder()
        .seed(developer_seed())
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    (emu, clock)
}

/// The back end's client: signed with the default admin key pair.
fn back_end(emu: &RunningEmulator) -> aws_sdk_cognitoidentity::Client {
    use aws_sdk_cognitoidentity::config::{BehaviorVersion, Region};
    aws_sdk_cognitoidentity::Client::from_conf(
        aws_sdk_cognitoidentity::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(emu.endpoint().as_str())
            .credentials_provider(aws_credential_types::Credentials::new(
                "test", "test", None, None, "admin",
            ))
            .build(),
    )
}

type Failure = (String, String);

fn failure<E: ProvideErrorMetadata>(e: &E) -> Failure {
    (
        e.code().unwrap_or_default().to_owned(),
        e.message().unwrap_or_default().to_owned(),
    )
}

async fn developer_token(
    client: &aws_sdk_cognitoidentity::Client,
    pool: &str,
    pairs: &[(&str, &str)],
    identity_id: Option<&str>,
    duration: Option<i64>,
) -> Result<GetOpenIdTokenForDeveloperIdentityOutput, Failure> {
    client
        .get_open_id_token_for_developer_identity()
        .identity_pool_id(pool)
        .set_logins(Some(logins(pairs)))
        .set_identity_id(identity_id.map(str::to_owned))
        .set_token_duration(duration)
        .send()
        .await
        .map_err(|e| failure(&e))
}

#[tokio::test]
async fn a_developer_user_gets_a_stable_identity_and_a_token_that_buys_the_authenticated_role() {
    let (emu, clock) = start_developer().await;
    let back_end = back_end(&emu);
    let out = developer_token(&back_end, DEV_POOL, &[(DEVELOPER, "user-1")], None, None)
        .await
        .unwrap();
    let id = out.identity_id().unwrap().to_owned();
    assert!(id.starts_with("us-east-1:"), "{id}");
    let token = out.token().unwrap().to_owned();
    let claims = jwt_claims(&token);
    assert_eq!(claims["iss"], "https://cognito-identity.amazonaws.com");
    assert_eq!(claims["sub"], id.as_str());
    assert_eq!(claims["aud"], DEV_POOL);
    assert_eq!(
        claims["amr"],
        serde_json::json!([
            "authenticated",
            DEVELOPER,
            format!("{DEVELOPER}:{DEV_POOL}:user-1")
        ])
    );
    // 15 minutes unless TokenDuration says otherwise.
    let lifetime = |c: &serde_json::Value| c["exp"].as_u64().unwrap() - c["iat"].as_u64().unwrap();
    assert_eq!(lifetime(&claims), 900);

    // The same user, the same identity; another user, another one.
    let again = developer_token(
        &back_end,
        DEV_POOL,
        &[(DEVELOPER, "user-1")],
        None,
        Some(3600),
    )
    .await
    .unwrap();
    assert_eq!(again.identity_id(), Some(id.as_str()));
    assert_eq!(lifetime(&jwt_claims(again.token().unwrap())), 3600);
    let other = developer_token(&back_end, DEV_POOL, &[(DEVELOPER, "user-2")], None, None)
        .await
        .unwrap();
    assert_ne!(other.identity_id(), Some(id.as_str()));

    // The app: the token as the login `cognito-identity.amazonaws.com`.
    let creds = get_credentials(&emu, &id, logins(&[(COGNITO, &token)]), None)
        .await
        .unwrap();
    assert_eq!(caller_arn(&emu, &creds).await.unwrap(), assumed("DevAuth"));
    // Not for another identity, and not at GetId (AWS's answer).
    let other_id = other.identity_id().unwrap();
    assert_eq!(
        get_credentials(&emu, other_id, logins(&[(COGNITO, &token)]), None)
            .await
            .unwrap_err(),
        (
            "NotAuthorizedException".to_owned(),
            LOGINS_DONT_MATCH.to_owned()
        )
    );
    assert_eq!(
        get_id(&emu, "dev", logins(&[(COGNITO, &token)]))
            .await
            .unwrap_err(),
        (
            "NotAuthorizedException".to_owned(),
            "Invalid login token. Can't pass in a Cognito token.".to_owned()
        )
    );
    // Without logins, the authenticated identity is not a guest's.
    assert_eq!(
        get_credentials(&emu, &id, HashMap::new(), None)
            .await
            .unwrap_err()
            .0,
        "NotAuthorizedException"
    );

    // LookupDeveloperIdentity, both ways.
    let found = back_end
        .lookup_developer_identity()
        .identity_pool_id(DEV_POOL)
        .developer_user_identifier("user-1")
        .send()
        .await
        .unwrap();
    assert_eq!(found.identity_id(), Some(id.as_str()));
    assert_eq!(found.developer_user_identifier_list(), ["user-1"]);
    let found = back_end
        .lookup_developer_identity()
        .identity_pool_id(DEV_POOL)
        .identity_id(other_id)
        .send()
        .await
        .unwrap();
    assert_eq!(found.developer_user_identifier_list(), ["user-2"]);
    let described = back_end
        .describe_identity()
        .identity_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(described.logins(), [DEVELOPER]);

    // The token expires with its lifetime.
    clock.advance(Duration::from_secs(901));
    let (code, message) = get_credentials(&emu, &id, logins(&[(COGNITO, &token)]), None)
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert!(
        message.starts_with("Invalid login token. Token expired: "),
        "{message}"
    );
    emu.shutdown().await;
}

const LOGINS_DONT_MATCH: &str = "Logins don't match. Please include at least one valid login for this identity or identity pool.";

#[tokio::test]
async fn developer_identity_errors_are_awss() {
    let (emu, _clock) = start_developer().await;
    let back_end = back_end(&emu);
    let first = developer_token(&back_end, DEV_POOL, &[(DEVELOPER, "user-1")], None, None)
        .await
        .unwrap();
    let second = developer_token(&back_end, DEV_POOL, &[(DEVELOPER, "user-2")], None, None)
        .await
        .unwrap();
    // A user already registered under another identity.
    assert_eq!(
        developer_token(
            &back_end,
            DEV_POOL,
            &[(DEVELOPER, "user-1")],
            second.identity_id(),
            None
        )
        .await
        .unwrap_err()
        .0,
        "DeveloperUserAlreadyRegisteredException"
    );
    // Its own identity is fine.
    let same = developer_token(
        &back_end,
        DEV_POOL,
        &[(DEVELOPER, "user-1")],
        first.identity_id(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(same.identity_id(), first.identity_id());
    // Another provider name, a pool without one, an unknown pool.
    let unsupported = (
        "NotAuthorizedException".to_owned(),
        "This identity pool does not support the specified developer provider.".to_owned(),
    );
    assert_eq!(
        developer_token(&back_end, DEV_POOL, &[("login.other", "u")], None, None)
            .await
            .unwrap_err(),
        unsupported
    );
    assert_eq!(
        developer_token(&back_end, PLAIN_POOL, &[(DEVELOPER, "u")], None, None)
            .await
            .unwrap_err(),
        unsupported
    );
    let unknown = "us-east-1:0c000000-0000-4000-8000-0000000000ff";
    assert_eq!(
        developer_token(&back_end, unknown, &[(DEVELOPER, "u")], None, None)
            .await
            .unwrap_err(),
        (
            "ResourceNotFoundException".to_owned(),
            format!("IdentityPool '{unknown}' not found.")
        )
    );
    // TokenDuration: 1 second to 24 hours.
    for (secs, bound) in [
        (0, "greater than or equal to 1"),
        (86_401, "less than or equal to 86400"),
    ] {
        assert_eq!(
            developer_token(&back_end, DEV_POOL, &[(DEVELOPER, "u")], None, Some(secs))
                .await
                .unwrap_err(),
            (
                "ValidationException".to_owned(),
                format!(
                    "1 validation error detected: Value '{secs}' at 'tokenDuration' failed to satisfy constraint: Member must have value {bound}"
                )
            )
        );
    }
    // Only a caller signed with an admin key pair: an unsigned request is refused.
    let resp = reqwest::Client::new()
        .post(emu.endpoint().as_str())
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity",
        )
        .body(
            serde_json::json!({ "IdentityPoolId": DEV_POOL, "Logins": { DEVELOPER: "user-1" } })
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        body["__type"], "MissingAuthenticationTokenException",
        "{body}"
    );
    // LookupDeveloperIdentity needs one of the two, and knows only registered users.
    let (code, _) = back_end
        .lookup_developer_identity()
        .identity_pool_id(DEV_POOL)
        .send()
        .await
        .map_err(|e| failure(&e))
        .unwrap_err();
    assert_eq!(code, "InvalidParameterException");
    let (code, _) = back_end
        .lookup_developer_identity()
        .identity_pool_id(DEV_POOL)
        .developer_user_identifier("nobody")
        .send()
        .await
        .map_err(|e| failure(&e))
        .unwrap_err();
    assert_eq!(code, "ResourceNotFoundException");
    emu.shutdown().await;
}

#[tokio::test]
async fn the_control_plane_sets_and_describes_the_developer_provider_name() {
    let (emu, _clock) = start_developer().await;
    let back_end = back_end(&emu);
    let created = back_end
        .create_identity_pool()
        .identity_pool_name("made")
        .allow_unauthenticated_identities(false)
        .developer_provider_name("login.made.app")
        .send()
        .await
        .unwrap();
    assert_eq!(created.developer_provider_name(), Some("login.made.app"));
    let pool_id = created.identity_pool_id();
    let described = back_end
        .describe_identity_pool()
        .identity_pool_id(pool_id)
        .send()
        .await
        .unwrap();
    assert_eq!(described.developer_provider_name(), Some("login.made.app"));
    let out = developer_token(&back_end, pool_id, &[("login.made.app", "u-1")], None, None)
        .await
        .unwrap();
    assert!(out.token().is_some());
    // Once set, it stays.
    let (code, _) = back_end
        .update_identity_pool()
        .identity_pool_id(pool_id)
        .identity_pool_name("made")
        .allow_unauthenticated_identities(false)
        .developer_provider_name("login.other.app")
        .send()
        .await
        .map_err(|e| failure(&e))
        .unwrap_err();
    assert_eq!(code, "InvalidParameterException");
    emu.shutdown().await;
}

/// boto3 (botocore's model and signer, code this project did not write): the back end's calls,
/// their typed errors, and the app's exchange of the token (`developer_boto3.py`).
#[tokio::test]
async fn boto3_drives_developer_identities_end_to_end() {
    let test = "boto3_drives_developer_identities_end_to_end";
    if !super::support::python_ready(test, &["boto3"]) {
        return;
    }
    let (emu, _clock) = start_developer().await;
    let out = super::support::run_python(
        "developer_boto3.py",
        vec![
            emu.endpoint().to_string(),
            DEV_POOL.to_owned(),
            DEVELOPER.to_owned(),
        ],
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(out.trim(), "ok");
    emu.shutdown().await;
}
