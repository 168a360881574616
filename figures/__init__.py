"""Figures: every figure of every area, judged once (value, expected by now, gap, status), for one scope and date."""
