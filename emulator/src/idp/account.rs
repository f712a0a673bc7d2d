//! The account lifecycle: SignUp, ConfirmSignUp, ResendConfirmationCode, ForgotPassword,
//! ConfirmForgotPassword, ChangePassword, UpdateUserAttributes, VerifyUserAttribute and
//! DeleteUser.
//!
//! Codes are 6 random digits "sent" to the outbox (`RunningEmulator::last_code`): to the
//! `email` attribute if the user has one, else to `phone_number`. Sign-up and attribute codes
//! live 24 hours, password-reset codes one hour, as AWS documents; a new code replaces the old.
//! The fifth wrong answer to a code spends it with `LimitExceededException` (AWS publishes no
//! number; listed in CHOICES.md). Error names and messages are AWS's.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde_json::{Value, json};

use super::codes::send_new_code;
use super::lifecycle;
use super::request::{
    Outcome, authorize_access, check_secret_hash, field, find_client, internal, pool_mut, required,
};
use super::sign_in::{PasswordCheck, check_password_policy};
use super::triggers::Caller;
use crate::crypto::random_uuid;
use crate::srp_server;
use crate::state::{
    AppClient, CodePurpose, DeliveryMedium, PendingCode, State, User, UserPool, UserStatus,
};
use crate::wire::WireError;

/// Wrong answers that spend a code.
const MAX_WRONG: u32 = 5;

fn not_found() -> WireError {
    WireError::json(
        "UserNotFoundException",
        "Username/client id combination not found.",
    )
}

/// The client a call names, and its pool (mutable), after the `SecretHash` check for
/// `username`.
fn client_and_pool<'a>(
    st: &'a mut State,
    req: &Value,
    username: &str,
) -> Result<(AppClient, &'a mut UserPool), WireError> {
    let (pool_id, client) = find_client(st, required(req, "ClientId")?)?;
    check_secret_hash(&client, username, field(req, "SecretHash"))?;
    Ok((client, pool_mut(st, &pool_id)?))
}

/// SignUp: a new UNCONFIRMED user and a confirmation code.
pub(super) fn sign_up(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let typed = required(req, "Username")?;
    let password = required(req, "Password")?;
    let region = st.region.clone();
    let (client, pool) = client_and_pool(st, req, typed)?;
    let mut attributes = name_values(req, "UserAttributes");
    // The same in every pass of the request: the pre sign-up event names it in pools whose
    // usernames are generated.
    let sub = crate::lambda::replay::stable("sign-up-sub", random_uuid);
    let username = if pool.username_attributes.is_empty() {
        typed.to_owned()
    } else {
        // The name typed is the e-mail or phone; Cognito's username is generated.
        let attr = if typed.contains('@') && pool.username_attributes.iter().any(|a| a == "email") {
            "email"
        } else if typed.starts_with('+')
            && pool.username_attributes.iter().any(|a| a == "phone_number")
        {
            "phone_number"
        } else {
            return Err(WireError::invalid_parameter("Username should be an email."));
        };
        attributes.insert(attr.to_owned(), typed.to_owned());
        sub.clone()
    };
    if pool.find_user(typed).is_some() || pool.users.contains_key(&username) {
        let message = if pool.username_attributes.is_empty() {
            "User already exists"
        } else {
            "An account with the given email already exists."
        };
        return Err(WireError::json("UsernameExistsException", message));
    }
    check_password_policy(
        &pool.settings.password_policy,
        password,
        PasswordCheck::SignUp,
    )?;
    let caller = Caller {
        pool,
        region: &region,
        client_id: Some(&client.id),
    };
    let decision = lifecycle::pre_sign_up(
        caller,
        "PreSignUp_SignUp",
        &username,
        &attributes,
        &name_values(req, "ValidationData"),
    )?;
    decision.verify(&mut attributes);
    let salt: [u8; 16] = rand::random();
    let verifier = srp_server::verifier(pool.srp_pool_name(), &username, password, &salt);
    pool.users.insert(
        username.clone(),
        User {
            username: username.clone(),
            sub: sub.clone(),
            salt: salt.to_vec(),
            verifier,
            attributes,
            groups: Vec::new(),
            status: if decision.auto_confirm {
                UserStatus::Confirmed
            } else {
                UserStatus::Unconfirmed
            },
            enabled: true,
            totp_secret: None,
            totp_enabled: false,
            signed_out_at: None,
            pending_totp_secret: None,
            sms_mfa_enabled: false,
            email_mfa_enabled: false,
            preferred_mfa: None,
            created: now,
            modified: now,
            lockout: Default::default(),
        },
    );
    if decision.auto_confirm {
        // Confirmed by the trigger: no code to send (AWS sends none).
        return Ok(json!({ "UserConfirmed": true, "UserSub": sub }));
    }
    let delivery = send_code(
        pool,
        &username,
        (CodePurpose::SignUp, "CustomMessage_SignUp"),
        None,
        now,
    )?;
    let mut answer = json!({ "UserConfirmed": false, "UserSub": sub });
    if let Some(d) = delivery {
        answer["CodeDeliveryDetails"] = d;
    }
    Ok(answer)
}

