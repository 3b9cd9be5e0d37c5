"""Runs the Pulumi program under mocks and records every resource it declares.

``run_program`` executes ``__main__.py`` as ``pulumi up`` would (building the
Lambda code for real, from the build cache when unchanged), but against
``RecordingMocks``: each resource's resolved inputs, its URN (which names its
parent's type) and the provider it was sent to are kept for assertions. The
program runs once per stack configuration and the runs are shared.

Two users: the infrastructure tests, which assert on the recorded resources,
and the local stack, which creates exactly those resources on its endpoint.
"""

from __future__ import annotations

import json
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import set_root_resource

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROGRAM = PROJECT_ROOT / "__main__.py"
PROJECT = "vinyl-album-registry"
ACCOUNT_ID = "123456789012"
ASSUMED_ACCOUNT_ID = "210987654321"


@dataclass
class RecordedResource:
    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    provider: str
    # The resource option, as the engine receives it: {"create": "15m", ...}.
    custom_timeouts: dict[str, str] = field(default_factory=dict)

    @property
    def parent_type(self) -> str | None:
        """The type of the parent, as the URN spells it (``Parent$Child``)."""
        qualified = self.urn.split("::")[2]
        return qualified.split("$")[-2] if "$" in qualified else None


@dataclass
class ProgramRun:
    stack: str
    region: str
    account_id: str
    resources: list[RecordedResource]
    exports: dict[str, Any]
    calls: list[pulumi.runtime.MockCallArgs] = field(default_factory=list)

    def of_type(self, resource_type: str) -> list[RecordedResource]:
        return [resource for resource in self.resources if resource.type == resource_type]

    def one(self, resource_type: str, name_suffix: str = "") -> RecordedResource:
        found = [r for r in self.of_type(resource_type) if r.name.endswith(name_suffix)]
        assert len(found) == 1, f"{resource_type} *{name_suffix}: {[r.name for r in found]}"
        return found[0]

    def policies(self) -> list[tuple[RecordedResource, dict[str, Any]]]:
        """Every IAM document the stack grants with, parsed."""
        documents = []
        for resource in self.of_type("aws:iam/rolePolicy:RolePolicy"):
            documents.append((resource, json.loads(resource.inputs["policy"])))
        return documents


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers like AWS would, with ARNs built from the declared names."""

    def __init__(self, region: str, account_id: str) -> None:
        self.region = region
        self.account_id = account_id
        self.created: list[tuple[str, str, dict[str, Any], str]] = []
        self.calls: list[pulumi.runtime.MockCallArgs] = []

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        self.calls.append(args)
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": self.account_id,
                "arn": f"arn:aws:iam::{self.account_id}:user/tester",
                "userId": "tester",
                "id": self.account_id,
            }
        raise AssertionError(f"unexpected invoke {args.token}")

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.created.append((args.typ, args.name, dict(args.inputs), args.provider or ""))
        state = dict(args.inputs)
        state.update(self._computed(args.typ, args.inputs))
        # Like the AWS provider, a resource with a physical name has it as its id.
        physical_name = args.inputs.get("bucket") if args.typ == "aws:s3/bucket:Bucket" else args.inputs.get("name")
        return str(physical_name or f"{args.name}-id"), state

    def _computed(self, resource_type: str, inputs: dict[str, Any]) -> dict[str, Any]:
        region, account = self.region, self.account_id
        name = inputs.get("name", "")
        match resource_type:
            case "aws:dynamodb/table:Table":
                return {"arn": f"arn:aws:dynamodb:{region}:{account}:table/{name}"}
            case "aws:s3/bucket:Bucket":
                return {"arn": f"arn:aws:s3:::{inputs['bucket']}"}
            case "aws:lambda/function:Function":
                arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
                return {"arn": arn, "version": "1", "qualifiedArn": f"{arn}:1"}
            case "aws:lambda/layerVersion:LayerVersion":
                layer = f"arn:aws:lambda:{region}:{account}:layer:{inputs['layerName']}"
                return {"arn": f"{layer}:1", "layerArn": layer, "version": "1"}
            case "aws:lambda/alias:Alias":
                function = inputs["functionName"]
                return {"arn": f"arn:aws:lambda:{region}:{account}:function:{function}:{name}"}
            case "aws:lambda/functionUrl:FunctionUrl":
                return {"functionUrl": f"https://{inputs['functionName']}.lambda-url.{region}.on.aws/"}
            case "aws:sfn/stateMachine:StateMachine":
                return {"arn": f"arn:aws:states:{region}:{account}:stateMachine:{name}"}
            case "aws:iam/role:Role":
                return {"arn": f"arn:aws:iam::{account}:role/{name}"}
            case "aws:cloudwatch/logGroup:LogGroup":
                return {"arn": f"arn:aws:logs:{region}:{account}:log-group:{name}"}
            case "aws:sqs/queue:Queue":
                return {
                    "arn": f"arn:aws:sqs:{region}:{account}:{name}",
                    "url": f"https://sqs.{region}.amazonaws.com/{account}/{name}",
                }
            case "aws:cloudwatch/eventRule:EventRule":
                return {"arn": f"arn:aws:events:{region}:{account}:rule/{name}"}
            case "aws:secretsmanager/secret:Secret":
                return {"arn": secret_arn(region, account, name)}
        return {}


class RecordingMonitor(MockMonitor):
    """Keeps the resource options the mocks are not given: custom timeouts."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.custom_timeouts: dict[tuple[str, str], dict[str, str]] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the engine's RPC name)
        timeouts = request.customTimeouts
        chosen = {key: getattr(timeouts, key) for key in ("create", "update", "delete") if getattr(timeouts, key)}
        if chosen:
            self.custom_timeouts[(request.type, request.name)] = chosen
        return super().RegisterResource(request)
def secret_arn(region: str, account: str, name: str) -> str:
    """A secret's ARN as the mocks answer it: like Secrets Manager, six random
    characters after the name, so no grant can be built from the name alone."""
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{name}-AbC123"


def run_program(stack: str, config: dict[str, Any]) -> ProgramRun:
    """Run ``__main__.py`` for one stack with this config (values as in Pulumi.<stack>.yaml)."""
    region = str(config.get("aws:region", "us-east-2"))
    account = ASSUMED_ACCOUNT_ID if "aws:assumeRoles" in config else ACCOUNT_ID
    mocks = RecordingMocks(region, account)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_all_config(
        {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
    )
    set_root_resource(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    stack_resource = pulumi.runtime.get_root_resource()
    exports: dict[str, Any] = {}

    def program() -> pulumi.Output[None]:
        runpy.run_path(str(PROGRAM), run_name="__main__")
        return pulumi.Output.all(**stack_resource.outputs).apply(exports.update)

    pulumi.runtime.test(program)()

    by_key = {(typ, name): urn for urn in monitor.resources for typ, name in [_type_and_name(urn)]}
    resources = [
        RecordedResource(typ, name, by_key[(typ, name)], inputs, provider, monitor.custom_timeouts.get((typ, name), {}))
        for typ, name, inputs, provider in mocks.created
    ]
    return ProgramRun(stack, region, account, resources, exports, mocks.calls)


def _type_and_name(urn: str) -> tuple[str, str]:
    _, _, qualified_type, name = urn.split("::", 3)
    return qualified_type.split("$")[-1], name


def stack_file_config(stack: str) -> dict[str, Any]:
    """The config of a committed Pulumi.<stack>.yaml, as the CLI would pass it."""
    import yaml

    document = yaml.safe_load((PROJECT_ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    return dict(document["config"])
