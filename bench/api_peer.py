"""The peer for bench/api.sh: what a data engineer writes by hand without sluice.

  python3 bench/api_peer.py pandas|sqlite URL OUT.db

Follows the body's "next" link page by page with urllib, then either flattens with
pandas.json_normalize and writes with DataFrame.to_sql (nested lists as JSON text), or inserts
the flat fields with sqlite3 executemany (the leanest hand-written loader).
"""
import json
import sqlite3
import sys
import urllib.request


def pages(url):
    while url:
        with urllib.request.urlopen(url) as response:
            body = json.load(response)
        yield body["items"]
        url = body.get("next")


def main():
    mode, url, out = sys.argv[1], sys.argv[2], sys.argv[3]
    con = sqlite3.connect(out)
    rows = 0
    if mode == "pandas":
        import pandas as pd

        first = True
        for items in pages(url):
            frame = pd.json_normalize(items, sep="__")
            frame["labels"] = frame["labels"].map(json.dumps)
            frame.to_sql("issues", con, if_exists="replace" if first else "append", index=False)
            first = False
            rows += len(frame)
    else:
        con.execute(
            "CREATE TABLE issues (id INTEGER, number INTEGER, title TEXT, state TEXT, "
            "comments INTEGER, created_at TEXT, updated_at TEXT, score REAL, user__id INTEGER, "
            "user__login TEXT, user__site_admin INTEGER, labels TEXT, body TEXT)")
        for items in pages(url):
            con.executemany(
                "INSERT INTO issues VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(r["id"], r["number"], r["title"], r["state"], r["comments"], r["created_at"],
                  r["updated_at"], r["score"], r["user"]["id"], r["user"]["login"],
                  r["user"]["site_admin"], json.dumps(r["labels"]), r["body"]) for r in items])
            rows += len(items)
    con.commit()
    print(rows)


if __name__ == "__main__":
    main()
