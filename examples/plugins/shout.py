# A plugin that keeps state between calls.
calls = 0

def run(options):
    global calls
    calls += 1
    first = sorted(input.iterdir())[0]
    return {"calls": calls, "loudest": first.read_text().strip().upper()}
