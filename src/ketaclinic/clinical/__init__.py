"""The clinical rules of ketaclinic, in plain Python.

Everything here can be checked by a clinician on paper: scores, dosing weights, codes.
Each number names its source in ``CLINICAL.md``. This package never imports Django or
any other part of ketaclinic (the ``.importlinter`` contract enforces it), so the rules
stay testable without a database.
"""
