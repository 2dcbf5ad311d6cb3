"""The local terminal adapter: the same commands and dialogs as Slack and Teams."""
