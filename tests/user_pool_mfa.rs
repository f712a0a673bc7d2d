//! SMS_MFA, EMAIL_OTP and SELECT_MFA_TYPE end to end: `UserPoolClient` (and `Session`) against
//! the emulator, which "delivers" codes to an outbox the tests read.

mod support;

use std::time::Duration;

use cognito_sigv4::credentials::{Session, SignInOutcome};
use cognito_sigv4::jwt::UnverifiedClaims;
use cognito_sigv4::secret::{OneTimeCode, Password};
use cognito_sigv4::user_pool::{AuthFlow, ChallengeKind, ChallengeResponse, MfaKind, Tokens};
use cognito_sigv4::{Clock, ErrorKind};
use cognito_sigv4_emulator::{
    AppClientSeed, DeliveryMedium, Emulator, Seed, SentCode, UserPoolSeed, UserSeed, totp_code,
};
use support::{TestEmulator, challenge, done};
const POOL: &str = "mfa";
const PW: &str = "MARKER-mfa-Passw0rd!";
const SAM_PHONE: &str = "+15555551234";
const EMMA_EMAIL: &str = "emma@example.com";
const MAX_TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn user(name: &str) -> UserSeed {
    UserSeed {
        username: name.into(),
        password: PW.into(),
        ..Default::default()
    }
}

fn seed() -> Seed {
    // sam: SMS only. emma: e-mail only. max: SMS and TOTP, no preference (SELECT_MFA_TYPE).
    // pia: SMS and e-mail, e-mail preferred.
    let mut sam = user("sam");
    sam.attributes
        .insert("phone_number".into(), SAM_PHONE.into());
    sam.sms_mfa = true;
    let mut emma = user("emma");
    emma.attributes.insert("email".into(), EMMA_EMAIL.into());
    emma.email_mfa = true;
    let mut max = user("max");
    max.attributes
        .insert("phone_number".into(), "+447700900123".into());
    max.sms_mfa = true;
    max.totp_secret = Some(MAX_TOTP.into());
    let mut pia = user("pia");
    pia.attributes
        .insert("phone_number".into(), "+15550000042".into());
    pia.attributes
        .insert("email".into(), "pia@example.org".into());
    pia.sms_mfa = true;
    pia.email_mfa = true;
    pia.preferred_mfa = Some("EMAIL_OTP".into());
    Seed {
        user_pools: vec![UserPoolSeed {
            name: POOL.into(),
            mfa_configuration: Some("OPTIONAL".into()),
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
            ],
            users: vec![sam, emma, max, pia],
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// The emulator with [`seed`].
async fn start() -> TestEmulator {
    TestEmulator::with_seed(seed()).await
}

/// The one code sent to `username` since `before` codes had been sent.
fn new_code(env: &TestEmulator, username: &str, before: usize) -> SentCode {
    let codes = env.sent_codes(username);
    assert_eq!(
        codes.len(),
        before + 1,
        "exactly one new code for {username}"
    );
    codes.last().cloned().unwrap()
}

fn code(sent: &SentCode) -> ChallengeResponse {
    ChallengeResponse::MfaCode(sent.code.clone())
}

fn username_of(tokens: &Tokens) -> String {
    let claims = UnverifiedClaims::from_jwt(&tokens.access).unwrap();
    claims
        .get("username")
        .and_then(|v| v.as_str())
        .unwrap()
        .to_owned()
}

/// A code that is not `sent` (6 digits).
fn other_than(sent: &SentCode) -> OneTimeCode {
    let wrong = if sent.code.expose_secret() == "000000" {
        "111111"
    } else {
        "000000"
    };
    OneTimeCode::new(wrong)
}

#[tokio::test]
async fn sms_mfa_sign_in_with_the_code_from_the_outbox() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "public");
    let ch = challenge(client.sign_in("sam", &Password::new(PW)).await.unwrap());
    assert_eq!(
        ch.kind(),
        &ChallengeKind::SmsMfa {
            destination: Some("+*******1234".into())
        }
    );
    assert_eq!(ch.username(), "sam");
    let sent = new_code(&env, "sam", 0);
    assert_eq!(sent.medium, DeliveryMedium::Sms);
    assert_eq!(sent.destination, SAM_PHONE);
    let digits = sent.code.expose_secret();
    assert!(
        digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()),
        "a 6-digit code"
    );
    let tokens = done(client.respond(&ch, code(&sent)).await.unwrap());
    assert_eq!(username_of(&tokens), "sam");
    assert!(tokens.refresh.is_some());
}

