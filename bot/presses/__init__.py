"""One-tap steps: the buttons and forms on the bot's messages, and what pressing them does.

A button carries an opaque id that only this package reads (``ids``). Pressing it runs the
same command the member would type, as that member only, at most once per message, and
only while the step still makes sense (``handler``).
"""
