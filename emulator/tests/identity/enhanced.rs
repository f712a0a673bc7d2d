//! The enhanced flow: GetId and GetCredentialsForIdentity with user-pool, Google and guest
//! logins, role resolution, and AWS's refusals.

use super::*;

#[tokio::test]
async fn get_id_is_stable_per_login_and_links_several_logins() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let up = main_provider(&emu);

    let first = get_id(
        &emu,
        "open",
        logins(&[(&up, &id_token(&emu, "main", "jdoe"))]),
    )
    .await
    .unwrap();
    let again = get_id(
        &emu,
        "open",
        logins(&[(&up, &id_token(&emu, "main", "jdoe"))]),
    )
    .await
    .unwrap();
    assert_eq!(first, again, "the same user gets the same identity");
    assert!(
        first.starts_with("us-east-1:") && first.len() == "us-east-1:".len() + 36,
        "{first}"
    );

    let other = get_id(
        &emu,
        "open",
        logins(&[(&up, &id_token(&emu, "main", "plain"))]),
    )
    .await
    .unwrap();
    assert_ne!(first, other);

    // jdoe and a Google login together: the Google login joins jdoe's identity.
    let both = logins(&[
        (&up, &id_token(&emu, "main", "jdoe")),
        (
            "accounts.google.com",
            &google_token(&emu, "g-1", GOOGLE_CLIENT),
        ),
    ]);
    assert_eq!(get_id(&emu, "open", both).await.unwrap(), first);
    let google_alone = logins(&[(
        "accounts.google.com",
        &google_token(&emu, "g-1", GOOGLE_CLIENT),
    )]);
    assert_eq!(get_id(&emu, "open", google_alone).await.unwrap(), first);

    // Another pool gives the same user another identity.
    let strict = get_id(
        &emu,
        "strict",
        logins(&[(&up, &id_token(&emu, "main", "jdoe"))]),
    )
    .await
    .unwrap();
    assert_ne!(strict, first);
    assert_eq!(emu.calls("GetId"), 6);
    emu.shutdown().await;
}

#[tokio::test]
async fn user_pool_login_gets_credentials_for_the_preferred_role_until_they_expire() {
    let clock = ManualClock::at_epoch_secs(T0);
    let emu = start_at(clock.clone()).await;
    let l = logins(&[(&main_provider(&emu), &id_token(&emu, "main", "jdoe"))]);
    let id = get_id(&emu, "open", l.clone()).await.unwrap();
    let creds = get_credentials(&emu, &id, l, None).await.unwrap();

    let key = creds.access_key_id().unwrap();
    assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
    assert!(
        key.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert!(creds.secret_key().unwrap().len() >= 40);
    assert!(!creds.session_token().unwrap().is_empty());
    let expiration = creds.expiration().unwrap();
    assert_eq!(expiration.secs(), (T0 + 3600) as i64);

    // jdoe's groups: admins (precedence 1) wins over readers.
    assert_eq!(caller_arn(&emu, &creds).await.unwrap(), assumed("Admin"));

    // The credentials stop working when they expire.
    clock.advance(Duration::from_secs(3600));
    // AWS answers 403 (cfn-sphere/cfn-sphere#55 quotes an awsQuery service's answer).
    let (status, body) = caller_arn(&emu, &creds).await.unwrap_err();
    assert_eq!(status, 403);
    assert!(body.contains("<Code>ExpiredToken</Code>"), "{body}");
    assert!(
        body.contains("<Message>The security token included in the request is expired</Message>"),
        "{body}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn google_login_gets_the_authenticated_role_and_a_forged_session_token_is_refused() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let l = logins(&[(
        "accounts.google.com",
        &google_token(&emu, "g-42", GOOGLE_CLIENT),
    )]);
    let id = get_id(&emu, "open", l.clone()).await.unwrap();
    let creds = get_credentials(&emu, &id, l, None).await.unwrap();
    assert_eq!(caller_arn(&emu, &creds).await.unwrap(), assumed("Auth"));

    let forged = aws_credential_types::Credentials::new(
        creds.access_key_id().unwrap(),
        creds.secret_key().unwrap(),
        Some("not-the-issued-token".into()),
        None,
        "test",
    );
    let (status, body) = caller_arn_with(&emu, &forged).await.unwrap_err();
    assert_eq!(status, 403);
    assert!(body.contains("<Code>InvalidClientTokenId</Code>"), "{body}");

    // Unsigned: no caller at all.
    let resp = reqwest::Client::new()
        .post(emu.endpoint().as_str())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("Action=GetCallerIdentity&Version=2011-06-15")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("<Code>MissingAuthenticationToken</Code>"),
        "{body}"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn custom_role_arn_is_allowed_only_when_the_token_lists_it() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let l = logins(&[(&main_provider(&emu), &id_token(&emu, "main", "jdoe"))]);
    let id = get_id(&emu, "open", l.clone()).await.unwrap();

    let reader = get_credentials(&emu, &id, l.clone(), Some(&role("Reader")))
        .await
        .unwrap();
    assert_eq!(caller_arn(&emu, &reader).await.unwrap(), assumed("Reader"));

    let (code, message) = get_credentials(&emu, &id, l, Some(&role("Auth")))
        .await
        .unwrap_err();
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains(&role("Auth")), "{message}");
    emu.shutdown().await;
}

