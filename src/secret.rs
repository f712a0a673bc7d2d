//! Newtypes for values that must never be printed: passwords, tokens, client secrets.
//!
//! Each type has a hand-written `Debug` that prints only its name and `***`, no `Display`, and
//! zeroizes its memory on drop. The value is reached only through `expose_secret()`, a name that
//! stands out in review.

use zeroize::Zeroize;

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself. Never log or format what this returns.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }

            /// Whether the secret is the empty string.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                self.0.zeroize();
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self)
            }
        }
    };
}

secret_string!(
    /// A user's password (or a new password answering NEW_PASSWORD_REQUIRED).
    Password
);
secret_string!(
    /// An app client's secret, used for SECRET_HASH.
    ClientSecret
);
secret_string!(
    /// A JSON Web Token: a Cognito ID or access token, or a federated provider's ID token.
    Jwt
);
secret_string!(
    /// A Cognito refresh token (opaque).
    RefreshToken
);
secret_string!(
    /// An AWS secret access key.
    SecretAccessKey
);
secret_string!(
    /// An AWS session token (sent as `X-Amz-Security-Token`).
    SessionToken
);
secret_string!(
    /// A one-time code: an MFA code from SMS, e-mail or an authenticator app.
    OneTimeCode
);
secret_string!(
    /// An opaque Cognito challenge session string.
    ChallengeSession
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_and_expose_returns_value() {
        let p = Password::new("MARKER-hunter2");
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert_eq!(format!("{:#?}", Some(&p)), "Some(\n    Password(***),\n)");
        assert_eq!(p.expose_secret(), "MARKER-hunter2");
    }
}
