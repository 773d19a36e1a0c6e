e = ValueError("x").with_traceback(None)
try: raise e
except ValueError as caught:
    if caught.__traceback__.tb_frame.f_globals is not globals(): print("ESCAPED")
