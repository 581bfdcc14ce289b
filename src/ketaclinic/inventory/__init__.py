"""The controlled-substance ledger: registrations, safes, products, lots,
suppliers and the append-only ledger of every milligram (CLINICAL.md 6)."""
