//! User-pool sign-in against the emulator's cognito-idp: SRP and password flows, app-client
//! secrets and aliases, challenges, refresh, sign-out, errors, and secrets kept out of `Debug`.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cognito_sigv4::jwt::UnverifiedClaims;
use cognito_sigv4::secret::{OneTimeCode, Password};
use cognito_sigv4::user_pool::{
    AuthFlow, ChallengeKind, ChallengeResponse, MfaKind, SignInStep, Tokens, UserPoolClient,
};
use cognito_sigv4::{Clock, ErrorKind};
use cognito_sigv4_emulator::{AppClientSeed, Seed, UserPoolSeed, UserSeed, totp_code};
use support::{TestEmulator, challenge, done};

const POOL: &str = "pool";
const ALICE_PW: &str = "MARKER-alice-Passw0rd!";
/// Bob's Cognito username is a UUID; he signs in with his e-mail address.
const BOB: &str = "6f1c2b9e-7d3a-4c55-9e0f-1a2b3c4d5e6f";
const BOB_EMAIL: &str = "bob@example.com";
const BOB_PW: &str = "MARKER-bob-Passw0rd!";
const CAROL_PW: &str = "MARKER-carol-Temp0rary!";
const DAVE_PW: &str = "MARKER-dave-Passw0rd!";
const MFA_POOL: &str = "mfa-pool";
const ERIN_PW: &str = "MARKER-erin-Passw0rd!";
const DAVE_TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn user(name: &str, password: &str) -> UserSeed {
    UserSeed {
        username: name.into(),
        password: password.into(),
        ..Default::default()
    }
}

fn seed() -> Seed {
    let mut bob = user(BOB, BOB_PW);
    bob.attributes.insert("email".into(), BOB_EMAIL.into());
    let mut carol = user("carol", CAROL_PW);
    carol.status = Some("FORCE_CHANGE_PASSWORD".into());
    let mut dave = user("dave", DAVE_PW);
    dave.totp_secret = Some(DAVE_TOTP.into());
    let mut frank = user("frank", ALICE_PW);
    frank.status = Some("UNCONFIRMED".into());
    let mut gina = user("gina", ALICE_PW);
    gina.status = Some("RESET_REQUIRED".into());
    let mut alice = user("alice", ALICE_PW);
    alice
        .attributes
        .insert("email".into(), "alice@example.com".into());
    Seed {
        user_pools: vec![
            UserPoolSeed {
                name: POOL.into(),
                alias_attributes: vec!["email".into()],
                clients: vec![
                    AppClientSeed {
                        name: "public".into(),
                        ..Default::default()
                    },
                    AppClientSeed {
                        name: "secret".into(),
                        generate_secret: true,
                        ..Default::default()
                    },
                    AppClientSeed {
                        name: "rotating".into(),
                        generate_secret: true,
                        refresh_token_rotation: true,
                        ..Default::default()
                    },
                ],
                users: vec![alice, bob, carol, dave, frank, gina],
                ..Default::default()
            },
            UserPoolSeed {
                name: MFA_POOL.into(),
                mfa_configuration: Some("ON".into()),
                clients: vec![AppClientSeed {
                    name: "secret".into(),
                    generate_secret: true,
                    ..Default::default()
                }],
                users: vec![user("erin", ERIN_PW)],
                ..Default::default()
            },
        ],
        ..Default::default()
    }
}

/// The emulator with [`seed`].
async fn start() -> TestEmulator {
    TestEmulator::with_seed(seed()).await
}

fn assert_tokens_for(tokens: &Tokens, username: &str, now: SystemTime) {
    assert_eq!(tokens.username, username);
    let id = UnverifiedClaims::from_jwt(&tokens.id).unwrap();
    let access = UnverifiedClaims::from_jwt(&tokens.access).unwrap();
    assert_eq!(id.cognito_username(), Some(username));
    assert_eq!(access.username(), Some(username));
    assert!(tokens.refresh.is_some(), "sign-in issues a refresh token");
    // Seeded lifetimes are an hour for both tokens.
    assert_eq!(tokens.expires_at, now + Duration::from_secs(3600));
}

// ---------------------------------------------------------------------------------------------
// Sign-in