#[tokio::test]
async fn sms_mfa_with_a_client_secret_in_both_flows() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "secret");
    for (i, flow) in [AuthFlow::Srp, AuthFlow::Password].into_iter().enumerate() {
        let ch = challenge(
            client
                .sign_in_with_flow("sam", &Password::new(PW), flow)
                .await
                .unwrap(),
        );
        assert_eq!(ch.name(), "SMS_MFA", "{flow:?}");
        let sent = new_code(&env, "sam", i);
        let tokens = done(client.respond(&ch, code(&sent)).await.unwrap());
        assert_eq!(username_of(&tokens), "sam", "{flow:?}");
    }
}

#[tokio::test]
async fn email_otp_sign_in() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "secret");
    let ch = challenge(client.sign_in("emma", &Password::new(PW)).await.unwrap());
    assert_eq!(
        ch.kind(),
        &ChallengeKind::EmailOtp {
            destination: Some("e***@e***".into())
        }
    );
    let sent = new_code(&env, "emma", 0);
    assert_eq!(sent.medium, DeliveryMedium::Email);
    assert_eq!(sent.destination, EMMA_EMAIL);
    // An SMS code for the same user cannot exist: only e-mail is enabled.
    assert!(env.emulator.sent_codes("sam").is_empty());
    let tokens = done(client.respond(&ch, code(&sent)).await.unwrap());
    assert_eq!(username_of(&tokens), "emma");
}

#[tokio::test]
async fn the_preferred_method_is_used_when_several_are_enabled() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "public");
    let ch = challenge(client.sign_in("pia", &Password::new(PW)).await.unwrap());
    assert_eq!(
        ch.kind(),
        &ChallengeKind::EmailOtp {
            destination: Some("p***@e***".into())
        }
    );
    let sent = new_code(&env, "pia", 0);
    assert_eq!(sent.medium, DeliveryMedium::Email);
    done(client.respond(&ch, code(&sent)).await.unwrap());
}

#[tokio::test]
async fn select_mfa_type_then_sms() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "secret");
    let select = challenge(client.sign_in("max", &Password::new(PW)).await.unwrap());
    assert_eq!(
        select.kind(),
        &ChallengeKind::SelectMfaType {
            options: vec![MfaKind::Sms, MfaKind::SoftwareToken]
        }
    );
    assert!(
        env.emulator.sent_codes("max").is_empty(),
        "no code before the user chose SMS"
    );
    let sms = challenge(
        client
            .respond(&select, ChallengeResponse::SelectMfa(MfaKind::Sms))
            .await
            .unwrap(),
    );
    assert_eq!(
        sms.kind(),
        &ChallengeKind::SmsMfa {
            destination: Some("+********0123".into())
        }
    );
    let sent = new_code(&env, "max", 0);
    assert_eq!(sent.destination, "+447700900123");
    let tokens = done(client.respond(&sms, code(&sent)).await.unwrap());
    assert_eq!(username_of(&tokens), "max");
}

#[tokio::test]
async fn select_mfa_type_then_software_token() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "public");
    let select = challenge(
        client
            .sign_in_with_flow("max", &Password::new(PW), AuthFlow::Password)
            .await
            .unwrap(),
    );
    assert_eq!(select.name(), "SELECT_MFA_TYPE");
    let totp = challenge(
        client
            .respond(
                &select,
                ChallengeResponse::SelectMfa(MfaKind::SoftwareToken),
            )
            .await
            .unwrap(),
    );
    assert_eq!(totp.kind(), &ChallengeKind::SoftwareTokenMfa);
    assert!(env.emulator.sent_codes("max").is_empty(), "no SMS sent");
    let now = env.clock.now();
    let answer = OneTimeCode::new(totp_code(MAX_TOTP, now).unwrap());
    let tokens = done(
        client
            .respond(&totp, ChallengeResponse::MfaCode(answer))
            .await
            .unwrap(),
    );
    assert_eq!(username_of(&tokens), "max");
}

#[tokio::test]
async fn select_mfa_type_rejects_a_kind_the_user_cannot_choose() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "public");
    let select = challenge(client.sign_in("max", &Password::new(PW)).await.unwrap());
    let err = client
        .respond(&select, ChallengeResponse::SelectMfa(MfaKind::Email))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidParameter, "{err}");
}

#[tokio::test]
async fn a_wrong_code_is_a_code_mismatch_and_the_right_one_still_works() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "secret");
    let ch = challenge(client.sign_in("sam", &Password::new(PW)).await.unwrap());
    let sent = new_code(&env, "sam", 0);
    let err = client
        .respond(&ch, ChallengeResponse::MfaCode(other_than(&sent)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CodeMismatch, "{err}");
    assert_eq!(err.service_code(), Some("CodeMismatchException"));
    assert!(
        !format!("{err} {err:?}").contains(sent.code.expose_secret()),
        "the code stays out of the error"
    );
    done(client.respond(&ch, code(&sent)).await.unwrap());
}

