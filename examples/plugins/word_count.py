# A plugin: counts words in every CSV file beneath its inbox directory and
# writes a summary into its outbox directory.

def run(options):
    counts = {}
    for path in sorted(inbox.rglob("*.csv")):
        counts[path.name] = len(path.read_text().split())
    lines = [f"{name}: {n}" for name, n in counts.items()]
    outbox.joinpath("word_count.txt").write_text("\n".join(lines) + "\n")
    log(f"counted {len(counts)} files")
    return {"files": len(counts), "words": sum(counts.values()), "min": options.get("min", 0)}
