//! Calling users' functions as AWS services call them: through the **Lambda Invoke API**
//! (`POST /2015-03-31/functions/{FunctionName}/invocations`, the event JSON as the body,
//! `X-Amz-Invocation-Type: RequestResponse`) at the endpoint the AWS SDKs read from
//! `AWS_ENDPOINT_URL_LAMBDA` (so `sam local start-lambda`, `cargo lambda watch` or any server
//! speaking that API runs the user's real function), or in process, a Rust closure registered
//! per function name ([`EmulatorBuilder::lambda_function`](crate::EmulatorBuilder::lambda_function)).
//!
//! What is called, and how its answer becomes a service's error, is the calling service's
//! business (Cognito's triggers, API Gateway's authorizers and integrations); this module only
//! delivers an event and brings back the function's answer or why there is none, always within
//! a bounded time. [`replay`] lets a handler that runs under the state's lock ask for a call
//! without making it there.

pub(crate) mod replay;

use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// How long a function may take before the caller gives up: Cognito waits 5 seconds for a
/// trigger (Cognito developer guide, "Lambda triggers": "must respond within 5 seconds").
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The most of a function's answer that is read: Lambda's limit for a synchronous response
/// payload is 6 MB (Lambda quotas).
const MAX_RESPONSE: usize = 6 * 1024 * 1024;

/// A function's own failure, as Lambda reports an unhandled error: a type and a message (the
/// `errorType` and `errorMessage` of the Invoke API's error payload). Return it from a
/// function registered with
/// [`EmulatorBuilder::lambda_function`](crate::EmulatorBuilder::lambda_function) to make it
/// fail as a function that throws does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    error_type: String,
    message: String,
}

impl FunctionError {
    /// A failure with `message` (its type is `Error`, as Node.js reports a thrown `Error`).
    pub fn new(message: impl Into<String>) -> Self {
        Self::typed("Error", message)
    }

    /// A failure of a given type (`errorType`), such as a language's exception class.
    pub fn typed(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error_type: error_type.into(),
            message: message.into(),
        }
    }

    /// The error's type (`errorType`).
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// The error's message (`errorMessage`).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for FunctionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl std::error::Error for FunctionError {}

/// What a registered function returns: its answer, or its failure.
pub type FunctionResult = Result<Value, FunctionError>;

/// A function registered in process: the event in, a future of its answer out.
pub(crate) type Handler =
    Arc<dyn Fn(Value) -> Pin<Box<dyn Future<Output = FunctionResult> + Send>> + Send + Sync>;

/// A function that answers every event with the event itself, `response` merged into its
/// `response` member (member by member): a seed's stand-in for a user-pool trigger whose answer
/// does not depend on the event.
pub(crate) fn fixed_answer(response: Value) -> Handler {
    Arc::new(move |mut event: Value| {
        let response = response.clone();
        Box::pin(async move {
            if let (Some(into), Value::Object(from)) = (event.as_object_mut(), response) {
                let slot = into
                    .entry("response")
                    .or_insert_with(|| Value::Object(Default::default()));
                match slot.as_object_mut() {
                    Some(slot) => slot.extend(from),
                    None => *slot = Value::Object(from),
                }
            }
            Ok(event)
        })
    })
}

/// Why a call brought no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InvokeError {
    /// The function ran and failed (`X-Amz-Function-Error`): its type and message.
    Function { error_type: String, message: String },
    /// It did not answer within the timeout.
    Timeout,
    /// Nothing could be reached: no endpoint and no function of that name in process, a
    /// refused connection, or a Lambda error answer (the reason, free of the event).
    Unreachable(String),
    /// It answered something that is not JSON.
    InvalidResponse,
}

/// The functions the emulator can call: closures by name, and the Lambda endpoint for the
/// rest.
#[derive(Clone)]
pub(crate) struct Functions {
    endpoint: Option<url::Url>,
    closures: HashMap<String, Handler>,
    timeout: Duration,
    http: reqwest::Client,
}

impl std::fmt::Debug for Functions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.closures.keys().collect();
        names.sort();
        f.debug_struct("Functions")
            .field("endpoint", &self.endpoint.as_ref().map(url::Url::as_str))
            .field("closures", &names)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Default for Functions {
    fn default() -> Self {
        Self::new(None, HashMap::new(), DEFAULT_TIMEOUT)
    }
}

impl Functions {
    /// Functions at `endpoint` (a Lambda Invoke API) and in `closures`, each call bounded by
    /// `timeout`.
    pub(crate) fn new(
        endpoint: Option<url::Url>,
        closures: HashMap<String, Handler>,
        timeout: Duration,
    ) -> Self {
        let http = reqwest::Client::builder()
            // A stand-in Lambda on this machine: never a proxy from the environment.
            .no_proxy()
            .build()
            .unwrap_or_default();
        Self {
            endpoint,
            closures,
            timeout,
            http,
        }
    }

    /// Calls `function` (a name, or a full or partial function ARN, optionally with a version
    /// or alias) with `event`, synchronously (`RequestResponse`), within the timeout.
    pub(crate) async fn invoke(&self, function: &str, event: &Value) -> Result<Value, InvokeError> {
        self.invoke_within(function, event, self.timeout).await
    }

