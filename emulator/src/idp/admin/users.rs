//! The admin operations on users: creation with a temporary password, passwords, attributes,
//! status, groups, listing with AWS's filter grammar, sign-out, and the admin sign-in flows.

use super::{flag, invalid, page, pool, strings, timestamp};
use crate::idp::account::set_password;
use crate::idp::codes::send_new_code;
use crate::idp::lifecycle;
use crate::idp::request::{Outcome, check_flow, field, required, string_map};
use crate::idp::sign_in::{PasswordCheck, check_password_policy, password_auth};
use crate::idp::triggers::Caller;
use crate::seed::UserSeed;
use crate::state::{DeliveryMedium, State, User, UserPool, UserStatus};
use crate::wire::WireError;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

const OPERATIONS: &[&str] = &[
    "AdminCreateUser",
    "AdminSetUserPassword",
    "AdminGetUser",
    "AdminDeleteUser",
    "AdminDisableUser",
    "AdminEnableUser",
    "AdminConfirmSignUp",
    "AdminUpdateUserAttributes",
    "AdminDeleteUserAttributes",
    "AdminResetUserPassword",
    "AdminAddUserToGroup",
    "AdminRemoveUserFromGroup",
    "AdminListGroupsForUser",
    "ListUsersInGroup",
    "ListUsers",
    "AdminUserGlobalSignOut",
    "AdminInitiateAuth",
    "AdminRespondToAuthChallenge",
    "AdminGetDevice",
    "AdminListDevices",
    "AdminForgetDevice",
    "AdminUpdateDeviceStatus",
];

/// How long AdminCreateUser's temporary password is valid (AWS's default
/// `TemporaryPasswordValidityDays` is 7); the invitation in the outbox is kept as long.
const TEMPORARY_PASSWORD_VALIDITY: Duration = Duration::from_secs(7 * 86_400);

pub(super) fn serves(op: &str) -> bool {
    OPERATIONS.contains(&op)
}

