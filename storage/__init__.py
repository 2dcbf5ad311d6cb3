"""Persistence: typed models, sessions, migrations, field encryption, audit chain and outbox."""
