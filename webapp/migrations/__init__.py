"""Schema migrations, one file per change, applied in order by webapp.schema (playhouse's
migration runner). Never edit a file that has been released: add the next one."""