pub(super) fn serve(st: &mut State, now: SystemTime, op: &str, req: &Value) -> Outcome {
    match op {
        "AdminCreateUser" => admin_create_user(st, now, req),
        "AdminSetUserPassword" => {
            let password = required(req, "Password")?.to_owned();
            let permanent = flag(req, "Permanent", false);
            let p = pool(st, req)?;
            let username = user(p, req)?.username.clone();
            check_password_policy(&p.settings.password_policy, &password, PasswordCheck::Other)?;
            set_password(p, &username, &password)?;
            let u = user_mut(p, &username)?;
            u.status = if permanent {
                UserStatus::Confirmed
            } else {
                UserStatus::ForceChangePassword
            };
            u.modified = now;
            Ok(json!({}))
        }
        "AdminGetUser" => {
            let p = pool(st, req)?;
            let u = user(p, req)?;
            let mut out = describe_user(u, "UserAttributes", None);
            out["MFAOptions"] = json!([]);
            let mut mfa = Vec::new();
            if u.sms_mfa_enabled {
                mfa.push("SMS_MFA");
            }
            if u.email_mfa_enabled {
                mfa.push("EMAIL_OTP");
            }
            if u.totp_enabled {
                mfa.push("SOFTWARE_TOKEN_MFA");
            }
            out["UserMFASettingList"] = json!(mfa);
            if let Some(pref) = &u.preferred_mfa {
                out["PreferredMfaSetting"] = json!(pref);
            }
            Ok(out)
        }
        "AdminDeleteUser" => {
            let p = pool(st, req)?;
            let username = user(p, req)?.username.clone();
            p.revoke_user(&username, now);
            p.users.remove(&username);
            Ok(json!({}))
        }
        "AdminDisableUser" | "AdminEnableUser" => {
            let p = pool(st, req)?;
            let username = user(p, req)?.username.clone();
            if op == "AdminDisableUser" {
                p.revoke_user(&username, now);
            }
            let u = user_mut(p, &username)?;
            u.enabled = op == "AdminEnableUser";
            u.modified = now;
            Ok(json!({}))
        }
        "AdminConfirmSignUp" => {
            let p = pool(st, req)?;
            let username = user(p, req)?.username.clone();
            let u = user_mut(p, &username)?;
            if u.status != UserStatus::Unconfirmed {
                return Err(WireError::not_authorized(format!(
                    "User cannot be confirmed. Current status is {}",
                    status_name(u.status)
                )));
            }
            u.status = UserStatus::Confirmed;
            u.modified = now;
            let region = st.region.clone();
            let p = pool(st, req)?;
            let caller = Caller {
                pool: p,
                region: &region,
                client_id: None,
            };
            lifecycle::post_confirmation(
                caller,
                "PostConfirmation_ConfirmSignUp",
                &p.users[&username],
            )?;
            Ok(json!({}))
        }
        "AdminUpdateUserAttributes" => {
            let attributes = name_values(req, "UserAttributes")?;
            let p = pool(st, req)?;
            let username = user(p, req)?.username.clone();
            let u = user_mut(p, &username)?;
            for (name, value) in attributes {
                if name == "sub" {
                    return Err(WireError::invalid_parameter(
                        "Cannot modify an immutable attribute: sub",
                    ));
                }
                u.attributes.insert(name, value);
            }
            u.modified = now;
            Ok(json!({}))
        }
        "AdminDeleteUserAttributes" => {
            let names = strings(req, "UserAttributeNames");
            let p = pool(st, req)?;
            let username = user(p, req)?.username.clone();
            let u = user_mut(p, &username)?;
            for name in names {
                u.attributes.remove(&name);
            }
            u.modified = now;
            Ok(json!({}))
        }
        "AdminResetUserPassword" => {
            let p = pool(st, req)?;
            let username = user(p, req)?.username.clone();
            let u = user_mut(p, &username)?;
            u.status = UserStatus::ResetRequired;
            u.modified = now;
            Ok(json!({}))
        }
        "AdminAddUserToGroup" | "AdminRemoveUserFromGroup" => {
            let group = required(req, "GroupName")?.to_owned();
            let p = pool(st, req)?;
            if !p.groups.contains_key(&group) {
                return Err(WireError::json(
                    "ResourceNotFoundException",
                    "Group not found.",
                ));
            }
            let username = user(p, req)?.username.clone();
            let u = user_mut(p, &username)?;
            u.groups.retain(|g| *g != group);
            if op == "AdminAddUserToGroup" {
                u.groups.push(group);
            }
            Ok(json!({}))
        }
        "AdminListGroupsForUser" => {
            let p = pool(st, req)?;
            let u = user(p, req)?;
            let groups: Vec<Value> = u
                .groups
                .iter()
                .map(|g| json!({ "GroupName": g, "UserPoolId": p.id }))
                .collect();
            let limit = req.get("Limit").and_then(Value::as_u64);
            let (groups, next) = page(groups, limit, field(req, "NextToken"))?;
            Ok(json!({ "Groups": groups, "NextToken": next }))
        }
        "ListUsersInGroup" => {
            let group = required(req, "GroupName")?.to_owned();
            let p = pool(st, req)?;
            let users: Vec<Value> = p
                .users
                .values()
                .filter(|u| u.groups.contains(&group))
                .map(|u| describe_user(u, "Attributes", None))
                .collect();
            let limit = req.get("Limit").and_then(Value::as_u64);
            let (users, next) = page(users, limit, field(req, "NextToken"))?;
            Ok(json!({ "Users": users, "NextToken": next }))
        }
        "ListUsers" => list_users(st, req),
        "AdminUserGlobalSignOut" => {
            let p = pool(st, req)?;
            let username = user(p, req)?.username.clone();
            p.revoke_user(&username, now);
            user_mut(p, &username)?.signed_out_at = Some(now);
            Ok(json!({}))
        }
        "AdminInitiateAuth" => admin_initiate_auth(st, now, req),
        "AdminGetDevice" | "AdminForgetDevice" | "AdminUpdateDeviceStatus" => {
            admin_device(st, now, op, req)
        }
        "AdminListDevices" => {
            let p = pool(st, req)?;
            let username = user(p, req)?.username.clone();
            let devices: Vec<Value> = p
                .devices
                .iter()
                .filter(|(_, d)| d.username == username && d.is_confirmed())
                .map(|(k, d)| crate::idp::device::device_type(k, d))
                .collect();
            let limit = req.get("Limit").and_then(Value::as_u64);
            let (devices, next) = page(devices, limit, field(req, "PaginationToken"))?;
            let mut out = json!({ "Devices": devices });
            if let Some(next) = next {
                out["PaginationToken"] = json!(next);
            }
            Ok(out)
        }
        "AdminRespondToAuthChallenge" => {
            // The same exchange as RespondToAuthChallenge: the session names the pool.
            crate::idp::auth::respond_to_auth_challenge(st, now, req)
        }
        _ => Err(WireError::json(
            "UnknownOperationException",
            format!("Unknown operation {op}"),
        )),
    }
}

