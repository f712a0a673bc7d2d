//! `login --browser`: the managed login's pages in a browser (authorization code with PKCE),
//! the redirect received on a loopback port, and the tokens kept as a session that refreshes
//! at the domain's token endpoint.

use std::time::Duration;

use cognito_sigv4::Session;
use cognito_sigv4::oauth::{LoopbackRedirect, open_in_browser};

use crate::args::LoginArgs;
use crate::failure::{Failure, OrFail, Outcome};
use crate::identity::{DEFAULT_REDIRECT, ProfileIdentity, managed_login_builder};
use crate::profile::Settings;

/// How long the person has to finish signing in.
const SIGN_IN_TIME: Duration = Duration::from_secs(300);

/// Signs in in the browser; the session (saved in the profile's store) and the settings the
/// profile should keep (the domain and redirect URI).
pub async fn sign_in(
    args: &LoginArgs,
    settings: &Settings,
    identity: &ProfileIdentity,
) -> Outcome<(Session, Settings)> {
    let profile = &identity.profile;
    let mut settings = settings.clone();
    settings.oauth_domain = args.domain.clone().or(settings.oauth_domain);
    settings.redirect_uri = args.redirect_uri.clone().or(settings.redirect_uri);
    if settings.oauth_domain.is_none() {
        return Err(Failure::config(
            "login --browser needs the user pool's domain: give --domain https://<prefix>.auth.<region>.amazoncognito.com",
        ));
    }
    let redirect = settings
        .redirect_uri
        .clone()
        .unwrap_or_else(|| DEFAULT_REDIRECT.into());
    let port = loopback_port(&redirect)?;
    let scopes = if args.scopes.is_empty() {
        vec!["openid".into(), "email".into(), "profile".into()]
    } else {
        args.scopes.clone()
    };
    let login = managed_login_builder(&settings, identity)
        .ok_or_else(|| Failure::config("login --browser needs the user pool's domain"))?
        .scopes(scopes)
        .build()
        .or_fail(profile)?;
    let listener = LoopbackRedirect::bind(port).await.or_fail(profile)?;
    let request = login.authorization_request();
    eprintln!(
        "Open this URL in a browser to sign in:\n  {}",
        request.url()
    );
    // Best effort: the URL is printed for when there is no desktop.
    if !args.no_open {
        let _ = open_in_browser(request.url());
    }
    eprintln!(
        "Waiting for the browser (up to {} minutes)...",
        SIGN_IN_TIME.as_secs() / 60
    );
    let redirected = listener
        .wait(&request, SIGN_IN_TIME)
        .await
        .or_fail(profile)?;
    let tokens = login
        .exchange(&request, &redirected)
        .await
        .or_fail(profile)?;
    let session = Session::builder(identity.config.clone())
        .store(identity.store())
        .managed_login(login)
        .from_tokens(tokens)
        .await
        .or_fail(profile)?;
    Ok((session, settings))
}

/// The port of a loopback redirect URI (`http://localhost:<port>/...` or `127.0.0.1`).
fn loopback_port(uri: &str) -> Outcome<u16> {
    let url = url::Url::parse(uri)
        .map_err(|_| Failure::usage(format!("--redirect-uri `{uri}` is not a URL")))?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1"));
    match (url.scheme(), loopback, url.port_or_known_default()) {
        ("http", true, Some(port)) => Ok(port),
        _ => Err(Failure::usage(format!(
            "--redirect-uri `{uri}`: an http://localhost:<port>/... or http://127.0.0.1:<port>/... URL (the app client's callback URL)"
        ))),
    }
}
