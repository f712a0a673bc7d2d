//! One module per subcommand.

pub mod browser_login;
pub mod call;
pub mod configure;
pub mod credentials;
pub mod decode;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod login;
pub mod logout;
pub mod whoami;