#[tokio::test]
async fn srp_and_password_sign_in_with_a_public_client() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "public");
    for flow in [AuthFlow::Srp, AuthFlow::Password] {
        let step = client
            .sign_in_with_flow("alice", &Password::new(ALICE_PW), flow)
            .await
            .unwrap_or_else(|e| panic!("{flow:?}: {e}"));
        assert_tokens_for(&done(step), "alice", env.clock.now());
    }
    // SRP is the default flow.
    assert_tokens_for(
        &done(
            client
                .sign_in("alice", &Password::new(ALICE_PW))
                .await
                .unwrap(),
        ),
        "alice",
        env.clock.now(),
    );
    assert_eq!(
        env.emulator.calls("RespondToAuthChallenge"),
        2,
        "two SRP sign-ins answered PASSWORD_VERIFIER"
    );
    env.emulator.shutdown().await;
}

#[tokio::test]
async fn srp_and_password_sign_in_with_a_client_secret() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "secret");
    for flow in [AuthFlow::Srp, AuthFlow::Password] {
        let step = client
            .sign_in_with_flow("alice", &Password::new(ALICE_PW), flow)
            .await
            .unwrap_or_else(|e| panic!("{flow:?}: {e}"));
        assert_tokens_for(&done(step), "alice", env.clock.now());
    }
    // The same client without its secret is refused.
    let no_secret = env
        .config_of(POOL, "public")
        .to_builder()
        .client_id(env.emulator.client_id(POOL, "secret").unwrap())
        .build()
        .unwrap();
    let err = UserPoolClient::new(&no_secret)
        .unwrap()
        .sign_in("alice", &Password::new(ALICE_PW))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    env.emulator.shutdown().await;
}

#[tokio::test]
async fn email_alias_sign_in_hashes_cognitos_username_and_refreshes() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "secret");
    for flow in [AuthFlow::Srp, AuthFlow::Password] {
        let tokens = done(
            client
                .sign_in_with_flow(BOB_EMAIL, &Password::new(BOB_PW), flow)
                .await
                .unwrap_or_else(|e| panic!("{flow:?}: {e}")),
        );
        // The tokens name Cognito's username, not the e-mail typed...
        assert_tokens_for(&tokens, BOB, env.clock.now());
        // ...and refresh, where Cognito checks SECRET_HASH against the token's user, works.
        let refreshed = client
            .refresh(&tokens)
            .await
            .unwrap_or_else(|e| panic!("{flow:?}: {e}"));
        assert_eq!(refreshed.username, BOB);
    }
    env.emulator.shutdown().await;
}

#[tokio::test]
async fn wrong_password_is_not_authorized_and_unknown_user_is_user_not_found() {
    let env = start().await;
    for client in [
        env.user_pool_client(POOL, "public"),
        env.user_pool_client(POOL, "secret"),
    ] {
        for flow in [AuthFlow::Srp, AuthFlow::Password] {
            let err = client
                .sign_in_with_flow("alice", &Password::new("MARKER-wrong-password"), flow)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{flow:?}: {err}");
            assert_eq!(err.service_code(), Some("NotAuthorizedException"));
            assert!(!err.is_retryable());
            let err = client
                .sign_in_with_flow("nobody", &Password::new(ALICE_PW), flow)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::UserNotFound, "{flow:?}: {err}");
        }
    }
    env.emulator.shutdown().await;
}

#[tokio::test]
async fn unconfirmed_and_reset_required_users_get_errors_that_say_so() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "public");
    for flow in [AuthFlow::Srp, AuthFlow::Password] {
        for (name, kind) in [
            ("frank", ErrorKind::UserNotConfirmed),
            ("gina", ErrorKind::PasswordResetRequired),
        ] {
            let err = client
                .sign_in_with_flow(name, &Password::new(ALICE_PW), flow)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), kind, "{name} {flow:?}: {err}");
            assert!(!err.is_retryable());
        }
    }
    env.emulator.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Challenges

#[tokio::test]
async fn new_password_required_then_the_new_password_works() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "secret");
    let ch = challenge(
        client
            .sign_in("carol", &Password::new(CAROL_PW))
            .await
            .unwrap(),
    );
    assert_eq!(ch.name(), "NEW_PASSWORD_REQUIRED");
    assert!(
        matches!(ch.kind(), ChallengeKind::NewPasswordRequired { .. }),
        "{ch:?}"
    );
    assert_eq!(ch.username(), "carol");
    assert!(ch.session().is_some());

    // A code is not an answer to this challenge.
    let err = client
        .respond(&ch, ChallengeResponse::MfaCode(OneTimeCode::new("123456")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidParameter);

    let new_pw = "MARKER-carol-N3w-Passw0rd!";
    let tokens = done(
        client
            .respond(
                &ch,
                ChallengeResponse::NewPassword {
                    password: Password::new(new_pw),
                    attributes: BTreeMap::new(),
                },
            )
            .await
            .unwrap(),
    );
    assert_tokens_for(&tokens, "carol", env.clock.now());
    // The new password signs in straight away; the temporary one no longer does.
    done(
        client
            .sign_in("carol", &Password::new(new_pw))
            .await
            .unwrap(),
    );
    let err = client
        .sign_in("carol", &Password::new(CAROL_PW))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAuthorized);
    env.emulator.shutdown().await;
}

