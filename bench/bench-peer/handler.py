"""The bench's Python peer: what many teams would write instead. At init it builds boto3
DynamoDB and SES v2 clients, as a real function would; the handler answers API Gateway HTTP API
events with a small JSON body. It runs under awslambdaric, the runtime interface client that
AWS's Python images use, against the same Runtime API emulator as the Rust functions."""

import json

import boto3

DYNAMODB = boto3.client("dynamodb")
SES = boto3.client("sesv2")


def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "cache-control": "no-store"},
        "body": json.dumps({"ok": True, "path": event.get("rawPath")}),
    }
