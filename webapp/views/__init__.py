"""HTML blueprints: one per role (seeker, employer, counsellor) and the offer detail page."""
