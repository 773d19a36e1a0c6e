def deep(n):
    if n == 0: 1 / 0
    deep(n - 1)
try: deep(5)
except ZeroDivisionError as e:
    tb = e.__traceback__
    while tb:
        if tb.tb_frame.f_globals is not globals(): print("ESCAPED: foreign frame")
        tb = tb.tb_next
