"""The pure core: entities, lifecycles, validators, events and errors."""
