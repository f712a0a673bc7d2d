//! Roles' trust policies: which providers, identity pools (`aud`) and `amr` may assume a role,
//! checked by STS AssumeRoleWithWebIdentity (`AccessDenied`) and by GetCredentialsForIdentity
//! (`InvalidIdentityPoolConfigurationException`); roles without one keep the default trust.

use super::*;
use cognito_sigv4_emulator::{ErrorKind, TrustSeed};

const TRUSTING: &str = "us-east-1:00000000-0000-4000-8000-000000000001";
const BY_PROVIDER: &str = "us-east-1:00000000-0000-4000-8000-000000000002";
const MISCONFIGURED: &str = "us-east-1:00000000-0000-4000-8000-000000000003";
const UNTRUSTED: &str = "us-east-1:00000000-0000-4000-8000-000000000004";
const COGNITO: &str = "cognito-identity.amazonaws.com";
const DENIED: &str = "Not authorized to perform sts:AssumeRoleWithWebIdentity";
const INVALID_CONFIG: &str =
    "Invalid identity pool configuration. Check assigned IAM roles for this pool.";

fn statement(federated: &str, aud: &[&str], amr: &[&str]) -> TrustSeed {
    TrustSeed {
        federated: federated.into(),
        aud: aud.iter().map(|a| (*a).to_owned()).collect(),
        amr: amr.iter().map(|a| (*a).to_owned()).collect(),
    }
}

fn trusted_role(name: &str, trust: Option<Vec<TrustSeed>>) -> RoleSeed {
    RoleSeed {
        arn: role(name),
        trust,
        ..Default::default()
    }
}

fn identity_pool(id: &str, name: &str, auth: &str, unauth: &str) -> IdentityPoolSeed {
    IdentityPoolSeed {
        id: Some(id.into()),
        name: name.into(),
        allow_unauthenticated: true,
        allow_classic_flow: true,
        user_pool_providers: vec![provider(None, None)],
        oidc_providers: [(
            "accounts.google.com".to_string(),
            vec![GOOGLE_CLIENT.to_string()],
        )]
        .into(),
        authenticated_role_arn: Some(role(auth)),
        unauthenticated_role_arn: Some(role(unauth)),
        ..Default::default()
    }
}

/// Identity pools `trusting` (roles `Trusted` and `Guest`, which trust it for authenticated
/// and guest identities), `by-provider` (authenticated role `GoogleAmr`: Google logins only),
/// `misconfigured` (its roles trust no one, or another pool) and `untrusted` (its role `Plain`
/// has no trust policy); roles for direct Google federation (`GoogleOnly`, `GoogleArn`), and
/// one trusting every identity of `trusting` (`AnyOfTrusting`).
fn trust_seed() -> Seed {
    let cognito = |aud: &str, amr: &[&str]| Some(vec![statement(COGNITO, &[aud], amr)]);
    Seed {
        user_pools: vec![UserPoolSeed {
            name: "main".into(),
            clients: vec![client("web")],
            users: vec![user("jdoe", &[])],
            ..Default::default()
        }],
        oidc_providers: vec![OidcProviderSeed {
            issuer: "https://accounts.google.com".into(),
            client_ids: vec![GOOGLE_CLIENT.into()],
        }],
        identity_pools: vec![
            identity_pool(TRUSTING, "trusting", "Trusted", "Guest"),
            identity_pool(BY_PROVIDER, "by-provider", "GoogleAmr", "Guest"),
            identity_pool(MISCONFIGURED, "misconfigured", "Nobody", "Trusted"),
            identity_pool(UNTRUSTED, "untrusted", "Plain", "Plain"),
        ],
        roles: vec![
            trusted_role("Trusted", cognito(TRUSTING, &["authenticated"])),
            trusted_role("Guest", cognito(TRUSTING, &["unauth*"])),
            trusted_role("GoogleAmr", cognito(BY_PROVIDER, &["accounts.google.com"])),
            trusted_role("AnyOfTrusting", cognito(TRUSTING, &[])),
            trusted_role("Nobody", Some(vec![])),
            trusted_role(
                "GoogleOnly",
                Some(vec![statement(
                    "accounts.google.com",
                    &[GOOGLE_CLIENT],
                    &[],
                )]),
            ),
            trusted_role(
                "GoogleArn",
                Some(vec![statement(
                    &format!("arn:aws:iam::{ACCOUNT}:oidc-provider/accounts.google.com"),
                    &[],
                    &[],
                )]),
            ),
            trusted_role("Plain", None),
        ],
        ..Default::default()
    }
}

