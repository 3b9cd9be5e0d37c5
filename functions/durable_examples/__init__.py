"""The seed's two small durable functions: a minimal one (003) and a showcase of every operation (004)."""
