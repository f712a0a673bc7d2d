//! Newtypes for values that must never be printed: passwords, tokens, client secrets.
//!
//! Each type has a hand-written `Debug` that prints only its name and `***`, no `Display`, and
//! zeroizes its memory on drop. The value is reached only through `expose_secret()`, a name that
//! stands out in review.
//!
//! None of them implements `serde::Serialize` (or `Deserialize`): a struct holding a secret
//! cannot be written to JSON, a log field or a metrics label by accident, because
//! `#[derive(Serialize)]` on it, or `serde_json::to_string(&Password::new("x"))`, does not
//! compile. The one place that must write a secret, the session store's file (its refresh
//! token), says so on the field with `#[serde(with = "crate::secret::exposed")]`.

use crypto_bigint::ctutils::CtEq as _;
use zeroize::Zeroize;

/// Whether two byte strings are equal, in time that depends on their lengths only: through
/// `ctutils` (RustCrypto's constant-time utilities, whose comparisons are `cmov` instructions
/// in inline assembly on x86-64 and AArch64), not `==`, which stops at the first difference.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).to_bool()
}

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(String);

        /// Constant-time in the contents (only the lengths may show): tokens are compared
        /// with ones an attacker may choose.
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                ct_eq(self.0.as_bytes(), other.0.as_bytes())
            }
        }

        impl Eq for $name {}

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

        impl exposed::SecretString for $name {
            fn expose(&self) -> &str {
                &self.0
            }

            fn wrap(value: String) -> Self {
                Self(value)
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
secret_string!(
    /// A remembered device's random password (base64 of 40 random bytes): with the device key
    /// and group key, it proves the device at sign-in (device SRP).
    DevicePassword
);
secret_string!(
    /// A TOTP secret from
    /// [`UserPoolClient::associate_software_token`](crate::user_pool::UserPoolClient::associate_software_token)
    /// (base32), to be shown to the user once (as a QR code or text) for their authenticator
    /// app.
    TotpSecret
);

/// Writing and reading a secret in plaintext, for the few serde fields that must hold one (the
/// session store's refresh token): `#[serde(with = "crate::secret::exposed")]` on a field of
/// any type of this module. Crate-private on purpose, so that each use is a visible decision.
pub(crate) mod exposed {
    use serde::{Deserialize, Deserializer, Serializer};

    /// The secret types of this module: their plaintext, and building one from it.
    pub(crate) trait SecretString: Sized {
        /// The plaintext.
        fn expose(&self) -> &str;
        /// The secret holding `value`.
        fn wrap(value: String) -> Self;
    }

    /// Writes the secret's plaintext as a string.
    pub(crate) fn serialize<T: SecretString, S: Serializer>(
        secret: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(secret.expose())
    }

    /// Reads a secret from a string.
    pub(crate) fn deserialize<'de, T: SecretString, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        String::deserialize(deserializer).map(T::wrap)
    }
}

impl TotpSecret {
    /// The `otpauth://totp/...` URI that authenticator apps read from a QR code. It contains
    /// the secret: show it to the user, never log it.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> String {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        let issuer = utf8_percent_encode(issuer, NON_ALPHANUMERIC).to_string();
        let account = utf8_percent_encode(account, NON_ALPHANUMERIC).to_string();
        // Base32 passes through unchanged; anything else the server sent cannot add a query
        // parameter.
        let secret = utf8_percent_encode(&self.0, NON_ALPHANUMERIC);
        format!("otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}")
    }
}

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

    /// What `#[serde(with = "exposed")]` writes is the plaintext, and it reads back; without the
    /// attribute a secret field does not compile (no `Serialize` impl to test at run time).
    #[test]
    fn exposed_writes_and_reads_the_plaintext() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Holder {
            #[serde(with = "super::exposed")]
            token: RefreshToken,
        }
        let json = serde_json::to_string(&Holder {
            token: RefreshToken::new("MARKER-refresh"),
        })
        .unwrap();
        assert_eq!(json, r#"{"token":"MARKER-refresh"}"#);
        let back: Holder = serde_json::from_str(&json).unwrap();
        assert_eq!(back.token.expose_secret(), "MARKER-refresh");
        assert_eq!(format!("{:?}", back.token), "RefreshToken(***)");
    }

    /// Equality is the strings' (a timing property cannot be unit-tested: the comparison goes
    /// through `ctutils`, whose compiled form has no early exit); a prefix, an extension and a
    /// value differing in its last byte only are all different.
    #[test]
    fn equality_compares_the_whole_value() {
        let t = Jwt::new("eyJ.header.sig");
        assert_eq!(t, Jwt::new("eyJ.header.sig"));
        assert_ne!(t, Jwt::new("eyJ.header.sif"));
        assert_ne!(t, Jwt::new("eyJ.header.si"));
        assert_ne!(t, Jwt::new("eyJ.header.sig2"));
        assert_ne!(t, Jwt::new(""));
        assert!(ct_eq(b"", b""));
        assert!(!ct_eq(b"a", b"b"));
    }

    #[test]
    fn totp_secret_is_redacted_and_builds_an_otpauth_uri() {
        let s = TotpSecret::new("JBSWY3DPEHPK3PXP");
        assert_eq!(format!("{s:?}"), "TotpSecret(***)");
        assert_eq!(
            s.otpauth_uri("My App", "alice@example.com"),
            "otpauth://totp/My%20App:alice%40example%2Ecom?secret=JBSWY3DPEHPK3PXP&issuer=My%20App"
        );
        let hostile = TotpSecret::new("AB&issuer=Evil");
        assert_eq!(
            hostile.otpauth_uri("X", "a"),
            "otpauth://totp/X:a?secret=AB%26issuer%3DEvil&issuer=X"
        );
    }
}
