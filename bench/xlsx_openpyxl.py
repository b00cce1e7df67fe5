#!/usr/bin/env python3
"""openpyxl's read-only mode over the first sheet: the peer of sluice's xlsx reader.

    /usr/bin/python3 bench/xlsx_openpyxl.py FILE.xlsx

Prints rows, cells (rows x columns as iter_rows yields them), seconds and cells/s. Values are
converted as openpyxl does (numbers, strings, datetimes via the number formats)."""
import sys
import time

import openpyxl

start = time.perf_counter()
wb = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
ws = wb.worksheets[0]
rows = cells = 0
for row in ws.iter_rows(values_only=True):
    rows += 1
    cells += len(row)
wb.close()
seconds = time.perf_counter() - start
print(f"rows={rows} cells={cells} seconds={seconds:.3f} cells_per_s={cells / seconds:.0f}")
