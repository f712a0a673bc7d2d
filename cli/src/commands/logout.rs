//! `logout`: revoke the refresh token (RevokeToken), or sign out everywhere (GlobalSignOut),
//! then forget the session and the cache.

use crate::args::LogoutArgs;
use crate::failure::{OrFail, Outcome};
use crate::identity::ProfileIdentity;
use crate::profile::Home;

/// Runs `logout`.
pub async fn run(args: LogoutArgs) -> Outcome {
    let home = Home::locate()?;
    let mut identity = ProfileIdentity::new(&home, home.resolve(&args.config)?)?;
    let profile = identity.profile.clone();
    if !home.session_file(&profile).exists() {
        identity.cache().clear()?;
        eprintln!("Not signed in with profile `{profile}`: nothing to do");
        return Ok(());
    }
    let session = identity.session()?;
    if args.global {
        session.global_sign_out().await.or_fail(&profile)?;
    } else {
        session.sign_out().await.or_fail(&profile)?;
    }
    identity.cache().clear()?;
    let store = identity.store();
    let _ = std::fs::remove_file(store.path());
    let _ = std::fs::remove_file(store.lock_path());
    eprintln!(
        "Signed out of profile `{profile}`{}",
        if args.global { " on every device" } else { "" }
    );
    Ok(())
}