/// RFC 6238 TOTP (HMAC-SHA-1, 30 s steps, 6 digits) for a base32 secret, as an authenticator
/// app shows it.
fn totp(base32_secret: &str, at: SystemTime) -> String {
    totp_code(base32_secret, at).expect("base32 secret")
}

#[test]
fn totp_helper_matches_rfc_6238() {
    // RFC 6238 appendix B, SHA-1, secret "12345678901234567890": T = 59 s → 94287082 (8 digits).
    let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    assert_eq!(totp(secret, UNIX_EPOCH + Duration::from_secs(59)), "287082");
    assert_eq!(
        totp(secret, UNIX_EPOCH + Duration::from_secs(1_111_111_109)),
        "081804"
    );
}

#[tokio::test]
async fn software_token_mfa_with_a_wrong_then_the_right_code() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "secret");
    let ch = challenge(
        client
            .sign_in("dave", &Password::new(DAVE_PW))
            .await
            .unwrap(),
    );
    assert_eq!(ch.kind(), &ChallengeKind::SoftwareTokenMfa);
    assert_eq!(ch.username(), "dave");

    let right = totp(DAVE_TOTP, env.clock.now());
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let err = client
        .respond(&ch, ChallengeResponse::MfaCode(OneTimeCode::new(wrong)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CodeMismatch, "{err}");

    // A fresh sign-in, answered with the code of the emulator's current 30-second step.
    let ch = challenge(
        client
            .sign_in_with_flow("dave", &Password::new(DAVE_PW), AuthFlow::Password)
            .await
            .unwrap(),
    );
    let tokens = done(
        client
            .respond(&ch, ChallengeResponse::MfaCode(OneTimeCode::new(right)))
            .await
            .unwrap(),
    );
    assert_tokens_for(&tokens, "dave", env.clock.now());
    env.emulator.shutdown().await;
}

#[tokio::test]
async fn mfa_setup_associates_and_verifies_an_authenticator_app() {
    let env = start().await;
    let client = env.user_pool_client(MFA_POOL, "secret");
    let ch = challenge(
        client
            .sign_in("erin", &Password::new(ERIN_PW))
            .await
            .unwrap(),
    );
    assert_eq!(
        ch.kind(),
        &ChallengeKind::MfaSetup {
            options: vec![MfaKind::SoftwareToken]
        }
    );
    // MFA_SETUP is not answered with respond().
    let err = client
        .respond(&ch, ChallengeResponse::MfaCode(OneTimeCode::new("123456")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidParameter);

    let (secret, ch) = client.associate_software_token(&ch).await.unwrap();
    assert_eq!(format!("{secret:?}"), "TotpSecret(***)");
    let right = totp(secret.expose_secret(), env.clock.now());
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let err = client
        .verify_software_token(&ch, &OneTimeCode::new(wrong))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CodeMismatch, "{err}");
    let tokens = done(
        client
            .verify_software_token(&ch, &OneTimeCode::new(right))
            .await
            .unwrap(),
    );
    assert_tokens_for(&tokens, "erin", env.clock.now());

    // From now on Erin signs in with a code from the app.
    env.clock.advance(Duration::from_secs(60));
    let ch = challenge(
        client
            .sign_in("erin", &Password::new(ERIN_PW))
            .await
            .unwrap(),
    );
    assert_eq!(ch.kind(), &ChallengeKind::SoftwareTokenMfa);
    let code = totp(secret.expose_secret(), env.clock.now());
    done(
        client
            .respond(&ch, ChallengeResponse::MfaCode(OneTimeCode::new(code)))
            .await
            .unwrap(),
    );
    env.emulator.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Refresh and sign-out

#[tokio::test]
async fn refresh_gets_new_tokens_and_keeps_the_refresh_token() {
    let env = start().await;
    for name in ["public", "secret"] {
        let client = env.user_pool_client(POOL, name);
        let tokens = done(
            client
                .sign_in("alice", &Password::new(ALICE_PW))
                .await
                .unwrap(),
        );
        env.clock.advance(Duration::from_secs(2 * 3600));
        let refreshed = client
            .refresh(&tokens)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(refreshed.username, "alice");
        assert_eq!(
            refreshed.expires_at,
            env.clock.now() + Duration::from_secs(3600)
        );
        assert_ne!(refreshed.access, tokens.access);
        assert_eq!(
            refreshed.refresh, tokens.refresh,
            "REFRESH_TOKEN_AUTH keeps the refresh token"
        );
    }
    env.emulator.shutdown().await;
}

#[tokio::test]
async fn refresh_with_rotation_replaces_the_refresh_token_and_retires_the_old_one() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "rotating");
    let tokens = done(
        client
            .sign_in(BOB_EMAIL, &Password::new(BOB_PW))
            .await
            .unwrap(),
    );
    let rotated = client.refresh_with_rotation(&tokens).await.unwrap();
    assert_eq!(rotated.username, BOB);
    assert!(rotated.refresh.is_some());
    assert_ne!(
        rotated.refresh, tokens.refresh,
        "a rotating client issues a new refresh token"
    );
    let err = client.refresh_with_rotation(&tokens).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    assert!(err.ends_session());
    client.refresh_with_rotation(&rotated).await.unwrap();

    // Without rotation the operation keeps the refresh token it was given.
    let client = env.user_pool_client(POOL, "secret");
    let tokens = done(
        client
            .sign_in("alice", &Password::new(ALICE_PW))
            .await
            .unwrap(),
    );
    let refreshed = client.refresh_with_rotation(&tokens).await.unwrap();
    assert_eq!(refreshed.refresh, tokens.refresh);
    env.emulator.shutdown().await;
}

