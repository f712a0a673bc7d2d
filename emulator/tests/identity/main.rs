//! The emulator's cognito-identity and STS, driven by the official `aws-sdk-cognitoidentity`
//! and `aws-sdk-sts` clients.

#[path = "../support/mod.rs"]
mod support;

mod basic;
mod developer;
mod enhanced;
mod rules;
mod social;
mod trust;

use aws_sdk_cognitoidentity::error::ProvideErrorMetadata;
use cognito_sigv4::{Clock, ManualClock, SystemClock};
use cognito_sigv4_emulator::{
    Emulator, GroupSeed, IdentityPoolSeed, OidcProviderSeed, RoleSeed, RunningEmulator, Seed,
    TrustSeed, UserPoolProviderSeed, UserPoolSeed, UserSeed,
};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const ACCOUNT: &str = "123456789012";
const GOOGLE_CLIENT: &str = "google-client-1.apps.googleusercontent.com";

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

const OPEN: &str = "us-east-1:0f000000-0000-4000-8000-000000000001";
const STRICT: &str = "us-east-1:0f000000-0000-4000-8000-000000000002";
const DENYING: &str = "us-east-1:0f000000-0000-4000-8000-000000000003";

/// The trust policy Cognito's console writes for an identity pool's roles:
/// `cognito-identity.amazonaws.com` may assume the role for `pools` (ids), for identities whose
/// `amr` holds one of `amr`. Identity pools use no role without one.
fn console_trust(pools: &[&str], amr: &[&str]) -> Option<Vec<TrustSeed>> {
    Some(vec![TrustSeed {
        federated: "cognito-identity.amazonaws.com".into(),
        aud: pools.iter().map(|p| (*p).to_owned()).collect(),
        amr: amr.iter().map(|a| (*a).to_owned()).collect(),
    }])
}

fn user(name: &str, groups: &[&str]) -> UserSeed {
    UserSeed {
        username: name.into(),
        password: "Passw0rd!".into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..Default::default()
    }
}

fn client(name: &str) -> cognito_sigv4_emulator::AppClientSeed {
    cognito_sigv4_emulator::AppClientSeed {
        name: name.into(),
        ..Default::default()
    }
}

fn provider(resolution: Option<&str>, ambiguous: Option<&str>) -> UserPoolProviderSeed {
    UserPoolProviderSeed {
        user_pool: "main".into(),
        client_id: "web".into(),
        role_resolution: resolution.map(Into::into),
        ambiguous_role_resolution: ambiguous.map(Into::into),
        ..Default::default()
    }
}

