"""Pictures: the weekly chart of emails and interviews, drawn off the event loop.

``series`` says what a chart shows (and says it again in words, for screen readers),
``draw`` turns it into a PNG with Pillow, ``renderer`` runs the drawing on a worker thread
with a time budget and a cache. Pillow is imported only by ``draw``, and ``draw`` only when
the first chart is drawn, so a bot that never draws one never loads it.
"""
