//! Profiles: named settings in `<config dir>/config.toml`, and where each profile's session and
//! credential cache live. The configuration a command runs with is merged from, in order of
//! precedence: flags, `COGNITO_*` (and `AWS_ENDPOINT_URL`) variables, the profile, and an
//! Amplify outputs file.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use cognito_sigv4::CognitoConfig;
use cognito_sigv4::config::Service;
use serde::{Deserialize, Serialize};

use crate::args::ConfigArgs;
use crate::failure::{Failure, Outcome};

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// The settings of one profile; every field optional, so that layers can be merged. `Debug`
/// never shows the client secret.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The region of the pools.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The user pool id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_pool_id: Option<String>,
    /// The app client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The app client secret, for clients that have one (the file is 0600).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// The identity pool id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_pool_id: Option<String>,
    /// One endpoint for Cognito and STS (an emulator).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// The managed login's domain: sessions started with `login --browser` refresh at its
    /// token endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oauth_domain: Option<String>,
    /// The loopback redirect URI of `login --browser`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("region", &self.region)
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "***"))
            .field("identity_pool_id", &self.identity_pool_id)
            .field("endpoint_url", &self.endpoint_url)
            .field("oauth_domain", &self.oauth_domain)
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

impl Settings {
    /// `self`, with each field `over` sets replacing this one.
    fn overlaid(self, over: Settings) -> Settings {
        Settings {
            region: over.region.or(self.region),
            user_pool_id: over.user_pool_id.or(self.user_pool_id),
            client_id: over.client_id.or(self.client_id),
            client_secret: over.client_secret.or(self.client_secret),
            identity_pool_id: over.identity_pool_id.or(self.identity_pool_id),
            endpoint_url: over.endpoint_url.or(self.endpoint_url),
            oauth_domain: over.oauth_domain.or(self.oauth_domain),
            redirect_uri: over.redirect_uri.or(self.redirect_uri),
        }
    }

    /// The settings the flags give.
    pub fn from_flags(args: &ConfigArgs) -> Settings {
        Settings {
            region: args.region.clone(),
            user_pool_id: args.user_pool_id.clone(),
            client_id: args.client_id.clone(),
            client_secret: None,
            identity_pool_id: args.identity_pool_id.clone(),
            endpoint_url: args.endpoint_url.clone(),
            oauth_domain: None,
            redirect_uri: None,
        }
    }

    /// The settings the environment gives (the library's `COGNITO_*` names).
    fn from_env() -> Settings {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Settings {
            region: var("COGNITO_REGION"),
            user_pool_id: var("COGNITO_USER_POOL_ID"),
            client_id: var("COGNITO_CLIENT_ID"),
            client_secret: var("COGNITO_CLIENT_SECRET"),
            identity_pool_id: var("COGNITO_IDENTITY_POOL_ID"),
            endpoint_url: var("AWS_ENDPOINT_URL"),
            oauth_domain: var("COGNITO_OAUTH_DOMAIN"),
            redirect_uri: None,
        }
    }

    /// The settings of an Amplify outputs file.
    fn from_amplify(path: &Path) -> Outcome<Settings> {
        let config = CognitoConfig::from_amplify_outputs(path)
            .map_err(|e| Failure::config(format!("--amplify-outputs: {e}")))?;
        Ok(Settings {
            region: Some(config.region().to_owned()),
            user_pool_id: config.user_pool_id().map(str::to_owned),
            client_id: config.client_id().map(str::to_owned),
            client_secret: None,
            identity_pool_id: config.identity_pool_id().map(str::to_owned),
            endpoint_url: None,
            oauth_domain: None,
            redirect_uri: None,
        })
    }

    /// The library configuration.
    pub fn to_config(&self, profile: &str) -> Outcome<CognitoConfig> {
        let region = self
            .region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
            .ok_or_else(|| {
                Failure::config(format!(
                    "no region: give --region, set COGNITO_REGION, or run \
                     `cognito-sigv4 configure --profile {profile}`"
                ))
            })?;
        let mut builder = CognitoConfig::builder().region(region);
        if let Some(id) = &self.user_pool_id {
            builder = builder.user_pool_id(id);
        }
        if let Some(id) = &self.client_id {
            builder = builder.client_id(id);
        }
        if let Some(secret) = &self.client_secret {
            builder = builder.client_secret(cognito_sigv4::secret::ClientSecret::new(secret));
        }
        if let Some(id) = &self.identity_pool_id {
            builder = builder.identity_pool_id(id);
        }
        if let Some(url) = &self.endpoint_url {
            let url = url::Url::parse(url)
                .map_err(|_| Failure::config(format!("endpoint URL `{url}` is not a URL")))?;
            for service in Service::ALL {
                builder = builder.endpoint(service, url.clone());
            }
        }
        builder.build().map_err(|e| Failure::config(e.to_string()))
    }
}

