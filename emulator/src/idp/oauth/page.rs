//! The managed login's sign-in page: `GET /oauth2/authorize` checks the request and shows a
//! username and password form; `POST /login` checks the password and redirects to the app's
//! callback URL with a single-use code and the request's `state`.
//!
//! The emulator's page is its own (AWS's is not published as a contract): a form with the
//! fields `username` and `password` and a button `signin`, the request's parameters carried in
//! hidden fields. Users with MFA or a password to change are refused with a page saying so:
//! the emulator's page signs in with a password only (listed in CHOICES.md).

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::time::SystemTime;

use super::{OAuthRequest, client_of, param};
use crate::crypto::random_uuid;
use crate::srp_server;
use crate::state::{AuthCode, CODE_LIFETIME, State, UserStatus};
use crate::wire::xml_escape;

/// The authorization request's parameters, as the page carries them.
struct Authorize {
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    scopes: Vec<String>,
    code_challenge: Option<String>,
    nonce: Option<String>,
}

/// Why a request cannot get a code: shown on an error page (the client or the redirect URI
/// cannot be trusted with a redirect), or redirected back with an OAuth error.
enum Refusal {
    Page(&'static str),
    Redirect(String, &'static str),
}

/// Checks an authorization request (from the query, or from the form's hidden fields).
fn check(st: &State, pool_id: &str, raw: &[u8]) -> Result<Authorize, Refusal> {
    let client_id =
        param(raw, "client_id").ok_or(Refusal::Page("invalid_request: client_id is required"))?;
    let (pool, client) = client_of(st, pool_id, &client_id)
        .ok_or(Refusal::Page("invalid_client: no such app client"))?;
    let redirect_uri = param(raw, "redirect_uri")
        .filter(|uri| client.oauth.callback_urls.contains(uri))
        .ok_or(Refusal::Page("redirect_mismatch"))?;
    let back = |error| Refusal::Redirect(redirect_uri.clone(), error);
    if param(raw, "response_type").as_deref() != Some("code") {
        return Err(back("unsupported_response_type"));
    }
    if !client.oauth.allows("code") {
        return Err(back("unauthorized_client"));
    }
    let scopes: Vec<String> = match param(raw, "scope") {
        Some(s) => s
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        // Without `scope`, every scope the client is allowed (as Cognito does).
        None => client.oauth.scopes.clone(),
    };
    let allowed = |s: &String| {
        client.oauth.scopes.contains(s) && (is_standard(s) || pool.custom_scopes.contains(s))
    };
    if !scopes.iter().all(allowed) {
        return Err(back("invalid_scope"));
    }
    let code_challenge = param(raw, "code_challenge");
    if code_challenge.is_some() && param(raw, "code_challenge_method").as_deref() != Some("S256") {
        return Err(back("invalid_request"));
    }
    if param(raw, "identity_provider").is_some_and(|idp| idp != "COGNITO") {
        // The emulator federates no identity provider through its managed login.
        return Err(back("invalid_request"));
    }
    Ok(Authorize {
        client_id,
        redirect_uri,
        state: param(raw, "state"),
        scopes,
        code_challenge,
        nonce: param(raw, "nonce"),
    })
}

fn is_standard(scope: &str) -> bool {
    matches!(
        scope,
        "openid" | "email" | "phone" | "profile" | "aws.cognito.signin.user.admin"
    )
}

/// `GET /oauth2/authorize`.
pub(super) fn authorize(st: &State, req: &OAuthRequest<'_>) -> Response {
    let raw = req.query.unwrap_or_default().as_bytes();
    match check(st, req.pool_id, raw) {
        Ok(_) => sign_in_page(req.pool_id, raw, None),
        Err(refusal) => refuse(refusal, param(raw, "state")),
    }
}

/// `POST /login`: the form.
pub(super) fn login(st: &mut State, now: SystemTime, req: &OAuthRequest<'_>) -> Response {
    let request = match check(st, req.pool_id, req.body) {
        Ok(r) => r,
        Err(refusal) => return refuse(refusal, param(req.body, "state")),
    };
    let typed = param(req.body, "username").unwrap_or_default();
    let password = param(req.body, "password").unwrap_or_default();
    let pool = st.user_pools.get_mut(req.pool_id).expect("checked");
    let found = pool.find_user(&typed).map(|u| {
        let matches = srp_server::password_matches(
            pool.srp_pool_name(),
            &u.username,
            &password,
            &u.salt,
            &u.verifier,
        );
        (u.username.clone(), matches)
    });
    // The page counts toward the user's lockout as the API does.
    let outcome = found.and_then(|(username, matches)| {
        let user = pool.users.get_mut(&username)?;
        Some(super::super::lockout::attempt(user, now, matches).map(|ok| ok.then_some(username)))
    });
    let username = match outcome {
        Some(Ok(Some(username))) => username,
        Some(Err(locked)) => return sign_in_page(req.pool_id, req.body, Some(locked.message())),
        _ => {
            return sign_in_page(
                req.pool_id,
                req.body,
                Some("Incorrect username or password."),
            );
        }
    };
    let user = pool.users.get(&username).expect("found");
    let refusal = if !user.enabled {
        Some("User is disabled.")
    } else if user.status != UserStatus::Confirmed {
        Some("This account must be confirmed or its password changed before it signs in here.")
    } else if user.totp_enabled
        || user.sms_mfa_enabled
        || user.email_mfa_enabled
        || pool.mfa_required
    {
        Some(
            "The emulator's sign-in page does not ask for MFA codes: sign this user in with InitiateAuth.",
        )
    } else {
        None
    };
    if let Some(message) = refusal {
        return sign_in_page(req.pool_id, req.body, Some(message));
    }
    let username = user.username.clone();
    let code = random_uuid();
    pool.oauth.codes.insert(
        code.clone(),
        AuthCode {
            client_id: request.client_id,
            username,
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge,
            scopes: request.scopes,
            nonce: request.nonce,
            expires_at: now + CODE_LIFETIME,
            auth_time: now,
        },
    );
    let mut location = url_with(&request.redirect_uri, &[("code", &code)]);
    if let Some(state) = &request.state {
        location = url_with(&location, &[("state", state)]);
    }
    redirect(&location)
}

/// The answer to a refused request.
fn refuse(refusal: Refusal, state: Option<String>) -> Response {
    match refusal {
        Refusal::Page(message) => error_page(message),
        Refusal::Redirect(uri, error) => {
            let mut location = url_with(&uri, &[("error", error)]);
            if let Some(state) = state {
                location = url_with(&location, &[("state", &state)]);
            }
            redirect(&location)
        }
    }
}

/// `uri` with `pairs` added to its query.
fn url_with(uri: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.to_string()
        }
        Err(_) => uri.to_owned(),
    }
}

