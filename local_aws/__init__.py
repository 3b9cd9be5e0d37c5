"""The embedded local AWS: moto's backends, Lambda workers running the built
archives under awslambdaric, the durable runner, the upload trigger and
persistence, behind one loopback endpoint. The CLI, the demo, the bench and
the tests all reach it; none of it ships to AWS."""
