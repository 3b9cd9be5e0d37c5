"""Both engines on a running ``albums local up``, for the scenario, equivalence and property suites."""

from tests.stack_pipelines import shelf_photo, stack_pool  # noqa: F401 (the fixtures)
