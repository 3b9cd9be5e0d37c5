"""Small durable functions: the seed's minimal (003) and showcase of every operation (004), and N no-op steps for the shape bench."""
