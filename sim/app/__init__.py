"""The classroom app (``scensim app``): levers as sliders, targets against their lines, the baseline
overlaid, a scoreboard of P(met), the market and the cost — one model per browser session.

Modules: ``controls`` (sliders and presets from the registry and the case), ``compute`` (replicate
digests, cache, aggregation), ``charts`` (figures), ``widgets`` and ``page`` (Solara), ``webfont``
(Chinese text on machines without CJK fonts), ``text`` (words in zh/en), ``server`` (the server
process ``scensim app`` starts). The app uses the model only through ``sim``'s public names.
"""
