//! A profile's remembered device (`login --remember-device`), kept in its own 0600 file so that
//! it outlives `logout`: the next `login` proves the device instead of asking for MFA.
//! `logout --forget-device` forgets it at Cognito and here.

use std::fs;
use std::path::Path;

use cognito_sigv4::secret::DevicePassword;
use cognito_sigv4::user_pool::RememberedDevice;
use serde::{Deserialize, Serialize};

use crate::failure::Outcome;
use crate::profile::write_private;

/// The file's JSON: the device password is a secret, written here on purpose (as the session
/// file holds the refresh token).
#[derive(Serialize, Deserialize)]
struct DeviceFile {
    key: String,
    group_key: String,
    password: String,
}

/// The device saved at `path`, if any. A file that cannot be read as one is reported and
/// ignored (the sign-in then goes on as from a new device), never fatal.
pub fn load(path: &Path) -> Option<RememberedDevice> {
    let text = fs::read_to_string(path).ok()?;
    match serde_json::from_str::<DeviceFile>(&text) {
        Ok(file) => Some(RememberedDevice::new(
            file.key,
            file.group_key,
            DevicePassword::new(file.password),
        )),
        Err(_) => {
            eprintln!(
                "warning: {} is not a saved device; signing in as a new device",
                path.display()
            );
            None
        }
    }
}

/// Saves `device` at `path` (mode 0600, replaced atomically).
pub fn save(path: &Path, device: &RememberedDevice) -> Outcome<()> {
    let file = DeviceFile {
        key: device.key().to_owned(),
        group_key: device.group_key().to_owned(),
        password: device.password().expose_secret().to_owned(),
    };
    // Serializing three strings cannot fail.
    let bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
    write_private(path, &bytes)
}

/// Removes the saved device, if any.
pub fn remove(path: &Path) {
    let _ = fs::remove_file(path);
}