/// ConfirmSignUp: the sign-up code makes the user CONFIRMED (and the address verified).
pub(super) fn confirm_sign_up(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let typed = required(req, "Username")?;
    let code = required(req, "ConfirmationCode")?;
    let region = st.region.clone();
    let (client, pool) = client_and_pool(st, req, typed)?;
    let username = pool
        .find_user(typed)
        .ok_or_else(not_found)?
        .username
        .clone();
    if pool.users[&username].status == UserStatus::Confirmed {
        return Err(WireError::not_authorized(
            "User cannot be confirmed. Current status is CONFIRMED",
        ));
    }
    answer_code(pool, &username, CodePurpose::SignUp, code, now)?;
    let user = pool.users.get_mut(&username).ok_or_else(internal)?;
    user.status = UserStatus::Confirmed;
    let verified = verified_attribute(user);
    if let Some(attr) = verified {
        user.attributes
            .insert(format!("{attr}_verified"), "true".into());
    }
    let user = &pool.users[&username];
    let caller = Caller {
        pool,
        region: &region,
        client_id: Some(&client.id),
    };
    lifecycle::post_confirmation(caller, "PostConfirmation_ConfirmSignUp", user)?;
    Ok(json!({}))
}

/// ResendConfirmationCode: a new sign-up code for an unconfirmed user.
pub(super) fn resend_confirmation_code(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let typed = required(req, "Username")?;
    let (_, pool) = client_and_pool(st, req, typed)?;
    let user = pool.find_user(typed).ok_or_else(not_found)?;
    if user.status == UserStatus::Confirmed {
        return Err(WireError::invalid_parameter("User is already confirmed."));
    }
    let username = user.username.clone();
    let delivery = send_code(
        pool,
        &username,
        (CodePurpose::SignUp, "CustomMessage_ResendCode"),
        None,
        now,
    )?
    .ok_or_else(|| WireError::invalid_parameter("No email or phone_number to send a code to"))?;
    Ok(json!({ "CodeDeliveryDetails": delivery }))
}

/// ForgotPassword: a reset code to the user's e-mail or phone. With PreventUserExistenceErrors
/// an unknown user gets a made-up delivery, as AWS documents.
pub(super) fn forgot_password(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let typed = required(req, "Username")?;
    let region = st.region.clone();
    let (client, pool) = client_and_pool(st, req, typed)?;
    if pool.find_user(typed).is_none() {
        let caller = Caller {
            pool,
            region: &region,
            client_id: Some(&client.id),
        };
        if let Some(migrated) =
            lifecycle::user_migration(caller, "UserMigration_ForgotPassword", typed, None)?
        {
            lifecycle::add_migrated(pool, typed, None, migrated, now)?;
        }
    }
    let Some(user) = pool.find_user(typed) else {
        if client.prevent_user_existence_errors {
            return Ok(json!({ "CodeDeliveryDetails": {
                "AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "***@***"
            }}));
        }
        return Err(not_found());
    };
    let username = user.username.clone();
    let delivery = send_code(
        pool,
        &username,
        (CodePurpose::ResetPassword, "CustomMessage_ForgotPassword"),
        None,
        now,
    )?
    .ok_or_else(
        || {
            WireError::invalid_parameter(
                "Cannot reset password for the user as there is no registered/verified email or phone_number",
            )
        },
    )?;
    Ok(json!({ "CodeDeliveryDetails": delivery }))
}

