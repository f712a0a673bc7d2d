//! `whoami`: who the profile is signed in as, from its (refreshed if need be) tokens and
//! credentials.

use cognito_sigv4::credentials::TokenKind;
use cognito_sigv4::jwt::UnverifiedClaims;

use crate::args::WhoamiArgs;
use crate::cache::epoch_secs;
use crate::commands::decode::readable;
use crate::failure::{Failure, Outcome};
use crate::identity::ProfileIdentity;
use crate::profile::Home;
use crate::timing::Timings;

/// Runs `whoami`.
pub async fn run(args: WhoamiArgs) -> Outcome {
    let home = Home::locate()?;
    let mut identity = ProfileIdentity::new(&home, home.resolve(&args.config)?)?;
    let mut timings = Timings::default();
    let id_token = identity.token(TokenKind::Id, &mut timings).await?;
    let claims = UnverifiedClaims::decode(id_token.expose_secret())
        .map_err(|_| Failure::other("the session's ID token cannot be decoded"))?;
    let now = identity.now();
    let mut lines = vec![
        ("profile", identity.profile.clone()),
        (
            "user",
            claims.cognito_username().unwrap_or_default().to_owned(),
        ),
        ("sub", claims.sub().unwrap_or_default().to_owned()),
    ];
    if let Some(email) = claims.email() {
        lines.push(("email", email.to_owned()));
    }
    lines.push(("groups", claims.groups().join(", ")));
    lines.push((
        "user pool",
        identity
            .config
            .user_pool_id()
            .unwrap_or_default()
            .to_owned(),
    ));
    if let Some(exp) = claims.exp() {
        lines.push(("tokens expire", readable(epoch_secs(exp), now)));
    }
    if identity.config.identity_pool_id().is_some() {
        let (credentials, identity_id) = identity.credentials(&mut timings).await?;
        lines.push(("identity id", identity_id.unwrap_or_default()));
        if let Some(role) = claims.preferred_role() {
            lines.push(("role", role.to_owned()));
        }
        lines.push(("access key id", credentials.access_key_id().to_owned()));
        if let Some(expiry) = credentials.expiry() {
            lines.push(("credentials expire", readable(epoch_secs(expiry), now)));
        }
    }
    for (name, value) in lines {
        println!("{:<20}{value}", format!("{name}:"));
    }
    Ok(())
}
