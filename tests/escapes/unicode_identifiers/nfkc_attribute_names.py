def f(): pass
try:
    g = f.__ｇｌｏｂａｌｓ__
    if g is not globals(): print("ESCAPED")
except AttributeError:
    pass
