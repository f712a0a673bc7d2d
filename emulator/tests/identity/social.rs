//! Logins of Facebook (`graph.facebook.com`), Login with Amazon (`www.amazon.com`), Apple
//! (`appleid.apple.com`, a JWT issuer) and SAML (a provider ARN), end to end through GetId,
//! GetCredentialsForIdentity and GetOpenIdToken, from the seed's test tokens.

use super::*;
use cognito_sigv4_emulator::{ErrorKind, MappingRuleSeed, RoleMappingSeed, TestLoginSeed};

const SOCIAL: &str = "us-east-1:0d000000-0000-4000-8000-000000000001";
const GOOGLE_ONLY: &str = "us-east-1:0d000000-0000-4000-8000-000000000002";
const FB_APP: &str = "fb-app-1";
const FB_USER: &str = "1634271429961880";
const FB_TOKEN: &str = "EAAB-test-ann";
const AMAZON_CLIENT: &str = "amzn1.application-oa2-client.1";
const AMAZON_TOKEN: &str = "Atza|test-bob";
const APPLE_CLIENT: &str = "com.example.app";
const SAML_TOKEN: &str = "PHNhbWxwOlJlc3BvbnNlPjwvc2FtbHA6UmVzcG9uc2U+";

fn saml_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:saml-provider/Corp")
}

fn test_login(provider: &str, token: &str, subject: &str, audience: Option<&str>) -> TestLoginSeed {
    TestLoginSeed {
        provider: provider.into(),
        token: token.into(),
        subject: subject.into(),
        audience: audience.map(Into::into),
        ..Default::default()
    }
}

