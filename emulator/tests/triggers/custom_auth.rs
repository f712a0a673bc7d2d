//! CUSTOM_AUTH with the three challenge triggers: a one-time code, with and without the
//! password proven by SRP first.

use super::*;
use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsCreateAuthChallenge, CognitoEventUserPoolsDefineAuthChallenge,
    CognitoEventUserPoolsVerifyAuthChallenge,
};
use cognito_sigv4::secret::Password;
use cognito_sigv4::user_pool::srp::{
    PasswordVerifierChallenge, SrpClientEphemeral, cognito_timestamp, password_claim_signature,
};
use idp::types::{AuthFlowType, ChallengeNameType};

/// The code every challenge of the test pool expects.
const CODE: &str = "424242";

/// Define: the password first when the client began with `SRP_A`; then custom challenges
/// until one is answered right, failing after three wrong answers.
pub(super) fn functions(builder: EmulatorBuilder, events: &Events) -> EmulatorBuilder {
    let builder = function(builder, events, "define", |mut e| {
        let session = e["request"]["session"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let last = session.last().cloned().unwrap_or(Value::Null);
        let wrong = session
            .iter()
            .filter(|c| c["challengeName"] == "CUSTOM_CHALLENGE" && c["challengeResult"] == false)
            .count();
        let response = if last["challengeName"] == "SRP_A" {
            json!({ "challengeName": "PASSWORD_VERIFIER", "issueTokens": false, "failAuthentication": false })
        } else if last["challengeName"] == "CUSTOM_CHALLENGE" && last["challengeResult"] == true {
            json!({ "issueTokens": true, "failAuthentication": false })
        } else if wrong >= 3 {
            json!({ "issueTokens": false, "failAuthentication": true })
        } else {
            json!({ "challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false })
        };
        e["response"] = response;
        Ok(e)
    });
    let builder = function(builder, events, "create", |mut e| {
        let round = e["request"]["session"].as_array().map_or(0, Vec::len);
        e["response"] = json!({
            "publicChallengeParameters": { "hint": "the code we e-mailed you" },
            "privateChallengeParameters": { "code": CODE },
            "challengeMetadata": format!("CODE-{round}"),
        });
        Ok(e)
    });
    function(builder, events, "verify", |mut e| {
        let right =
            e["request"]["challengeAnswer"] == e["request"]["privateChallengeParameters"]["code"];
        e["response"]["answerCorrect"] = json!(right);
        Ok(e)
    })
}

#[tokio::test]
async fn a_wrong_then_a_right_answer_signs_in_and_the_session_grows() {
    let env = Env::start().await;
    let first = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::CustomAuth)
        .client_id(CLIENT)
        .auth_parameters("USERNAME", "jdoe")
        .client_metadata("channel", "email")
        .send()
        .await
        .unwrap();
    assert_eq!(
        first.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge)
    );
    let params = first.challenge_parameters().unwrap();
    assert_eq!(params["hint"], "the code we e-mailed you");
    assert_eq!(params["USERNAME"], "jdoe");
    assert!(
        !params.contains_key("code"),
        "private parameters stay private"
    );
    let answer = |session: &str, answer: &str| {
        env.idp
            .respond_to_auth_challenge()
            .client_id(CLIENT)
            .challenge_name(ChallengeNameType::CustomChallenge)
            .session(session)
            .challenge_responses("USERNAME", "jdoe")
            .challenge_responses("ANSWER", answer)
            .client_metadata("channel", "email")
            .send()
    };
    let wrong = answer(first.session().unwrap(), "000000").await.unwrap();
    assert_eq!(
        wrong.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge)
    );
    assert_ne!(wrong.session(), first.session(), "a new session per round");
    // The first session is spent.
    let spent = answer(first.session().unwrap(), CODE)
        .await
        .map_err(aws_error)
        .unwrap_err();
    assert_eq!(spent.0, "NotAuthorizedException");
    let done = answer(wrong.session().unwrap(), CODE).await.unwrap();
    let tokens = done.authentication_result().unwrap();
    assert_eq!(
        claims(tokens.id_token().unwrap())["cognito:username"],
        "jdoe"
    );

    let events = env.take_events();
    let sources: Vec<&str> = events
        .iter()
        .map(|e| e["triggerSource"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "PreAuthentication_Authentication",
            "DefineAuthChallenge_Authentication",
            "CreateAuthChallenge_Authentication",
            "VerifyAuthChallengeResponse_Authentication",
            "DefineAuthChallenge_Authentication",
            "CreateAuthChallenge_Authentication",
            "VerifyAuthChallengeResponse_Authentication",
            "DefineAuthChallenge_Authentication",
            "PostAuthentication_Authentication",
            "TokenGeneration_Authentication",
        ]
    );
    let define: Vec<CognitoEventUserPoolsDefineAuthChallenge> = events
        .iter()
        .filter(|e| e["triggerSource"] == "DefineAuthChallenge_Authentication")
        .map(|e| {
            assert_common(e, "DefineAuthChallenge_Authentication", "jdoe");
            shaped(e, &[])
        })
        .collect();
    let lengths: Vec<usize> = define.iter().map(|d| d.request.session.len()).collect();
    assert_eq!(
        lengths,
        [0, 1, 2],
        "the session grows by one challenge per round"
    );
    let last = define[2].request.session[1].as_ref().unwrap();
    assert!(last.challenge_result);
    assert_eq!(last.challenge_name.as_deref(), Some("CUSTOM_CHALLENGE"));
    assert_eq!(last.challenge_metadata.as_deref(), Some("CODE-1"));
    assert!(
        !define[2].request.session[0]
            .as_ref()
            .unwrap()
            .challenge_result
    );
    assert_eq!(define[0].request.client_metadata["channel"], "email");
    for e in events
        .iter()
        .filter(|e| e["triggerSource"] == "CreateAuthChallenge_Authentication")
    {
        let create: CognitoEventUserPoolsCreateAuthChallenge = shaped(e, &[]);
        assert_eq!(
            create.request.challenge_name.as_deref(),
            Some("CUSTOM_CHALLENGE")
        );
    }
    let verify: Vec<CognitoEventUserPoolsVerifyAuthChallenge> = events
        .iter()
        .filter(|e| e["triggerSource"] == "VerifyAuthChallengeResponse_Authentication")
        .map(|e| shaped(e, &[]))
        .collect();
    assert_eq!(verify[0].request.challenge_answer, Some(json!("000000")));
    assert_eq!(verify[1].request.private_challenge_parameters["code"], CODE);
}

