//! The emulator's cognito-identity and STS, driven by the official `aws-sdk-cognitoidentity`
//! and `aws-sdk-sts` clients.

use aws_sdk_cognitoidentity::error::ProvideErrorMetadata;
use cognito_sigv4::{Clock, ManualClock, SystemClock};
use cognito_sigv4_emulator::{
    Emulator, GroupSeed, IdentityPoolSeed, OidcProviderSeed, RoleSeed, RunningEmulator, Seed,
    UserPoolProviderSeed, UserPoolSeed, UserSeed,
};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const ACCOUNT: &str = "123456789012";
const GOOGLE_CLIENT: &str = "google-client-1.apps.googleusercontent.com";

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
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
    }
}

/// Pools: `main` (clients `web`, `other`; `jdoe` in groups admins (Admin, precedence 1) and
/// readers (Reader, 5); `plain` in no group), `foreign` (client `web`, user `jdoe`); Google.
/// Identity pools: `open` (guests, classic flow, `main`/`web` with roles from the token,
/// Google), `strict` (no guests, no classic flow, default roles), `denying` (roles from the
/// token, ambiguous → Deny), `roleless` (no roles at all).
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
                name: "strict".into(),
                user_pool_providers: vec![provider(None, None)],
                oidc_providers: google,
                authenticated_role_arn: Some(role("Auth")),
                unauthenticated_role_arn: Some(role("Unauth")),
                ..Default::default()
            },
            IdentityPoolSeed {
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
                invoke: vec![],
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

#[tokio::test]
async fn get_id_is_stable_per_login_and_links_several_logins() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let up = main_provider(&emu);

    let first = get_id(
        &emu,
        "open",
        logins(&[(&up, &id_token(&emu, "main", "jdoe"))]),
    )
    .await
    .unwrap();
    let again = get_id(
        &emu,
        "open",
        logins(&[(&up, &id_token(&emu, "main", "jdoe"))]),
    )
    .await
    .unwrap();
    assert_eq!(first, again, "the same user gets the same identity");
    assert!(
        first.starts_with("us-east-1:") && first.len() == "us-east-1:".len() + 36,
        "{first}"
    );

    let other = get_id(
        &emu,
        "open",
        logins(&[(&up, &id_token(&emu, "main", "plain"))]),
    )
    .await
    .unwrap();
    assert_ne!(first, other);

    // jdoe and a Google login together: the Google login joins jdoe's identity.
    let both = logins(&[
        (&up, &id_token(&emu, "main", "jdoe")),
        (
            "accounts.google.com",
            &google_token(&emu, "g-1", GOOGLE_CLIENT),
        ),
    ]);
    assert_eq!(get_id(&emu, "open", both).await.unwrap(), first);
    let google_alone = logins(&[(
        "accounts.google.com",
        &google_token(&emu, "g-1", GOOGLE_CLIENT),
    )]);
    assert_eq!(get_id(&emu, "open", google_alone).await.unwrap(), first);

    // Another pool gives the same user another identity.
    let strict = get_id(
        &emu,
        "strict",
        logins(&[(&up, &id_token(&emu, "main", "jdoe"))]),
    )
    .await
    .unwrap();
    assert_ne!(strict, first);
    assert_eq!(emu.calls("GetId"), 6);
    emu.shutdown().await;
}

