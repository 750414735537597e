"""The Microsoft Teams channel: Bot Framework in, Adaptive Cards out.

Everything Bot-Framework-specific (botbuilder, Activities, Adaptive Cards, the connector's throttling)
stays in this package, so moving to the Microsoft 365 Agents SDK touches this folder only. The features
themselves are the core's (`bot.core.service.ChatService`).
"""
