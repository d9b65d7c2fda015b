#!/bin/sh
# Part 1 of 4 of the fault-injection plan (tests/fault/fault.sh).
exec "${top_srcdir:-.}/tests/fault/fault.sh" 1/4 "$@"
