"""Channel adapters: translate between a platform and the core's platform-neutral replies."""
