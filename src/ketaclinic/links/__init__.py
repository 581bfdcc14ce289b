"""Private links to patients and visitors: one signer (tokens.py), one family of
link problems with one page that names nobody (problems.py, views.py), and the
record of single-use links (models.py, services.py)."""