#[tokio::test]
async fn a_code_after_the_session_expired_is_refused() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "public");
    let ch = challenge(client.sign_in("emma", &Password::new(PW)).await.unwrap());
    let sent = new_code(&env, "emma", 0);
    // Cognito's MFA sessions last 3 minutes.
    env.clock.advance(Duration::from_secs(3 * 60 + 1));
    let err = client.respond(&ch, code(&sent)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    assert_eq!(err.service_code(), Some("NotAuthorizedException"));
    assert!(err.to_string().contains("session is expired"), "{err}");
}

#[tokio::test]
async fn a_code_within_the_session_lifetime_is_accepted() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "public");
    let ch = challenge(client.sign_in("emma", &Password::new(PW)).await.unwrap());
    let sent = new_code(&env, "emma", 0);
    env.clock.advance(Duration::from_secs(3 * 60 - 5));
    done(client.respond(&ch, code(&sent)).await.unwrap());
}

#[tokio::test]
async fn a_code_is_used_once() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "public");
    let ch = challenge(client.sign_in("sam", &Password::new(PW)).await.unwrap());
    let first = new_code(&env, "sam", 0);
    done(client.respond(&ch, code(&first)).await.unwrap());

    // The same session and code again: the session is used up.
    let err = client.respond(&ch, code(&first)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");

    // A new sign-in sends a new code; the old one does not answer it.
    let ch = challenge(client.sign_in("sam", &Password::new(PW)).await.unwrap());
    let second = new_code(&env, "sam", 1);
    if second.code != first.code {
        let err = client.respond(&ch, code(&first)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CodeMismatch, "{err}");
    }
    done(client.respond(&ch, code(&second)).await.unwrap());
    assert_eq!(
        env.emulator.last_code("sam").map(|c| c.code),
        Some(second.code)
    );
}

#[tokio::test]
async fn a_session_signs_in_through_sms_mfa() {
    let env = start().await;
    let outcome = Session::builder(env.config_of(POOL, "secret"))
        .clock(env.clock.clone())
        .sign_in("sam", &Password::new(PW))
        .await
        .unwrap();
    let SignInOutcome::Challenge(pending) = outcome else {
        panic!("expected the SMS_MFA challenge");
    };
    assert_eq!(pending.challenge().name(), "SMS_MFA");
    let sent = new_code(&env, "sam", 0);
    let SignInOutcome::Done(session) = pending.respond(code(&sent)).await.unwrap() else {
        panic!("expected a session");
    };
    assert_eq!(session.username().as_deref(), Some("sam"));
    let tokens = session.tokens().await.unwrap();
    assert_eq!(username_of(&tokens), "sam");
}

#[test]
fn sent_code_debug_hides_the_code() {
    let sent = SentCode {
        medium: DeliveryMedium::Sms,
        destination: SAM_PHONE.into(),
        code: OneTimeCode::new("987654"),
    };
    let shown = format!("{sent:?}");
    assert!(!shown.contains("987654"), "{shown}");
    assert!(shown.contains(SAM_PHONE), "{shown}");
}

/// A change to a seeded user.
type EditUser = fn(&mut UserSeed);

#[tokio::test]
async fn inconsistent_mfa_seeds_are_refused() {
    let cases: [(&str, EditUser); 4] = [
        ("phone_number", |u| u.sms_mfa = true),
        ("email", |u| u.email_mfa = true),
        ("not enabled", |u| {
            u.preferred_mfa = Some("SOFTWARE_TOKEN_MFA".into())
        }),
        ("unknown preferred_mfa", |u| {
            u.attributes.insert("phone_number".into(), SAM_PHONE.into());
            u.sms_mfa = true;
            u.preferred_mfa = Some("VOICE".into());
        }),
    ];
    for (needle, edit) in cases {
        let mut u = user("zoe");
        edit(&mut u);
        let seed = Seed {
            user_pools: vec![UserPoolSeed {
                name: POOL.into(),
                users: vec![u],
                ..Default::default()
            }],
            ..Default::default()
        };
        let err = Emulator::builder().seed(seed).start().await.unwrap_err();
        assert_eq!(err.kind(), cognito_sigv4_emulator::ErrorKind::Seed, "{err}");
        assert!(err.to_string().contains(needle), "{needle}: {err}");
    }
}

