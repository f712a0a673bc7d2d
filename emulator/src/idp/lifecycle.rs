//! The triggers of the account lifecycle and of sign-in around the password: pre sign-up,
//! post confirmation, pre and post authentication, and user migration; each builds its
//! documented request, invokes the pool's function ([`triggers::invoke`]) and reads what its
//! answer may change.

use super::triggers::{self, Caller, Trigger, unrecognizable};
use crate::state::{User, UserPool};
use crate::wire::WireError;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// What a pre sign-up trigger decided.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct SignUpDecision {
    pub(super) auto_confirm: bool,
    pub(super) verify_email: bool,
    pub(super) verify_phone: bool,
}

/// Pre sign-up (`PreSignUp_SignUp`, `PreSignUp_AdminCreateUser`): may refuse (its error is
/// the caller's), auto-confirm and auto-verify.
pub(super) fn pre_sign_up(
    caller: Caller<'_>,
    source: &str,
    username: &str,
    attributes: &BTreeMap<String, String>,
    validation_data: &BTreeMap<String, String>,
) -> Result<SignUpDecision, WireError> {
    let mut request = Map::new();
    request.insert("userAttributes".into(), json!(attributes));
    request.insert("validationData".into(), json!(validation_data));
    let Some(response) = triggers::invoke(caller, Trigger::PreSignUp, source, username, request)?
    else {
        return Ok(SignUpDecision::default());
    };
    Ok(SignUpDecision {
        auto_confirm: triggers::flag(&response, "autoConfirmUser")?,
        verify_email: triggers::flag(&response, "autoVerifyEmail")?,
        verify_phone: triggers::flag(&response, "autoVerifyPhone")?,
    })
}

impl SignUpDecision {
    /// Applies the decision's verifications to a new user's attributes: an address is marked
    /// verified only when the user has it (as AWS does).
    pub(super) fn verify(&self, attributes: &mut BTreeMap<String, String>) {
        for (wanted, attr) in [
            (self.verify_email, "email"),
            (self.verify_phone, "phone_number"),
        ] {
            if wanted && attributes.contains_key(attr) {
                attributes.insert(format!("{attr}_verified"), "true".into());
            }
        }
    }
}

/// Post confirmation (`PostConfirmation_ConfirmSignUp`, `PostConfirmation_ConfirmForgotPassword`):
/// runs after the confirmation is made; its failure is answered, the confirmation stays (as on
/// AWS, where a failing post-confirmation trigger leaves the user confirmed).
pub(super) fn post_confirmation(
    caller: Caller<'_>,
    source: &str,
    user: &User,
) -> Result<(), WireError> {
    let mut request = Map::new();
    request.insert("userAttributes".into(), triggers::user_attributes(user));
    triggers::invoke(
        caller,
        Trigger::PostConfirmation,
        source,
        &user.username,
        request,
    )?;
    Ok(())
}

/// Pre authentication (`PreAuthentication_Authentication`): may refuse the sign-in. Its
/// `validationData` is the caller's `ClientMetadata` (AWS documents it as the data the app
/// passes with the sign-in).
pub(super) fn pre_authentication(caller: Caller<'_>, user: &User) -> Result<(), WireError> {
    if !triggers::configured(caller.pool, Trigger::PreAuthentication) {
        return Ok(());
    }
    let mut request = Map::new();
    request.insert("userAttributes".into(), triggers::user_attributes(user));
    request.insert(
        "validationData".into(),
        Value::Object(triggers::client_metadata()),
    );
    triggers::invoke(
        caller,
        Trigger::PreAuthentication,
        "PreAuthentication_Authentication",
        &user.username,
        request,
    )?;
    Ok(())
}

/// Post authentication (`PostAuthentication_Authentication`), once the sign-in has passed
/// every challenge and before its tokens are made: a failure refuses the sign-in.
pub(super) fn post_authentication(
    caller: Caller<'_>,
    user: &User,
    new_device_used: bool,
) -> Result<(), WireError> {
    let mut request = Map::new();
    request.insert("userAttributes".into(), triggers::user_attributes(user));
    request.insert("newDeviceUsed".into(), json!(new_device_used));
    triggers::invoke(
        caller,
        Trigger::PostAuthentication,
        "PostAuthentication_Authentication",
        &user.username,
        request,
    )?;
    Ok(())
}

/// A user the migration trigger vouched for.
pub(super) struct Migrated {
    pub(super) attributes: BTreeMap<String, String>,
    /// `finalUserStatus`: `CONFIRMED` (default) or `RESET_REQUIRED`.
    pub(super) reset_required: bool,
}

