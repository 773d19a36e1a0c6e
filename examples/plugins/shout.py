# A plugin that keeps state between calls.
calls = 0

def run(options):
    global calls
    calls += 1
    first = sorted(p for p in inbox.rglob("*") if p.is_file())[0]
    return {"calls": calls, "loudest": first.read_text().splitlines()[0].upper()}