#[tokio::test]
async fn revoke_then_refresh_fails_with_an_error_that_ends_the_session() {
    let env = start().await;
    for name in ["public", "secret"] {
        let client = env.user_pool_client(POOL, name);
        let tokens = done(
            client
                .sign_in("alice", &Password::new(ALICE_PW))
                .await
                .unwrap(),
        );
        let kept = tokens.clone();
        client
            .revoke(tokens)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let err = client.refresh(&kept).await.unwrap_err();
        assert!(err.ends_session(), "{name}: {err}");
        assert_eq!(err.kind(), ErrorKind::NotAuthorized);
    }
    env.emulator.shutdown().await;
}

#[tokio::test]
async fn global_sign_out_then_refresh_fails() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "secret");
    let here = done(
        client
            .sign_in("alice", &Password::new(ALICE_PW))
            .await
            .unwrap(),
    );
    let elsewhere = done(
        client
            .sign_in("alice", &Password::new(ALICE_PW))
            .await
            .unwrap(),
    );
    let kept = here.clone();
    client.global_sign_out(here).await.unwrap();
    for tokens in [&kept, &elsewhere] {
        let err = client.refresh(tokens).await.unwrap_err();
        assert!(err.ends_session(), "{err}");
    }
    env.emulator.shutdown().await;
}

#[tokio::test]
async fn refresh_without_a_refresh_token_says_sign_in_again() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "public");
    let mut tokens = done(
        client
            .sign_in("alice", &Password::new(ALICE_PW))
            .await
            .unwrap(),
    );
    tokens.refresh = None;
    let calls = env.emulator.calls("InitiateAuth");
    let err = client.refresh(&tokens).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionEnded);
    assert_eq!(
        env.emulator.calls("InitiateAuth"),
        calls,
        "no call without a refresh token"
    );
    env.emulator.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Secrets stay out of Debug and errors

