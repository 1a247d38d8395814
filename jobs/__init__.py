"""RQ entry points. Each job runs inside the web app's context (same config, same
database binding) and calls services; nothing here holds business rules."""
