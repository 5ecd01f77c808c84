"""The counsellors' inbox on the web side (issue 15, web half): its tables
(:mod:`~webapp.inbox.models`), their queries (:mod:`~webapp.inbox.repository`), who may see
what (:mod:`~webapp.inbox.access`), the triage of each message at arrival
(:mod:`~webapp.inbox.arrival`), the classifier's saved versions and retraining
(:mod:`~webapp.inbox.versions`), imports of e-mail files (:mod:`~webapp.inbox.importing`),
the demo messages (:mod:`~webapp.inbox.demo`) and the erasure of a seeker's messages
(:mod:`~webapp.inbox.erasure`). The engine half is :mod:`matcher.inbox`
(``docs/counsellor-tools.md``)."""
