//! The basic (classic) flow: GetOpenIdToken, then STS AssumeRoleWithWebIdentity; and tokens
//! from a real sign-in.

use super::*;

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

/// A new guest identity of `open`, and GetOpenIdToken's token for it.
async fn guest_open_id_token(emu: &RunningEmulator) -> String {
    let guest = get_id(emu, "open", HashMap::new()).await.unwrap();
    let out = identity_client(emu)
        .get_open_id_token()
        .identity_id(&guest)
        .send()
        .await
        .unwrap();
    out.token().unwrap().to_owned()
}

#[tokio::test]
async fn guest_open_id_token_assumes_only_the_unauthenticated_role_and_classic_flow_is_opt_in() {
    let emu = start_at(real_time_clock()).await;
    let token = &guest_open_id_token(&emu).await;
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

#[tokio::test]
async fn duration_seconds_above_the_roles_max_session_duration_is_a_validation_error_and_session_names_take_plus()
 {
    let emu = start_at(real_time_clock()).await;
    let token = &guest_open_id_token(&emu).await;
    let sts = sts_client(&emu, None);
    let assume = |role_arn: String, secs: i32| {
        sts.assume_role_with_web_identity()
            .role_arn(role_arn)
            .role_session_name("guest")
            .web_identity_token(token)
            .duration_seconds(secs)
            .send()
    };
    // RoleSessionName takes `[\w+=,.@-]`, `+` included.
    let out = sts
        .assume_role_with_web_identity()
        .role_arn(role("Unauth"))
        .role_session_name("a+b=c,d.e@f-g_h")
        .web_identity_token(token)
        .send()
        .await
        .unwrap();
    assert!(
        out.assumed_role_user()
            .unwrap()
            .arn()
            .ends_with("/Unauth/a+b=c,d.e@f-g_h")
    );
    // Too short, too long, a character outside the pattern: each constraint in AWS's words.
    for (name, constraint) in [
        ("a", "Member must have length greater than or equal to 2"),
        (
            &"x".repeat(65)[..],
            "Member must have length less than or equal to 64",
        ),
        (
            "a b",
            "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        ),
    ] {
        let err = sts
            .assume_role_with_web_identity()
            .role_arn(role("Unauth"))
            .role_session_name(name)
            .web_identity_token(token)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));
        assert_eq!(
            aws_sdk_sts::error::ProvideErrorMetadata::code(&err),
            Some("ValidationError")
        );
        assert_eq!(
            aws_sdk_sts::error::ProvideErrorMetadata::message(&err).unwrap(),
            format!(
                "1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: {constraint}"
            )
        );
    }
    // Unauth's MaxSessionDuration is two hours: up to it is fine, one second more is refused.
    assume(role("Unauth"), 7200).await.unwrap();
    let err = assume(role("Unauth"), 7201).await.unwrap_err();
    let raw = err.raw_response().map(|r| r.status().as_u16());
    assert_eq!(raw, Some(400));
    assert_eq!(
        aws_sdk_sts::error::ProvideErrorMetadata::code(&err),
        Some("ValidationError")
    );
    assert_eq!(
        aws_sdk_sts::error::ProvideErrorMetadata::message(&err),
        Some("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    );
    // STS's own bound (12 hours) still answers its constraint message first.
    let err = assume(role("Unauth"), 43_201).await.unwrap_err();
    assert!(
        aws_sdk_sts::error::ProvideErrorMetadata::message(&err)
            .unwrap()
            .contains("Member must have value less than or equal to 43200")
    );
    emu.shutdown().await;
}
