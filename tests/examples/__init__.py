"""The examples' applications, each through its framework's test client (or a real browser)."""