/// AdminGetDevice, AdminForgetDevice and AdminUpdateDeviceStatus: a device of the user, by
/// its key (`ResourceNotFoundException: Device does not exist.` otherwise, as the user's own
/// device calls answer).
fn admin_device(st: &mut State, now: SystemTime, op: &str, req: &Value) -> Outcome {
    let key = required(req, "DeviceKey")?.to_owned();
    let p = pool(st, req)?;
    let username = user(p, req)?.username.clone();
    let not_found = || WireError::json("ResourceNotFoundException", "Device does not exist.");
    let device = p
        .devices
        .get(&key)
        .filter(|d| d.username == username)
        .ok_or_else(not_found)?;
    match op {
        "AdminGetDevice" => Ok(json!({
            "Device": crate::idp::device::device_type(&key, device),
        })),
        "AdminForgetDevice" => {
            p.devices.remove(&key);
            // As ForgetDevice: the refresh tokens bound to the device stop working.
            for record in p.refresh_tokens.values_mut() {
                if record.device_key.as_deref() == Some(key.as_str()) {
                    record.revoked = true;
                }
            }
            Ok(json!({}))
        }
        _ => {
            let remembered = match field(req, "DeviceRememberedStatus") {
                Some("remembered") => true,
                Some("not_remembered") | None => false,
                Some(other) => {
                    return Err(WireError::invalid_parameter(format!(
                        "1 validation error detected: Value '{other}' at 'deviceRememberedStatus' failed to satisfy constraint: Member must satisfy enum value set: [remembered, not_remembered]"
                    )));
                }
            };
            if let Some(d) = p.devices.get_mut(&key) {
                d.remembered = remembered;
                d.last_modified = now;
            }
            Ok(json!({}))
        }
    }
}

fn user_not_found() -> WireError {
    WireError::json("UserNotFoundException", "User does not exist.")
}

/// The user named by `Username` (Cognito's username, or a name the user signs in with).
fn user<'a>(p: &'a UserPool, req: &Value) -> Result<&'a User, WireError> {
    let name = required(req, "Username")?;
    p.find_user(name).ok_or_else(user_not_found)
}

fn user_mut<'a>(p: &'a mut UserPool, username: &str) -> Result<&'a mut User, WireError> {
    p.users.get_mut(username).ok_or_else(user_not_found)
}

fn status_name(s: UserStatus) -> &'static str {
    s.as_str()
}

/// `[{"Name", "Value"}]` members.
fn name_values(req: &Value, member: &str) -> Result<Vec<(String, String)>, WireError> {
    let Some(items) = req.get(member) else {
        return Ok(Vec::new());
    };
    let items = items.as_array().ok_or_else(|| {
        WireError::json(
            "SerializationException",
            format!("{member} can not be converted to a List"),
        )
    })?;
    items
        .iter()
        .map(|a| match (field(a, "Name"), field(a, "Value")) {
            (Some(n), Some(v)) => Ok((n.to_owned(), v.to_owned())),
            (Some(n), None) => Ok((n.to_owned(), String::new())),
            _ => Err(WireError::invalid_parameter(
                "1 validation error detected: Value null at 'userAttributes.member.name' failed to satisfy constraint: Member must not be null",
            )),
        })
        .collect()
}

