"""The HTML pages, one blueprint per part: the public search and the seeker's pages
(:mod:`~webapp.pages.seeker`), their privacy pages (:mod:`~webapp.pages.privacy`), employers,
counsellors, the offer page, accounts and administration."""