/// The profile file: `[profiles.<name>]` tables.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    #[serde(default)]
    profiles: BTreeMap<String, Settings>,
}

/// Where the CLI keeps its files: `$COGNITO_SIGV4_CONFIG_DIR`, else the platform's config
/// directory (`~/.config/cognito-sigv4` on Linux).
#[derive(Debug, Clone)]
pub struct Home {
    dir: PathBuf,
}

impl Home {
    /// The directory for this user.
    pub fn locate() -> Outcome<Home> {
        let dir = match std::env::var_os("COGNITO_SIGV4_CONFIG_DIR") {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => dirs::config_dir()
                .ok_or_else(|| {
                    Failure::config("no configuration directory: set COGNITO_SIGV4_CONFIG_DIR")
                })?
                .join("cognito-sigv4"),
        };
        Ok(Home { dir })
    }

    /// The profile file.
    pub fn config_file(&self) -> PathBuf {
        self.dir.join("config.toml")
    }

    /// The session file of `profile` (the library's file store).
    pub fn session_file(&self, profile: &str) -> PathBuf {
        self.dir.join("sessions").join(format!("{profile}.json"))
    }

    /// The remembered device of `profile` (`login --remember-device`).
    pub fn device_file(&self, profile: &str) -> PathBuf {
        self.dir.join("devices").join(format!("{profile}.json"))
    }

    /// The credential and token cache of `profile`.
    pub fn cache_file(&self, profile: &str) -> PathBuf {
        self.dir.join("cache").join(format!("{profile}.json"))
    }

    /// Creates the directories (0700) the files of `profile` go in.
    pub fn prepare(&self) -> Outcome<()> {
        for dir in [
            self.dir.clone(),
            self.dir.join("sessions"),
            self.dir.join("cache"),
            self.dir.join("devices"),
        ] {
            create_private_dir(&dir)?;
        }
        Ok(())
    }

    fn read_file(&self) -> Outcome<ProfileFile> {
        let path = self.config_file();
        match fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                Failure::config(format!(
                    "{}: not a profile file: {}",
                    path.display(),
                    e.message()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ProfileFile::default()),
            Err(e) => Err(Failure::config(format!("{}: {e}", path.display()))),
        }
    }

    /// The saved settings of `profile`, if it is in the file.
    pub fn profile(&self, profile: &str) -> Outcome<Option<Settings>> {
        Ok(self.read_file()?.profiles.remove(profile))
    }

    /// Saves `settings` as `profile` (other profiles kept), mode 0600.
    pub fn save_profile(&self, profile: &str, settings: Settings) -> Outcome<PathBuf> {
        self.prepare()?;
        let mut file = self.read_file()?;
        file.profiles.insert(profile.to_owned(), settings);
        let text = toml::to_string_pretty(&file)
            .map_err(|e| Failure::other(format!("cannot write the profile file: {e}")))?;
        let path = self.config_file();
        write_private(&path, text.as_bytes())?;
        Ok(path)
    }

    /// The configuration of a command: flags over environment over profile over Amplify.
    pub fn resolve(&self, args: &ConfigArgs) -> Outcome<Resolved> {
        let profile = args
            .profile
            .clone()
            .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
        if profile.is_empty() || profile.contains(['/', '\\', '.']) {
            return Err(Failure::usage(format!(
                "--profile `{profile}`: a name without `/`, `\\` or `.`"
            )));
        }
        let mut settings = Settings::default();
        if let Some(path) = &args.amplify_outputs {
            settings = settings.overlaid(Settings::from_amplify(path)?);
        }
        if let Some(saved) = self.profile(&profile)? {
            settings = settings.overlaid(saved);
        }
        settings = settings
            .overlaid(Settings::from_env())
            .overlaid(Settings::from_flags(args));
        Ok(Resolved { profile, settings })
    }
}

/// A profile's name and merged settings.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The profile's name.
    pub profile: String,
    /// Its settings, every layer merged.
    pub settings: Settings,
}

