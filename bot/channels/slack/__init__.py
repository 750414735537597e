"""The Slack channel: a bolt app translating Slack's events and buttons to the core's ChatService, and the
core's replies to Block Kit (`render`). See `server.serve_slack` for the web process."""