#[tokio::test]
async fn passwords_tokens_and_sessions_never_reach_debug_or_error_text() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "secret");
    let tokens = done(
        client
            .sign_in("alice", &Password::new(ALICE_PW))
            .await
            .unwrap(),
    );
    let ch = challenge(
        client
            .sign_in("carol", &Password::new(CAROL_PW))
            .await
            .unwrap(),
    );
    let mut shown = vec![
        format!("{tokens:?} {tokens:#?}"),
        format!("{:?}", SignInStep::Done(tokens.clone())),
        format!("{ch:?} {ch:#?}"),
        format!("{:?}", SignInStep::Challenge(ch.clone())),
        format!("{client:?}"),
    ];
    for flow in [AuthFlow::Srp, AuthFlow::Password] {
        let err = client
            .sign_in_with_flow("alice", &Password::new("MARKER-wrong-password"), flow)
            .await
            .unwrap_err();
        shown.push(format!("{err} {err:?}"));
    }
    let err = client
        .respond(
            &ch,
            ChallengeResponse::NewPassword {
                password: Password::new("MARKER-x"),
                attributes: BTreeMap::new(),
            },
        )
        .await
        .unwrap_err();
    shown.push(format!("{err} {err:?}"));
    let shown = shown.join("\n");
    assert!(!shown.contains("MARKER"), "a password leaked: {shown}");
    let secret = env.emulator.client_secret(POOL, "secret").unwrap();
    let mut secrets = vec![
        tokens.id.expose_secret(),
        tokens.access.expose_secret(),
        tokens.refresh.as_ref().unwrap().expose_secret(),
        ch.session().unwrap().expose_secret(),
        secret.expose_secret(),
    ];
    // Also no long piece of a token (its signature part).
    let sig = tokens.access.expose_secret().rsplit('.').next().unwrap();
    secrets.push(sig);
    for s in secrets {
        assert!(!shown.contains(s), "a secret leaked into: {shown}");
    }
    assert!(shown.contains("alice"), "Debug still says who: {shown}");
    env.emulator.shutdown().await;
}

/// Set in the child process of [`works_with_no_aws_environment_at_all`].
const CHILD: &str = "COGNITO_SIGV4_USER_POOL_TEST_CHILD";

#[tokio::test]
async fn works_with_no_aws_environment_at_all() {
    if std::env::var_os(CHILD).is_some() {
        // In the child: no AWS variables, no HOME (so no ~/.aws), nothing to find credentials in.
        let env = start().await;
        let client = env.user_pool_client(POOL, "secret");
        let tokens = done(
            client
                .sign_in("alice", &Password::new(ALICE_PW))
                .await
                .unwrap(),
        );
        client.refresh(&tokens).await.unwrap();
        env.emulator.shutdown().await;
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "works_with_no_aws_environment_at_all",
            "--nocapture",
        ])
        .env_clear()
        .env(CHILD, "1")
        // Belt and braces: were anything to probe the instance metadata service, it would reach
        // a closed port on this machine, never the network.
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9/")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 passed"), "the child ran the test: {text}");
}

#[tokio::test]
async fn trace_logs_name_the_flow_and_outcome_but_no_secret() {
    let env = start().await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // A global subscriber, not a thread-local one: tracing caches each callsite's interest when
    // it is first hit, and other tests of this binary hit the same callsites concurrently. The
    // capture then also holds their logs, which must be free of secrets too. Only this test
    // installs a subscriber.
    tracing::subscriber::set_global_default(subscriber).expect("only this test sets a subscriber");
    let client = env.user_pool_client(POOL, "secret");
    let tokens = done(
        client
            .sign_in(BOB_EMAIL, &Password::new(BOB_PW))
            .await
            .unwrap(),
    );
    let refreshed = client.refresh(&tokens).await.unwrap();
    let ch = challenge(
        client
            .sign_in("dave", &Password::new(DAVE_PW))
            .await
            .unwrap(),
    );
    let code = totp(DAVE_TOTP, env.clock.now());
    done(
        client
            .respond(
                &ch,
                ChallengeResponse::MfaCode(OneTimeCode::new(code.clone())),
            )
            .await
            .unwrap(),
    );
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains(r#"sign_in{flow="USER_SRP_AUTH"}"#),
        "the flow is logged"
    );
    assert!(
        logs.contains(r#"outcome="challenge" challenge="SOFTWARE_TOKEN_MFA""#),
        "{logs}"
    );
    assert!(!logs.contains("MARKER"), "a password leaked");
    assert!(!logs.contains(BOB_EMAIL), "the typed e-mail leaked");
    for secret in [
        tokens.id.expose_secret(),
        tokens.access.expose_secret(),
        tokens.refresh.as_ref().unwrap().expose_secret(),
        refreshed.access.expose_secret(),
        ch.session().unwrap().expose_secret(),
    ] {
        let sig = secret.rsplit('.').next().unwrap();
        assert!(!logs.contains(sig), "a token or session leaked");
    }
    env.emulator.shutdown().await;
}

/// A `Write` that appends to a shared buffer, for capturing tracing output.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
