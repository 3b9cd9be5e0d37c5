"""The embedded local AWS: moto's backends, an in-process Lambda runtime and
the durable runner, behind one loopback endpoint."""