#[tokio::test]
async fn user_pool_login_gets_credentials_for_the_preferred_role_until_they_expire() {
    let clock = ManualClock::at_epoch_secs(T0);
    let emu = start_at(clock.clone()).await;
    let l = logins(&[(&main_provider(&emu), &id_token(&emu, "main", "jdoe"))]);
    let id = get_id(&emu, "open", l.clone()).await.unwrap();
    let creds = get_credentials(&emu, &id, l, None).await.unwrap();

    let key = creds.access_key_id().unwrap();
    assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
    assert!(
        key.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert!(creds.secret_key().unwrap().len() >= 40);
    assert!(!creds.session_token().unwrap().is_empty());
    let expiration = creds.expiration().unwrap();
    assert_eq!(expiration.secs(), (T0 + 3600) as i64);

    // jdoe's groups: admins (precedence 1) wins over readers.
    assert_eq!(caller_arn(&emu, &creds).await.unwrap(), assumed("Admin"));

    // The credentials stop working when they expire.
    clock.advance(Duration::from_secs(3600));
    let (status, body) = caller_arn(&emu, &creds).await.unwrap_err();
    assert_eq!(status, 400);
    assert!(body.contains("<Code>ExpiredToken</Code>"), "{body}");
    emu.shutdown().await;
}

#[tokio::test]
async fn google_login_gets_the_authenticated_role_and_a_forged_session_token_is_refused() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let l = logins(&[(
        "accounts.google.com",
        &google_token(&emu, "g-42", GOOGLE_CLIENT),
    )]);
    let id = get_id(&emu, "open", l.clone()).await.unwrap();
    let creds = get_credentials(&emu, &id, l, None).await.unwrap();
    assert_eq!(caller_arn(&emu, &creds).await.unwrap(), assumed("Auth"));

    let forged = aws_credential_types::Credentials::new(
        creds.access_key_id().unwrap(),
        creds.secret_key().unwrap(),
        Some("not-the-issued-token".into()),
        None,
        "test",
    );
    let (status, body) = caller_arn_with(&emu, &forged).await.unwrap_err();
    assert_eq!(status, 403);
    assert!(body.contains("<Code>InvalidClientTokenId</Code>"), "{body}");

    // Unsigned: no caller at all.
    let resp = reqwest::Client::new()
        .post(emu.endpoint().as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("Action=GetCallerIdentity&Version=2011-06-15")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("<Code>MissingAuthenticationToken</Code>"),
        "{body}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn custom_role_arn_is_allowed_only_when_the_token_lists_it() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let l = logins(&[(&main_provider(&emu), &id_token(&emu, "main", "jdoe"))]);
    let id = get_id(&emu, "open", l.clone()).await.unwrap();

    let reader = get_credentials(&emu, &id, l.clone(), Some(&role("Reader")))
        .await
        .unwrap();
    assert_eq!(caller_arn(&emu, &reader).await.unwrap(), assumed("Reader"));

    let (code, message) = get_credentials(&emu, &id, l, Some(&role("Auth")))
        .await
        .unwrap_err();
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains(&role("Auth")), "{message}");
    emu.shutdown().await;
}