#[tokio::test]
async fn three_wrong_answers_fail_the_sign_in() {
    let env = Env::start().await;
    let mut session = env
        .idp
        .admin_initiate_auth()
        .user_pool_id(POOL)
        .auth_flow(AuthFlowType::CustomAuth)
        .client_id(CLIENT)
        .auth_parameters("USERNAME", "jdoe")
        .send()
        .await
        .map(|o| o.session().unwrap().to_owned());
    // Admin calls need the admin key: without it, AWS's refusal.
    assert!(session.is_err());
    session = Ok(env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::CustomAuth)
        .client_id(CLIENT)
        .auth_parameters("USERNAME", "jdoe")
        .send()
        .await
        .unwrap()
        .session()
        .unwrap()
        .to_owned());
    let mut session = session.unwrap();
    for round in 0..3 {
        let out = env
            .idp
            .respond_to_auth_challenge()
            .client_id(CLIENT)
            .challenge_name(ChallengeNameType::CustomChallenge)
            .session(&session)
            .challenge_responses("USERNAME", "jdoe")
            .challenge_responses("ANSWER", "nope")
            .send()
            .await
            .map_err(aws_error);
        if round < 2 {
            session = out.unwrap().session().unwrap().to_owned();
        } else {
            assert_eq!(
                out.unwrap_err(),
                (
                    "NotAuthorizedException".into(),
                    "Incorrect username or password.".into()
                )
            );
        }
    }
}

