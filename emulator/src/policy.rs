//! IAM policy documents, parsed and evaluated as IAM does for the requests the emulator
//! authorizes: `execute-api:Invoke` (a role's permission policies) and
//! `sts:AssumeRoleWithWebIdentity` (a role's trust policy).
//!
//! Evaluation follows IAM's logic ("Policy evaluation logic", IAM user guide): an explicit
//! `Deny` wins, else an `Allow` allows, else the request is implicitly denied. A statement
//! applies when its `Action` (or `NotAction`), `Resource` (or `NotResource`), `Principal` (trust
//! policies) and every `Condition` match. Actions match without regard to case; resources with
//! it; `*` matches any run of characters and `?` one. Policy variables (`${aws:username}`,
//! `${cognito-identity.amazonaws.com:sub}`, and the escapes `${*}`, `${?}`, `${$}`) are read
//! from the request's context in resources and condition values; a statement whose variable
//! the context lacks does not apply.
//!
//! Condition operators: `StringEquals`, `StringNotEquals`, `StringEqualsIgnoreCase`,
//! `StringNotEqualsIgnoreCase`, `StringLike`, `StringNotLike`, `ArnEquals`, `ArnLike`,
//! `ArnNotEquals`, `ArnNotLike`, `Bool`, `Null`, each with `...IfExists` and the
//! `ForAnyValue:` / `ForAllValues:` qualifiers. A key the request lacks fails a positive
//! operator and passes a negated one (unless `IfExists`, which passes both), as IAM documents.
//! A single-valued operator on a key with several values matches when any value does (the
//! emulator's reading; IAM advises a qualifier there).

use serde_json::Value;
use std::collections::BTreeMap;

/// The request context: condition keys (`cognito-identity.amazonaws.com:aud`) and their
/// values.
pub(crate) type Context = BTreeMap<String, Vec<String>>;

/// A parsed policy document.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    statements: Vec<Statement>,
    /// The document as given, for GetRolePolicy and GetRole.
    source: String,
    kind: Kind,
}

/// A policy is kept (in a state directory) as its kind and its document, and parsed again.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    kind: Kind,
    document: String,
}

impl serde::Serialize for Policy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Stored {
            kind: self.kind,
            document: self.source.clone(),
        }
        .serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Policy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let stored = Stored::deserialize(d)?;
        Policy::parse(&stored.document, stored.kind).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

/// A list of patterns, or (for `NotAction`, `NotResource`, `NotPrincipal`) its complement.
#[derive(Debug, Clone)]
struct Patterns {
    values: Vec<String>,
    negated: bool,
}

#[derive(Debug, Clone)]
struct Statement {
    effect: Effect,
    actions: Patterns,
    resources: Option<Patterns>,
    /// Principal type (`AWS`, `Federated`, `Service`, or `*`) and the patterns.
    principals: Option<(Vec<(String, String)>, bool)>,
    conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    Single,
    AnyValue,
    AllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    ArnLike,
    Bool,
    Null,
}

#[derive(Debug, Clone)]
struct Condition {
    op: Op,
    negated: bool,
    if_exists: bool,
    qualifier: Qualifier,
    key: String,
    values: Vec<String>,
}

/// What a request asks.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a> {
    /// `service:Action`.
    pub(crate) action: &'a str,
    /// The resource's ARN (`*` for trust policies).
    pub(crate) resource: &'a str,
    /// For trust policies: the principal's type and name (`Federated`,
    /// `cognito-identity.amazonaws.com`).
    pub(crate) principal: Option<(&'a str, &'a str)>,
    pub(crate) context: &'a Context,
}

/// IAM's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

/// Which kind of document is parsed: trust policies must name a principal, permission
/// policies must not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Kind {
    Permissions,
    Trust,
}

/// The longest policy document IAM takes (an inline role policy: 10 240 characters; trust
/// policies are shorter by default, 2 048, but can be raised).
const MAX_DOCUMENT: usize = 10_240;

