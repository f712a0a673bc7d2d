//! A REST API from an OpenAPI 3 or Swagger 2 document with API Gateway's extensions, the
//! format `aws apigateway get-export --parameters extensions='integrations,authorizers'`
//! writes and `ImportRestApi` reads: paths and methods (`x-amazon-apigateway-any-method` for
//! ANY); security schemes with `x-amazon-apigateway-authtype` `awsSigv4` or
//! `cognito_user_pools` (scopes from the method's `security`) and
//! `x-amazon-apigateway-authorizer` of type `token`, `request` or `cognito_user_pools`;
//! `x-amazon-apigateway-integration` of type `aws_proxy` (a Lambda function), `http_proxy`
//! and `mock`.
//!
//! Nothing is half-applied: an extension the emulator cannot apply (a non-proxy `aws` or
//! `http` integration, a resource policy, mapping templates with VTL) refuses the whole
//! document with the JSON path of the offending element; extensions that do not change what a
//! request gets (documentation, binary media types, request validators, gateway responses,
//! endpoint configuration...) are read, left out, and listed as warnings.

use super::api::{Api, Integration, LambdaAuthorizer, Method, MethodAuth, Resource};
use serde_json::{Map, Value};

/// API Gateway's integration timeout when none is given (29 s).
const DEFAULT_TIMEOUT_MS: u64 = 29_000;

/// Extensions read and left out: they shape documentation, validation or the API's
/// packaging, not who may call a method or what it reaches.
const IGNORED: &[&str] = &[
    "x-amazon-apigateway-documentation",
    "x-amazon-apigateway-binary-media-types",
    "x-amazon-apigateway-request-validators",
    "x-amazon-apigateway-request-validator",
    "x-amazon-apigateway-gateway-responses",
    "x-amazon-apigateway-endpoint-configuration",
    "x-amazon-apigateway-minimum-compression-size",
    "x-amazon-apigateway-api-key-source",
    "x-amazon-apigateway-importexport-version",
    "x-amazon-apigateway-tag-value",
    "x-amazon-apigateway-disable-execute-api-endpoint",
];

/// The methods of a path item.
const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

/// What an import made: the API (without id or stages: the caller gives them) and its
/// warnings.
#[derive(Debug)]
pub(crate) struct Imported {
    pub(crate) name: String,
    pub(crate) resources: Vec<Resource>,
    pub(crate) warnings: Vec<String>,
}

/// Parses a document, JSON or YAML.
pub(crate) fn parse_document(text: &[u8]) -> Result<Value, String> {
    if let Ok(v) = serde_json::from_slice::<Value>(text) {
        return Ok(v);
    }
    serde_yaml_ng::from_slice::<Value>(text)
        .map_err(|e| format!("Invalid OpenAPI input: the document is neither JSON nor YAML ({e})"))
}

