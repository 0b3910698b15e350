"""``make demo``: release a real scikit-learn model through a local modelyard registry, end to end.

``python -m release_demo`` (with ``examples/`` on the path) starts a registry on free loopback
ports (:mod:`release_demo.registry`, the one place that knows how), a webhook receiver for it to
deliver to, trains three Iris classifiers, and releases them through the ``modelyard`` SDK:
create the model, register the versions, set an alias, promote to staging and roll back; a
foreign repository's promotion and an unapproved production promotion are refused; an admin
sets the registry policy (the owner may not) and grants roles to GitHub teams; the registry
validates two versions for production (the weak one fails); a reviewer signs in with GitHub's
device flow (:mod:`release_demo.people`) and signs the strong one off; production is refused
until "alice" approves the run in (a stand-in for) GitHub, then goes through; the webhook
receives the promotion, its Standard Webhooks signature checked with the registry's own code.
The next release ships v3; in an incident the on-call engineer (ops) signs in, may not promote,
and rolls production back with a reason. Last: the audit trail, the security log, and the
champion downloaded (digest verified) and re-scored.

Exit status 0 when every step did what it should; otherwise 1, naming the step that failed.
"""
