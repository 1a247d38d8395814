"""The customer import pipeline: read a file, match its columns, check its rows, and
apply them in committed, checkpointed chunks. Routes, jobs and the CLI call in here."""
