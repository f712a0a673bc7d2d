//! CUSTOM_AUTH through the SDK, against the emulator with the pool's three challenge triggers
//! as closures: the typed `CustomChallenge` step, with and without the SRP password step,
//! through `UserPoolClient` and `Session`'s builder; `ClientMetadata` reaching the triggers;
//! `UserContextData` on the wire; secrets out of `Debug`.

use std::sync::{Arc, Mutex};

use cognito_sigv4::secret::Password;
use cognito_sigv4::user_pool::{
    AuthFlow, ChallengeAnswer, ChallengeKind, ChallengeResponse, SignInStep, UserContextData,
    UserPoolClient,
};
use cognito_sigv4::{ErrorKind, Session, SignInOutcome};
use cognito_sigv4_emulator::{Emulator, LambdaConfigSeed, RunningEmulator, Seed};
use serde_json::{Value, json};

const ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:";
const PASSWORD: &str = "Quickstart-Passw0rd!";
const CODE: &str = "731442";

/// Every event the triggers received.
type Events = Arc<Mutex<Vec<Value>>>;

/// The reference scenario with a code challenge: the password by SRP first when the client
/// began with `SRP_A`, then codes until one is right (three wrong ones fail).
async fn emulator() -> (RunningEmulator, Events) {
    let mut seed = Seed::reference();
    let pool = &mut seed.user_pools[0];
    let config = pool
        .lambda_config
        .get_or_insert_with(LambdaConfigSeed::default);
    config.define_auth_challenge = Some(format!("{ARN}define"));
    config.create_auth_challenge = Some(format!("{ARN}create"));
    config.verify_auth_challenge_response = Some(format!("{ARN}verify"));
    for client in &mut pool.clients {
        client.explicit_auth_flows.push("ALLOW_CUSTOM_AUTH".into());
    }
    let events = Events::default();
    let (a, b, c) = (events.clone(), events.clone(), events.clone());
    let emulator = Emulator::builder()
        .seed(seed)
        .lambda_function("define", move |mut e: Value| {
            a.lock().unwrap().push(e.clone());
            async move {
                let session = e["request"]["session"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                let last = session.last().cloned().unwrap_or(Value::Null);
                let wrong = session
                    .iter()
                    .filter(|c| c["challengeResult"] == false)
                    .count();
                e["response"] = if last["challengeName"] == "SRP_A" {
                    json!({ "challengeName": "PASSWORD_VERIFIER" })
                } else if last["challengeName"] == "CUSTOM_CHALLENGE"
                    && last["challengeResult"] == true
                {
                    json!({ "issueTokens": true })
                } else if wrong >= 3 {
                    json!({ "failAuthentication": true })
                } else {
                    json!({ "challengeName": "CUSTOM_CHALLENGE" })
                };
                Ok(e)
            }
        })
        .lambda_function("create", move |mut e: Value| {
            b.lock().unwrap().push(e.clone());
            async move {
                e["response"] = json!({
                    "publicChallengeParameters": { "hint": "six digits" },
                    "privateChallengeParameters": { "code": CODE },
                });
                Ok(e)
            }
        })
        .lambda_function("verify", move |mut e: Value| {
            c.lock().unwrap().push(e.clone());
            async move {
                let right = e["request"]["challengeAnswer"] == CODE;
                e["response"]["answerCorrect"] = json!(right);
                Ok(e)
            }
        })
        .start()
        .await
        .unwrap();
    (emulator, events)
}

#[tokio::test]
async fn custom_challenges_until_the_right_answer_with_client_metadata() {
    let (emulator, events) = emulator().await;
    let client = UserPoolClient::new(&emulator.config("quickstart", "web").unwrap())
        .unwrap()
        .with_client_metadata([("app", "tests")]);
    let SignInStep::Challenge(first) = client.sign_in_custom("jdoe", None).await.unwrap() else {
        panic!("a challenge first");
    };
    assert_eq!(first.name(), "CUSTOM_CHALLENGE");
    let ChallengeKind::CustomChallenge { parameters } = first.kind() else {
        panic!("{first:?}");
    };
    assert_eq!(
        parameters.get("hint").map(String::as_str),
        Some("six digits")
    );
    assert_eq!(first.username(), "jdoe");
    let wrong = ChallengeResponse::CustomAnswer {
        answer: ChallengeAnswer::new("000000"),
        client_metadata: [("attempt".to_owned(), "1".to_owned())].into(),
    };
    let SignInStep::Challenge(second) = client.respond(&first, wrong).await.unwrap() else {
        panic!("another try after a wrong answer");
    };
    // The first challenge's session is spent.
    let again = client
        .respond(
            &first,
            ChallengeResponse::custom(ChallengeAnswer::new(CODE)),
        )
        .await
        .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::NotAuthorized);
    let SignInStep::Done(tokens) = client
        .respond(
            &second,
            ChallengeResponse::custom(ChallengeAnswer::new(CODE)),
        )
        .await
        .unwrap()
    else {
        panic!("signed in");
    };
    assert_eq!(tokens.username, "jdoe");
    let events = events.lock().unwrap();
    let verify: Vec<&Value> = events
        .iter()
        .filter(|e| e["triggerSource"] == "VerifyAuthChallengeResponse_Authentication")
        .collect();
    // The client's metadata reaches every trigger; an answer's own is added to it.
    assert_eq!(
        verify[0]["request"]["clientMetadata"],
        json!({ "app": "tests", "attempt": "1" })
    );
    assert_eq!(
        verify[1]["request"]["clientMetadata"],
        json!({ "app": "tests" })
    );
    assert!(
        events
            .iter()
            .all(|e| e["request"]["clientMetadata"]["app"] == "tests"),
        "{events:#?}"
    );
}

