#!/bin/sh
# Part 4 of 4 of the fault-injection plan (tests/fault/fault.sh).
exec "${top_srcdir:-.}/tests/fault/fault.sh" 4/4 "$@"