#[tokio::test]
async fn srp_a_then_the_password_then_the_custom_challenge() {
    let env = Env::start().await;
    let eph = SrpClientEphemeral::generate();
    let first = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::CustomAuth)
        .client_id(CLIENT)
        .auth_parameters("USERNAME", "jdoe")
        .auth_parameters("SRP_A", eph.public_a_hex())
        .auth_parameters("CHALLENGE_NAME", "SRP_A")
        .send()
        .await
        .unwrap();
    assert_eq!(
        first.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let p = first.challenge_parameters().unwrap();
    let timestamp =
        cognito_timestamp(std::time::UNIX_EPOCH + std::time::Duration::from_secs(START));
    let challenge = PasswordVerifierChallenge {
        user_pool_id: POOL,
        user_id_for_srp: &p["USER_ID_FOR_SRP"],
        salt_hex: &p["SALT"],
        srp_b_hex: &p["SRP_B"],
        secret_block_b64: &p["SECRET_BLOCK"],
    };
    let answer = |password: &str| {
        let signature =
            password_claim_signature(&eph, &challenge, &Password::new(password), &timestamp)
                .unwrap();
        env.idp
            .respond_to_auth_challenge()
            .client_id(CLIENT)
            .challenge_name(ChallengeNameType::PasswordVerifier)
            .challenge_responses("USERNAME", "jdoe")
            .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
            .challenge_responses("PASSWORD_CLAIM_SIGNATURE", signature)
            .challenge_responses("TIMESTAMP", &timestamp)
            .send()
    };
    let custom = answer(PASSWORD).await.unwrap();
    assert_eq!(
        custom.challenge_name(),
        Some(&ChallengeNameType::CustomChallenge)
    );
    let done = env
        .idp
        .respond_to_auth_challenge()
        .client_id(CLIENT)
        .challenge_name(ChallengeNameType::CustomChallenge)
        .session(custom.session().unwrap())
        .challenge_responses("USERNAME", "jdoe")
        .challenge_responses("ANSWER", CODE)
        .send()
        .await
        .unwrap();
    assert!(done.authentication_result().is_some());
    let sessions: Vec<Vec<Value>> = env
        .take_events()
        .into_iter()
        .filter(|e| e["triggerSource"] == "DefineAuthChallenge_Authentication")
        .map(|e| e["request"]["session"].as_array().unwrap().clone())
        .collect();
    let names: Vec<Vec<&str>> = sessions
        .iter()
        .map(|s| {
            s.iter()
                .map(|c| c["challengeName"].as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        names,
        [
            vec!["SRP_A"],
            vec!["SRP_A", "PASSWORD_VERIFIER"],
            vec!["SRP_A", "PASSWORD_VERIFIER", "CUSTOM_CHALLENGE"],
        ]
    );
}

#[tokio::test]
async fn a_wrong_password_before_the_custom_challenge_fails_as_srp_does() {
    let env = Env::start().await;
    let eph = SrpClientEphemeral::generate();
    let first = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::CustomAuth)
        .client_id(CLIENT)
        .auth_parameters("USERNAME", "jdoe")
        .auth_parameters("SRP_A", eph.public_a_hex())
        .auth_parameters("CHALLENGE_NAME", "SRP_A")
        .send()
        .await
        .unwrap();
    let p = first.challenge_parameters().unwrap();
    let timestamp =
        cognito_timestamp(std::time::UNIX_EPOCH + std::time::Duration::from_secs(START));
    let challenge = PasswordVerifierChallenge {
        user_pool_id: POOL,
        user_id_for_srp: &p["USER_ID_FOR_SRP"],
        salt_hex: &p["SALT"],
        srp_b_hex: &p["SRP_B"],
        secret_block_b64: &p["SECRET_BLOCK"],
    };
    let signature = password_claim_signature(
        &eph,
        &challenge,
        &Password::new("Wrong-Passw0rd!"),
        &timestamp,
    )
    .unwrap();
    let refused = env
        .idp
        .respond_to_auth_challenge()
        .client_id(CLIENT)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", "jdoe")
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", signature)
        .challenge_responses("TIMESTAMP", &timestamp)
        .send()
        .await
        .map_err(aws_error)
        .unwrap_err();
    assert_eq!(refused.0, "NotAuthorizedException");
}
