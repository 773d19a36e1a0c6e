for attempt in (lambda: int("x"), lambda: [].pop(), lambda: {}["k"], lambda: (data / "nope").read_text(), lambda: data / ".."):
    try: attempt()
    except Exception as e:
        tb = e.__traceback__
        while tb:
            fr = tb.tb_frame
            while fr is not None:
                if fr.f_globals is not globals(): print("ESCAPED: frame of", fr.f_code.co_name)
                fr = fr.f_back
            tb = tb.tb_next
