#!/usr/bin/env python3
"""Creates the managed-login fixtures in a running MiniStack with boto3; prints their ids as JSON.

Usage: ministack_oauth_bootstrap.py <endpoint URL, e.g. http://127.0.0.1:4566>

Made here (region us-east-1, MiniStack's root credentials `test`/`test`):
- a user pool with a resource server `api` (scopes `read`, `write`) and a confirmed user;
- an app client `native` (no secret) for the code flow, callback http://localhost:8765/callback,
  scopes openid and email;
- an app client `service` (with a secret) for client credentials, scope api/read.
"""
import json
import sys

import boto3

REGION = "us-east-1"
USERNAME = "alice"
PASSWORD = "Interop-Passw0rd!"
CALLBACK = "http://localhost:8765/callback"


def main():
    endpoint = sys.argv[1]
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    pool_id = idp.create_user_pool(PoolName="oauth-interop")["UserPool"]["Id"]
    idp.create_resource_server(
        UserPoolId=pool_id,
        Identifier="api",
        Name="api",
        Scopes=[
            {"ScopeName": "read", "ScopeDescription": "read"},
            {"ScopeName": "write", "ScopeDescription": "write"},
        ],
    )
    native = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="native",
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        CallbackURLs=[CALLBACK],
        SupportedIdentityProviders=["COGNITO"],
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    service = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="service",
        GenerateSecret=True,
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthScopes=["api/read"],
    )["UserPoolClient"]
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=USERNAME,
        UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=USERNAME, Password=PASSWORD, Permanent=True
    )
    print(
        json.dumps(
            {
                "region": REGION,
                "user_pool_id": pool_id,
                "native_client_id": native["ClientId"],
                "service_client_id": service["ClientId"],
                "service_client_secret": service["ClientSecret"],
                "username": USERNAME,
                "password": PASSWORD,
                "callback": CALLBACK,
            }
        )
    )


if __name__ == "__main__":
    main()