/// ConfirmForgotPassword: the reset code and a new password.
pub(super) fn confirm_forgot_password(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let typed = required(req, "Username")?;
    let code = required(req, "ConfirmationCode")?;
    let password = required(req, "Password")?;
    let region = st.region.clone();
    let (client, pool) = client_and_pool(st, req, typed)?;
    let username = pool
        .find_user(typed)
        .ok_or_else(not_found)?
        .username
        .clone();
    answer_code(pool, &username, CodePurpose::ResetPassword, code, now)?;
    check_password_policy(
        &pool.settings.password_policy,
        password,
        PasswordCheck::Other,
    )?;
    set_password(pool, &username, password)?;
    let user = pool.users.get_mut(&username).ok_or_else(internal)?;
    if user.status == UserStatus::ResetRequired {
        user.status = UserStatus::Confirmed;
    }
    let user = &pool.users[&username];
    let caller = Caller {
        pool,
        region: &region,
        client_id: Some(&client.id),
    };
    lifecycle::post_confirmation(caller, "PostConfirmation_ConfirmForgotPassword", user)?;
    Ok(json!({}))
}

/// ChangePassword: the previous password must be right.
pub(super) fn change_password(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let (pool_id, username) = authorize_access(st, now, required(req, "AccessToken")?)?;
    // AWS names the member `OldPassword` in this message, and asks for it before it looks at
    // the proposed password (measured by MiniStack's authors).
    let previous = field(req, "PreviousPassword")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| WireError::invalid_parameter("Missing required parameter OldPassword"))?;
    let proposed = required(req, "ProposedPassword")?;
    let pool = pool_mut(st, &pool_id)?;
    let user = pool.users.get(&username).ok_or_else(internal)?;
    if !srp_server::password_matches(
        pool.srp_pool_name(),
        &user.username,
        previous,
        &user.salt,
        &user.verifier,
    ) {
        return Err(WireError::not_authorized("Incorrect username or password."));
    }
    check_password_policy(
        &pool.settings.password_policy,
        proposed,
        PasswordCheck::Other,
    )?;
    set_password(pool, &username, proposed)?;
    Ok(json!({}))
}

/// UpdateUserAttributes: a changed `email` or `phone_number` is unverified until its code is
/// answered (VerifyUserAttribute).
pub(super) fn update_user_attributes(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let (pool_id, username) = authorize_access(st, now, required(req, "AccessToken")?)?;
    let updates = name_values(req, "UserAttributes");
    if updates
        .keys()
        .any(|k| k == "sub" || k.ends_with("_verified"))
    {
        return Err(WireError::invalid_parameter(
            "Cannot modify an already provided sub or verification attribute",
        ));
    }
    let pool = pool_mut(st, &pool_id)?;
    let user = pool.users.get_mut(&username).ok_or_else(internal)?;
    let mut to_verify = Vec::new();
    for (name, value) in updates {
        let changed = user.attributes.get(&name) != Some(&value);
        if changed && (name == "email" || name == "phone_number") {
            user.attributes
                .insert(format!("{name}_verified"), "false".into());
            to_verify.push(name.clone());
        }
        user.attributes.insert(name, value);
    }
    let mut deliveries: Vec<Value> = Vec::new();
    for attr in to_verify {
        let purpose = CodePurpose::Attribute(attr.clone());
        let source = "CustomMessage_UpdateUserAttribute";
        if let Some(d) = send_code(pool, &username, (purpose, source), Some(&attr), now)? {
            deliveries.push(d);
        }
    }
    Ok(json!({ "CodeDeliveryDetailsList": deliveries }))
}

/// VerifyUserAttribute: the code sent for an attribute marks it verified.
pub(super) fn verify_user_attribute(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let (pool_id, username) = authorize_access(st, now, required(req, "AccessToken")?)?;
    let attr = required(req, "AttributeName")?.to_owned();
    let code = required(req, "Code")?;
    let pool = pool_mut(st, &pool_id)?;
    answer_code(
        pool,
        &username,
        CodePurpose::Attribute(attr.clone()),
        code,
        now,
    )?;
    let user = pool.users.get_mut(&username).ok_or_else(internal)?;
    user.attributes
        .insert(format!("{attr}_verified"), "true".into());
    Ok(json!({}))
}

