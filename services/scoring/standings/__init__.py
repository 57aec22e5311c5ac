"""Standings, determinations, the flag model, flags with due process, and bulletins.

One concern per module:

- ``config``: the policy (every number a default a deployment may change) and what is read at start;
- ``reads``: the read port, the only standings code that touches scoring's score, case and rating
  tables;
- ``evidence``: pure evidence building (calibrated case scores, rates, ratings, survey summaries);
- ``runs``: typed stored runs (what a computation stored, and the arrays the flag rule reads back);
- ``store``/``models``: standings' own tables (runs, determinations, flag models, flags, bulletins);
- ``mapping``: stored rows → protobuf messages;
- ``peers``: the surveys and assignment clients;
- ``servicer``: the thin gRPC handlers.

The mathematics is in ``services.scoring.ranking``, the rendering in ``services.scoring.bulletin``.
"""
