"""The Microsoft Teams adapter: the Microsoft 365 Agents SDK (aiohttp hosting, msal auth) in
front of bot/turn.py; forms and DMs are Adaptive Cards 1.5."""
