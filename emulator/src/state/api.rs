//! API Gateway REST APIs: stages, resources, and how each method is authorized.

/// An API Gateway REST API, or a WebSocket API.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Api {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) stages: Vec<String>,
    pub(crate) resources: Vec<Resource>,
    /// For a WebSocket API, how `$connect` is authorized; `None` for a REST API.
    pub(crate) websocket: Option<MethodAuth>,
}

/// A resource and its methods.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Resource {
    pub(crate) path: String,
    pub(crate) methods: Vec<Method>,
}

/// A method and its authorization.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Method {
    /// Upper case; `ANY` matches every method.
    pub(crate) http_method: String,
    pub(crate) auth: MethodAuth,
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
}
