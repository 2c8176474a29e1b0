"""A Flask portal of HTML pages on the library: register, activate, log in, "Mon compte", manage."""