/// A user as AdminGetUser (`attributes_member` = `UserAttributes`) or ListUsers
/// (`Attributes`) shows it; `only` limits the attributes (`AttributesToGet`).
fn describe_user(u: &User, attributes_member: &str, only: Option<&[String]>) -> Value {
    let mut attributes = vec![json!({ "Name": "sub", "Value": u.sub })];
    attributes.extend(
        u.attributes
            .iter()
            .map(|(n, v)| json!({ "Name": n, "Value": v })),
    );
    if let Some(only) = only {
        attributes.retain(|a| only.iter().any(|o| Some(o.as_str()) == a["Name"].as_str()));
    }
    let mut out = json!({
        "Username": u.username,
        "UserCreateDate": timestamp(u.created),
        "UserLastModifiedDate": timestamp(u.modified),
        "Enabled": u.enabled,
        "UserStatus": status_name(u.status),
    });
    out[attributes_member] = json!(attributes);
    out
}

fn admin_create_user(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let region = st.region.clone();
    let typed = required(req, "Username")?.to_owned();
    let attributes = name_values(req, "UserAttributes")?;
    let action = field(req, "MessageAction");
    if let Some(a) = action
        && a != "SUPPRESS"
        && a != "RESEND"
    {
        return Err(WireError::invalid_parameter(format!(
            "1 validation error detected: Value '{a}' at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]"
        )));
    }
    let p = pool(st, req)?;
    if action == Some("RESEND") {
        // RESEND sends the invitation again to a user who has not signed in yet.
        let username = p
            .find_user(&typed)
            .ok_or_else(user_not_found)?
            .username
            .clone();
        invite(p, &username, now, None)?;
        let u = user_mut(p, &username)?;
        return Ok(json!({ "User": describe_user(u, "Attributes", None) }));
    }
    if p.find_user(&typed).is_some() {
        return Err(WireError::json(
            "UsernameExistsException",
            "User account already exists",
        ));
    }
    let temporary = match field(req, "TemporaryPassword") {
        Some(t) => {
            check_password_policy(&p.settings.password_policy, t, PasswordCheck::Other)?;
            t.to_owned()
        }
        None => generated_password(),
    };
    let mut attributes: std::collections::BTreeMap<String, String> =
        attributes.into_iter().collect();
    let caller = Caller {
        pool: p,
        region: &region,
        client_id: None,
    };
    let validation: std::collections::BTreeMap<String, String> =
        name_values(req, "ValidationData")?.into_iter().collect();
    // AdminCreateUser's user must change the temporary password whatever the trigger says;
    // its verifications apply.
    lifecycle::pre_sign_up(
        caller,
        "PreSignUp_AdminCreateUser",
        &typed,
        &attributes,
        &validation,
    )?
    .verify(&mut attributes);
    let seed = UserSeed {
        username: typed,
        password: temporary.clone(),
        attributes,
        status: Some("FORCE_CHANGE_PASSWORD".to_owned()),
        ..Default::default()
    };
    let mut user = p.new_user(&seed).map_err(invalid)?;
    user.created = now;
    user.modified = now;
    let username = user.username.clone();
    p.users.insert(username.clone(), user);
    if action != Some("SUPPRESS") {
        invite(p, &username, now, Some(temporary))?;
    }
    let u = user_mut(p, &username)?;
    Ok(json!({ "User": describe_user(u, "Attributes", None) }))
}

/// A temporary password that meets Cognito's default policy.
fn generated_password() -> String {
    format!("Tmp{}!9a", crate::crypto::random_alnum(12))
}

/// "Sends" the invitation with the temporary password to the user's e-mail (else phone): into
/// the outbox, purpose `Invitation`, as AWS mails it.
fn invite(
    p: &mut UserPool,
    username: &str,
    now: SystemTime,
    temporary: Option<String>,
) -> Result<(), WireError> {
    let Some(u) = p.users.get(username) else {
        return Ok(());
    };
    let (medium, destination) = match (u.attributes.get("email"), u.attributes.get("phone_number"))
    {
        (Some(e), _) => (DeliveryMedium::Email, e.clone()),
        (None, Some(ph)) => (DeliveryMedium::Sms, ph.clone()),
        _ => return Ok(()),
    };
    let (_, _) = send_new_code(
        p,
        username,
        (medium, destination),
        ("Invitation", "CustomMessage_AdminCreateUser"),
        (now, now + TEMPORARY_PASSWORD_VALIDITY),
    )?;
    // The invitation carries the temporary password instead of a generated code.
    if let (Some(t), Some(last)) = (temporary, p.outbox.last_mut()) {
        last.sent.code = cognito_sigv4::secret::OneTimeCode::new(t);
    }
    Ok(())
}

