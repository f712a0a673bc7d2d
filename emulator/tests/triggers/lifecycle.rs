//! Sign-up, confirmation, sign-in and token triggers.

use super::*;
use aws_lambda_events::event::cognito::{
    CognitoEventUserPoolsCustomMessage, CognitoEventUserPoolsCustomMessageTriggerSource,
    CognitoEventUserPoolsMigrateUser, CognitoEventUserPoolsPostAuthentication,
    CognitoEventUserPoolsPostConfirmation, CognitoEventUserPoolsPreAuthentication,
    CognitoEventUserPoolsPreSignup, CognitoEventUserPoolsPreSignupTriggerSource,
    CognitoEventUserPoolsPreTokenGenTriggerSource, CognitoEventUserPoolsPreTokenGenV2,
};
use idp::types::AttributeType;

fn email(value: &str) -> AttributeType {
    AttributeType::builder()
        .name("email")
        .value(value)
        .build()
        .unwrap()
}

#[tokio::test]
async fn pre_sign_up_refuses_and_auto_confirms() {
    let env = Env::start().await;
    let refused = env
        .idp
        .sign_up()
        .client_id(CLIENT)
        .username("mallory")
        .password(PASSWORD)
        .user_attributes(email("mallory@evil.test"))
        .send()
        .await
        .map_err(aws_error)
        .unwrap_err();
    assert_eq!(
        refused,
        (
            "UserLambdaValidationException".into(),
            "PreSignUp failed with error only example.com addresses may sign up.".into()
        )
    );
    // Refused: no user was made.
    let again = env
        .idp
        .sign_up()
        .client_id(CLIENT)
        .username("mallory")
        .password(PASSWORD)
        .user_attributes(email("mallory@example.com"))
        .send()
        .await
        .unwrap();
    assert!(!again.user_confirmed(), "not invited: confirmed by code");
    env.take_events();

    let invited = env
        .idp
        .sign_up()
        .client_id(CLIENT)
        .username("pat")
        .password(PASSWORD)
        .user_attributes(email("pat@example.com"))
        .validation_data(
            AttributeType::builder()
                .name("captcha")
                .value("ok")
                .build()
                .unwrap(),
        )
        .client_metadata("invited", "yes")
        .send()
        .await
        .unwrap();
    assert!(invited.user_confirmed(), "auto-confirmed by the trigger");
    assert!(invited.code_delivery_details().is_none(), "no code sent");
    let events = env.take_events();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_common(e, "PreSignUp_SignUp", "pat");
    let typed: CognitoEventUserPoolsPreSignup = shaped(e, &[]);
    assert_eq!(
        typed.cognito_event_user_pools_header.trigger_source,
        Some(CognitoEventUserPoolsPreSignupTriggerSource::SignUp)
    );
    assert_eq!(typed.request.validation_data["captcha"], "ok");
    assert_eq!(typed.request.client_metadata["invited"], "yes");
    assert_eq!(typed.request.user_attributes["email"], "pat@example.com");
    assert_eq!(e["version"], "1");
    // Auto-verified e-mail, signed in at once.
    let tokens = env.password_sign_in("pat", PASSWORD).await.unwrap();
    let id = claims(tokens.id_token().unwrap());
    assert_eq!(
        id["email_verified"],
        Value::Null,
        "suppressed by the token trigger"
    );
    let user = env
        .idp
        .get_user()
        .access_token(tokens.access_token().unwrap())
        .send()
        .await
        .unwrap();
    let verified = user
        .user_attributes()
        .iter()
        .find(|a| a.name() == "email_verified")
        .and_then(|a| a.value());
    assert_eq!(verified, Some("true"));
}

