#!/usr/bin/env python3
"""Creates the federation interop fixtures in a running MiniStack with boto3; prints ids as JSON.

Usage: ministack_federation_bootstrap.py <endpoint URL, e.g. http://127.0.0.1:4566>

Made here (region us-east-1, MiniStack's root credentials `test`/`test`):
- an IAM OIDC provider for `https://oidc.interop.example` (client id `oidc-interop-app`);
- an identity pool `federation` that allows guests and the basic (classic) flow, trusting Google
  (`accounts.google.com`, with a Google client id as audience) and that OIDC provider;
- a second identity pool `no-guests` that allows neither guests nor the basic flow;
- two roles trusting `cognito-identity.amazonaws.com` the way Cognito's console writes it
  (`aud` = the pool, `amr` = `authenticated` / `unauthenticated`): the authenticated role may
  invoke GET /google and GET /guest, the unauthenticated role GET /guest only;
- a REST API, stage `prod`, with GET /google and GET /guest, both `AWS_IAM`, MOCK-integrated.
"""
import json
import sys

import boto3

REGION = "us-east-1"
GOOGLE_CLIENT_ID = "123456789012-interop.apps.googleusercontent.com"
OIDC_ISSUER = "oidc.interop.example"
OIDC_CLIENT_ID = "oidc-interop-app"


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def make_api(apigw):
    api_id = apigw.create_rest_api(name="federation")["id"]
    root_id = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    for name in ("google", "guest"):
        rid = apigw.create_resource(restApiId=api_id, parentId=root_id, pathPart=name)["id"]
        apigw.put_method(
            restApiId=api_id, resourceId=rid, httpMethod="GET", authorizationType="AWS_IAM"
        )
        apigw.put_integration(
            restApiId=api_id,
            resourceId=rid,
            httpMethod="GET",
            type="MOCK",
            requestTemplates={"application/json": '{"statusCode": 200}'},
        )
        apigw.put_method_response(restApiId=api_id, resourceId=rid, httpMethod="GET", statusCode="200")
        apigw.put_integration_response(
            restApiId=api_id,
            resourceId=rid,
            httpMethod="GET",
            statusCode="200",
            responseTemplates={"application/json": json.dumps({"route": name})},
        )
    apigw.create_deployment(restApiId=api_id, stageName="prod")
    return api_id


def make_role(iam, name, pool_id, amr, resources):
    # The trust policy Cognito's console writes for an identity pool's roles.
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                    "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
                },
            }
        ],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=name,
        PolicyName="invoke",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resources}
                ],
            }
        ),
    )
    return arn


def main():
    endpoint = sys.argv[1]
    identity = client("cognito-identity", endpoint)
    iam = client("iam", endpoint)
    sts = client("sts", endpoint)
    apigw = client("apigateway", endpoint)
    account = sts.get_caller_identity()["Account"]

    api_id = make_api(apigw)
    oidc_arn = iam.create_open_id_connect_provider(
        Url=f"https://{OIDC_ISSUER}",
        ClientIDList=[OIDC_CLIENT_ID],
        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
    )["OpenIDConnectProviderArn"]

    pool_id = identity.create_identity_pool(
        IdentityPoolName="federation",
        AllowUnauthenticatedIdentities=True,
        AllowClassicFlow=True,
        SupportedLoginProviders={"accounts.google.com": GOOGLE_CLIENT_ID},
        OpenIdConnectProviderARNs=[oidc_arn],
    )["IdentityPoolId"]
    no_guests_pool_id = identity.create_identity_pool(
        IdentityPoolName="no-guests",
        AllowUnauthenticatedIdentities=False,
        AllowClassicFlow=False,
        SupportedLoginProviders={"accounts.google.com": GOOGLE_CLIENT_ID},
    )["IdentityPoolId"]

    method = f"arn:aws:execute-api:{REGION}:{account}:{api_id}/prod/GET"
    auth_arn = make_role(
        iam,
        "federation-authenticated",
        pool_id,
        "authenticated",
        [f"{method}/google", f"{method}/guest"],
    )
    unauth_arn = make_role(
        iam, "federation-unauthenticated", pool_id, "unauthenticated", [f"{method}/guest"]
    )
    identity.set_identity_pool_roles(
        IdentityPoolId=pool_id,
        Roles={"authenticated": auth_arn, "unauthenticated": unauth_arn},
    )
    identity.set_identity_pool_roles(
        IdentityPoolId=no_guests_pool_id,
        Roles={"authenticated": auth_arn, "unauthenticated": unauth_arn},
    )

    json.dump(
        {
            "region": REGION,
            "account_id": account,
            "identity_pool_id": pool_id,
            "no_guests_identity_pool_id": no_guests_pool_id,
            "google_client_id": GOOGLE_CLIENT_ID,
            "oidc_issuer": OIDC_ISSUER,
            "oidc_client_id": OIDC_CLIENT_ID,
            "oidc_provider_arn": oidc_arn,
            "authenticated_role_arn": auth_arn,
            "unauthenticated_role_arn": unauth_arn,
            "api_id": api_id,
            "stage": "prod",
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
