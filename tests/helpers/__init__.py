"""Helpers shared by the tests: fake clocks, Textual flow helpers, a pty terminal, QR reading."""