#[tokio::test]
async fn post_confirmation_runs_after_the_confirmation_and_its_failure_keeps_it() {
    let env = Env::start().await;
    for (name, address) in [("ok", "ok@example.com"), ("failing", "fail@example.com")] {
        env.idp
            .sign_up()
            .client_id(CLIENT)
            .username(name)
            .password(PASSWORD)
            .user_attributes(email(address))
            .send()
            .await
            .unwrap();
    }
    env.take_events();
    let code = |name: &str| {
        env.emu
            .last_code(name)
            .unwrap()
            .code
            .expose_secret()
            .to_owned()
    };
    env.idp
        .confirm_sign_up()
        .client_id(CLIENT)
        .username("ok")
        .confirmation_code(code("ok"))
        .client_metadata("source", "email-link")
        .send()
        .await
        .unwrap();
    let events = env.take_events();
    assert_eq!(events.len(), 1);
    assert_common(&events[0], "PostConfirmation_ConfirmSignUp", "ok");
    let typed: CognitoEventUserPoolsPostConfirmation = shaped(&events[0], &[]);
    assert_eq!(typed.request.client_metadata["source"], "email-link");
    assert_eq!(
        typed.request.user_attributes["cognito:user_status"],
        "CONFIRMED"
    );

    let failed = env
        .idp
        .confirm_sign_up()
        .client_id(CLIENT)
        .username("failing")
        .confirmation_code(code("failing"))
        .send()
        .await
        .map_err(aws_error)
        .unwrap_err();
    assert_eq!(
        failed,
        (
            "UserLambdaValidationException".into(),
            "PostConfirmation failed with error welcome row not written.".into()
        )
    );
    // As on AWS, the user stays confirmed: signing in works.
    env.password_sign_in("failing", PASSWORD).await.unwrap();
}