/// User migration (`UserMigration_Authentication` with the password typed,
/// `UserMigration_ForgotPassword` without): `None` when the pool has no such trigger or the
/// function does not vouch for the user (answers no `userAttributes`).
pub(super) fn user_migration(
    caller: Caller<'_>,
    source: &str,
    typed: &str,
    password: Option<&str>,
) -> Result<Option<Migrated>, WireError> {
    if !triggers::configured(caller.pool, Trigger::UserMigration) {
        return Ok(None);
    }
    let mut request = Map::new();
    if let Some(p) = password {
        request.insert("password".into(), json!(p));
    }
    request.insert("validationData".into(), json!({}));
    let Some(response) = triggers::invoke(caller, Trigger::UserMigration, source, typed, request)?
    else {
        return Ok(None);
    };
    let attributes = triggers::string_map(&response, "userAttributes")?;
    if attributes.is_empty() {
        return Ok(None);
    }
    let status = triggers::text(&response, "finalUserStatus")?;
    let reset_required = match status {
        None | Some("CONFIRMED") => false,
        Some("RESET_REQUIRED") => true,
        Some(_) => return Err(unrecognizable()),
    };
    // `messageAction` is read and checked; the emulator sends no welcome message either way.
    if !matches!(
        triggers::text(&response, "messageAction")?,
        None | Some("RESEND" | "SUPPRESS")
    ) {
        return Err(unrecognizable());
    }
    Ok(Some(Migrated {
        attributes: attributes
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?.to_owned())))
            .filter(|(k, _)| k != "sub")
            .collect(),
        reset_required,
    }))
}

/// A user the migration trigger vouched for, added to `pool` with `password` (or a random one
/// when the migration was for a forgotten password, whose user must then reset it). Returns
/// the username.
pub(super) fn add_migrated(
    pool: &mut UserPool,
    typed: &str,
    password: Option<&str>,
    migrated: Migrated,
    now: std::time::SystemTime,
) -> Result<String, WireError> {
    let attributes = migrated.attributes;
    let forgotten = password.is_none();
    let generated;
    let password = match password {
        Some(p) => p,
        None => {
            generated = crate::crypto::random_alnum(32);
            &generated
        }
    };
    // The seed's rules make Cognito's username: the name typed, or a UUID where users sign
    // in with an e-mail or phone (which the name typed then is).
    let seed = crate::seed::UserSeed {
        username: typed.to_owned(),
        password: password.to_owned(),
        attributes,
        status: Some(if migrated.reset_required || forgotten {
            "RESET_REQUIRED".into()
        } else {
            "CONFIRMED".into()
        }),
        ..Default::default()
    };
    // The same `sub` in every pass of the request: later triggers' events carry it.
    let sub = crate::lambda::replay::stable(
        &format!("migrated-sub\n{typed}"),
        crate::crypto::random_uuid,
    );
    let mut user = pool
        .new_user_with_sub(&seed, sub)
        .map_err(|_| triggers::unrecognizable())?;
    user.created = now;
    user.modified = now;
    let username = user.username.clone();
    pool.users.insert(username.clone(), user);
    Ok(username)
}

/// Custom message (`CustomMessage_SignUp`, `_ResendCode`, `_ForgotPassword`,
/// `_UpdateUserAttribute`, `_VerifyUserAttribute`, `_AdminCreateUser`, `_Authentication`):
/// the message that carries a code, written by the pool's function with the code's
/// placeholder `{####}` (and for an invitation the username's, `{username}`). `None` when the
/// pool has no such trigger or the function leaves the message to Cognito (no text, or a text
/// without the placeholder: Cognito sends its default then).
pub(super) fn custom_message(
    pool: &UserPool,
    username: &str,
    source: &str,
    medium: crate::state::DeliveryMedium,
) -> Result<Option<(Option<String>, String)>, WireError> {
    if !triggers::configured(pool, Trigger::CustomMessage) {
        return Ok(None);
    }
    let Some(user) = pool.users.get(username) else {
        return Ok(None);
    };
    let mut request = Map::new();
    request.insert("userAttributes".into(), triggers::user_attributes(user));
    request.insert("codeParameter".into(), json!("{####}"));
    let invitation = source == "CustomMessage_AdminCreateUser";
    request.insert(
        "usernameParameter".into(),
        if invitation {
            json!("{username}")
        } else {
            Value::Null
        },
    );
    let Some(response) =
        triggers::invoke_for_request(pool, Trigger::CustomMessage, source, username, request)?
    else {
        return Ok(None);
    };
    let (text, subject) = match medium {
        crate::state::DeliveryMedium::Email => (
            triggers::text(&response, "emailMessage")?,
            triggers::text(&response, "emailSubject")?,
        ),
        crate::state::DeliveryMedium::Sms => (triggers::text(&response, "smsMessage")?, None),
    };
    Ok(text.filter(|t| t.contains("{####}")).map(|t| {
        (
            subject.map(str::to_owned),
            t.replace("{username}", username),
        )
    }))
}
