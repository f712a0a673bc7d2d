//! The state directory (`--state-dir`, [`EmulatorBuilder::state_dir`](crate::EmulatorBuilder::state_dir)):
//! everything the emulator knows — pools, clients, users with their `sub`s and password
//! verifiers, groups, identity pools and their identity ids, roles and policies, devices,
//! signing keys, issued refresh tokens and credentials — kept in `state.json`, so that a
//! restart carries on where the last run stopped and tokens minted before it still verify.
//!
//! Written atomically: the whole state goes to `state.json.tmp` (mode 0600: it holds keys and
//! secrets), is flushed to disk, then renamed over `state.json`, so a crash leaves the old file
//! or the new one, never part of one. Not kept: challenge sessions and SRP exchanges (minutes
//! long), the outbox, pending codes, faults and the call log.

use crate::error::{Error, ErrorKind};
use crate::state::State;
use std::io::Write as _;
use std::path::{Path, PathBuf};

const FILE: &str = "state.json";
const TEMP: &str = "state.json.tmp";

/// A state directory.
#[derive(Debug)]
pub(crate) struct StateDir {
    dir: PathBuf,
}

fn failed(what: &str, path: &Path, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Start,
        format!("emulator state {}: {what}: {e}", path.display()),
    )
}

impl StateDir {
    /// Opens (creating it if needed) the directory.
    pub(crate) fn open(dir: &Path) -> Result<Self, Error> {
        std::fs::create_dir_all(dir).map_err(|e| failed("cannot create", dir, e))?;
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// The state kept there, `None` when there is none yet. A file that cannot be read or
    /// parsed is an error naming it, never a silent fresh start.
    pub(crate) fn load(&self) -> Result<Option<State>, Error> {
        let path = self.dir.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(failed("cannot read", &path, e)),
        };
        // serde_json's messages name a line and column, never the value.
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| failed("cannot be parsed", &path, e))
    }

    /// Replaces the kept state with `serialized` (from [`serialize`]), atomically.
    pub(crate) fn save(&self, serialized: &str) -> Result<(), Error> {
        let temp = self.dir.join(TEMP);
        let path = self.dir.join(FILE);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options
            .open(&temp)
            .map_err(|e| failed("cannot write", &temp, e))?;
        file.write_all(serialized.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| failed("cannot write", &temp, e))?;
        drop(file);
        std::fs::rename(&temp, &path).map_err(|e| failed("cannot replace", &path, e))?;
        // The rename itself is durable once the directory is synced.
        if let Ok(dir) = std::fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

/// The state as the directory keeps it.
pub(crate) fn serialize(st: &State) -> Result<String, Error> {
    serde_json::to_string(st).map_err(|e| {
        Error::new(
            ErrorKind::Start,
            format!("emulator state cannot be serialized: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Seed;

    #[test]
    fn a_state_survives_the_round_trip_and_a_bad_file_is_an_error_naming_it() {
        let dir = std::env::temp_dir().join(format!("emu-state-{}", rand::random::<u64>()));
        let store = StateDir::open(&dir).unwrap();
        assert!(store.load().unwrap().is_none());
        let st = State::from_seed(&Seed::reference()).unwrap();
        store.save(&serialize(&st).unwrap()).unwrap();
        let back = store.load().unwrap().unwrap();
        let pool = &back.user_pools["us-east-1_QuickStrt"];
        let before = &st.user_pools["us-east-1_QuickStrt"];
        assert_eq!(pool.users["jdoe"].sub, before.users["jdoe"].sub);
        assert_eq!(pool.key.id_kid(), before.key.id_kid());
        assert_eq!(pool.key.jwks(), before.key.jwks());
        std::fs::write(dir.join(FILE), "{ not json").unwrap();
        let err = store.load().unwrap_err();
        assert!(err.message().contains("state.json"), "{}", err.message());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
