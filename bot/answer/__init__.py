"""The answer engine: a staff member's question in, a cited answer (or an honest refusal) out.

It must stay light: `policybot ask` imports it without the chat SDKs or the database layer.
"""