/// Reads `doc` into resources, or the reason it cannot be imported, naming the element.
pub(crate) fn import(doc: &Value) -> Result<Imported, String> {
    let root = doc
        .as_object()
        .ok_or("Invalid OpenAPI input: the document is not an object")?;
    let v3 = match (root.get("openapi"), root.get("swagger")) {
        (Some(Value::String(v)), _) if v.starts_with("3.") => true,
        (_, Some(Value::String(v))) if v == "2.0" => false,
        _ => {
            return Err(
                "Invalid OpenAPI input: neither `openapi: 3.x` nor `swagger: \"2.0\"`".into(),
            );
        }
    };
    let mut warnings = Vec::new();
    if v3 {
        // The OpenAPI 3 model's own checks (a crate this one did not write). API Gateway's
        // importer reports what its parser finds amiss as warnings ("Parse issue: attribute
        // paths.'/a'(get).responses is missing") and imports the rest; so does the emulator,
        // which reads only what it applies (below) and refuses that when it is wrong.
        if let Err(e) = serde_json::from_value::<openapiv3::OpenAPI>(doc.clone()) {
            warnings.push(format!("Parse issue: {e}"));
        }
    }
    check_extensions(doc, "$", &mut warnings)?;
    let name = root
        .get("info")
        .and_then(|i| i.get("title"))
        .and_then(Value::as_str)
        .unwrap_or("imported")
        .to_owned();
    let schemes = if v3 {
        root.get("components")
            .and_then(|c| c.get("securitySchemes"))
    } else {
        root.get("securityDefinitions")
    }
    .and_then(Value::as_object)
    .cloned()
    .unwrap_or_default();
    let schemes_path = if v3 {
        "$.components.securitySchemes"
    } else {
        "$.securityDefinitions"
    };
    let default_security = root.get("security");
    let paths = root
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("Invalid OpenAPI input: no `paths`")?;
    let mut resources = Vec::new();
    for (path, item) in paths {
        let at = format!("$.paths['{path}']");
        if !path.starts_with('/') {
            return Err(format!("{at}: a path must start with `/`"));
        }
        let item = item
            .as_object()
            .ok_or_else(|| format!("{at}: not an object"))?;
        let mut methods = Vec::new();
        for (key, operation) in item {
            let http_method = match key.as_str() {
                "x-amazon-apigateway-any-method" => "ANY".to_owned(),
                m if METHODS.contains(&m) => m.to_ascii_uppercase(),
                // `parameters`, `summary`, other `x-` keys: nothing to serve.
                _ => continue,
            };
            let at = format!("{at}.{key}");
            let operation = operation
                .as_object()
                .ok_or_else(|| format!("{at}: not an object"))?;
            let security = operation.get("security").or(default_security);
            let auth = method_auth(security, &schemes, schemes_path, &at)?;
            let integration = integration(
                operation.get("x-amazon-apigateway-integration"),
                &at,
                &mut warnings,
            )?;
            methods.push(Method {
                http_method,
                auth,
                integration,
            });
        }
        if !methods.is_empty() {
            resources.push(Resource {
                path: path.clone(),
                methods,
            });
        }
    }
    Ok(Imported {
        name,
        resources,
        warnings,
    })
}