impl Policy {
    /// Parses a policy document; the error is IAM's `MalformedPolicyDocument` message.
    pub(crate) fn parse(document: &str, kind: Kind) -> Result<Policy, String> {
        if document.len() > MAX_DOCUMENT {
            return Err("Cannot exceed quota for PolicySize: 10240".to_owned());
        }
        let doc: Value =
            serde_json::from_str(document).map_err(|_| "Syntax errors in policy.".to_owned())?;
        let Value::Object(doc) = doc else {
            return Err("Syntax errors in policy.".to_owned());
        };
        if let Some(version) = doc.get("Version")
            && !matches!(version.as_str(), Some("2012-10-17" | "2008-10-17"))
        {
            return Err("The policy must contain a valid version string".to_owned());
        }
        let statements = match doc.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
            Some(item @ Value::Object(_)) => vec![item],
            _ => return Err("Missing required field Statement".to_owned()),
        };
        if statements.is_empty() {
            return Err("Missing required field Statement".to_owned());
        }
        let statements = statements
            .into_iter()
            .map(|s| statement(s, kind))
            .collect::<Result<_, _>>()?;
        Ok(Policy {
            statements,
            source: document.to_owned(),
            kind,
        })
    }

    /// The document as given.
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// This policy's verdict alone.
    pub(crate) fn evaluate(&self, req: &Request<'_>) -> Decision {
        let mut allowed = false;
        for s in &self.statements {
            if s.applies(req) {
                match s.effect {
                    Effect::Deny => return Decision::ExplicitDeny,
                    Effect::Allow => allowed = true,
                }
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    }
}

/// The verdict of several policies together: a `Deny` in any wins, then an `Allow` in any.
pub(crate) fn evaluate_all<'p>(
    policies: impl IntoIterator<Item = &'p Policy>,
    req: &Request<'_>,
) -> Decision {
    let mut allowed = false;
    for p in policies {
        match p.evaluate(req) {
            Decision::ExplicitDeny => return Decision::ExplicitDeny,
            Decision::Allow => allowed = true,
            Decision::ImplicitDeny => {}
        }
    }
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// A string or a list of strings.
fn strings(v: &Value, field: &str) -> Result<Vec<String>, String> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                // IAM reads numbers and booleans in conditions as their text.
                Value::Number(n) => Ok(n.to_string()),
                Value::Bool(b) => Ok(b.to_string()),
                _ => Err(format!(
                    "Syntax errors in policy: {field} must hold strings."
                )),
            })
            .collect(),
        Value::Number(n) => Ok(vec![n.to_string()]),
        Value::Bool(b) => Ok(vec![b.to_string()]),
        _ => Err(format!(
            "Syntax errors in policy: {field} must hold strings."
        )),
    }
}

/// `Field` or `NotField`, exactly one of them.
fn either(
    s: &serde_json::Map<String, Value>,
    field: &str,
) -> Result<Option<(Value, bool)>, String> {
    let not = format!("Not{field}");
    match (s.get(field), s.get(&not)) {
        (Some(_), Some(_)) => Err(format!(
            "Statement has both {field} and {not}: give one of them."
        )),
        (Some(v), None) => Ok(Some((v.clone(), false))),
        (None, Some(v)) => Ok(Some((v.clone(), true))),
        (None, None) => Ok(None),
    }
}

fn statement(v: &Value, kind: Kind) -> Result<Statement, String> {
    let Value::Object(s) = v else {
        return Err("Syntax errors in policy.".to_owned());
    };
    for key in s.keys() {
        if !matches!(
            key.as_str(),
            "Sid"
                | "Effect"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Principal"
                | "NotPrincipal"
                | "Condition"
        ) {
            return Err(format!("Syntax errors in policy: unknown field {key}."));
        }
    }
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => return Err(format!("Invalid effect: {other}")),
        None => return Err("Missing required field Effect".to_owned()),
    };
    let (actions, negated) =
        either(s, "Action")?.ok_or_else(|| "Missing required field Action".to_owned())?;
    let actions = Patterns {
        values: strings(&actions, "Action")?,
        negated,
    };
    for a in &actions.values {
        if a != "*" && !a.contains(':') {
            return Err(format!(
                "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. {a}"
            ));
        }
    }
    let resources = either(s, "Resource")?
        .map(|(v, negated)| {
            Ok::<_, String>(Patterns {
                values: strings(&v, "Resource")?,
                negated,
            })
        })
        .transpose()?;
    let principals = either(s, "Principal")?
        .map(|(v, negated)| principal(&v).map(|p| (p, negated)))
        .transpose()?;
    match kind {
        Kind::Permissions => {
            if principals.is_some() {
                return Err("Policy document should not specify a principal.".to_owned());
            }
            if resources.is_none() {
                return Err("Policy statement must contain resources.".to_owned());
            }
        }
        Kind::Trust => {
            if principals.is_none() {
                return Err("Missing required field Principal".to_owned());
            }
        }
    }
    let conditions = match s.get("Condition") {
        None => Vec::new(),
        Some(Value::Object(ops)) => {
            let mut out = Vec::new();
            for (op, keys) in ops {
                let Value::Object(keys) = keys else {
                    return Err("Syntax errors in policy.".to_owned());
                };
                for (key, values) in keys {
                    out.push(condition(op, key, values)?);
                }
            }
            out
        }
        Some(_) => return Err("Syntax errors in policy.".to_owned()),
    };
    Ok(Statement {
        effect,
        actions,
        resources,
        principals,
        conditions,
    })
}