/// Identity pool `social` (Facebook app `fb-app-1`, Login with Amazon, Apple, the SAML
/// provider `Corp` mapped by rule: department engineering → `Engineers`, else Deny) and
/// `google-only` (Google only). Test tokens: Facebook's for ann (and one for another app,
/// one expired), Amazon's for bob, two SAML responses (an engineer, a salesman).
fn social_seed() -> Seed {
    let providers: BTreeMap<String, Vec<String>> = [
        ("graph.facebook.com", FB_APP),
        ("www.amazon.com", AMAZON_CLIENT),
        ("appleid.apple.com", APPLE_CLIENT),
    ]
    .iter()
    .map(|(p, c)| ((*p).to_owned(), vec![(*c).to_owned()]))
    .collect();
    let mut engineer = test_login(&saml_arn(), SAML_TOKEN, "cal@corp.example", None);
    engineer
        .claims
        .insert("department".into(), "engineering".into());
    let mut salesman = test_login(&saml_arn(), "PHNhbGVzPg==", "sam@corp.example", None);
    salesman.claims.insert("department".into(), "sales".into());
    let mut expired = test_login("graph.facebook.com", "EAAB-test-old", "42", Some(FB_APP));
    expired.expires_at = Some(T0 - 1);
    let saml_mapping = RoleMappingSeed {
        role_resolution: "Rules".into(),
        ambiguous_role_resolution: Some("Deny".into()),
        rules: vec![MappingRuleSeed {
            claim: "department".into(),
            match_type: "Equals".into(),
            value: "engineering".into(),
            role_arn: role("Engineers"),
        }],
    };
    Seed {
        oidc_providers: vec![
            OidcProviderSeed {
                issuer: "https://appleid.apple.com".into(),
                client_ids: vec![APPLE_CLIENT.into()],
            },
            OidcProviderSeed {
                issuer: "https://accounts.google.com".into(),
                client_ids: vec![GOOGLE_CLIENT.into()],
            },
        ],
        test_logins: vec![
            test_login("graph.facebook.com", FB_TOKEN, FB_USER, Some(FB_APP)),
            test_login(
                "graph.facebook.com",
                "EAAB-test-other-app",
                "7",
                Some("fb-app-2"),
            ),
            expired,
            test_login(
                "www.amazon.com",
                AMAZON_TOKEN,
                "amzn1.account.BOB",
                Some(AMAZON_CLIENT),
            ),
            engineer,
            salesman,
        ],
        identity_pools: vec![
            IdentityPoolSeed {
                id: Some(SOCIAL.into()),
                name: "social".into(),
                allow_classic_flow: true,
                oidc_providers: providers,
                saml_provider_arns: vec![saml_arn()],
                role_mappings: [(saml_arn(), saml_mapping)].into(),
                authenticated_role_arn: Some(role("Auth")),
                ..Default::default()
            },
            IdentityPoolSeed {
                id: Some(GOOGLE_ONLY.into()),
                name: "google-only".into(),
                oidc_providers: [(
                    "accounts.google.com".to_owned(),
                    vec![GOOGLE_CLIENT.to_owned()],
                )]
                .into(),
                authenticated_role_arn: Some(role("Auth")),
                ..Default::default()
            },
        ],
        roles: ["Auth", "Engineers"]
            .iter()
            .map(|r| RoleSeed {
                arn: role(r),
                trust: console_trust(&[SOCIAL, GOOGLE_ONLY], &["authenticated"]),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

async fn start_social() -> RunningEmulator {
    Emulator::builder()
        .seed(social_seed())
        .clock(ManualClock::at_epoch_secs(T0))
        .start()
        .await
        .unwrap()
}

/// GetId, then GetCredentialsForIdentity's role and GetOpenIdToken's `amr`, for one login.
async fn sign_in(
    emu: &RunningEmulator,
    provider: &str,
    token: &str,
) -> Result<(String, Vec<String>), (String, String)> {
    let l = logins(&[(provider, token)]);
    let id = get_id(emu, "social", l.clone()).await?;
    assert_eq!(
        get_id(emu, "social", l.clone()).await?,
        id,
        "stable per login"
    );
    let creds = get_credentials(emu, &id, l.clone(), None).await?;
    let role = caller_arn(emu, &creds).await.unwrap();
    let token = identity_client(emu)
        .get_open_id_token()
        .identity_id(&id)
        .set_logins(Some(l))
        .send()
        .await
        .unwrap()
        .token()
        .unwrap()
        .to_owned();
    let amr = serde_json::from_value(jwt_claims(&token)["amr"].clone()).unwrap();
    Ok((role, amr))
}

fn amr(entries: &[&str]) -> Vec<String> {
    entries.iter().map(|e| (*e).to_owned()).collect()
}

#[tokio::test]
async fn facebook_amazon_apple_and_saml_logins_get_credentials() {
    let emu = start_social().await;
    assert_eq!(
        sign_in(&emu, "graph.facebook.com", FB_TOKEN).await,
        Ok((
            assumed("Auth"),
            amr(&[
                "authenticated",
                "graph.facebook.com",
                &format!("graph.facebook.com:{FB_APP}:{FB_USER}"),
            ])
        ))
    );
    assert_eq!(
        sign_in(&emu, "www.amazon.com", AMAZON_TOKEN).await,
        Ok((
            assumed("Auth"),
            amr(&[
                "authenticated",
                "www.amazon.com",
                &format!("www.amazon.com:{AMAZON_CLIENT}:amzn1.account.BOB"),
            ])
        ))
    );
    let apple = emu
        .mint_oidc_token(
            "https://appleid.apple.com",
            "001234.apple-user",
            APPLE_CLIENT,
            Duration::from_secs(600),
            serde_json::json!({ "email": "anna@privaterelay.appleid.com" }),
        )
        .unwrap();
    assert_eq!(
        sign_in(&emu, "appleid.apple.com", apple.expose_secret()).await,
        Ok((
            assumed("Auth"),
            amr(&[
                "authenticated",
                "appleid.apple.com",
                &format!("appleid.apple.com:{APPLE_CLIENT}:001234.apple-user"),
            ])
        ))
    );
    // SAML: the provider's ARN is the login key; its rule maps the engineer.
    let arn = saml_arn();
    assert_eq!(
        sign_in(&emu, &arn, SAML_TOKEN).await,
        Ok((
            assumed("Engineers"),
            amr(&["authenticated", &arn, &format!("{arn}:cal@corp.example")])
        ))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_expired_foreign_and_unconfigured_social_logins_are_refused() {
    let emu = start_social().await;
    let refused = |provider: &'static str, token: &'static str| {
        let emu = &emu;
        async move {
            get_id(emu, "social", logins(&[(provider, token)]))
                .await
                .unwrap_err()
        }
    };
    let not_authorized = |m: &str| ("NotAuthorizedException".to_owned(), m.to_owned());
    assert_eq!(
        refused("graph.facebook.com", "EAAB-forged").await,
        not_authorized("Invalid login token. The token was not issued by graph.facebook.com.")
    );
    assert_eq!(
        refused("www.amazon.com", FB_TOKEN).await,
        not_authorized("Invalid login token. The token was not issued by www.amazon.com.")
    );
    assert_eq!(
        refused("graph.facebook.com", "EAAB-test-other-app").await,
        not_authorized("Invalid login token. Incorrect token audience.")
    );
    assert_eq!(
        refused("graph.facebook.com", "EAAB-test-old").await,
        not_authorized(&format!(
            "Invalid login token. Token expired: {T0} >= {}",
            T0 - 1
        ))
    );
    // A pool without the provider.
    assert_eq!(
        get_id(
            &emu,
            "google-only",
            logins(&[("graph.facebook.com", FB_TOKEN)])
        )
        .await
        .unwrap_err(),
        not_authorized("Token is not from a supported provider of this identity pool.")
    );
    // The salesman matches no rule of the SAML mapping, which denies.
    let l = logins(&[(&saml_arn(), "PHNhbGVzPg==")]);
    let id = get_id(&emu, "social", l.clone()).await.unwrap();
    assert_eq!(
        get_credentials(&emu, &id, l, None).await.unwrap_err(),
        not_authorized(&format!(
            "The ambiguous role mapping rules for: {} denied this request.",
            saml_arn()
        ))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn the_seed_refuses_test_logins_and_saml_providers_it_cannot_use() {
    let refused = |change: fn(&mut Seed)| async move {
        let mut seed = social_seed();
        change(&mut seed);
        let err = Emulator::builder().seed(seed).start().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Seed, "{err}");
        err.message().to_owned()
    };
    let message = refused(|s| {
        s.test_logins
            .push(test_login("accounts.google.com", "t", "s", None));
    })
    .await;
    assert!(
        message.contains("JWT issuers such as Google and Apple are `oidc_providers`"),
        "{message}"
    );
    let message = refused(|s| {
        s.identity_pools[0]
            .saml_provider_arns
            .push("arn:aws:iam::123456789012:role/NotSaml".into());
    })
    .await;
    assert!(message.contains("is no SAML provider ARN"), "{message}");
}
