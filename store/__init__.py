"""The embedded store: one SQLite file holding posts, accounts, organizations, collection state and enrichment.

Collections write through it (``socialstage.audit.collection``); audits, batches, labeling and ``socialstage
store`` read through it. It sits above the collectors' records and beside the features (neither imports the
other)."""
