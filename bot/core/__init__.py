"""The channel-agnostic core: turns a message from a known user into platform-neutral replies."""
