"""Offline evaluation: ranking metrics, labelled sets in BEIR layout, their builders, a runner.

- :mod:`matcher.evaluation.metrics`: nDCG@10, MAP, MRR, Recall@50.
- :mod:`matcher.evaluation.beir`: read and write a labelled set folder (BEIR layout).
- :mod:`matcher.evaluation.sets`: seeded builders of the three sets from the real data.
- :mod:`matcher.evaluation.runner`: index a set's corpus, run every configuration, report.
"""
