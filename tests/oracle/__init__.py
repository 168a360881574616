"""An independent oracle for the weekly report: a data generator and a plain-Python report.

Written from the contract (§1 import files, §3 report) alone, without reading the project's
query code, so that a disagreement between the two points at a misreading on one side.
"""
