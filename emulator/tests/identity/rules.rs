//! Role mapping by rules (`Type: Rules`: claim Equals / Contains / StartsWith / NotEqual, the
//! first match wins, `AmbiguousRoleResolution` AuthenticatedRole or Deny) for user pools and
//! OIDC providers, and GetOpenIdToken's `amr` entries.

use super::*;
use cognito_sigv4_emulator::{ErrorKind, MappingRuleSeed, RoleMappingSeed};

const RULED: &str = "us-east-1:0e000000-0000-4000-8000-000000000001";
const RULED_DENY: &str = "us-east-1:0e000000-0000-4000-8000-000000000002";
const GOOGLE_RULED: &str = "us-east-1:0e000000-0000-4000-8000-000000000003";

fn rule(claim: &str, match_type: &str, value: &str, role_name: &str) -> MappingRuleSeed {
    MappingRuleSeed {
        claim: claim.into(),
        match_type: match_type.into(),
        value: value.into(),
        role_arn: role(role_name),
    }
}

fn ruled_user(name: &str, groups: &[&str], attributes: &[(&str, &str)]) -> UserSeed {
    let mut u = user(name, groups);
    for (k, v) in attributes {
        u.attributes.insert((*k).into(), (*v).into());
    }
    u
}

fn rules_provider(ambiguous: &str, rules: Vec<MappingRuleSeed>) -> UserPoolProviderSeed {
    UserPoolProviderSeed {
        rules,
        ..provider(Some("Rules"), Some(ambiguous))
    }
}

