"""Reads a JUnit file with junitparser (the Python library many CI scripts and converters use)
and prints what it saw as one JSON object:
  {"junitparser": version, "suites": [{"name", "tests", "failures", "errors", "skipped",
   "properties": {...}, "cases": [{"name", "classname", "time", "results": [{"type", "message",
   "text"}], "system_out", "system_outs", "properties": {...}}]}]}
For reports/junit.consumers.test.ts. Usage: python3 junitparser-read.py FILE
"""
import json
import sys

import junitparser
from junitparser import JUnitXml, Properties, SystemOut


def properties(element):
    found = element.child(Properties)
    return {} if found is None else {prop.name: prop.value for prop in found}


def case(test):
    return {
        "name": test.name,
        "classname": test.classname,
        "time": test.time,
        "results": [{"type": type(result).__name__, "message": result.message, "text": result.text} for result in test.result],
        "system_out": test.system_out,
        "system_outs": len(list(test.iterchildren(SystemOut))),
        "properties": properties(test),
    }


def suite(found):
    return {
        "name": found.name,
        "tests": found.tests,
        "failures": found.failures,
        "errors": found.errors,
        "skipped": found.skipped,
        "properties": properties(found),
        "cases": [case(test) for test in found],
    }


xml = JUnitXml.fromfile(sys.argv[1])
print(json.dumps({"junitparser": junitparser.version, "suites": [suite(found) for found in xml]}))
