try:
    try: (data / "missing").read_text()
    except FileNotFoundError as e: raise ValueError("wrapped") from e
except ValueError as v:
    chain = v.__cause__
    if chain is None or "missing" not in str(chain): print("ESCAPED? unexpected chain")
    for e in (v, chain, v.__context__):
        if e is not None and "/tmp" in str(e): print("ESCAPED: host path", e)