#[tokio::test]
async fn the_password_by_srp_then_the_custom_challenge_in_a_session() {
    let (emulator, events) = emulator().await;
    let outcome = Session::builder(emulator.config("quickstart", "web").unwrap())
        .sign_in_custom("alice", Some(&Password::new(PASSWORD)))
        .await
        .unwrap();
    let SignInOutcome::Challenge(pending) = outcome else {
        panic!("the custom challenge after the password");
    };
    assert!(matches!(
        pending.challenge().kind(),
        ChallengeKind::CustomChallenge { .. }
    ));
    let SignInOutcome::Done(session) = pending
        .respond(ChallengeResponse::custom(ChallengeAnswer::new(CODE)))
        .await
        .unwrap()
    else {
        panic!("signed in");
    };
    assert_eq!(session.username().as_deref(), Some("alice"));
    assert!(session.tokens().await.is_ok());
    let names: Vec<Vec<String>> = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e["triggerSource"] == "DefineAuthChallenge_Authentication")
        .map(|e| {
            e["request"]["session"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["challengeName"].as_str().unwrap().to_owned())
                .collect()
        })
        .collect();
    assert_eq!(
        names,
        [
            vec!["SRP_A"],
            vec!["SRP_A", "PASSWORD_VERIFIER"],
            vec!["SRP_A", "PASSWORD_VERIFIER", "CUSTOM_CHALLENGE"]
        ]
    );

    // The same through the client's flow setting; a wrong password fails before any code.
    let client = UserPoolClient::new(&emulator.config("quickstart", "web").unwrap()).unwrap();
    let wrong = client
        .sign_in_with_flow(
            "alice",
            &Password::new("Wrong-Passw0rd!"),
            AuthFlow::CustomWithSrp,
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::NotAuthorized);
    let step = client
        .sign_in_with_flow("alice", &Password::new(PASSWORD), AuthFlow::CustomWithSrp)
        .await
        .unwrap();
    assert!(matches!(step, SignInStep::Challenge(ref c) if c.name() == "CUSTOM_CHALLENGE"));
}

#[tokio::test]
async fn three_wrong_answers_fail_and_a_client_without_the_flow_is_refused() {
    let (emulator, _) = emulator().await;
    let client = UserPoolClient::new(&emulator.config("quickstart", "web").unwrap()).unwrap();
    let SignInStep::Challenge(mut challenge) = client.sign_in_custom("jdoe", None).await.unwrap()
    else {
        panic!("a challenge");
    };
    for round in 0..3 {
        let answer = ChallengeResponse::custom(ChallengeAnswer::new("111111"));
        match client.respond(&challenge, answer).await {
            Ok(SignInStep::Challenge(next)) if round < 2 => challenge = next,
            Err(e) if round == 2 => assert_eq!(e.kind(), ErrorKind::NotAuthorized),
            other => panic!("round {round}: {other:?}"),
        }
    }
    // The reference scenario itself has no custom-auth triggers.
    let plain = Emulator::builder()
        .seed(Seed::reference())
        .start()
        .await
        .unwrap();
    let client = UserPoolClient::new(&plain.config("quickstart", "web").unwrap()).unwrap();
    let refused = client.sign_in_custom("jdoe", None).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::InvalidParameter, "{refused}");
}

#[tokio::test]
async fn user_context_data_goes_on_the_wire_and_answers_stay_out_of_debug() {
    // A stand-in cognito-idp that records the InitiateAuth body and refuses it.
    let seen: Arc<Mutex<Option<Value>>> = Arc::default();
    let keep = seen.clone();
    let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let keep = keep.clone();
        async move {
            *keep.lock().unwrap() = serde_json::from_slice(&body).ok();
            (
                axum::http::StatusCode::BAD_REQUEST,
                [("x-amzn-errortype", "NotAuthorizedException")],
                r#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let config = cognito_sigv4::CognitoConfig::builder()
        .region("us-east-1")
        .user_pool_id("us-east-1_Example1")
        .client_id("exampleclient")
        .endpoint_url(url::Url::parse(&format!("http://{addr}/")).unwrap())
        .build()
        .unwrap();
    let client = UserPoolClient::new(&config)
        .unwrap()
        .with_user_context_data(UserContextData::encoded("ZW5jb2RlZA==").ip_address("192.0.2.1"))
        .with_client_metadata([("k", "v")]);
    let _ = client.sign_in_custom("jdoe", None).await.unwrap_err();
    let body = seen
        .lock()
        .unwrap()
        .clone()
        .expect("the call reached the stand-in");
    assert_eq!(body["AuthFlow"], "CUSTOM_AUTH");
    assert_eq!(body["UserContextData"]["EncodedData"], "ZW5jb2RlZA==");
    assert_eq!(body["UserContextData"]["IpAddress"], "192.0.2.1");
    assert_eq!(body["ClientMetadata"], json!({ "k": "v" }));
    server.abort();

    let answer = ChallengeResponse::custom(ChallengeAnswer::new("s3cret-answer"));
    let shown = format!("{answer:?} {:?}", UserContextData::encoded("ZW5jb2RlZA=="));
    assert!(!shown.contains("s3cret-answer"), "{shown}");
    assert!(!shown.contains("ZW5jb2RlZA=="), "{shown}");
}