    /// [`invoke`](Self::invoke) with another timeout (API Gateway's integrations wait up to
    /// 29 s, Cognito's triggers 5).
    pub(crate) async fn invoke_within(
        &self,
        function: &str,
        event: &Value,
        timeout: Duration,
    ) -> Result<Value, InvokeError> {
        let target = FunctionName::parse(function);
        if let Some(handler) = self
            .closures
            .get(function)
            .or_else(|| self.closures.get(&target.name))
        {
            // A task of its own: a panicking function fails like a function that throws,
            // and never takes the emulator's handler down with it.
            let task = tokio::spawn(handler(event.clone()));
            return match tokio::time::timeout(timeout, task).await {
                Err(_) => Err(InvokeError::Timeout),
                Ok(Err(_)) => Err(InvokeError::Function {
                    error_type: "Runtime.Panic".into(),
                    message: "the function panicked".into(),
                }),
                Ok(Ok(Err(e))) => Err(InvokeError::Function {
                    error_type: e.error_type,
                    message: e.message,
                }),
                Ok(Ok(Ok(answer))) => Ok(answer),
            };
        }
        let Some(endpoint) = &self.endpoint else {
            return Err(InvokeError::Unreachable(format!(
                "no Lambda endpoint (AWS_ENDPOINT_URL_LAMBDA) and no function {} in process",
                target.name
            )));
        };
        let url = target.invoke_url(endpoint);
        let sent = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .header("x-amz-invocation-type", "RequestResponse")
            .body(event.to_string())
            .send();
        let response = match tokio::time::timeout(timeout, sent).await {
            Err(_) => return Err(InvokeError::Timeout),
            Ok(Err(e)) if e.is_timeout() => return Err(InvokeError::Timeout),
            Ok(Err(e)) => {
                return Err(InvokeError::Unreachable(if e.is_connect() {
                    "connection refused".into()
                } else {
                    "the request failed".into()
                }));
            }
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        let function_error = response.headers().contains_key("x-amz-function-error");
        let lambda_error = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|t| t.split(':').next().unwrap_or(t).to_owned());
        let body = match tokio::time::timeout(timeout, read_limited(response)).await {
            Err(_) => return Err(InvokeError::Timeout),
            Ok(None) => return Err(InvokeError::InvalidResponse),
            Ok(Some(b)) => b,
        };
        if !status.is_success() {
            // Lambda's own refusal (ResourceNotFoundException, TooManyRequestsException...):
            // its error type names the reason.
            let kind = lambda_error
                .or_else(|| {
                    let v: Value = serde_json::from_slice(&body).ok()?;
                    let t = v.get("Type").or_else(|| v.get("__type"))?.as_str()?;
                    Some(t.to_owned())
                })
                .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
            return Err(InvokeError::Unreachable(kind));
        }
        let parsed: Option<Value> = serde_json::from_slice(&body).ok();
        if function_error {
            let field = |name: &str| {
                parsed
                    .as_ref()
                    .and_then(|v| v.get(name))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            return Err(InvokeError::Function {
                error_type: field("errorType").unwrap_or_else(|| "Unhandled".into()),
                message: field("errorMessage").unwrap_or_default(),
            });
        }
        parsed.ok_or(InvokeError::InvalidResponse)
    }
}

/// Reads a response body up to [`MAX_RESPONSE`]: `None` past it or when the body fails.
async fn read_limited(mut response: reqwest::Response) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.ok()? {
        if body.len() + chunk.len() > MAX_RESPONSE {
            return None;
        }
        body.extend_from_slice(&chunk);
    }
    Some(body)
}

/// A function as the Invoke API addresses it: its name (or ARN without the qualifier) and
/// the version or alias, if any.
#[derive(Debug, PartialEq, Eq)]
struct FunctionName {
    name: String,
    qualifier: Option<String>,
}

impl FunctionName {
    /// From a name, `name:qualifier`, a partial ARN (`123456789012:function:name`) or a full
    /// one (`arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier]`): the name is
    /// what a local Lambda (`sam local`, `cargo lambda`) knows the function by.
    fn parse(function: &str) -> Self {
        let rest = match function.split_once(":function:") {
            Some((_, rest)) => rest,
            None => function,
        };
        match rest.split_once(':') {
            Some((name, qualifier)) => Self {
                name: name.to_owned(),
                qualifier: Some(qualifier.to_owned()),
            },
            None => Self {
                name: rest.to_owned(),
                qualifier: None,
            },
        }
    }

    /// `<endpoint>/2015-03-31/functions/<name>/invocations[?Qualifier=...]`.
    fn invoke_url(&self, endpoint: &url::Url) -> url::Url {
        let mut url = endpoint.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments
                .pop_if_empty()
                .extend(["2015-03-31", "functions", &self.name, "invocations"]);
        }
        if let Some(q) = &self.qualifier {
            url.query_pairs_mut().append_pair("Qualifier", q);
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_arns_and_qualifiers() {
        let cases = [
            ("pre-sign-up", "pre-sign-up", None),
            ("pre-sign-up:live", "pre-sign-up", Some("live")),
            ("123456789012:function:f", "f", None),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:f",
                "f",
                None,
            ),
            (
                "arn:aws:lambda:us-east-1:123456789012:function:f:3",
                "f",
                Some("3"),
            ),
        ];
        for (input, name, qualifier) in cases {
            let parsed = FunctionName::parse(input);
            assert_eq!(parsed.name, name, "{input}");
            assert_eq!(parsed.qualifier.as_deref(), qualifier, "{input}");
        }
        let endpoint = url::Url::parse("http://127.0.0.1:3001").unwrap();
        assert_eq!(
            FunctionName::parse("arn:aws:lambda:us-east-1:1:function:my fn:live")
                .invoke_url(&endpoint)
                .as_str(),
            "http://127.0.0.1:3001/2015-03-31/functions/my%20fn/invocations?Qualifier=live"
        );
    }
}