#[tokio::test]
async fn pre_authentication_refuses_and_post_authentication_follows_success() {
    let env = Env::start().await;
    let refused = env.password_sign_in("blocked", PASSWORD).await.unwrap_err();
    assert_eq!(
        refused,
        (
            "UserLambdaValidationException".into(),
            "PreAuthentication failed with error this account is blocked.".into()
        )
    );
    env.take_events();
    // A wrong password is checked after the trigger, and tokens need the right one.
    let wrong = env
        .password_sign_in("jdoe", "Wrong-Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(wrong.0, "NotAuthorizedException");
    let events = env.take_events();
    assert_eq!(events.len(), 1, "pre-authentication only: {events:#?}");
    env.password_sign_in("jdoe", PASSWORD).await.unwrap();
    let events = env.take_events();
    let sources: Vec<&str> = events
        .iter()
        .map(|e| e["triggerSource"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "PreAuthentication_Authentication",
            "PostAuthentication_Authentication",
            "TokenGeneration_Authentication"
        ]
    );
    let pre: CognitoEventUserPoolsPreAuthentication = shaped(&events[0], &[]);
    assert_eq!(pre.request.validation_data["app-version"], "1.2.3");
    let post: CognitoEventUserPoolsPostAuthentication = shaped(&events[1], &[]);
    assert!(!post.request.new_device_used);
    assert_eq!(post.request.client_metadata["app-version"], "1.2.3");
}

#[tokio::test]
async fn pre_token_generation_v2_adds_claims_and_scopes_on_sign_in_and_refresh() {
    let env = Env::start().await;
    let tokens = env.password_sign_in("jdoe", PASSWORD).await.unwrap();
    for (jwt, refreshed) in [
        (tokens.clone(), false),
        (
            env.idp
                .initiate_auth()
                .auth_flow(idp::types::AuthFlowType::RefreshTokenAuth)
                .client_id(CLIENT)
                .auth_parameters("REFRESH_TOKEN", tokens.refresh_token().unwrap())
                .send()
                .await
                .unwrap()
                .authentication_result()
                .unwrap()
                .clone(),
            true,
        ),
    ] {
        let id = claims(jwt.id_token().unwrap());
        let access = claims(jwt.access_token().unwrap());
        assert_eq!(id["tenant"], "acme");
        assert_eq!(id["plan"], json!({ "tier": 2 }), "V2 claims may be JSON");
        assert_eq!(id["email_verified"], Value::Null, "suppressed");
        assert_eq!(id["cognito:groups"], json!(["readers", "beta"]));
        assert_eq!(access["cognito:groups"], json!(["readers", "beta"]));
        assert_eq!(access["tenant"], "acme");
        assert_eq!(
            access["scope"], "aws.cognito.signin.user.admin api/read",
            "refreshed: {refreshed}"
        );
        assert_eq!(id["sub"], access["sub"], "protected claims stay");
    }
    let events: Vec<Value> = env
        .take_events()
        .into_iter()
        .filter(|e| {
            e["triggerSource"]
                .as_str()
                .unwrap()
                .starts_with("TokenGeneration")
        })
        .collect();
    assert_eq!(events.len(), 2);
    let sources = [
        CognitoEventUserPoolsPreTokenGenTriggerSource::Authentication,
        CognitoEventUserPoolsPreTokenGenTriggerSource::RefreshTokens,
    ];
    for (e, source) in events.iter().zip(sources) {
        assert_eq!(e["version"], "2");
        let typed: CognitoEventUserPoolsPreTokenGenV2 = shaped(e, &[]);
        assert_eq!(
            typed.cognito_event_user_pools_header.trigger_source,
            Some(source)
        );
        assert_eq!(typed.request.scopes, ["aws.cognito.signin.user.admin"]);
        assert_eq!(
            typed.request.group_configuration.groups_to_override,
            ["readers"]
        );
        assert_eq!(typed.request.user_attributes["email"], "jdoe@example.com");
    }
}

#[tokio::test]
async fn user_migration_moves_a_user_in_at_sign_in_and_forgotten_password() {
    let env = Env::start().await;
    let unknown = env.password_sign_in("nobody", PASSWORD).await.unwrap_err();
    assert_eq!(
        unknown,
        (
            "UserLambdaValidationException".into(),
            "UserMigration failed with error no such legacy user.".into()
        )
    );
    env.take_events();
    let tokens = env
        .password_sign_in("legacy", "Legacy-Passw0rd!")
        .await
        .unwrap();
    assert_eq!(
        claims(tokens.id_token().unwrap())["email"],
        "legacy@example.com"
    );
    let events = env.take_events();
    assert_common(&events[0], "UserMigration_Authentication", "legacy");
    let typed: CognitoEventUserPoolsMigrateUser = shaped(&events[0], &["enableSMSMFA"]);
    assert_eq!(
        typed
            .cognito_event_user_pools_migrate_user_request
            .password
            .as_deref(),
        Some("Legacy-Passw0rd!")
    );
    // Migrated once: the next sign-in finds the user without the trigger.
    env.password_sign_in("legacy", "Legacy-Passw0rd!")
        .await
        .unwrap();
    assert!(
        env.take_events()
            .iter()
            .all(|e| e["triggerSource"] != "UserMigration_Authentication")
    );

    // A forgotten password: the user is moved in to reset it.
    let sent = env
        .idp
        .forgot_password()
        .client_id(CLIENT)
        .username("legacy2")
        .send()
        .await
        .unwrap();
    assert!(sent.code_delivery_details().is_some());
    let code = env
        .emu
        .last_code("legacy2")
        .unwrap()
        .code
        .expose_secret()
        .to_owned();
    env.idp
        .confirm_forgot_password()
        .client_id(CLIENT)
        .username("legacy2")
        .confirmation_code(code)
        .password("New-Passw0rd!-long")
        .send()
        .await
        .unwrap();
    env.password_sign_in("legacy2", "New-Passw0rd!-long")
        .await
        .unwrap();
}

#[tokio::test]
async fn custom_message_writes_the_message_that_carries_the_code() {
    let env = Env::start().await;
    env.idp
        .sign_up()
        .client_id(CLIENT)
        .username("lee")
        .password(PASSWORD)
        .user_attributes(email("lee@example.com"))
        .send()
        .await
        .unwrap();
    let events = env.take_events();
    let message = events
        .iter()
        .find(|e| e["triggerSource"] == "CustomMessage_SignUp")
        .expect("the custom message trigger ran");
    let typed: CognitoEventUserPoolsCustomMessage = shaped(message, &["linkParameter"]);
    assert_eq!(
        typed.cognito_event_user_pools_header.trigger_source,
        Some(CognitoEventUserPoolsCustomMessageTriggerSource::SignUp)
    );
    assert_eq!(typed.request.code_parameter.as_deref(), Some("{####}"));
    // The message, as sent, carries the real code where the placeholder was.
    let code = env
        .emu
        .last_code("lee")
        .unwrap()
        .code
        .expose_secret()
        .to_owned();
    let url = env
        .emu
        .endpoint()
        .join("_emulator/codes?username=lee")
        .unwrap();
    let codes: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    let sent = &codes["codes"][0];
    assert_eq!(sent["subject"], "Welcome to Acme");
    assert_eq!(
        sent["message"],
        format!("Hello lee@example.com, your code is {code}")
    );
}
