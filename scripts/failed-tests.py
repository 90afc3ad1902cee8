#!/usr/bin/env python3
"""Prints each failed test in the given .trx files with the first lines of its message,
so the end of a CI log names what failed even when only its tail is kept."""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}

for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        print(f"FAILED? {path}: unreadable results ({error})")
        continue
    for result in root.iterfind(".//t:UnitTestResult", NS):
        if result.get("outcome") not in ("Failed", "Error", "Timeout"):
            continue
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS).strip()
        lines = message.splitlines()[:6]
        print(f"FAILED {result.get('testName')} ({result.get('duration')})")
        for line in lines:
            print(f"    {line[:300]}")
