#!/bin/sh
# Part 2 of 4 of the fault-injection plan (tests/fault/fault.sh).
exec "${top_srcdir:-.}/tests/fault/fault.sh" 2/4 "$@"
