"""What the request journal costs a write: ``python -m albums.bench.journal_cost``.

moto behind the stack's gateway, in this process, on a loopback port; the
same writes (DynamoDB PutItem, S3 PutObject of a sample photo) answered
without the journal, with it but no fsync, and with it as the stack runs it
(fsync, group commit). Prints each one's median and 95th percentile latency,
one writer at a time, and the throughput of several writers at once.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3

from local_aws.gateway import GatewayServer, LocalGateway, WsgiApp
from local_aws.journal import RequestJournal
from local_aws.lambda_runtime import NoFunctions
from local_aws.persistence import PERSISTED_SERVICES

SAMPLE_PHOTO = Path(__file__).resolve().parents[2] / "samples" / "shelf-01.jpg"


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local"
    )


def _latencies_ms(write: Callable[[int], object], count: int) -> list[float]:
    taken = []
    for number in range(count):
        started = time.perf_counter()
        write(number)
        taken.append((time.perf_counter() - started) * 1000)
    return taken


def _measure(name: str, middleware: Callable[[WsgiApp], WsgiApp] | None, *, writes: int, writers: int) -> None:
    """Print ``name``'s latencies and throughput; its table and bucket are named after its middleware."""
    server = GatewayServer(LocalGateway(NoFunctions(), moto_middleware=middleware)).start()
    try:
        dynamodb, s3 = _client("dynamodb", server.endpoint), _client("s3", server.endpoint)
        table = bucket = f"cost-{'journal' if middleware else 'plain'}-{time.monotonic_ns()}"
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        photo = SAMPLE_PHOTO.read_bytes()

        def put_item(number: int) -> object:
            return dynamodb.put_item(TableName=table, Item={"pk": {"S": f"item-{number}"}, "n": {"N": str(number)}})

        def put_object(number: int) -> object:
            return s3.put_object(Bucket=bucket, Key=f"uploads/{number}.jpg", Body=photo)

        for write, what in ((put_item, "PutItem"), (put_object, f"PutObject {len(photo) // 1024} KB")):
            taken = _latencies_ms(write, writes)
            print(
                f"{name:18} {what:18} median {statistics.median(taken):6.2f} ms"
                f"  p95 {statistics.quantiles(taken, n=20)[18]:6.2f} ms"
            )
        clients = [_client("dynamodb", server.endpoint) for _ in range(writers)]
        started = time.perf_counter()
        with ThreadPoolExecutor(writers) as pool:
            list(
                pool.map(
                    lambda number: clients[number % writers].put_item(
                        TableName=table, Item={"pk": {"S": f"many-{number}"}}
                    ),
                    range(writes * writers),
                )
            )
        rate = writes * writers / (time.perf_counter() - started)
        print(f"{name:18} {f'PutItem x{writers} writers':18} {rate:7.0f} writes/s")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=200, help="writes of each kind per variant")
    parser.add_argument("--writers", type=int, default=8, help="concurrent writers for the throughput figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        _measure("no journal", None, writes=args.writes, writers=args.writers)
        for name, sync in (("journal, no fsync", False), ("journal, fsync", True)):
            journal = RequestJournal(Path(directory) / str(sync), services=PERSISTED_SERVICES, sync=sync)
            journal.rotate(1)
            try:
                _measure(name, journal.middleware, writes=args.writes, writers=args.writers)
            finally:
                journal.close()


if __name__ == "__main__":
    main()