/// ListUsers' `Filter`: `attribute = "value"` or `attribute ^= "value"` (AWS's grammar; the
/// attributes it documents).
struct Filter {
    attribute: String,
    prefix: bool,
    value: String,
}

const FILTERABLE: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

fn parse_filter(text: &str) -> Result<Option<Filter>, WireError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || WireError::invalid_parameter("Error while parsing filter.");
    let (attribute, rest, prefix) = if let Some((a, r)) = text.split_once("^=") {
        (a, r, true)
    } else if let Some((a, r)) = text.split_once('=') {
        (a, r, false)
    } else {
        return Err(bad());
    };
    let attribute = attribute.trim();
    let value = rest
        .trim()
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or_else(bad)?;
    if !FILTERABLE.contains(&attribute) {
        return Err(WireError::invalid_parameter(format!(
            "Invalid search attribute: {attribute}"
        )));
    }
    Ok(Some(Filter {
        attribute: attribute.to_owned(),
        prefix,
        value: value.to_owned(),
    }))
}

impl Filter {
    fn matches(&self, u: &User) -> bool {
        let actual = match self.attribute.as_str() {
            "username" => Some(u.username.clone()),
            "sub" => Some(u.sub.clone()),
            "cognito:user_status" => Some(status_name(u.status).to_owned()),
            "status" => Some(if u.enabled { "Enabled" } else { "Disabled" }.to_owned()),
            other => u.attributes.get(other).cloned(),
        };
        actual.is_some_and(|a| {
            if self.prefix {
                a.starts_with(&self.value)
            } else {
                a == self.value
            }
        })
    }
}

fn list_users(st: &mut State, req: &Value) -> Outcome {
    let filter = parse_filter(field(req, "Filter").unwrap_or(""))?;
    let only = req
        .get("AttributesToGet")
        .map(|_| strings(req, "AttributesToGet"));
    let p = pool(st, req)?;
    let users: Vec<Value> = p
        .users
        .values()
        .filter(|u| filter.as_ref().is_none_or(|f| f.matches(u)))
        .map(|u| describe_user(u, "Attributes", only.as_deref()))
        .collect();
    let limit = req.get("Limit").and_then(Value::as_u64);
    let (users, next) = page(users, limit, field(req, "PaginationToken"))?;
    let mut out = json!({ "Users": users });
    if let Some(next) = next {
        out["PaginationToken"] = json!(next);
    }
    Ok(out)
}

fn admin_initiate_auth(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let flow = required(req, "AuthFlow")?;
    let client_id = required(req, "ClientId")?;
    let pool_id = required(req, "UserPoolId")?.to_owned();
    let p = pool(st, req)?;
    let client = p.clients.get(client_id).cloned().ok_or_else(|| {
        WireError::json(
            "ResourceNotFoundException",
            format!("User pool client {client_id} does not exist."),
        )
    })?;
    match flow {
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            check_flow(&client, flow)?;
            let params = string_map(req, "AuthParameters");
            let region = st.region.clone();
            let p = st
                .user_pools
                .get_mut(&pool_id)
                .ok_or_else(|| super::pool_not_found(&pool_id))?;
            password_auth(p, &region, &client, now, &params)
        }
        "CUSTOM_AUTH" => {
            check_flow(&client, flow)?;
            let params = string_map(req, "AuthParameters");
            let region = st.region.clone();
            let p = st
                .user_pools
                .get_mut(&pool_id)
                .ok_or_else(|| super::pool_not_found(&pool_id))?;
            crate::idp::custom_auth::initiate(p, &region, &client, now, &params)
        }
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => crate::idp::auth::initiate_auth(st, now, req),
        other => Err(WireError::invalid_parameter(format!(
            "Initiate Auth method not supported: {other}"
        ))),
    }
}