/// Every `x-amazon-apigateway-*` key anywhere in the document is one the emulator applies,
/// or one it lists as left out; any other refuses the document.
fn check_extensions(v: &Value, at: &str, warnings: &mut Vec<String>) -> Result<(), String> {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let here = format!("{at}['{k}']");
                if let Some(rest) = k.strip_prefix("x-amazon-apigateway-") {
                    match rest {
                        "integration" | "authtype" | "authorizer" | "any-method" => {}
                        _ if IGNORED.contains(&k.as_str()) => {
                            warnings.push(format!("{here}: {k} is not applied by the emulator"));
                            continue;
                        }
                        "policy" => {
                            return Err(format!(
                                "{here}: resource policies (x-amazon-apigateway-policy) are not supported by the emulator"
                            ));
                        }
                        _ => {
                            return Err(format!(
                                "{here}: the extension {k} is not supported by the emulator"
                            ));
                        }
                    }
                }
                check_extensions(child, &here, warnings)?;
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                check_extensions(child, &format!("{at}[{i}]"), warnings)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The method's authorization: the first requirement of its `security` (API Gateway applies
/// one authorizer per method).
fn method_auth(
    security: Option<&Value>,
    schemes: &Map<String, Value>,
    schemes_path: &str,
    at: &str,
) -> Result<MethodAuth, String> {
    let Some(requirements) = security.and_then(Value::as_array) else {
        return Ok(MethodAuth::None);
    };
    let Some(first) = requirements.first().and_then(Value::as_object) else {
        return Ok(MethodAuth::None);
    };
    if requirements.len() > 1 || first.len() > 1 {
        return Err(format!(
            "{at}.security: API Gateway applies one authorizer per method; this names several"
        ));
    }
    let Some((name, scopes)) = first.iter().next() else {
        return Ok(MethodAuth::None);
    };
    let scheme = schemes
        .get(name)
        .ok_or_else(|| format!("{at}.security: no security scheme `{name}` in {schemes_path}"))?;
    let here = format!("{schemes_path}['{name}']");
    let scopes: Vec<String> = scopes
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let header = scheme
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("Authorization")
        .to_owned();
    let authorizer = scheme.get("x-amazon-apigateway-authorizer");
    let authtype = scheme
        .get("x-amazon-apigateway-authtype")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase);
    let kind = authorizer
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase);
    match (authtype.as_deref(), kind.as_deref()) {
        (Some("awssigv4"), _) => Ok(MethodAuth::AwsIam),
        (_, Some("cognito_user_pools")) | (Some("cognito_user_pools"), None) => {
            let arns = authorizer
                .and_then(|a| a.get("providerARNs"))
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    format!("{here}.x-amazon-apigateway-authorizer: providerARNs is required")
                })?;
            if arns.len() != 1 {
                return Err(format!(
                    "{here}.x-amazon-apigateway-authorizer.providerARNs: the emulator takes exactly one user pool"
                ));
            }
            let arn = arns[0].as_str().unwrap_or_default();
            let pool = arn
                .rsplit_once(":userpool/")
                .map(|(_, id)| id.to_owned())
                .ok_or_else(|| {
                    format!(
                        "{here}.x-amazon-apigateway-authorizer.providerARNs[0]: not a user pool ARN"
                    )
                })?;
            Ok(MethodAuth::CognitoUserPools {
                user_pool_id: pool,
                scopes,
                header,
            })
        }
        (_, Some(kind @ ("token" | "request"))) => {
            let a = authorizer.unwrap_or(&Value::Null);
            let uri = a
                .get("authorizerUri")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    format!("{here}.x-amazon-apigateway-authorizer: authorizerUri is required")
                })?;
            let function = lambda_function(uri).ok_or_else(|| {
                format!("{here}.x-amazon-apigateway-authorizer.authorizerUri: not a Lambda function's invocation URI")
            })?;
            let request = kind == "request";
            let identity_source = match a.get("identitySource").and_then(Value::as_str) {
                Some(s) => s.split(',').map(|p| p.trim().to_owned()).collect(),
                None if request => Vec::new(),
                None => vec![format!("method.request.header.{header}")],
            };
            let validation = a
                .get("identityValidationExpression")
                .and_then(Value::as_str)
                .map(str::to_owned);
            if let Some(expr) = &validation {
                regex::Regex::new(expr).map_err(|_| {
                    format!("{here}.x-amazon-apigateway-authorizer.identityValidationExpression: not a regular expression")
                })?;
            }
            Ok(MethodAuth::Lambda(LambdaAuthorizer {
                name: name.clone(),
                request,
                function,
                identity_source,
                ttl_secs: a
                    .get("authorizerResultTtlInSeconds")
                    .and_then(Value::as_u64)
                    .unwrap_or(300),
                validation,
            }))
        }
        (other, kind) => Err(format!(
            "{here}: the emulator supports awsSigv4, cognito_user_pools and Lambda (token, request) authorizers, not {}",
            kind.or(other).unwrap_or("an API key or OAuth scheme")
        )),
    }
}

/// The function ARN in a Lambda invocation URI
/// (`arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations`).
fn lambda_function(uri: &str) -> Option<String> {
    let (_, rest) = uri.split_once("/functions/")?;
    let arn = rest.strip_suffix("/invocations")?;
    arn.starts_with("arn:").then(|| arn.to_owned())
}