/// DeleteUser: the user and every sign-in of theirs.
pub(super) fn delete_user(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let (pool_id, username) = authorize_access(st, now, required(req, "AccessToken")?)?;
    let pool = pool_mut(st, &pool_id)?;
    pool.users.remove(&username);
    pool.revoke_user(&username, now);
    pool.devices.retain(|_, d| d.username != username);
    pool.account_codes
        .pending
        .retain(|(u, _), _| *u != username);
    Ok(json!({}))
}

/// `[{Name, Value}]` members as a map.
fn name_values(req: &Value, member: &str) -> BTreeMap<String, String> {
    req.get(member)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|a| {
                    Some((
                        a.get("Name")?.as_str()?.to_owned(),
                        a.get("Value")?.as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The attribute a code goes to: `email` if the user has one, else `phone_number`.
fn verified_attribute(user: &User) -> Option<&'static str> {
    ["email", "phone_number"]
        .into_iter()
        .find(|a| user.attributes.contains_key(*a))
}

/// Sends a new code for `purpose` (to `attribute`, else the user's e-mail or phone) and
/// returns its `CodeDeliveryDetails`, or `None` when the user has nowhere to send it.
fn send_code(
    pool: &mut UserPool,
    username: &str,
    (purpose, message_source): (CodePurpose, &str),
    attribute: Option<&str>,
    now: SystemTime,
) -> Result<Option<Value>, WireError> {
    let Some(user) = pool.users.get(username) else {
        return Ok(None);
    };
    let Some(attr) = attribute.or_else(|| verified_attribute(user)) else {
        return Ok(None);
    };
    let Some(destination) = user.attributes.get(attr).cloned() else {
        return Ok(None);
    };
    let medium = if attr == "email" {
        DeliveryMedium::Email
    } else {
        DeliveryMedium::Sms
    };
    let expires_at = now + purpose.lifetime();
    let (code, masked) = send_new_code(
        pool,
        username,
        (medium, destination),
        (purpose.name(), message_source),
        (now, expires_at),
    )?;
    pool.account_codes.pending.insert(
        (username.to_owned(), purpose),
        PendingCode {
            code,
            expires_at,
            wrong: 0,
        },
    );
    Ok(Some(json!({
        "AttributeName": attr,
        "DeliveryMedium": medium.as_str(),
        "Destination": masked,
    })))
}

/// Checks `code` against the pending code for `purpose`; a right answer spends it.
fn answer_code(
    pool: &mut UserPool,
    username: &str,
    purpose: CodePurpose,
    code: &str,
    now: SystemTime,
) -> Result<(), WireError> {
    let key = (username.to_owned(), purpose);
    let mismatch = || {
        WireError::json(
            "CodeMismatchException",
            "Invalid verification code provided, please try again.",
        )
    };
    let Some(pending) = pool.account_codes.pending.get_mut(&key) else {
        return Err(mismatch());
    };
    if now >= pending.expires_at {
        pool.account_codes.pending.remove(&key);
        return Err(WireError::json(
            "ExpiredCodeException",
            "Invalid code provided, please request a code again.",
        ));
    }
    if !crate::crypto::ct_eq(pending.code.as_bytes(), code.as_bytes()) {
        pending.wrong += 1;
        if pending.wrong >= MAX_WRONG {
            pool.account_codes.pending.remove(&key);
            return Err(WireError::json(
                "LimitExceededException",
                "Attempt limit exceeded, please try after some time.",
            ));
        }
        return Err(mismatch());
    }
    pool.account_codes.pending.remove(&key);
    Ok(())
}

/// A new password for `username` (a new salt and verifier over Cognito's username).
pub(super) fn set_password(
    pool: &mut UserPool,
    username: &str,
    password: &str,
) -> Result<(), WireError> {
    let salt: [u8; 16] = rand::random();
    let verifier = srp_server::verifier(pool.srp_pool_name(), username, password, &salt);
    let user = pool.users.get_mut(username).ok_or_else(internal)?;
    user.salt = salt.to_vec();
    user.verifier = verifier;
    Ok(())
}