async fn start_trust() -> RunningEmulator {
    Emulator::builder()
        .seed(trust_seed())
        .clock(real_time_clock())
        .start()
        .await
        .unwrap()
}

/// The identity pool's error (status, `__type`, message) or the role the credentials are for.
async fn credentials_role(
    emu: &RunningEmulator,
    pool_name: &str,
    logins: HashMap<String, String>,
) -> Result<String, (u16, String, String)> {
    let id = get_id(emu, pool_name, logins.clone()).await.unwrap();
    match identity_client(emu)
        .get_credentials_for_identity()
        .identity_id(&id)
        .set_logins(Some(logins).filter(|l| !l.is_empty()))
        .send()
        .await
    {
        Ok(out) => Ok(caller_arn(emu, out.credentials().unwrap()).await.unwrap()),
        Err(e) => Err((
            e.raw_response().map_or(0, |r| r.status().as_u16()),
            e.code().unwrap_or_default().to_owned(),
            e.message().unwrap_or_default().to_owned(),
        )),
    }
}

fn invalid_config() -> (u16, String, String) {
    (
        400,
        "InvalidIdentityPoolConfigurationException".into(),
        INVALID_CONFIG.into(),
    )
}

#[tokio::test]
async fn get_credentials_for_identity_assumes_only_roles_that_trust_the_pool_and_amr() {
    let emu = start_trust().await;
    let user_pool = logins(&[(&main_provider(&emu), &id_token(&emu, "main", "jdoe"))]);
    let google = logins(&[(
        "accounts.google.com",
        &google_token(&emu, "g-1", GOOGLE_CLIENT),
    )]);
    // Roles that trust the pool, for the identity's kind (authenticated, guest).
    assert_eq!(
        credentials_role(&emu, "trusting", user_pool.clone()).await,
        Ok(assumed("Trusted"))
    );
    assert_eq!(
        credentials_role(&emu, "trusting", HashMap::new()).await,
        Ok(assumed("Guest"))
    );
    // An amr condition naming a provider: Google logins only.
    assert_eq!(
        credentials_role(&emu, "by-provider", google).await,
        Ok(assumed("GoogleAmr"))
    );
    assert_eq!(
        credentials_role(&emu, "by-provider", user_pool.clone()).await,
        Err(invalid_config())
    );
    // A role that trusts no one, and one that trusts another pool.
    assert_eq!(
        credentials_role(&emu, "misconfigured", user_pool).await,
        Err(invalid_config())
    );
    assert_eq!(
        credentials_role(&emu, "misconfigured", HashMap::new()).await,
        Err(invalid_config())
    );
    emu.shutdown().await;
}

/// AssumeRoleWithWebIdentity's answer: the assumed role's ARN, or (status, code, message).
async fn assume(
    emu: &RunningEmulator,
    role_name: &str,
    token: &str,
) -> Result<String, (u16, String, String)> {
    use aws_sdk_sts::error::ProvideErrorMetadata as _;
    match sts_client(emu, None)
        .assume_role_with_web_identity()
        .role_arn(role(role_name))
        .role_session_name("app")
        .web_identity_token(token)
        .send()
        .await
    {
        Ok(out) => Ok(out.assumed_role_user().unwrap().arn().to_owned()),
        Err(e) => Err((
            e.raw_response().map_or(0, |r| r.status().as_u16()),
            e.code().unwrap_or_default().to_owned(),
            e.message().unwrap_or_default().to_owned(),
        )),
    }
}

fn denied() -> (u16, String, String) {
    (403, "AccessDenied".into(), DENIED.into())
}

fn session(role_name: &str) -> String {
    format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/app")
}