/// The method's `x-amazon-apigateway-integration`. Every field is applied, refused with its
/// path, or (when it changes nothing the emulator could show: credentials, caching, TLS)
/// listed in `warnings`.
fn integration(
    spec: Option<&Value>,
    at: &str,
    warnings: &mut Vec<String>,
) -> Result<Integration, String> {
    let at = format!("{at}.x-amazon-apigateway-integration");
    let spec = spec
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{at}: every method needs an integration (API Gateway: No integration defined for method)"))?;
    let kind = spec
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| format!("{at}.type is required"))?;
    let proxy = kind == "aws_proxy" || kind == "http_proxy";
    for (key, value) in spec {
        let here = format!("{at}.{key}");
        match key.as_str() {
            "type" | "uri" | "httpMethod" | "timeoutInMillis" => {}
            // Applied to `http_proxy` below; refused on the others when not empty.
            "requestParameters" => {}
            // Mapping templates and integration responses: a mock's answer; API Gateway
            // itself does not apply them to proxy integrations.
            "requestTemplates" | "responses" => {}
            // Only for mapping templates, which proxy integrations do not have.
            "passthroughBehavior" if proxy => {}
            "connectionType" if value.as_str() == Some("INTERNET") => {}
            "connectionType" | "connectionId" => {
                return Err(format!(
                    "{here}: VPC links are not supported by the emulator (its back ends are on 127.0.0.1)"
                ));
            }
            "credentials"
            | "cacheKeyParameters"
            | "cacheNamespace"
            | "tlsConfig"
            | "contentHandling"
            | "passthroughBehavior" => {
                warnings.push(format!("{here}: not applied by the emulator"));
            }
            _ => {
                return Err(format!(
                    "{here}: the integration field {key} is not supported by the emulator"
                ));
            }
        }
    }
    let timeout_ms = spec
        .get("timeoutInMillis")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_TIMEOUT_MS);
    let uri = spec.get("uri").and_then(Value::as_str);
    let parameters = request_parameters(spec.get("requestParameters"), &at)?;
    if !parameters.is_empty() && kind != "http_proxy" {
        return Err(format!(
            "{at}.requestParameters: the emulator maps request parameters for http_proxy integrations only"
        ));
    }
    match kind.as_str() {
        "aws_proxy" => {
            let uri = uri.ok_or_else(|| format!("{at}.uri is required"))?;
            let function = lambda_function(uri).ok_or_else(|| {
                format!(
                    "{at}.uri: the emulator's aws_proxy integrations call Lambda functions only"
                )
            })?;
            Ok(Integration::LambdaProxy {
                function,
                timeout_ms,
            })
        }
        "http_proxy" => {
            let uri = uri.ok_or_else(|| format!("{at}.uri is required"))?;
            url::Url::parse(&uri.replace(['{', '}'], ""))
                .map_err(|_| format!("{at}.uri: not a URL"))?;
            let http_method = spec
                .get("httpMethod")
                .and_then(Value::as_str)
                .map(str::to_ascii_uppercase)
                .filter(|m| m != "ANY");
            Ok(Integration::HttpProxy {
                uri: uri.to_owned(),
                http_method,
                timeout_ms,
                parameters,
            })
        }
        "mock" => mock(spec, &at),
        other => Err(format!(
            "{at}.type: `{other}` integrations (with mapping templates) are not supported by the emulator; use aws_proxy, http_proxy or mock"
        )),
    }
}

/// An integration's `requestParameters`: `integration.request.{path,querystring,header}.<name>`
/// from `method.request.{path,querystring,header}.<name>`, `context.authorizer.<key>` (a
/// Cognito authorizer's `claims.<claim>`), `context.identity.<key>`, `context.<key>` or a
/// `'static value'`. Anything else is refused with its path.
fn request_parameters(spec: Option<&Value>, at: &str) -> Result<Vec<(String, String)>, String> {
    let Some(spec) = spec.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let at = format!("{at}.requestParameters");
    let spec = spec
        .as_object()
        .ok_or_else(|| format!("{at}: not an object"))?;
    let mut out = Vec::new();
    for (target, source) in spec {
        let here = format!("{at}['{target}']");
        let Some(rest) = target.strip_prefix("integration.request.") else {
            return Err(format!("{here}: not an integration.request parameter"));
        };
        if !["path.", "querystring.", "header."]
            .iter()
            .any(|p| rest.strip_prefix(p).is_some_and(|n| !n.is_empty()))
        {
            return Err(format!(
                "{here}: the emulator maps path, querystring and header parameters"
            ));
        }
        let source = source
            .as_str()
            .ok_or_else(|| format!("{here}: not a string"))?;
        let known = (source.len() >= 2 && source.starts_with('\'') && source.ends_with('\''))
            || ["path.", "querystring.", "header."].iter().any(|p| {
                source
                    .strip_prefix("method.request.")
                    .and_then(|r| r.strip_prefix(p))
                    .is_some_and(|n| !n.is_empty())
            })
            || source.starts_with("context.");
        if !known {
            return Err(format!(
                "{here}: the emulator maps from method.request.(path|querystring|header).<name>, context.<key> and 'static' values, not `{source}`"
            ));
        }
        out.push((target.clone(), source.to_owned()));
    }
    Ok(out)
}

