"""Delivery: the outbox, its sender and leases, the send budget shared by processes, the
channel interface, broadcasts and notices with receipts. Imports ``records`` and below."""
