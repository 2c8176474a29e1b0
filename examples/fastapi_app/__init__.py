"""A FastAPI JSON API on the library: register, activate, log in, ask to join, decide, check access."""