fn principal(v: &Value) -> Result<Vec<(String, String)>, String> {
    match v {
        Value::String(s) if s == "*" => Ok(vec![("*".to_owned(), "*".to_owned())]),
        Value::Object(m) if !m.is_empty() => {
            let mut out = Vec::new();
            for (kind, names) in m {
                if !matches!(
                    kind.as_str(),
                    "AWS" | "Federated" | "Service" | "CanonicalUser"
                ) {
                    return Err("Invalid principal in policy".to_owned());
                }
                for name in strings(names, "Principal")? {
                    out.push((kind.clone(), name));
                }
            }
            Ok(out)
        }
        _ => Err("Invalid principal in policy".to_owned()),
    }
}

fn condition(op: &str, key: &str, values: &Value) -> Result<Condition, String> {
    let (qualifier, rest) = if let Some(r) = op.strip_prefix("ForAnyValue:") {
        (Qualifier::AnyValue, r)
    } else if let Some(r) = op.strip_prefix("ForAllValues:") {
        (Qualifier::AllValues, r)
    } else {
        (Qualifier::Single, op)
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (rest, false),
    };
    let (op, negated) = match base {
        "StringEquals" => (Op::StringEquals, false),
        "StringNotEquals" => (Op::StringEquals, true),
        "StringEqualsIgnoreCase" => (Op::StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (Op::StringEqualsIgnoreCase, true),
        "StringLike" => (Op::StringLike, false),
        "StringNotLike" => (Op::StringLike, true),
        "ArnEquals" | "ArnLike" => (Op::ArnLike, false),
        "ArnNotEquals" | "ArnNotLike" => (Op::ArnLike, true),
        "Bool" => (Op::Bool, false),
        "Null" => (Op::Null, false),
        _ => return Err(format!("Invalid Condition type : {op}.")),
    };
    Ok(Condition {
        op,
        negated,
        if_exists,
        qualifier,
        key: key.to_owned(),
        values: strings(values, "Condition")?,
    })
}

/// Replaces `${key}` by the context's value (the first, for a multi-valued key) and the
/// escapes `${*}`, `${?}`, `${$}`; `None` when a variable is not in the context.
fn substitute(pattern: &str, context: &Context) -> Option<String> {
    if !pattern.contains("${") {
        return Some(pattern.to_owned());
    }
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        let name = &after[..end];
        match name {
            // Escapes for the characters that are otherwise wildcards or the variable sign;
            // a placeholder keeps them literal through glob matching.
            "*" => out.push('\u{E000}'),
            "?" => out.push('\u{E001}'),
            "$" => out.push('$'),
            _ => {
                let (key, default) = match name.split_once(", '") {
                    Some((k, d)) => (k.trim(), d.strip_suffix('\'')),
                    None => (name.trim(), None),
                };
                match context.get(key).and_then(|v| v.first()) {
                    // A value's own `*` and `?` are literal, as IAM substitutes them.
                    Some(v) => out.push_str(&v.replace('*', "\u{E000}").replace('?', "\u{E001}")),
                    None => out.push_str(default?),
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// A trust policy's `Federated` principal as a provider name: an OIDC provider's ARN
/// (`arn:aws:iam::<account>:oidc-provider/<host/path>`) becomes its host and path, as the
/// identity pools and STS name the provider; anything else is kept.
pub(crate) fn federated_name(principal: &str) -> String {
    principal
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":oidc-provider/"))
        .map_or_else(|| principal.to_owned(), |(_, host)| host.to_owned())
}

/// IAM string matching (resources, `StringLike`): `*` matches any run of characters (`/` included), `?` one character.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// Glob matching where the escape placeholders match only themselves' characters.
fn matches(pattern: &str, text: &str) -> bool {
    if !pattern.contains(['\u{E000}', '\u{E001}']) {
        return glob_match(pattern, text);
    }
    // Map the literal `*` and `?` of the text to the placeholders so they can only be matched
    // by an escaped pattern character (or a wildcard).
    let text = text.replace('*', "\u{E000}").replace('?', "\u{E001}");
    glob_match(pattern, &text)
}

impl Patterns {
    /// Whether the list (or its complement) covers `value`.
    fn covers(&self, value: &str, context: &Context, ignore_case: bool) -> Option<bool> {
        let mut any = false;
        for p in &self.values {
            let p = substitute(p, context)?;
            let hit = if ignore_case {
                matches(&p.to_ascii_lowercase(), &value.to_ascii_lowercase())
            } else {
                matches(&p, value)
            };
            if hit {
                any = true;
                break;
            }
        }
        Some(any != self.negated)
    }
}

impl Statement {
    fn applies(&self, req: &Request<'_>) -> bool {
        if self.actions.covers(req.action, req.context, true) != Some(true) {
            return false;
        }
        if let Some(r) = &self.resources
            && r.covers(req.resource, req.context, false) != Some(true)
        {
            return false;
        }
        if let Some((principals, negated)) = &self.principals {
            let hit = req.principal.is_some_and(|(kind, name)| {
                principals.iter().any(|(k, p)| {
                    k == "*" || (k == kind && (p == "*" || federated_name(p) == name))
                })
            });
            if hit == *negated {
                return false;
            }
        }
        self.conditions.iter().all(|c| c.holds(req.context))
    }
}

impl Condition {
    fn holds(&self, context: &Context) -> bool {
        let present = context.get(&self.key).filter(|v| !v.is_empty());
        if self.op == Op::Null {
            let want_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return present.is_none() == want_absent;
        }
        let Some(actual) = present else {
            return match self.qualifier {
                // No values: every one of them (none) matches.
                Qualifier::AllValues => true,
                _ => self.if_exists || self.negated,
            };
        };
        let Some(wanted) = self
            .values
            .iter()
            .map(|v| substitute(v, context))
            .collect::<Option<Vec<_>>>()
        else {
            return false;
        };
        let one = |value: &str| wanted.iter().any(|w| self.op.compare(w, value));
        match self.qualifier {
            Qualifier::AllValues => actual.iter().all(|v| one(v) != self.negated),
            Qualifier::AnyValue | Qualifier::Single => {
                if self.negated {
                    actual.iter().all(|v| !one(v))
                } else {
                    actual.iter().any(|v| one(v))
                }
            }
        }
    }
}

impl Op {
    fn compare(self, wanted: &str, value: &str) -> bool {
        match self {
            Op::StringEquals => wanted == value,
            Op::StringEqualsIgnoreCase => wanted.eq_ignore_ascii_case(value),
            Op::StringLike | Op::ArnLike => matches(wanted, value),
            Op::Bool => wanted.eq_ignore_ascii_case(value),
            Op::Null => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &[&str])]) -> Context {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn invoke<'a>(resource: &'a str, context: &'a Context) -> Request<'a> {
        Request {
            action: "execute-api:Invoke",
            resource,
            principal: None,
            context,
        }
    }

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/cip";

    #[test]
    fn explicit_deny_wins_and_nothing_is_implicit_deny() {
        let allow = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:*","Resource":"arn:aws:execute-api:*:*:abc/*"}}"#,
            Kind::Permissions,
        )
        .unwrap();
        let deny = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:abc/prod/GET/cip"}]}"#,
            Kind::Permissions,
        )
        .unwrap();
        let c = Context::new();
        assert_eq!(allow.evaluate(&invoke(ARN, &c)), Decision::Allow);
        assert_eq!(
            evaluate_all([&allow, &deny], &invoke(ARN, &c)),
            Decision::ExplicitDeny
        );
        assert_eq!(
            evaluate_all(
                [&deny],
                &invoke("arn:aws:execute-api:us-east-1:1:abc/prod/GET/x", &c)
            ),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn not_action_not_resource_and_case() {
        let p = Policy::parse(
            r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:execute-api:*:*:abc/prod/POST/*"}}"#,
            Kind::Permissions,
        )
        .unwrap();
        let c = Context::new();
        assert_eq!(p.evaluate(&invoke(ARN, &c)), Decision::Allow);
        let post = "arn:aws:execute-api:us-east-1:1:abc/prod/POST/cip";
        assert_eq!(p.evaluate(&invoke(post, &c)), Decision::ImplicitDeny);
        let mut r = invoke(ARN, &c);
        r.action = "IAM:CreateRole";
        assert_eq!(
            p.evaluate(&r),
            Decision::ImplicitDeny,
            "actions ignore case"
        );
    }

    #[test]
    fn policy_variables_and_conditions() {
        let p = Policy::parse(
            r#"{"Statement":{"Effect":"Allow","Action":"execute-api:Invoke",
               "Resource":"arn:aws:execute-api:*:*:abc/prod/GET/users/${cognito-identity.amazonaws.com:sub}",
               "Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:pool"},
                            "ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}}"#,
            Kind::Permissions,
        )
        .unwrap();
        let mine = "arn:aws:execute-api:us-east-1:1:abc/prod/GET/users/us-east-1:42";
        let c = ctx(&[
            ("cognito-identity.amazonaws.com:sub", &["us-east-1:42"]),
            ("cognito-identity.amazonaws.com:aud", &["us-east-1:pool"]),
            (
                "cognito-identity.amazonaws.com:amr",
                &["authenticated", "cognito-idp"],
            ),
        ]);
        assert_eq!(p.evaluate(&invoke(mine, &c)), Decision::Allow);
        let other = "arn:aws:execute-api:us-east-1:1:abc/prod/GET/users/us-east-1:43";
        assert_eq!(p.evaluate(&invoke(other, &c)), Decision::ImplicitDeny);
        let guest = ctx(&[
            ("cognito-identity.amazonaws.com:sub", &["us-east-1:42"]),
            ("cognito-identity.amazonaws.com:aud", &["us-east-1:pool"]),
            ("cognito-identity.amazonaws.com:amr", &["unauthenticated"]),
        ]);
        assert_eq!(p.evaluate(&invoke(mine, &guest)), Decision::ImplicitDeny);
        // Without the variable's key the statement does not apply.
        assert_eq!(
            p.evaluate(&invoke(mine, &Context::new())),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn missing_keys_fail_positive_operators_and_pass_negated_ones() {
        let parse = |cond: &str| {
            Policy::parse(
                &format!(r#"{{"Statement":{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{cond}}}}}"#),
                Kind::Permissions,
            )
            .unwrap()
        };
        let c = Context::new();
        let r = invoke(ARN, &c);
        assert_eq!(
            parse(r#"{"StringEquals":{"k":"v"}}"#).evaluate(&r),
            Decision::ImplicitDeny
        );
        assert_eq!(
            parse(r#"{"StringNotEquals":{"k":"v"}}"#).evaluate(&r),
            Decision::Allow
        );
        assert_eq!(
            parse(r#"{"StringEqualsIfExists":{"k":"v"}}"#).evaluate(&r),
            Decision::Allow
        );
        assert_eq!(
            parse(r#"{"Null":{"k":"true"}}"#).evaluate(&r),
            Decision::Allow
        );
        assert_eq!(
            parse(r#"{"ForAllValues:StringLike":{"k":"v*"}}"#).evaluate(&r),
            Decision::Allow
        );
    }

    #[test]
    fn trust_policies_match_the_federated_principal() {
        let p = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},
               "Action":"sts:AssumeRoleWithWebIdentity",
               "Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:pool"}}}]}"#,
            Kind::Trust,
        )
        .unwrap();
        let c = ctx(&[("cognito-identity.amazonaws.com:aud", &["us-east-1:pool"])]);
        let mut r = Request {
            action: "sts:AssumeRoleWithWebIdentity",
            resource: "*",
            principal: Some(("Federated", "cognito-identity.amazonaws.com")),
            context: &c,
        };
        assert_eq!(p.evaluate(&r), Decision::Allow);
        r.principal = Some(("Federated", "accounts.google.com"));
        assert_eq!(p.evaluate(&r), Decision::ImplicitDeny);
    }

    #[test]
    fn malformed_documents_get_iams_messages() {
        let bad = |doc: &str, kind| Policy::parse(doc, kind).unwrap_err();
        assert_eq!(bad("{", Kind::Permissions), "Syntax errors in policy.");
        assert_eq!(
            bad(r#"{"Statement":[]}"#, Kind::Permissions),
            "Missing required field Statement"
        );
        assert_eq!(
            bad(
                r#"{"Statement":{"Action":"*","Resource":"*"}}"#,
                Kind::Permissions
            ),
            "Missing required field Effect"
        );
        assert_eq!(
            bad(
                r#"{"Statement":{"Effect":"Allow","Action":"*"}}"#,
                Kind::Permissions
            ),
            "Policy statement must contain resources."
        );
        assert_eq!(
            bad(
                r#"{"Statement":{"Effect":"Allow","Action":"sts:*"}}"#,
                Kind::Trust
            ),
            "Missing required field Principal"
        );
        assert_eq!(
            bad(
                r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#,
                Kind::Permissions
            ),
            "Policy document should not specify a principal."
        );
        assert_eq!(
            bad(
                r#"{"Version":"2020-01-01","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
                Kind::Permissions
            ),
            "The policy must contain a valid version string"
        );
    }
}