/// A `mock` integration: the request template's `statusCode` picks the response, whose
/// template is the body. Templates with VTL directives are refused: the emulator does not run
/// VTL.
fn mock(spec: &Map<String, Value>, at: &str) -> Result<Integration, String> {
    let status = spec
        .get("requestTemplates")
        .and_then(|t| t.get("application/json"))
        .and_then(Value::as_str)
        .map(|t| {
            serde_json::from_str::<Value>(t)
                .ok()
                .and_then(|v| v.get("statusCode").and_then(Value::as_u64))
                .ok_or_else(|| format!("{at}.requestTemplates['application/json']: the emulator reads a static `{{\"statusCode\": N}}` only"))
        })
        .transpose()?
        .unwrap_or(200);
    let responses = spec.get("responses").and_then(Value::as_object);
    let response = responses.and_then(|r| {
        r.iter()
            .find(|(_, v)| v.get("statusCode").and_then(status_of) == Some(status))
            .or_else(|| r.get_key_value("default"))
    });
    let (content_type, body) = match response
        .and_then(|(_, r)| r.get("responseTemplates"))
        .and_then(Value::as_object)
        .and_then(|t| t.iter().next())
    {
        Some((ct, body)) => {
            let body = body.as_str().unwrap_or_default();
            if body.contains('$') || body.contains("#set") || body.contains("#if") {
                return Err(format!(
                    "{at}.responses: the response template uses VTL, which the emulator does not run"
                ));
            }
            (ct.clone(), body.to_owned())
        }
        None => ("application/json".to_owned(), String::new()),
    };
    let status = response
        .and_then(|(_, r)| r.get("statusCode"))
        .and_then(status_of)
        .unwrap_or(status);
    Ok(Integration::Mock {
        status: u16::try_from(status).map_err(|_| format!("{at}: statusCode out of range"))?,
        content_type,
        body,
    })
}

/// A status code written as a string (`"200"`, as exports write it) or a number.
fn status_of(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.parse().ok())
}

