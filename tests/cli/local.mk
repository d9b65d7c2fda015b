# Command-line tests: the programs as a user runs them.
TESTS += tests/cli/stream_dump.sh
EXTRA_DIST += tests/cli/stream_dump.sh
