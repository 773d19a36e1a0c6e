# Summarises every CSV file in the granted directory `data`.
# Run: capy run examples/report.py --dir data=examples/data
total = 0
for path in sorted(data.rglob("*.csv")):
    rows = path.read_text().splitlines()[1:]
    visits = sum(int(row.split(",")[1]) for row in rows)
    total += visits
    print(f"{path}: {len(rows)} cities, {visits} visits")
print(f"total: {total} visits")

# The grant is read-only: writing is refused, and nothing outside is reachable.
for attempt in (lambda: (data / "new.txt").write_text("x"), lambda: data / ".." / "secret"):
    try:
        attempt()
    except PermissionError as error:
        print("refused:", error)
