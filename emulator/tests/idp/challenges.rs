//! Challenges: a new password, SOFTWARE_TOKEN_MFA, MFA setup by session, and TOTP added by a
//! signed-in user.

use super::*;

#[tokio::test]
async fn new_password_required_then_the_new_password_signs_in() {
    let env = Env::start().await;
    let out = env
        .password_auth("public", "carol", CAROL_PW)
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let p = out.challenge_parameters().unwrap();
    assert_eq!(p["requiredAttributes"], "[]");
    assert_eq!(p["USER_ID_FOR_SRP"], "carol");
    let attrs: Value = serde_json::from_str(&p["userAttributes"]).unwrap();
    assert_eq!(attrs["email"], "carol@example.com");
    let session = out.session().unwrap().to_owned();
    let respond = |password: &str| {
        env.idp
            .respond_to_auth_challenge()
            .client_id(env.client_id("public"))
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(&session)
            .challenge_responses("USERNAME", "carol")
            .challenge_responses("NEW_PASSWORD", password)
            .challenge_responses("userAttributes.name", "Carol")
            .send()
    };
    let weak = respond("short").await.map_err(aws_error).unwrap_err();
    assert_eq!(weak.0, "InvalidPasswordException");
    let done = respond("Carol-N3w-Passw0rd!").await.unwrap();
    let id = claims(done.authentication_result().unwrap().id_token().unwrap());
    assert_eq!(id["name"], "Carol");
    env.sign_in("public", "carol", "Carol-N3w-Passw0rd!").await;
    assert_eq!(
        env.password_auth("public", "carol", CAROL_PW)
            .await
            .unwrap_err(),
        err("NotAuthorizedException", INCORRECT)
    );
    // The used session is gone.
    assert_eq!(
        respond("Carol-Th1rd-Passw0rd!")
            .await
            .map_err(aws_error)
            .unwrap_err()
            .0,
        "NotAuthorizedException"
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn an_expired_challenge_session_is_refused() {
    let env = Env::start().await;
    let out = env
        .password_auth("public", "carol", CAROL_PW)
        .await
        .unwrap();
    env.clock.advance(Duration::from_secs(181));
    let late = env
        .idp
        .respond_to_auth_challenge()
        .client_id(env.client_id("public"))
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(out.session().unwrap())
        .challenge_responses("USERNAME", "carol")
        .challenge_responses("NEW_PASSWORD", "Carol-N3w-Passw0rd!")
        .send()
        .await
        .map_err(aws_error)
        .unwrap_err();
    assert_eq!(
        late,
        err(
            "NotAuthorizedException",
            "Invalid session for the user, session is expired."
        )
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn software_token_mfa_rejects_a_wrong_code_then_accepts_the_right_one() {
    let env = Env::start().await;
    let out = env.password_auth("public", "dave", DAVE_PW).await.unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    let session = out.session().unwrap().to_owned();
    let respond = |code: String| {
        env.idp
            .respond_to_auth_challenge()
            .client_id(env.client_id("public"))
            .challenge_name(ChallengeNameType::SoftwareTokenMfa)
            .session(&session)
            .challenge_responses("USERNAME", "dave")
            .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", code)
            .send()
    };
    let right = totp_code(DAVE_TOTP, env.now()).unwrap();
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    assert_eq!(
        respond(wrong).await.map_err(aws_error).unwrap_err().0,
        "CodeMismatchException"
    );
    // A code from two steps ago is too old.
    let stale = totp_code(DAVE_TOTP, env.now() - Duration::from_secs(60)).unwrap();
    if stale != right {
        assert_eq!(
            respond(stale).await.map_err(aws_error).unwrap_err().0,
            "CodeMismatchException"
        );
    }
    let done = respond(right).await.unwrap();
    assert_eq!(
        claims(access(done.authentication_result().unwrap()))["username"],
        "dave"
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn mfa_setup_with_associate_and_verify_by_session() {
    let env = Env::start().await;
    let app = env.client_id("app");
    let out = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id(&app)
        .auth_parameters("USERNAME", "gina")
        .auth_parameters("PASSWORD", GINA_PW)
        .send()
        .await
        .unwrap();
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::MfaSetup));
    let assoc = env
        .idp
        .associate_software_token()
        .session(out.session().unwrap())
        .send()
        .await
        .unwrap();
    let secret = assoc.secret_code().unwrap().to_owned();
    assert_eq!(secret.len(), 32);
    let session = assoc.session().unwrap();
    let bad = env
        .idp
        .verify_software_token()
        .session(session)
        .user_code("000000")
        .send()
        .await
        .map_err(aws_error);
    if totp_code(&secret, env.now()).unwrap() != "000000" {
        assert_eq!(bad.unwrap_err().0, "EnableSoftwareTokenMFAException");
    }
    let verified = env
        .idp
        .verify_software_token()
        .session(session)
        .user_code(totp_code(&secret, env.now()).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        verified.status(),
        Some(&VerifySoftwareTokenResponseType::Success)
    );
    let done = env
        .idp
        .respond_to_auth_challenge()
        .client_id(&app)
        .challenge_name(ChallengeNameType::MfaSetup)
        .session(verified.session().unwrap())
        .challenge_responses("USERNAME", "gina")
        .send()
        .await
        .unwrap();
    assert!(
        done.authentication_result()
            .unwrap()
            .access_token()
            .is_some()
    );
    // From now on, sign-in asks for the code.
    let next = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id(&app)
        .auth_parameters("USERNAME", "gina")
        .auth_parameters("PASSWORD", GINA_PW)
        .send()
        .await
        .unwrap();
    assert_eq!(
        next.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn a_signed_in_user_adds_totp_with_associate_verify_and_mfa_preference() {
    let env = Env::start().await;
    let tokens = env.sign_in("public", ALICE, ALICE_PW).await;
    let at = access(&tokens);
    let secret = env
        .idp
        .associate_software_token()
        .access_token(at)
        .send()
        .await
        .unwrap()
        .secret_code()
        .unwrap()
        .to_owned();
    let code = totp_code(&secret, env.now()).unwrap();
    let verified = env
        .idp
        .verify_software_token()
        .access_token(at)
        .user_code(code)
        .send()
        .await
        .unwrap();
    assert_eq!(
        verified.status(),
        Some(&VerifySoftwareTokenResponseType::Success)
    );
    // Verified but not yet preferred: sign-in still gives tokens directly.
    assert!(
        env.password_auth("public", ALICE, ALICE_PW)
            .await
            .unwrap()
            .authentication_result()
            .is_some()
    );
    env.idp
        .set_user_mfa_preference()
        .access_token(at)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let me = env.get_user(at).await.unwrap();
    assert_eq!(me.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
    let out = env.password_auth("public", ALICE, ALICE_PW).await.unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    env.emu.shutdown().await;
}

/// Answers an MFA challenge of the `public` client with `code`.
async fn answer_mfa(
    env: &Env,
    user: &str,
    name: ChallengeNameType,
    session: &str,
    code: &str,
) -> Result<(), (String, String)> {
    let key = match name {
        ChallengeNameType::SmsMfa => "SMS_MFA_CODE",
        _ => "SOFTWARE_TOKEN_MFA_CODE",
    };
    env.idp
        .respond_to_auth_challenge()
        .client_id(env.client_id("public"))
        .challenge_name(name)
        .session(session)
        .challenge_responses("USERNAME", user)
        .challenge_responses(key, code)
        .send()
        .await
        .map(|_| ())
        .map_err(aws_error)
}

/// The third wrong code spends a challenge session: every later answer, the right code too, is
/// `NotAuthorizedException`. Below the limit the session stays open.
#[tokio::test]
async fn three_wrong_mfa_codes_spend_the_session() {
    const SPENT: &str = "Invalid session for the user, session can only be used once.";
    let env = Env::start().await;
    let other = |code: &str| format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
    let totp = ChallengeNameType::SoftwareTokenMfa;

    // SOFTWARE_TOKEN_MFA.
    let out = env.password_auth("public", "dave", DAVE_PW).await.unwrap();
    let session = out.session().unwrap();
    let right = totp_code(DAVE_TOTP, env.now()).unwrap();
    for _ in 0..3 {
        assert_eq!(
            answer_mfa(&env, "dave", totp.clone(), session, &other(&right))
                .await
                .unwrap_err(),
            err("CodeMismatchException", "Invalid code received for user")
        );
    }
    assert_eq!(
        answer_mfa(&env, "dave", totp.clone(), session, &right)
            .await
            .unwrap_err(),
        err("NotAuthorizedException", SPENT)
    );
    // Two wrong codes leave the session open.
    let out = env.password_auth("public", "dave", DAVE_PW).await.unwrap();
    let session = out.session().unwrap();
    for _ in 0..2 {
        answer_mfa(&env, "dave", totp.clone(), session, &other(&right))
            .await
            .unwrap_err();
    }
    answer_mfa(&env, "dave", totp, session, &right)
        .await
        .unwrap();

    // SMS_MFA: the code sent dies with the session.
    let out = env.password_auth("public", "sam", SAM_PW).await.unwrap();
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::SmsMfa));
    let session = out.session().unwrap();
    let sent = env.emu.last_code("sam").unwrap().code;
    let sms = ChallengeNameType::SmsMfa;
    for _ in 0..3 {
        assert_eq!(
            answer_mfa(
                &env,
                "sam",
                sms.clone(),
                session,
                &other(sent.expose_secret())
            )
            .await
            .unwrap_err(),
            err(
                "CodeMismatchException",
                "Invalid code or auth state for the user."
            )
        );
    }
    assert_eq!(
        answer_mfa(&env, "sam", sms, session, sent.expose_secret())
            .await
            .unwrap_err(),
        err("NotAuthorizedException", SPENT)
    );
    env.emu.shutdown().await;
}
