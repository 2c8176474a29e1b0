"""Adapters plugged into the ports: in-memory defaults, hashing, mail, directory."""