/// Pools: `main` (clients `web`, `other`; `jdoe` in groups admins (Admin, precedence 1) and
/// readers (Reader, 5); `plain` in no group), `foreign` (client `web`, user `jdoe`); Google.
/// Identity pools: `open` (guests, classic flow, `main`/`web` with roles from the token,
/// Google), `strict` (no guests, no classic flow, default roles), `denying` (roles from the
/// token, ambiguous → Deny), `roleless` (no roles at all). Roles trust the pools that use them
/// as Cognito's console writes it; `Unauth` has a `MaxSessionDuration` of two hours, the others
/// IAM's default hour.
fn seed() -> Seed {
    let google: BTreeMap<String, Vec<String>> = [(
        "accounts.google.com".to_string(),
        vec![GOOGLE_CLIENT.to_string()],
    )]
    .into();
    Seed {
        user_pools: vec![
            UserPoolSeed {
                name: "main".into(),
                clients: vec![client("web"), client("other")],
                groups: vec![
                    GroupSeed {
                        name: "admins".into(),
                        role_arn: Some(role("Admin")),
                        precedence: Some(1),
                    },
                    GroupSeed {
                        name: "readers".into(),
                        role_arn: Some(role("Reader")),
                        precedence: Some(5),
                    },
                ],
                users: vec![user("jdoe", &["admins", "readers"]), user("plain", &[])],
                ..Default::default()
            },
            UserPoolSeed {
                name: "foreign".into(),
                clients: vec![client("web")],
                users: vec![user("jdoe", &[])],
                ..Default::default()
            },
        ],
        oidc_providers: vec![OidcProviderSeed {
            issuer: "https://accounts.google.com".into(),
            client_ids: vec![GOOGLE_CLIENT.into()],
        }],
        identity_pools: vec![
            IdentityPoolSeed {
                id: Some(OPEN.into()),
                name: "open".into(),
                allow_unauthenticated: true,
                allow_classic_flow: true,
                user_pool_providers: vec![provider(Some("Token"), None)],
                oidc_providers: google.clone(),
                authenticated_role_arn: Some(role("Auth")),
                unauthenticated_role_arn: Some(role("Unauth")),
                ..Default::default()
            },
            IdentityPoolSeed {
                id: Some(STRICT.into()),
                name: "strict".into(),
                user_pool_providers: vec![provider(None, None)],
                oidc_providers: google,
                authenticated_role_arn: Some(role("Auth")),
                unauthenticated_role_arn: Some(role("Unauth")),
                ..Default::default()
            },
            IdentityPoolSeed {
                id: Some(DENYING.into()),
                name: "denying".into(),
                user_pool_providers: vec![provider(Some("Token"), Some("Deny"))],
                authenticated_role_arn: Some(role("Auth")),
                ..Default::default()
            },
            IdentityPoolSeed {
                name: "roleless".into(),
                allow_unauthenticated: true,
                user_pool_providers: vec![provider(None, None)],
                ..Default::default()
            },
        ],
        roles: ["Auth", "Unauth", "Admin", "Reader"]
            .iter()
            .map(|r| RoleSeed {
                arn: role(r),
                // Unauth may be assumed for two hours; the others keep IAM's default hour.
                max_session_duration_secs: (*r == "Unauth").then_some(7200),
                trust: match *r {
                    "Auth" => console_trust(&[OPEN, STRICT, DENYING], &["authenticated"]),
                    "Unauth" => console_trust(&[OPEN, STRICT], &["unauthenticated"]),
                    _ => console_trust(&[OPEN, DENYING], &["authenticated"]),
                },
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// A JWT's claims, decoded without verification: the test reads what the emulator wrote.
fn jwt_claims(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url payload");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// The emulator's clock at the real time, for the official STS client, which signs with the
/// system clock.
fn real_time_clock() -> ManualClock {
    let now = SystemClock.now();
    let secs = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(secs))
}

/// 2026-01-05T10:00:00Z.
const T0: u64 = 1_767_607_200;

async fn start_at(clock: ManualClock) -> RunningEmulator {
    Emulator::builder()
        .seed(seed())
        .clock(clock)
        .start()
        .await
        .unwrap()
}

fn identity_client(emu: &RunningEmulator) -> aws_sdk_cognitoidentity::Client {
    use aws_sdk_cognitoidentity::config::{BehaviorVersion, Region};
    aws_sdk_cognitoidentity::Client::from_conf(
        aws_sdk_cognitoidentity::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(emu.endpoint().as_str())
            .build(),
    )
}

fn sts_client(
    emu: &RunningEmulator,
    creds: Option<aws_credential_types::Credentials>,
) -> aws_sdk_sts::Client {
    use aws_sdk_sts::config::{BehaviorVersion, Region};
    let mut conf = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(emu.endpoint().as_str());
    if let Some(creds) = creds {
        conf = conf.credentials_provider(creds);
    }
    aws_sdk_sts::Client::from_conf(conf.build())
}

fn pool(emu: &RunningEmulator, name: &str) -> String {
    emu.identity_pool_id(name).unwrap()
}

fn main_provider(emu: &RunningEmulator) -> String {
    format!(
        "cognito-idp.us-east-1.amazonaws.com/{}",
        emu.user_pool_id("main").unwrap()
    )
}

fn id_token(emu: &RunningEmulator, pool: &str, username: &str) -> String {
    emu.mint_user_pool_id_token(pool, "web", username)
        .unwrap()
        .expose_secret()
        .to_owned()
}

fn google_token(emu: &RunningEmulator, subject: &str, audience: &str) -> String {
    emu.mint_oidc_token(
        "https://accounts.google.com",
        subject,
        audience,
        Duration::from_secs(3600),
        serde_json::json!({ "email": format!("{subject}@example.com") }),
    )
    .unwrap()
    .expose_secret()
    .to_owned()
}

fn logins(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn get_id(
    emu: &RunningEmulator,
    pool_name: &str,
    logins: HashMap<String, String>,
) -> Result<String, (String, String)> {
    identity_client(emu)
        .get_id()
        .identity_pool_id(pool(emu, pool_name))
        .set_logins(Some(logins).filter(|l| !l.is_empty()))
        .send()
        .await
        .map(|o| o.identity_id().unwrap().to_owned())
        .map_err(|e| {
            (
                e.code().unwrap_or_default().to_owned(),
                e.message().unwrap_or_default().to_owned(),
            )
        })
}

type Creds = aws_sdk_cognitoidentity::types::Credentials;

async fn get_credentials(
    emu: &RunningEmulator,
    identity_id: &str,
    logins: HashMap<String, String>,
    custom_role: Option<&str>,
) -> Result<Creds, (String, String)> {
    identity_client(emu)
        .get_credentials_for_identity()
        .identity_id(identity_id)
        .set_logins(Some(logins).filter(|l| !l.is_empty()))
        .set_custom_role_arn(custom_role.map(Into::into))
        .send()
        .await
        .map(|o| {
            assert_eq!(o.identity_id(), Some(identity_id));
            o.credentials().unwrap().clone()
        })
        .map_err(|e| {
            (
                e.code().unwrap_or_default().to_owned(),
                e.message().unwrap_or_default().to_owned(),
            )
        })
}

/// The role the credentials were issued for, as the emulator's STS GetCallerIdentity reports
/// it (signed with the credentials by this crate's signer at the emulator's time).
async fn caller_arn(emu: &RunningEmulator, creds: &Creds) -> Result<String, (u16, String)> {
    let creds = aws_credential_types::Credentials::new(
        creds.access_key_id().unwrap(),
        creds.secret_key().unwrap(),
        creds.session_token().map(str::to_owned),
        None,
        "test",
    );
    caller_arn_with(emu, &creds).await
}

async fn caller_arn_with(
    emu: &RunningEmulator,
    creds: &aws_credential_types::Credentials,
) -> Result<String, (u16, String)> {
    let url = format!("{}", emu.endpoint());
    let body = bytes::Bytes::from_static(b"Action=GetCallerIdentity&Version=2011-06-15");
    let mut req = http::Request::builder()
        .method("POST")
        .uri(&url)
        .header("host", emu.addr().to_string())
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(body.clone())
        .unwrap();
    cognito_sigv4::signing::Signer::new("us-east-1", "sts")
        .sign(&mut req, creds, emu.clock().now())
        .unwrap();
    let mut out = reqwest::Client::new().post(&url).body(body);
    for (k, v) in req.headers() {
        out = out.header(k, v);
    }
    let resp = out.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    if status != 200 {
        return Err((status, text));
    }
    let arn = text
        .split("<Arn>")
        .nth(1)
        .and_then(|s| s.split("</Arn>").next())
        .unwrap();
    Ok(arn.to_owned())
}

fn assumed(role_name: &str) -> String {
    format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/CognitoIdentityCredentials")
}