async fn open_id_token(emu: &RunningEmulator, logins: HashMap<String, String>) -> String {
    let id = get_id(emu, "trusting", logins.clone()).await.unwrap();
    identity_client(emu)
        .get_open_id_token()
        .identity_id(&id)
        .set_logins(Some(logins).filter(|l| !l.is_empty()))
        .send()
        .await
        .unwrap()
        .token()
        .unwrap()
        .to_owned()
}

/// Issue 24: a role without a trust policy is refused as AWS refuses it (STS finds nothing that
/// lets `cognito-identity.amazonaws.com` assume it), whoever asks; the same identities get
/// credentials from a pool whose roles trust it.
#[tokio::test]
async fn a_role_without_a_trust_policy_is_refused_and_one_that_trusts_the_pool_is_assumed() {
    let emu = start_trust().await;
    let jdoe = || logins(&[(&main_provider(&emu), &id_token(&emu, "main", "jdoe"))]);
    for who in [jdoe(), HashMap::new()] {
        assert_eq!(
            credentials_role(&emu, "untrusted", who.clone()).await,
            Err(invalid_config()),
            "{:?}",
            who.keys()
        );
    }
    assert_eq!(
        credentials_role(&emu, "trusting", jdoe()).await,
        Ok(assumed("Trusted"))
    );
    assert_eq!(
        credentials_role(&emu, "trusting", HashMap::new()).await,
        Ok(assumed("Guest"))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn sts_checks_the_trust_policy_of_the_role_for_cognito_identity_tokens() {
    let emu = start_trust().await;
    let user_pool = logins(&[(&main_provider(&emu), &id_token(&emu, "main", "jdoe"))]);
    let authenticated = open_id_token(&emu, user_pool).await;
    let guest = open_id_token(&emu, HashMap::new()).await;

    assert_eq!(
        assume(&emu, "Trusted", &authenticated).await,
        Ok(session("Trusted"))
    );
    assert_eq!(assume(&emu, "Guest", &guest).await, Ok(session("Guest")));
    // The policy decides, not the pool's role settings: AnyOfTrusting is no role of the pool.
    assert_eq!(
        assume(&emu, "AnyOfTrusting", &guest).await,
        Ok(session("AnyOfTrusting"))
    );
    // The wrong amr, the wrong pool, no one, another provider.
    assert_eq!(assume(&emu, "Guest", &authenticated).await, Err(denied()));
    assert_eq!(assume(&emu, "Trusted", &guest).await, Err(denied()));
    assert_eq!(
        assume(&emu, "GoogleAmr", &authenticated).await,
        Err(denied())
    );
    assert_eq!(assume(&emu, "Nobody", &authenticated).await, Err(denied()));
    assert_eq!(
        assume(&emu, "GoogleOnly", &authenticated).await,
        Err(denied())
    );
    // A role without a policy keeps the default: only the pool's own roles.
    assert_eq!(assume(&emu, "Plain", &authenticated).await, Err(denied()));
    emu.shutdown().await;
}

#[tokio::test]
async fn sts_checks_the_trust_policy_of_the_role_for_oidc_tokens() {
    let emu = start_trust().await;
    let google = google_token(&emu, "g-2", GOOGLE_CLIENT);
    assert_eq!(
        assume(&emu, "GoogleOnly", &google).await,
        Ok(session("GoogleOnly"))
    );
    // The provider's ARN in `Federated` names the same provider.
    assert_eq!(
        assume(&emu, "GoogleArn", &google).await,
        Ok(session("GoogleArn"))
    );
    // A role without a policy trusts the emulator's OIDC issuers, as before.
    assert_eq!(assume(&emu, "Plain", &google).await, Ok(session("Plain")));
    assert_eq!(assume(&emu, "Trusted", &google).await, Err(denied()));
    assert_eq!(assume(&emu, "Nobody", &google).await, Err(denied()));
    emu.shutdown().await;
}

#[tokio::test]
async fn a_trust_statement_without_a_provider_is_a_seed_error() {
    let mut seed = trust_seed();
    seed.roles
        .push(trusted_role("Broken", Some(vec![statement(" ", &[], &[])])));
    let err = Emulator::builder().seed(seed).start().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Seed);
    assert!(
        err.message()
            .contains("a trust statement needs `federated`"),
        "{err}"
    );
}
