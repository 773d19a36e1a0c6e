for attempt in (lambda: (data / "nope").read_text(), lambda: (data / "sub").read_text(), lambda: (data / "x").write_text("x")):
    try: attempt()
    except OSError as e:
        for part in (str(e), repr(e.args), str(e.filename), str(getattr(e, "filename2", ""))):
            if "/tmp" in part or "tmp" in part.split("/")[1:2]: print("ESCAPED: host path", part)
