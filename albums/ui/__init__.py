"""``albums ui``: the validation page on 127.0.0.1, and the client the CLI shares."""