/// An API made from an import, with its id and stages.
pub(crate) fn api(id: String, stages: Vec<String>, imported: Imported) -> Api {
    Api {
        id,
        name: imported.name,
        stages,
        resources: imported.resources,
        websocket: None,
        created: None,
        warnings: imported.warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lambda_uri(name: &str) -> String {
        format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:{name}/invocations"
        )
    }

    #[test]
    fn an_export_with_every_supported_kind_imports() {
        let doc = json!({
            "openapi": "3.0.1",
            "info": { "title": "orders", "version": "1" },
            "x-amazon-apigateway-binary-media-types": ["image/png"],
            "paths": {
                "/orders": {
                    "get": {
                        "security": [{ "pool": ["orders/read"] }],
                        "x-amazon-apigateway-integration": { "type": "aws_proxy", "httpMethod": "POST", "uri": lambda_uri("orders") },
                    },
                    "post": {
                        "security": [{ "sigv4": [] }],
                        "x-amazon-apigateway-integration": { "type": "http_proxy", "httpMethod": "POST", "uri": "http://127.0.0.1:8080/orders" },
                    },
                },
                "/health": { "get": {
                    "x-amazon-apigateway-integration": {
                        "type": "mock",
                        "requestTemplates": { "application/json": "{\"statusCode\": 200}" },
                        "responses": { "default": { "statusCode": "200", "responseTemplates": { "application/json": "{\"ok\":true}" } } },
                    },
                } },
                "/{proxy+}": { "x-amazon-apigateway-any-method": {
                    "security": [{ "custom": [] }],
                    "x-amazon-apigateway-integration": { "type": "http_proxy", "httpMethod": "ANY", "uri": "http://127.0.0.1:8080/{proxy}" },
                } },
            },
            "components": { "securitySchemes": {
                "pool": { "type": "apiKey", "name": "Authorization", "in": "header",
                    "x-amazon-apigateway-authtype": "cognito_user_pools",
                    "x-amazon-apigateway-authorizer": { "type": "cognito_user_pools", "providerARNs": ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Abc"] } },
                "sigv4": { "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4" },
                "custom": { "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": { "type": "token", "authorizerUri": lambda_uri("auth"), "authorizerResultTtlInSeconds": 60 } },
            } },
        });
        let imported = import(&doc).unwrap();
        assert_eq!(imported.name, "orders");
        assert_eq!(imported.resources.len(), 3);
        // Left out and said so: the binary media types; and, as API Gateway's importer does,
        // what the OpenAPI model finds amiss (operations without `responses`) as a parse issue.
        let warnings = &imported.warnings;
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("responses"), "{warnings:?}");
        assert!(
            warnings[1].starts_with("$['x-amazon-apigateway-binary-media-types']"),
            "{warnings:?}"
        );
        let orders = imported
            .resources
            .iter()
            .find(|r| r.path == "/orders")
            .unwrap();
        assert!(
            matches!(&orders.methods[0].auth, MethodAuth::CognitoUserPools { user_pool_id, scopes, .. } if user_pool_id == "us-east-1_Abc" && scopes == &["orders/read"])
        );
        assert!(
            matches!(&orders.methods[0].integration, Integration::LambdaProxy { function, .. } if function.ends_with(":function:orders"))
        );
        assert!(matches!(orders.methods[1].auth, MethodAuth::AwsIam));
        let proxy = imported
            .resources
            .iter()
            .find(|r| r.path == "/{proxy+}")
            .unwrap();
        assert_eq!(proxy.methods[0].http_method, "ANY");
        assert!(
            matches!(&proxy.methods[0].auth, MethodAuth::Lambda(a) if !a.request && a.ttl_secs == 60 && a.identity_source == ["method.request.header.Authorization"])
        );
    }

    #[test]
    fn unsupported_extensions_are_refused_with_their_path() {
        let base = |integration: Value| {
            json!({
                "swagger": "2.0",
                "info": { "title": "t" },
                "paths": { "/a": { "get": { "x-amazon-apigateway-integration": integration } } },
            })
        };
        let err = import(&base(json!({ "type": "aws", "uri": lambda_uri("f") }))).unwrap_err();
        assert!(
            err.starts_with("$.paths['/a'].get.x-amazon-apigateway-integration.type"),
            "{err}"
        );
        let mut doc = base(json!({ "type": "mock" }));
        doc["x-amazon-apigateway-policy"] = json!({});
        let err = import(&doc).unwrap_err();
        assert!(err.contains("$['x-amazon-apigateway-policy']"), "{err}");
        let mut doc = base(json!({ "type": "mock" }));
        doc["paths"]["/a"]["get"]["x-amazon-apigateway-frobnicate"] = json!(1);
        let err = import(&doc).unwrap_err();
        assert!(err.contains("['x-amazon-apigateway-frobnicate']"), "{err}");
        let err =
            import(&json!({ "swagger": "2.0", "paths": { "/a": { "get": {} } } })).unwrap_err();
        assert!(err.contains("No integration defined for method"), "{err}");
        // Integration fields: applied, refused with their path, or listed as left out.
        let err = import(&base(
            json!({ "type": "http_proxy", "uri": "http://127.0.0.1:1/", "connectionType": "VPC_LINK" }),
        ))
        .unwrap_err();
        assert!(
            err.starts_with("$.paths['/a'].get.x-amazon-apigateway-integration.connectionType"),
            "{err}"
        );
        let err = import(&base(json!({ "type": "aws_proxy", "uri": lambda_uri("f"),
            "requestParameters": { "integration.request.header.x": "'v'" } })))
        .unwrap_err();
        assert!(err.contains(".requestParameters"), "{err}");
        let err = import(&base(
            json!({ "type": "http_proxy", "uri": "http://127.0.0.1:1/",
            "requestParameters": { "integration.request.header.x": "stageVariables.v" } }),
        ))
        .unwrap_err();
        assert!(
            err.contains(".requestParameters['integration.request.header.x']"),
            "{err}"
        );
        let err = import(&base(json!({ "type": "mock", "frobnicate": 1 }))).unwrap_err();
        assert!(err.contains("integration.frobnicate"), "{err}");
        let left_out = import(&base(json!({ "type": "aws_proxy", "uri": lambda_uri("f"),
            "credentials": "arn:aws:iam::123456789012:role/apigw", "passthroughBehavior": "when_no_match" })))
        .unwrap();
        assert_eq!(left_out.warnings.len(), 1, "{:?}", left_out.warnings);
        assert!(left_out.warnings[0].ends_with(".credentials: not applied by the emulator"));
        let yaml = b"swagger: '2.0'\ninfo: {title: y}\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration: {type: mock}\n";
        assert_eq!(import(&parse_document(yaml).unwrap()).unwrap().name, "y");
    }
}
