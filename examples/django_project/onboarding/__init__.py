"""The app whose views call the library."""