/// User pool `main` (client `web`): `ann` (group admins, e-mail at corp.example, tier gold),
/// `ben` (e-mail ben@other.example), `dan` (tier silver), `cal` (nothing). Identity pools:
/// `ruled` (four rules, else the authenticated role; guests and the classic flow allowed),
/// `ruled-deny` (one rule, else Deny), `google-ruled` (a rule on Google's `email`, else Deny).
fn rules_seed() -> Seed {
    let google: BTreeMap<String, Vec<String>> = [(
        "accounts.google.com".to_string(),
        vec![GOOGLE_CLIENT.to_string()],
    )]
    .into();
    let google_mapping = RoleMappingSeed {
        role_resolution: "Rules".into(),
        ambiguous_role_resolution: Some("Deny".into()),
        rules: vec![rule("email", "Contains", "@corp.example", "Corp")],
    };
    Seed {
        user_pools: vec![UserPoolSeed {
            name: "main".into(),
            clients: vec![client("web")],
            groups: vec![GroupSeed {
                name: "admins".into(),
                ..Default::default()
            }],
            users: vec![
                ruled_user(
                    "ann",
                    &["admins"],
                    &[("email", "ann@corp.example"), ("custom:tier", "gold")],
                ),
                ruled_user("ben", &[], &[("email", "ben@other.example")]),
                ruled_user("dan", &[], &[("custom:tier", "silver")]),
                ruled_user("cal", &[], &[]),
            ],
            ..Default::default()
        }],
        oidc_providers: vec![OidcProviderSeed {
            issuer: "https://accounts.google.com".into(),
            client_ids: vec![GOOGLE_CLIENT.into()],
        }],
        identity_pools: vec![
            IdentityPoolSeed {
                id: Some(RULED.into()),
                name: "ruled".into(),
                allow_unauthenticated: true,
                allow_classic_flow: true,
                user_pool_providers: vec![rules_provider(
                    "AuthenticatedRole",
                    vec![
                        rule("cognito:groups", "Equals", "admins", "Admin"),
                        rule("email", "StartsWith", "ben@", "Ben"),
                        rule("custom:tier", "NotEqual", "gold", "NotGold"),
                        rule("email", "Contains", "@corp.", "Corp"),
                    ],
                )],
                oidc_providers: google.clone(),
                authenticated_role_arn: Some(role("Auth")),
                unauthenticated_role_arn: Some(role("Unauth")),
                ..Default::default()
            },
            IdentityPoolSeed {
                id: Some(RULED_DENY.into()),
                name: "ruled-deny".into(),
                user_pool_providers: vec![rules_provider(
                    "Deny",
                    vec![rule("cognito:groups", "Equals", "admins", "Admin")],
                )],
                authenticated_role_arn: Some(role("Auth")),
                ..Default::default()
            },
            IdentityPoolSeed {
                id: Some(GOOGLE_RULED.into()),
                name: "google-ruled".into(),
                oidc_providers: google,
                role_mappings: [("accounts.google.com".to_string(), google_mapping)].into(),
                authenticated_role_arn: Some(role("Auth")),
                ..Default::default()
            },
        ],
        roles: ["Auth", "Unauth", "Admin", "Ben", "NotGold", "Corp"]
            .iter()
            .map(|r| RoleSeed {
                arn: role(r),
                trust: if *r == "Unauth" {
                    console_trust(&[RULED], &["unauthenticated"])
                } else {
                    console_trust(&[RULED, RULED_DENY, GOOGLE_RULED], &["authenticated"])
                },
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

async fn start_rules() -> RunningEmulator {
    Emulator::builder()
        .seed(rules_seed())
        .clock(ManualClock::at_epoch_secs(T0))
        .start()
        .await
        .unwrap()
}

/// The role GetCredentialsForIdentity gives, or its (status, `__type`, message).
async fn role_for(
    emu: &RunningEmulator,
    pool_name: &str,
    logins: HashMap<String, String>,
    custom: Option<&str>,
) -> Result<String, (u16, String, String)> {
    let id = get_id(emu, pool_name, logins.clone()).await.unwrap();
    match identity_client(emu)
        .get_credentials_for_identity()
        .identity_id(&id)
        .set_logins(Some(logins).filter(|l| !l.is_empty()))
        .set_custom_role_arn(custom.map(Into::into))
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

fn user_login(emu: &RunningEmulator, name: &str) -> HashMap<String, String> {
    logins(&[(&main_provider(emu), &id_token(emu, "main", name))])
}

fn google_login(emu: &RunningEmulator, subject: &str, email: &str) -> HashMap<String, String> {
    let token = emu
        .mint_oidc_token(
            "https://accounts.google.com",
            subject,
            GOOGLE_CLIENT,
            Duration::from_secs(3600),
            serde_json::json!({ "email": email }),
        )
        .unwrap();
    logins(&[("accounts.google.com", token.expose_secret())])
}

#[tokio::test]
async fn rules_choose_the_first_matching_rules_role_else_the_authenticated_role() {
    let emu = start_rules().await;
    // ann matches the first rule (a group) and the fourth (Contains); the first wins.
    assert_eq!(
        role_for(&emu, "ruled", user_login(&emu, "ann"), None).await,
        Ok(assumed("Admin"))
    );
    // ben: StartsWith; dan: NotEqual (silver is not gold).
    assert_eq!(
        role_for(&emu, "ruled", user_login(&emu, "ben"), None).await,
        Ok(assumed("Ben"))
    );
    assert_eq!(
        role_for(&emu, "ruled", user_login(&emu, "dan"), None).await,
        Ok(assumed("NotGold"))
    );
    // cal has none of the claims (NotEqual needs the claim too): the authenticated role.
    assert_eq!(
        role_for(&emu, "ruled", user_login(&emu, "cal"), None).await,
        Ok(assumed("Auth"))
    );
    // A CustomRoleArn may pick any matching rule's role, and no other.
    assert_eq!(
        role_for(&emu, "ruled", user_login(&emu, "ann"), Some(&role("Corp"))).await,
        Ok(assumed("Corp"))
    );
    let ben = role("Ben");
    assert_eq!(
        role_for(&emu, "ruled", user_login(&emu, "ann"), Some(&ben)).await,
        Err((
            400,
            "InvalidParameterException".into(),
            format!("Invalid CustomRoleArn: the role '{ben}' is not in the token's cognito:roles.")
        ))
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn ambiguous_role_resolution_deny_refuses_a_login_no_rule_matches() {
    let emu = start_rules().await;
    assert_eq!(
        role_for(&emu, "ruled-deny", user_login(&emu, "ann"), None).await,
        Ok(assumed("Admin"))
    );
    let client_id = emu.client_id("main", "web").unwrap();
    assert_eq!(
        role_for(&emu, "ruled-deny", user_login(&emu, "cal"), None).await,
        Err((
            400,
            "NotAuthorizedException".into(),
            format!(
                "The ambiguous role mapping rules for: {}:{client_id} denied this request.",
                main_provider(&emu)
            )
        ))
    );
    // An OIDC provider's rules, on its token's claims; AWS's text for a Google mapping.
    assert_eq!(
        role_for(
            &emu,
            "google-ruled",
            google_login(&emu, "g-1", "gina@corp.example"),
            None
        )
        .await,
        Ok(assumed("Corp"))
    );
    assert_eq!(
        role_for(
            &emu,
            "google-ruled",
            google_login(&emu, "g-2", "gus@gmail.com"),
            None
        )
        .await,
        Err((
            400,
            "NotAuthorizedException".into(),
            "The ambiguous role mapping rules for: accounts.google.com denied this request.".into()
        ))
    );
    emu.shutdown().await;
}

/// GetOpenIdToken's `amr` for an identity of `ruled` with these logins.
async fn open_id_amr(emu: &RunningEmulator, logins: HashMap<String, String>) -> Vec<String> {
    let id = get_id(emu, "ruled", logins.clone()).await.unwrap();
    let token = identity_client(emu)
        .get_open_id_token()
        .identity_id(&id)
        .set_logins(Some(logins).filter(|l| !l.is_empty()))
        .send()
        .await
        .unwrap()
        .token()
        .unwrap()
        .to_owned();
    serde_json::from_value(jwt_claims(&token)["amr"].clone()).unwrap()
}

#[tokio::test]
async fn open_id_token_amr_names_the_providers_and_each_logins_subject() {
    let emu = start_rules().await;
    let provider = main_provider(&emu);
    let sub = jwt_claims(&id_token(&emu, "main", "ann"))["sub"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        open_id_amr(&emu, user_login(&emu, "ann")).await,
        [
            "authenticated".to_owned(),
            provider.clone(),
            format!("{provider}:CognitoSignIn:{sub}"),
        ]
    );
    assert_eq!(
        open_id_amr(&emu, google_login(&emu, "g-7", "g7@gmail.com")).await,
        [
            "authenticated".to_owned(),
            "accounts.google.com".to_owned(),
            format!("accounts.google.com:{GOOGLE_CLIENT}:g-7"),
        ]
    );
    assert_eq!(open_id_amr(&emu, HashMap::new()).await, ["unauthenticated"]);
    emu.shutdown().await;
}

#[tokio::test]
async fn the_seed_refuses_role_mappings_aws_would_refuse() {
    let refused = |change: fn(&mut Seed)| async move {
        let mut seed = rules_seed();
        change(&mut seed);
        let err = Emulator::builder().seed(seed).start().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Seed, "{err}");
        err.message().to_owned()
    };
    let message = refused(|s| {
        let mapping = s.identity_pools[2].role_mappings["accounts.google.com"].clone();
        s.identity_pools[2]
            .role_mappings
            .insert("graph.facebook.com".into(), mapping);
    })
    .await;
    assert!(
        message.contains(
            "graph.facebook.com is not a valid RoleMapping ProviderName or is not a configured provider."
        ),
        "{message}"
    );
    let message = refused(|s| {
        s.identity_pools[0].user_pool_providers[0].rules[0].match_type = "Like".into();
    })
    .await;
    assert!(
        message.contains("match_type must be Equals, Contains, StartsWith or NotEqual"),
        "{message}"
    );
    let message = refused(|s| {
        let r = s.identity_pools[0].user_pool_providers[0].rules[0].clone();
        s.identity_pools[0].user_pool_providers[0].rules = vec![r; 26];
    })
    .await;
    assert!(
        message.contains("Rules needs 1 to 25 rules, got 26"),
        "{message}"
    );
    let message = refused(|s| {
        s.identity_pools[0].user_pool_providers[0].ambiguous_role_resolution = Some("deny".into());
    })
    .await;
    assert!(
        message.contains("ambiguous_role_resolution must be AuthenticatedRole or Deny"),
        "{message}"
    );
}
