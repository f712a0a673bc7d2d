//! API Gateway REST APIs: stages, resources, how each method is authorized, and what it
//! integrates with.

use std::time::SystemTime;

/// An API Gateway REST API, or a WebSocket API.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Api {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) stages: Vec<String>,
    pub(crate) resources: Vec<Resource>,
    /// For a WebSocket API, how `$connect` is authorized; `None` for a REST API.
    pub(crate) websocket: Option<MethodAuth>,
    /// When it was created (GetRestApis' `createdDate`).
    #[serde(default)]
    pub(crate) created: Option<SystemTime>,
    /// What an import left out: the OpenAPI extensions it read but does not apply
    /// (ImportRestApi's `warnings`).
    #[serde(default)]
    pub(crate) warnings: Vec<String>,
}

/// A resource and its methods.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Resource {
    pub(crate) path: String,
    pub(crate) methods: Vec<Method>,
}

/// A method, its authorization and its integration.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Method {
    /// Upper case; `ANY` matches every method.
    pub(crate) http_method: String,
    pub(crate) auth: MethodAuth,
    #[serde(default)]
    pub(crate) integration: Integration,
}

/// How a method is authorized.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) enum MethodAuth {
    None,
    AwsIam,
    CognitoUserPools {
        user_pool_id: String,
        scopes: Vec<String>,
        header: String,
    },
    /// A Lambda (custom) authorizer.
    Lambda(LambdaAuthorizer),
}

/// A Lambda authorizer (`x-amazon-apigateway-authorizer` of type `token` or `request`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct LambdaAuthorizer {
    /// The security scheme's name: with the identity, the key of cached decisions.
    pub(crate) name: String,
    /// `TOKEN` (one header) or `REQUEST` (headers, query, path, context).
    pub(crate) request: bool,
    /// The function's ARN (from `authorizerUri`).
    pub(crate) function: String,
    /// Where the identity comes from: `method.request.header.<name>` and
    /// `method.request.querystring.<name>` (a TOKEN authorizer: one header).
    pub(crate) identity_source: Vec<String>,
    /// `authorizerResultTtlInSeconds` (API Gateway's default: 300).
    pub(crate) ttl_secs: u64,
    /// A TOKEN authorizer's `identityValidationExpression`: a token that does not match is
    /// refused without calling the function.
    pub(crate) validation: Option<String>,
}

/// What an allowed request reaches.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) enum Integration {
    /// The emulator's echo of the request and caller (APIs from a seed's resources, which
    /// name no integration).
    #[default]
    Echo,
    /// `mock`: the response `status` with a fixed body.
    Mock {
        status: u16,
        content_type: String,
        body: String,
    },
    /// `aws_proxy` with a Lambda function: API Gateway's proxy event in, the function's
    /// `{statusCode, headers, body}` out.
    LambdaProxy { function: String, timeout_ms: u64 },
    /// `http_proxy`: the request forwarded to `uri` (its `{name}` parts filled from the path
    /// parameters), the back end's answer passed back.
    HttpProxy {
        uri: String,
        /// The integration's method; `None` forwards the request's own (`ANY`).
        http_method: Option<String>,
        timeout_ms: u64,
        /// `requestParameters`: (`integration.request.<where>.<name>`, its source).
        #[serde(default)]
        parameters: Vec<(String, String)>,
    },
}
