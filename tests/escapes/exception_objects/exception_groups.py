try:
    raise ExceptionGroup("g", [ValueError(1), TypeError(2)])
except* ValueError as eg:
    for e in eg.exceptions:
        tb = e.__traceback__
        while tb:
            if tb.tb_frame.f_globals is not globals(): print("ESCAPED")
            tb = tb.tb_next
except* TypeError:
    pass
