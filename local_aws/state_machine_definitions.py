"""A state machine's definition parsed once, not once per execution.

moto (5.2.5) runs ANTLR's parser over the whole ASL definition at the start
of every execution (``AmazonStateLanguageParser.parse``); py-spy put 6 % of
the stack process's CPU there under ``albums bench --concurrency 20``. The
syntax tree depends on the definition's text alone and is only read after
parsing, so it is kept per definition; each execution still gets its own
evaluation components, built from the tree by moto's ``Preprocessor``.
A definition with syntax errors is refused each time, as before.

The JSONPaths a definition holds are parsed once too. moto hands each path to
``jsonpath_ng`` every time a state reads or writes its data, and ``jsonpath_ng``
builds a new parser (its grammar tables included) for every parse: py-spy put
5.6 % of the stack process's CPU there under ``albums bench --concurrency 20``.
A parsed path is only read when it is applied (``find``, ``update_or_create``
change the data, not the path), so one parse serves every use. A malformed path
raises each time, as before, since failures are not kept.
"""

from __future__ import annotations

import functools

from antlr4 import ParserRuleContext
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
from moto.stepfunctions.parser.asl.utils import json_path

_INSTALLED = "_local_aws_parsed_once"
# Definitions kept: the stack's few state machines, with room for updates.
KEPT_DEFINITIONS = 32
# Paths kept: a definition holds tens of them.
KEPT_JSON_PATHS = 1024


def install_parsed_definitions() -> None:
    """Parse each definition, and each JSONPath, once (idempotent)."""
    if getattr(AmazonStateLanguageParser.parse, _INSTALLED, False):
        return
    # moto imports its two JSONPath parsers by name: data paths (the extended
    # grammar, with filters) and result paths.
    for module in (json_path, result_path):
        module.parse = functools.lru_cache(maxsize=KEPT_JSON_PATHS)(module.parse)  # type: ignore[attr-defined]
    parse = AmazonStateLanguageParser.parse

    @functools.lru_cache(maxsize=KEPT_DEFINITIONS)
    def syntax_tree(definition: str) -> ParserRuleContext:
        return parse(definition)[1]

    def parse_once(definition: str) -> tuple[EvalComponent, ParserRuleContext]:
        tree = syntax_tree(definition)
        return Preprocessor().visit(tree), tree

    setattr(parse_once, _INSTALLED, True)
    AmazonStateLanguageParser.parse = staticmethod(parse_once)  # type: ignore[method-assign]