fn redirect(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

/// A page saying why there is nothing to sign in to.
pub(super) fn error_page(message: &str) -> Response {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Error</title></head>\
         <body><h1>An error was encountered with the requested page.</h1><p id=\"error\">{}</p></body></html>",
        xml_escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// The sign-in form, carrying the authorization request's parameters (`raw`) in hidden fields.
fn sign_in_page(pool_id: &str, raw: &[u8], error: Option<&str>) -> Response {
    const CARRIED: [&str; 8] = [
        "client_id",
        "redirect_uri",
        "response_type",
        "state",
        "scope",
        "code_challenge",
        "code_challenge_method",
        "nonce",
    ];
    let hidden: String = CARRIED
        .iter()
        .filter_map(|name| Some((name, param(raw, name)?)))
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                xml_escape(&value)
            )
        })
        .collect();
    let error = error
        .map(|e| format!("<p id=\"error\" role=\"alert\">{}</p>", xml_escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in</title></head><body>\
         <h1>Sign in</h1>{error}<form method=\"post\" action=\"/{pool_id}/login\">{hidden}\
         <label>Username <input id=\"username\" name=\"username\" autocomplete=\"username\"></label>\
         <label>Password <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\"></label>\
         <button id=\"signin\" type=\"submit\">Sign in</button></form></body></html>"
    );
    (StatusCode::OK, Html(body)).into_response()
}