#[tokio::test]
async fn role_resolution_by_token_falls_back_or_denies_when_the_token_names_no_role() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let l = logins(&[(&main_provider(&emu), &id_token(&emu, "main", "plain"))]);

    // `open`: no role in the token → the authenticated role.
    let id = get_id(&emu, "open", l.clone()).await.unwrap();
    let creds = get_credentials(&emu, &id, l.clone(), None).await.unwrap();
    assert_eq!(caller_arn(&emu, &creds).await.unwrap(), assumed("Auth"));

    // `denying`: ambiguous → refused.
    let id = get_id(&emu, "denying", l.clone()).await.unwrap();
    let (code, _) = get_credentials(&emu, &id, l.clone(), None)
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");

    // `roleless`: no role configured at all.
    let id = get_id(&emu, "roleless", l.clone()).await.unwrap();
    let (code, message) = get_credentials(&emu, &id, l, None).await.unwrap_err();
    assert_eq!(code, "InvalidIdentityPoolConfigurationException");
    assert_eq!(
        message,
        "Invalid identity pool configuration. Check assigned IAM roles for this pool."
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn guests_get_the_unauthenticated_role_only_where_allowed() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let guest = get_id(&emu, "open", HashMap::new()).await.unwrap();
    let another = get_id(&emu, "open", HashMap::new()).await.unwrap();
    assert_ne!(
        guest, another,
        "each unauthenticated GetId makes a new guest"
    );
    let creds = get_credentials(&emu, &guest, HashMap::new(), None)
        .await
        .unwrap();
    assert_eq!(caller_arn(&emu, &creds).await.unwrap(), assumed("Unauth"));

    let (code, message) = get_id(&emu, "strict", HashMap::new()).await.unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(
        message,
        "Unauthenticated access is not supported for this identity pool."
    );

    // An authenticated identity cannot be used without its logins.
    let l = logins(&[(&main_provider(&emu), &id_token(&emu, "main", "jdoe"))]);
    let authed = get_id(&emu, "open", l).await.unwrap();
    let (code, message) = get_credentials(&emu, &authed, HashMap::new(), None)
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(
        message,
        format!("Access to Identity '{authed}' is forbidden.")
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn a_guest_identity_presented_with_logins_becomes_theirs() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let guest = get_id(&emu, "open", HashMap::new()).await.unwrap();
    let l = logins(&[(
        "accounts.google.com",
        &google_token(&emu, "g-7", GOOGLE_CLIENT),
    )]);
    let creds = get_credentials(&emu, &guest, l.clone(), None)
        .await
        .unwrap();
    assert_eq!(caller_arn(&emu, &creds).await.unwrap(), assumed("Auth"));
    assert_eq!(get_id(&emu, "open", l).await.unwrap(), guest);
    // No longer a guest: it needs its login now.
    let (code, _) = get_credentials(&emu, &guest, HashMap::new(), None)
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    emu.shutdown().await;
}

#[tokio::test]
async fn bad_login_tokens_are_rejected_with_aws_errors() {
    let clock = ManualClock::at_epoch_secs(T0);
    let emu = start_at(clock.clone()).await;
    let up = main_provider(&emu);
    let foreign_provider = format!(
        "cognito-idp.us-east-1.amazonaws.com/{}",
        emu.user_pool_id("foreign").unwrap()
    );

    let check = |result: Result<String, (String, String)>, expected: &str| {
        let (code, message) = result.unwrap_err();
        assert_eq!(code, "NotAuthorizedException", "{message}");
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    };

    // Another app client of the configured pool.
    let other_client = emu
        .mint_user_pool_id_token("main", "other", "jdoe")
        .unwrap()
        .expose_secret()
        .to_owned();
    check(
        get_id(&emu, "open", logins(&[(&up, &other_client)])).await,
        "Token is not from a supported provider of this identity pool.",
    );
    // A token of another pool, under the configured pool's name.
    let foreign = id_token(&emu, "foreign", "jdoe");
    check(
        get_id(&emu, "open", logins(&[(&up, &foreign)])).await,
        "Invalid login token. Issuer doesn't match providerName",
    );
    // The other pool, under its own name: not a provider of this identity pool.
    check(
        get_id(&emu, "open", logins(&[(&foreign_provider, &foreign)])).await,
        "Token is not from a supported provider of this identity pool.",
    );
    // A changed signature.
    let good = id_token(&emu, "main", "jdoe");
    let (head, sig) = good.rsplit_once('.').unwrap();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    let tampered = format!("{head}.{flipped}{}", &sig[1..]);
    check(
        get_id(&emu, "open", logins(&[(&up, &tampered)])).await,
        "Invalid login token. Couldn't verify signed token.",
    );
    // Garbage.
    check(
        get_id(&emu, "open", logins(&[(&up, "not-a-jwt")])).await,
        "Invalid login token.",
    );
    // Google token for another client.
    let wrong_aud = google_token(&emu, "g-1", "someone-else.apps.googleusercontent.com");
    check(
        get_id(&emu, "open", logins(&[("accounts.google.com", &wrong_aud)])).await,
        "Invalid login token. Incorrect token audience.",
    );
    // A Google token under the user pool's name.
    let google = google_token(&emu, "g-1", GOOGLE_CLIENT);
    check(
        get_id(&emu, "open", logins(&[(&up, &google)])).await,
        "Invalid login token. Issuer doesn't match providerName",
    );

    // Expired: the message says when, as AWS does.
    let id = get_id(&emu, "open", logins(&[(&up, &good)])).await.unwrap();
    clock.advance(Duration::from_secs(3600));
    let now = T0 + 3600;
    let exp = T0 + 3600;
    check(
        get_id(&emu, "open", logins(&[(&up, &good)])).await,
        &format!("Invalid login token. Token expired: {now} >= {exp}"),
    );
    let (code, _) = get_credentials(&emu, &id, logins(&[(&up, &good)]), None)
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_identity_or_pool_and_mismatched_logins() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let (code, message) = get_credentials(
        &emu,
        "us-east-1:00000000-0000-4000-8000-000000000000",
        HashMap::new(),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(code, "ResourceNotFoundException");
    assert_eq!(
        message,
        "Identity 'us-east-1:00000000-0000-4000-8000-000000000000' not found."
    );

    let err = identity_client(&emu)
        .get_id()
        .identity_pool_id("us-east-1:00000000-0000-4000-8000-00000000abcd")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert_eq!(
        err.message(),
        Some("IdentityPool 'us-east-1:00000000-0000-4000-8000-00000000abcd' not found.")
    );

    // plain's login for jdoe's identity.
    let up = main_provider(&emu);
    let jdoe = get_id(
        &emu,
        "open",
        logins(&[(&up, &id_token(&emu, "main", "jdoe"))]),
    )
    .await
    .unwrap();
    let (code, message) = get_credentials(
        &emu,
        &jdoe,
        logins(&[(&up, &id_token(&emu, "main", "plain"))]),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(
        message,
        "Logins don't match. Please include at least one valid login for this identity or identity pool."
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn malformed_pool_and_identity_ids_are_validation_errors() {
    let emu = start_at(ManualClock::at_epoch_secs(T0)).await;
    let pattern = "Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+";
    for bad in ["us-east-1:x", "no-colon", "us-east-1:ABCDEF"] {
        let err = identity_client(&emu)
            .get_id()
            .identity_pool_id(bad)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("ValidationException"), "{bad}");
        assert_eq!(
            err.message().unwrap(),
            format!(
                "1 validation error detected: Value '{bad}' at 'identityPoolId' failed to satisfy constraint: {pattern}"
            )
        );
        let (code, message) = get_credentials(&emu, bad, HashMap::new(), None)
            .await
            .unwrap_err();
        assert_eq!(code, "ValidationException");
        assert_eq!(
            message,
            format!(
                "1 validation error detected: Value '{bad}' at 'identityId' failed to satisfy constraint: {pattern}"
            )
        );
    }
    let long = format!("us-east-1:{}", "a".repeat(50));
    let (code, message) = get_credentials(&emu, &long, HashMap::new(), None)
        .await
        .unwrap_err();
    assert_eq!(code, "ValidationException");
    assert!(
        message.ends_with("Member must have length less than or equal to 55"),
        "{message}"
    );
    emu.shutdown().await;
}