/// One cognito-idp call on the wire: the HTTP status and the JSON body.
async fn idp_call(
    env: &TestEmulator,
    op: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(env.emulator.endpoint())
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn challenge_parameters_on_the_wire_are_cognitos() {
    let env = start().await;
    let client_id = env.emulator.client_id(POOL, "public").unwrap();
    let password_auth = |user: &str| {
        serde_json::json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": client_id,
            "AuthParameters": { "USERNAME": user, "PASSWORD": PW },
        })
    };

    let (status, out) = idp_call(&env, "InitiateAuth", password_auth("max")).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["ChallengeName"], "SELECT_MFA_TYPE");
    assert_eq!(
        out["ChallengeParameters"]["MFAS_CAN_CHOOSE"],
        r#"["SMS_MFA","SOFTWARE_TOKEN_MFA"]"#
    );
    let session = out["Session"].as_str().unwrap().to_owned();

    // The answer key for SELECT_MFA_TYPE is ANSWER.
    let (status, out) = idp_call(
        &env,
        "RespondToAuthChallenge",
        serde_json::json!({
            "ClientId": client_id,
            "ChallengeName": "SELECT_MFA_TYPE",
            "Session": session,
            "ChallengeResponses": { "USERNAME": "max", "ANSWER": "SMS_MFA" },
        }),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["ChallengeName"], "SMS_MFA");
    let params = &out["ChallengeParameters"];
    assert_eq!(params["CODE_DELIVERY_DELIVERY_MEDIUM"], "SMS");
    assert_eq!(params["CODE_DELIVERY_DESTINATION"], "+********0123");
    let session = out["Session"].as_str().unwrap().to_owned();
    let sent = new_code(&env, "max", 0);

    // SMS_MFA is answered with SMS_MFA_CODE; a wrong one names the error as Cognito does.
    let answer = |code: &str| {
        serde_json::json!({
            "ClientId": client_id,
            "ChallengeName": "SMS_MFA",
            "Session": session,
            "ChallengeResponses": { "USERNAME": "max", "SMS_MFA_CODE": code },
        })
    };
    let wrong = other_than(&sent);
    let (status, out) = idp_call(
        &env,
        "RespondToAuthChallenge",
        answer(wrong.expose_secret()),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(out["__type"], "CodeMismatchException");
    assert_eq!(out["message"], "Invalid code or auth state for the user.");
    let (status, out) = idp_call(
        &env,
        "RespondToAuthChallenge",
        answer(sent.code.expose_secret()),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert!(out["AuthenticationResult"]["AccessToken"].is_string());

    let (status, out) = idp_call(&env, "InitiateAuth", password_auth("emma")).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["ChallengeName"], "EMAIL_OTP");
    let params = &out["ChallengeParameters"];
    assert_eq!(params["CODE_DELIVERY_DELIVERY_MEDIUM"], "EMAIL");
    assert_eq!(params["CODE_DELIVERY_DESTINATION"], "e***@e***");
}

#[tokio::test]
async fn a_preference_set_by_the_user_replaces_select_mfa_type() {
    let env = start().await;
    let client = env.user_pool_client(POOL, "public");
    let select = challenge(client.sign_in("max", &Password::new(PW)).await.unwrap());
    let sms = challenge(
        client
            .respond(&select, ChallengeResponse::SelectMfa(MfaKind::Sms))
            .await
            .unwrap(),
    );
    let tokens = done(
        client
            .respond(&sms, code(&new_code(&env, "max", 0)))
            .await
            .unwrap(),
    );
    let access = tokens.access.expose_secret().to_owned();

    let (status, out) = idp_call(
        &env,
        "GetUser",
        serde_json::json!({ "AccessToken": access }),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(
        out["UserMFASettingList"],
        serde_json::json!(["SMS_MFA", "SOFTWARE_TOKEN_MFA"])
    );
    assert!(out.get("PreferredMfaSetting").is_none(), "{out}");

    // Max has no e-mail address: EMAIL_OTP cannot be turned on.
    let (status, out) = idp_call(
        &env,
        "SetUserMFAPreference",
        serde_json::json!({ "AccessToken": access, "EmailMfaSettings": { "Enabled": true } }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(out["__type"], "InvalidParameterException");

    let (status, out) = idp_call(
        &env,
        "SetUserMFAPreference",
        serde_json::json!({
            "AccessToken": access,
            "SoftwareTokenMfaSettings": { "Enabled": true, "PreferredMfa": true },
        }),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    let (_, out) = idp_call(
        &env,
        "GetUser",
        serde_json::json!({ "AccessToken": access }),
    )
    .await;
    assert_eq!(out["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");

    let ch = challenge(client.sign_in("max", &Password::new(PW)).await.unwrap());
    assert_eq!(ch.kind(), &ChallengeKind::SoftwareTokenMfa);

    // Turning SMS off leaves TOTP alone, still without a choice to make.
    let (status, out) = idp_call(
        &env,
        "SetUserMFAPreference",
        serde_json::json!({ "AccessToken": access, "SMSMfaSettings": { "Enabled": false } }),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    let (_, out) = idp_call(
        &env,
        "GetUser",
        serde_json::json!({ "AccessToken": access }),
    )
    .await;
    assert_eq!(
        out["UserMFASettingList"],
        serde_json::json!(["SOFTWARE_TOKEN_MFA"])
    );
    assert_eq!(env.emulator.sent_codes("max").len(), 1, "no SMS since");
}
