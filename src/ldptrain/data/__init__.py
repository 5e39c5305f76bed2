"""Reference data files (CSV) shipped with ldptrain; see README.md."""