#[tokio::test]
async fn role_resolution_by_token_falls_back_or_denies_when_the_token_names_no_role() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let l = logins(&[(&main_provider(&emu), &id_token(&emu, "main", "plain"))]);

    // `open`: no role in the token → the authenticated role.
    let id = get_id(&emu, "open", l.clone()).await.unwrap();
    let creds = get_credentials(&emu, &id, l.clone(), None).await.unwrap();
    assert_eq!(caller_arn(&emu, &creds).await.unwrap(), assumed("Auth"));

    // `denying`: ambiguous → refused.
    let id = get_id(&emu, "denying", l.clone()).await.unwrap();
    let (code, _) = get_credentials(&emu, &id, l.clone(), None)
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");

    // `roleless`: no role configured at all.
    let id = get_id(&emu, "roleless", l.clone()).await.unwrap();
    let (code, message) = get_credentials(&emu, &id, l, None).await.unwrap_err();
    assert_eq!(code, "InvalidIdentityPoolConfigurationException");
    assert_eq!(
        message,
        "Invalid identity pool configuration. Check assigned IAM roles for this pool."
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn guests_get_the_unauthenticated_role_only_where_allowed() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let guest = get_id(&emu, "open", HashMap::new()).await.unwrap();
    let another = get_id(&emu, "open", HashMap::new()).await.unwrap();
    assert_ne!(
        guest, another,
        "each unauthenticated GetId makes a new guest"
    );
    let creds = get_credentials(&emu, &guest, HashMap::new(), None)
        .await
        .unwrap();
    assert_eq!(caller_arn(&emu, &creds).await.unwrap(), assumed("Unauth"));

    let (code, message) = get_id(&emu, "strict", HashMap::new()).await.unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(
        message,
        "Unauthenticated access is not supported for this identity pool."
    );

    // An authenticated identity cannot be used without its logins.
    let l = logins(&[(&main_provider(&emu), &id_token(&emu, "main", "jdoe"))]);
    let authed = get_id(&emu, "open", l).await.unwrap();
    let (code, message) = get_credentials(&emu, &authed, HashMap::new(), None)
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(
        message,
        format!("Access to Identity '{authed}' is forbidden.")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_guest_identity_presented_with_logins_becomes_theirs() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let guest = get_id(&emu, "open", HashMap::new()).await.unwrap();
    let l = logins(&[(
        "accounts.google.com",
        &google_token(&emu, "g-7", GOOGLE_CLIENT),
    )]);
    let creds = get_credentials(&emu, &guest, l.clone(), None)
        .await
        .unwrap();
    assert_eq!(caller_arn(&emu, &creds).await.unwrap(), assumed("Auth"));
    assert_eq!(get_id(&emu, "open", l).await.unwrap(), guest);
    // No longer a guest: it needs its login now.
    let (code, _) = get_credentials(&emu, &guest, HashMap::new(), None)
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    emu.shutdown().await;
}

#[tokio::test]
async fn bad_login_tokens_are_rejected_with_aws_errors() {
    let clock = ManualClock::at_epoch_secs(T0);
    let emu = start_at(clock.clone()).await;
    let up = main_provider(&emu);
    let foreign_provider = format!(
        "cognito-idp.us-east-1.amazonaws.com/{}",
        emu.user_pool_id("foreign").unwrap()
    );

    let check = |result: Result<String, (String, String)>, expected: &str| {
        let (code, message) = result.unwrap_err();
        assert_eq!(code, "NotAuthorizedException", "{message}");
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    };

    // Another app client of the configured pool.
    let other_client = emu
        .mint_user_pool_id_token("main", "other", "jdoe")
        .unwrap()
        .expose_secret()
        .to_owned();
    check(
        get_id(&emu, "open", logins(&[(&up, &other_client)])).await,
        "Token is not from a supported provider of this identity pool.",
    );
    // A token of another pool, under the configured pool's name.
    let foreign = id_token(&emu, "foreign", "jdoe");
    check(
        get_id(&emu, "open", logins(&[(&up, &foreign)])).await,
        "Invalid login token. Issuer doesn't match providerName",
    );
    // The other pool, under its own name: not a provider of this identity pool.
    check(
        get_id(&emu, "open", logins(&[(&foreign_provider, &foreign)])).await,
        "Token is not from a supported provider of this identity pool.",
    );
    // A changed signature.
    let good = id_token(&emu, "main", "jdoe");
    let (head, sig) = good.rsplit_once('.').unwrap();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}.{flipped}{}", &sig[1..]);
    check(
        get_id(&emu, "open", logins(&[(&up, &tampered)])).await,
        "Invalid login token. Couldn't verify signed token.",
    );
    // Garbage.
    check(
        get_id(&emu, "open", logins(&[(&up, "not-a-jwt")])).await,
        "Invalid login token.",
    );
    // Google token for another client.
    let wrong_aud = google_token(&emu, "g-1", "someone-else.apps.googleusercontent.com");
    check(
        get_id(&emu, "open", logins(&[("accounts.google.com", &wrong_aud)])).await,
        "Invalid login token. Incorrect token audience.",
    );
    // A Google token under the user pool's name.
    let google = google_token(&emu, "g-1", GOOGLE_CLIENT);
    check(
        get_id(&emu, "open", logins(&[(&up, &google)])).await,
        "Invalid login token. Issuer doesn't match providerName",
    );

    // Expired: the message says when, as AWS does.
    let id = get_id(&emu, "open", logins(&[(&up, &good)])).await.unwrap();
    clock.advance(Duration::from_secs(3600));
    let now = T0 + 3600;
    let exp = T0 + 3600;
    check(
        get_id(&emu, "open", logins(&[(&up, &good)])).await,
        &format!("Invalid login token. Token expired: {now} >= {exp}"),
    );
    let (code, _) = get_credentials(&emu, &id, logins(&[(&up, &good)]), None)
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_identity_or_pool_and_mismatched_logins() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let (code, message) = get_credentials(
        &emu,
        "us-east-1:00000000-0000-4000-8000-000000000000",
        HashMap::new(),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(
        message,
        "Identity 'us-east-1:00000000-0000-4000-8000-000000000000' not found."
    );

    let err = identity_client(&emu)
        .get_id()
        .identity_pool_id("us-east-1:00000000-0000-4000-8000-00000000abcd")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert_eq!(
        err.message(),
        Some("IdentityPool 'us-east-1:00000000-0000-4000-8000-00000000abcd' not found.")
    );

    // plain's login for jdoe's identity.
    let up = main_provider(&emu);
    let jdoe = get_id(
        &emu,
        "open",
        logins(&[(&up, &id_token(&emu, "main", "jdoe"))]),
    )
    .await
    .unwrap();
    let (code, message) = get_credentials(
        &emu,
        &jdoe,
        logins(&[(&up, &id_token(&emu, "main", "plain"))]),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(
        message,
        "Logins don't match. Please include at least one valid login for this identity or identity pool."
    );
    emu.shutdown().await;
}

/// The emulator's clock at the real time, for the official STS client, which signs with the
/// system clock.
fn real_time_clock() -> ManualClock {
    let now = SystemClock.now();
    let secs = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
    ManualClock::new(UNIX_EPOCH + Duration::from_secs(secs))
}

#[tokio::test]
async fn basic_flow_open_id_token_then_sts_assume_role_with_web_identity() {
    let clock = real_time_clock();
    let emu = start_at(clock.clone()).await;
    let ip = pool(&emu, "open");
    let l = logins(&[(&main_provider(&emu), &id_token(&emu, "main", "jdoe"))]);
    let id = get_id(&emu, "open", l.clone()).await.unwrap();
    let out = identity_client(&emu)
        .get_open_id_token()
        .identity_id(&id)
        .set_logins(Some(l))
        .send()
        .await
        .unwrap();
    assert_eq!(out.identity_id(), Some(id.as_str()));
    let token = out.token().unwrap().to_owned();
    let claims = jwt_claims(&token);
    assert_eq!(claims["iss"], "https://cognito-identity.amazonaws.com");
    assert_eq!(claims["sub"], id.as_str());
    assert_eq!(claims["aud"], ip.as_str());
    let amr = claims.get("amr").unwrap();
    assert_eq!(amr[0], "authenticated");
    assert_eq!(amr[1], main_provider(&emu).as_str());

    let sts = sts_client(&emu, None);
    let resp = sts
        .assume_role_with_web_identity()
        .role_arn(role("Auth"))
        .role_session_name("app-session")
        .web_identity_token(&token)
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let creds = resp.credentials().unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"));
    let now: SystemTime = clock.now();
    let expected = now.duration_since(UNIX_EPOCH).unwrap().as_secs() + 900;
    assert_eq!(creds.expiration().secs(), expected as i64);
    assert_eq!(resp.subject_from_web_identity_token(), Some(id.as_str()));
    assert_eq!(resp.audience(), Some(ip.as_str()));
    assert_eq!(resp.provider(), Some("cognito-identity.amazonaws.com"));
    let user = resp.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/Auth/app-session")
    );
    assert!(
        user.assumed_role_id().starts_with("AROA")
            && user.assumed_role_id().ends_with(":app-session")
    );

    // The official client signs GetCallerIdentity with them; the emulator verifies it.
    let signed = sts_client(
        &emu,
        Some(aws_credential_types::Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_owned()),
            None,
            "sts",
        )),
    );
    let me = signed.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some(user.arn()));
    assert_eq!(me.account(), Some(ACCOUNT));

    // The token is for the authenticated role only.
    let err = sts
        .assume_role_with_web_identity()
        .role_arn(role("Unauth"))
        .role_session_name("s0")
        .web_identity_token(&token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_sts::error::ProvideErrorMetadata::code(&err),
        Some("AccessDenied")
    );

    // Garbage and an expired token.
    let err = sts
        .assume_role_with_web_identity()
        .role_arn(role("Auth"))
        .role_session_name("s1")
        .web_identity_token("garbage")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err.into_service_error(), aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityError::InvalidIdentityTokenException(_)));
    clock.advance(Duration::from_secs(601));
    let err = sts
        .assume_role_with_web_identity()
        .role_arn(role("Auth"))
        .role_session_name("s2")
        .web_identity_token(&token)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err.into_service_error(), aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityError::ExpiredTokenException(_)));
    emu.shutdown().await;
}

