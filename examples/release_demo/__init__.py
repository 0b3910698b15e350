"""``make demo``: release a real scikit-learn model through a local modelyard registry, end to end.

``python -m release_demo`` (with ``examples/`` on the path) starts a registry on free loopback
ports (:mod:`release_demo.registry`, the one place that knows how), a webhook receiver for it to
deliver to, trains two Iris classifiers, and releases them through the ``modelyard`` SDK:
create the model, register both versions, set an alias, promote to staging and roll back; a
foreign repository's promotion and an unapproved production promotion are refused; an admin
sets the registry policy (the owner may not); the registry validates both versions for
production (the weak one fails); production is refused until "alice" approves the run in (a
stand-in for) GitHub, then goes through; the webhook receives the promotion, its Standard
Webhooks signature checked with the registry's own code. Last: the audit trail, the security
log, and the champion downloaded (digest verified) and re-scored.

Exit status 0 when every step did what it should; otherwise 1, naming the step that failed.
"""