/// Creates `dir` if need be, readable by its owner only. A directory that already exists with
/// more open permissions (`COGNITO_SIGV4_CONFIG_DIR` pointing at a shared directory, a
/// directory made by hand) is narrowed to 0700, or refused if it cannot be (another user's):
/// others could otherwise read the session files or swap them.
fn create_private_dir(dir: &Path) -> Outcome<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| Failure::other(format!("cannot create {}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir)
            .map_err(|e| Failure::other(format!("cannot read {}: {e}", dir.display())))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| {
                Failure::config(format!(
                    "{} is open to other users (mode {:o}) and cannot be made private: {e}; \
                     use a directory of your own (COGNITO_SIGV4_CONFIG_DIR)",
                    dir.display(),
                    mode & 0o777
                ))
            })?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically, mode 0600: a new temporary file beside it, created by
/// `tempfile` with a random name and `O_EXCL` (so it is never a file or a symlink someone
/// else put there, and never keeps another file's mode), then renamed over `path`.
pub fn write_private(path: &Path, bytes: &[u8]) -> Outcome<()> {
    let fail = |e: std::io::Error| Failure::other(format!("cannot write {}: {e}", path.display()));
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // tempfile creates the file 0600 on Unix.
    let mut file = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.as_file().sync_all().map_err(fail)?;
    file.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_client_secret() {
        let settings = Settings {
            client_id: Some("client".into()),
            client_secret: Some("MARKER-client-secret".into()),
            ..Settings::default()
        };
        let shown = format!("{settings:?}");
        assert!(!shown.contains("MARKER"), "{shown}");
        assert!(shown.contains("client"), "{shown}");
    }

    #[cfg(unix)]
    mod unix {
        use super::super::*;
        use std::os::unix::fs::{PermissionsExt, symlink};

        fn mode(path: &Path) -> u32 {
            fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
        }

        /// The name the writer used to pick for its temporary file (`<name>.tmp-<pid>`): a
        /// name another user could predict and create first.
        fn old_temp_names(path: &Path) -> Vec<PathBuf> {
            vec![path.with_extension(format!("tmp-{}", std::process::id()))]
        }

        #[test]
        fn a_precreated_world_readable_temporary_file_does_not_leak() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("config.toml");
            for temp in old_temp_names(&path) {
                fs::write(&temp, "").unwrap();
                fs::set_permissions(&temp, fs::Permissions::from_mode(0o644)).unwrap();
            }
            write_private(&path, b"client_secret = \"MARKER\"").unwrap();
            assert_eq!(mode(&path), 0o600);
            assert_eq!(
                fs::read_to_string(&path).unwrap(),
                "client_secret = \"MARKER\""
            );
            for temp in old_temp_names(&path) {
                assert_eq!(fs::read_to_string(&temp).unwrap(), "", "{}", temp.display());
            }
        }

        #[test]
        fn a_symlinked_temporary_name_is_not_followed() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("config.toml");
            let elsewhere = dir.path().join("victim");
            fs::write(&elsewhere, "untouched").unwrap();
            for temp in old_temp_names(&path) {
                symlink(&elsewhere, &temp).unwrap();
            }
            write_private(&path, b"secret").unwrap();
            assert_eq!(fs::read_to_string(&elsewhere).unwrap(), "untouched");
            assert_eq!(fs::read_to_string(&path).unwrap(), "secret");
            assert_eq!(mode(&path), 0o600);
            assert!(
                !fs::symlink_metadata(&path)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
        }

        #[test]
        fn an_existing_file_is_replaced_private_whatever_its_mode() {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("config.toml");
            fs::write(&path, "old").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            write_private(&path, b"new").unwrap();
            assert_eq!(mode(&path), 0o600);
            assert_eq!(fs::read_to_string(&path).unwrap(), "new");
            // Nothing is left beside it.
            assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        }

        #[test]
        fn an_open_config_directory_is_made_private() {
            let dir = tempfile::tempdir().unwrap();
            let home = dir.path().join("home");
            fs::create_dir(&home).unwrap();
            fs::set_permissions(&home, fs::Permissions::from_mode(0o777)).unwrap();
            let sessions = home.join("sessions");
            fs::create_dir(&sessions).unwrap();
            fs::set_permissions(&sessions, fs::Permissions::from_mode(0o755)).unwrap();
            Home { dir: home.clone() }.prepare().unwrap();
            for d in [&home, &sessions, &home.join("cache"), &home.join("devices")] {
                assert_eq!(mode(d), 0o700, "{}", d.display());
            }
        }
    }
}