#[tokio::test]
async fn guest_open_id_token_assumes_only_the_unauthenticated_role_and_classic_flow_is_opt_in() {
    let emu = start_at(real_time_clock()).await;
    let guest = get_id(&emu, "open", HashMap::new()).await.unwrap();
    let out = identity_client(&emu)
        .get_open_id_token()
        .identity_id(&guest)
        .send()
        .await
        .unwrap();
    let token = out.token().unwrap();
    let sts = sts_client(&emu, None);
    let ok = sts
        .assume_role_with_web_identity()
        .role_arn(role("Unauth"))
        .role_session_name("guest")
        .web_identity_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok.assumed_role_user().unwrap().arn(),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/Unauth/guest")
    );
    let err = sts
        .assume_role_with_web_identity()
        .role_arn(role("Auth"))
        .role_session_name("guest")
        .web_identity_token(token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_sts::error::ProvideErrorMetadata::code(&err),
        Some("AccessDenied")
    );

    // `strict` has the classic flow off.
    let l = logins(&[(&main_provider(&emu), &id_token(&emu, "main", "jdoe"))]);
    let id = get_id(&emu, "strict", l.clone()).await.unwrap();
    let err = identity_client(&emu)
        .get_open_id_token()
        .identity_id(&id)
        .set_logins(Some(l))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameterException"));
    assert_eq!(
        err.message(),
        Some("Basic (classic) flow is not enabled, please use enhanced flow.")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn tokens_from_a_real_sign_in_are_accepted_and_an_access_token_is_not() {
    use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Region};
    use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let idp = aws_sdk_cognitoidentityprovider::Client::from_conf(
        aws_sdk_cognitoidentityprovider::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(emu.endpoint().as_str())
            .build(),
    );
    let auth = idp
        .initiate_auth()
        .client_id(emu.client_id("main", "web").unwrap())
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", "jdoe")
        .auth_parameters("PASSWORD", "Passw0rd!")
        .send()
        .await
        .unwrap();
    let tokens = auth.authentication_result().unwrap();
    let up = main_provider(&emu);

    let l = logins(&[(&up, tokens.id_token().unwrap())]);
    let id = get_id(&emu, "open", l.clone()).await.unwrap();
    // The same user as a directly minted token: the same identity.
    let minted = logins(&[(&up, &id_token(&emu, "main", "jdoe"))]);
    assert_eq!(get_id(&emu, "open", minted).await.unwrap(), id);
    let creds = get_credentials(&emu, &id, l, None).await.unwrap();
    assert_eq!(caller_arn(&emu, &creds).await.unwrap(), assumed("Admin"));

    let access = logins(&[(&up, tokens.access_token().unwrap())]);
    let (code, message) = get_id(&emu, "open", access).await.unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(
        message,
        "Invalid login token. Missing a required claim: aud"
    );
    emu.shutdown().await;
}
