#!/usr/bin/env python3
"""API Gateway's control plane with boto3: ImportRestApi (an OpenAPI 3 document with a mock
route), CreateDeployment to a stage, GetRestApis, PutRestApi (merge), and the imported API then
served at `/_aws/execute-api/<id>/<stage>/...`. A document with an unsupported integration is
refused with the path of the offending element; failOnWarnings refuses one with an extension
the emulator leaves out.

Usage: apigw_import_boto3.py <emulator endpoint>
Prints one JSON line with what each step answered; raises when a call fails unexpectedly.
"""
import json
import sys
import urllib.error
import urllib.request

import boto3
import botocore.exceptions


def mock_route(body):
    return {
        "get": {
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {
                "type": "mock",
                "requestTemplates": {"application/json": '{"statusCode": 200}'},
                "responses": {
                    "default": {
                        "statusCode": "200",
                        "responseTemplates": {"application/json": body},
                    }
                },
            },
        }
    }


def document(paths, **extra):
    doc = {"openapi": "3.0.1", "info": {"title": "imported", "version": "1"}, "paths": paths}
    doc.update(extra)
    return json.dumps(doc).encode()


def error_of(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"]}
    return None


def get(endpoint, path):
    try:
        with urllib.request.urlopen(endpoint.rstrip("/") + path, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def main():
    endpoint = sys.argv[1]
    apigw = boto3.client(
        "apigateway",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    out = {}
    imported = apigw.import_rest_api(
        body=document({"/health": mock_route('{"healthy": true}')}),
        failOnWarnings=False,
    )
    api_id = imported["id"]
    out["name"] = imported["name"]
    out["before_deployment"] = get(endpoint, f"/_aws/execute-api/{api_id}/dev/health")
    apigw.create_deployment(restApiId=api_id, stageName="dev")
    out["health"] = get(endpoint, f"/_aws/execute-api/{api_id}/dev/health")
    out["listed"] = [a["id"] for a in apigw.get_rest_apis()["items"]].count(api_id)
    apigw.put_rest_api(
        restApiId=api_id,
        mode="merge",
        body=document({"/version": mock_route('{"version": 2}')}),
    )
    out["merged"] = [
        get(endpoint, f"/_aws/execute-api/{api_id}/dev/health"),
        get(endpoint, f"/_aws/execute-api/{api_id}/dev/version"),
    ]
    apigw.put_rest_api(
        restApiId=api_id,
        body=document({"/version": mock_route('{"version": 3}')}),
    )
    out["overwritten"] = [
        get(endpoint, f"/_aws/execute-api/{api_id}/dev/health")[0],
        get(endpoint, f"/_aws/execute-api/{api_id}/dev/version"),
    ]
    aws_integration = {
        "/a": {
            "get": {
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "aws",
                    "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/GetItem",
                },
            }
        }
    }
    out["unsupported"] = error_of(
        lambda: apigw.import_rest_api(body=document(aws_integration))
    )
    out["fail_on_warnings"] = error_of(
        lambda: apigw.import_rest_api(
            body=document(
                {"/health": mock_route("{}")},
                **{"x-amazon-apigateway-binary-media-types": ["image/png"]},
            ),
            failOnWarnings=True,
        )
    )
    out["unknown_api"] = error_of(
        lambda: apigw.create_deployment(restApiId="nosuchapi0", stageName="dev")
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
